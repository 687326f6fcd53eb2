package sshd

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"provkeys/internal/testcert"
	"provkeys/store/postgres/pgtest"
)

// The provkeys binary, built once for the package's end-to-end tests that run it; TestMain
// removes it.
var (
	binOnce sync.Once
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// sshBinary builds provkeys from this tree once per test package run.
func sshBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "provkeys-sshd-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "provkeys")
		if out, err := exec.Command("go", "build", "-o", binPath, "../..").CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// replica is one `provkeys serve` process on the shared database.
type replica struct {
	name      string
	cmd       *exec.Cmd
	log       *sshSyncBuffer
	sshPort   string
	enrollURL string // "" when this build serves no enrollments
}

// TestReplicasOnPostgresE2E runs two `provkeys serve` replicas, as built from this tree, on one
// private PostgreSQL database, each with its own SSH port and its own enrollment port, and an
// operator on each through the real OpenSSH client in tmux:
//   - a change made on one operator's dashboard shows on the other's within about a second;
//   - the database restarting under both dashboards is one status line on each, "store
//     unavailable, retrying", which goes away by itself, and live refresh works afterwards;
//   - 200 enrollments split over both replicas against a key allowing 50 admit exactly 50.
func TestReplicasOnPostgresE2E(t *testing.T) {
	sshRequireTools(t, "ssh", "tmux", "go")
	srv, err := pgtest.Start()
	if err != nil {
		if pgtest.Required() {
			t.Fatalf("PostgreSQL is required (PROVKEYS_REQUIRE_E2E=1): %v", err)
		}
		t.Skipf("no PostgreSQL: %v", err)
	}
	t.Cleanup(func() { srv.Stop() })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := srv.Exec(ctx, "CREATE DATABASE replicas"); err != nil {
		t.Fatal(err)
	}
	bin := sshBinary(t)
	dir := t.TempDir()
	url := srv.URL("replicas")
	dataKey := filepath.Join(dir, "data.key")
	cli := func(args ...string) string {
		t.Helper()
		var errb bytes.Buffer
		cmd := exec.Command(bin, append([]string{"--db", url, "--data-key", dataKey}, args...)...)
		cmd.Stderr = &errb
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("provkeys %v: %v\n%s", args, err, errb.String())
		}
		return string(out)
	}
	help, _ := exec.Command(bin, "serve", "--help").CombinedOutput()
	enrolls := strings.Contains(string(help), "--enroll-listen")

	cli("demo", "--keys", "6")
	cli("groups", "add", "Fleet")
	const shared = "shared-key"
	cli("keys", "add", shared, "--group", "Fleet")
	const limited = "fifty-uses"
	var added struct{ Key string }
	if err := json.Unmarshal([]byte(cli("keys", "add", limited, "--group", "Fleet", "--max-usage", "50", "--json")), &added); err != nil || added.Key == "" {
		t.Fatalf("keys add --json: %v", err)
	}
	secret := added.Key

	alice, bob := sshNewSigner(t), sshNewSigner(t)
	ops := filepath.Join(dir, "operators")
	sshWriteFile(t, ops, sshAuthorizedLine("admin", alice.PublicKey(), "alice")+"\n"+
		sshAuthorizedLine("admin", bob.PublicKey(), "bob")+"\n")
	start := func(name string) *replica {
		r := &replica{name: name, log: &sshSyncBuffer{}, sshPort: sshFreePort(t)}
		args := []string{"--db", url, "--data-key", dataKey, "serve", "--listen", "127.0.0.1:" + r.sshPort,
			"--operators", ops, "--host-key", filepath.Join(dir, name+"_host_key")}
		enrollPort := ""
		if enrolls {
			enrollPort = sshFreePort(t)
			args = append(args, "--enroll-listen", "127.0.0.1:"+enrollPort)
		} else {
			args = append(args, "--enroll-listen", "off") // not the default port: packages' tests run at once
		}
		r.cmd = exec.Command(bin, args...)
		r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
		if err := r.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			r.cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan error, 1)
			go func() { done <- r.cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				r.cmd.Process.Kill()
				t.Errorf("replica %s did not stop on SIGTERM; log:\n%s", name, r.log.String())
			}
		})
		sshWaitFor(t, r.log, "replica "+name+" to listen", sshContains("serving over SSH"))
		if enrolls {
			sshWaitFor(t, r.log, "replica "+name+" to serve enrollments", sshContains("serving enrollments"))
			r.enrollURL = "https://127.0.0.1:" + enrollPort
		}
		return r
	}
	ra, rb := start("a"), start("b")

	a := sshStartTmux(t, "ssh -tt "+strings.Join(sshClientArgs(ra.sshPort, alice.file(t, dir, "alice")), " "))
	b := sshStartTmux(t, "ssh -tt "+strings.Join(sshClientArgs(rb.sshPort, bob.file(t, dir, "bob")), " "))
	for _, tm := range []*sshTmux{a, b} {
		tm.waitPane("the dashboard", sshContains(shared))
		sshFilterTo(tm, shared)
	}

	// A change through replica a is on bob's screen, served by replica b, within a second.
	toggleSeen := func(want string) time.Duration {
		t.Helper()
		a.keys("t")
		deadline := time.Now().Add(5 * time.Second)
		for sshKeyEnabled(t, cli("keys", "show", shared, "--json")) != (want == "Enabled") {
			if time.Now().After(deadline) {
				t.Fatalf("t did not make %s %s; alice's screen:\n%s", shared, want, a.pane())
			}
			time.Sleep(20 * time.Millisecond)
		}
		committed := time.Now()
		b.waitPane("bob to see "+shared+" "+want, func(s string) bool {
			for _, line := range strings.Split(s, "\n") {
				if strings.Contains(line, shared) && strings.Contains(line, want) {
					return true
				}
			}
			return false
		})
		return time.Since(committed)
	}
	if d := toggleSeen("Disabled"); d > 1500*time.Millisecond {
		t.Errorf("bob saw alice's change after %s, want within about a second", d.Round(time.Millisecond))
	} else {
		t.Logf("bob saw alice's change %s after its commit", d.Round(time.Millisecond))
	}

	// The database restarts under both dashboards: one status line each while it is down,
	// gone by itself once it is back.
	if err := srv.Halt(); err != nil {
		t.Fatal(err)
	}
	const down = "store unavailable, retrying"
	for _, tm := range []*sshTmux{a, b} {
		screen := tm.waitPane("the dashboard to say the store is unavailable", sshContains(down))
		if n := strings.Count(screen, "store unavailable"); n != 1 {
			t.Errorf("the screen says %d times that the store is unavailable, want once:\n%s", n, screen)
		}
	}
	time.Sleep(2 * time.Second) // several polls during the outage
	for _, tm := range []*sshTmux{a, b} {
		if n := strings.Count(tm.pane(), "store unavailable"); n != 1 {
			t.Errorf("after 2 s down the screen says %d times that the store is unavailable:\n%s", n, tm.pane())
		}
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	for _, tm := range []*sshTmux{a, b} {
		tm.waitPane("the status line to clear after the restart", func(s string) bool {
			return !strings.Contains(s, "store unavailable") && strings.Contains(s, shared)
		})
	}
	// Live refresh works again after the restart (the replicas listen again).
	if d := toggleSeen("Enabled"); d > 1500*time.Millisecond {
		t.Errorf("after the restart bob saw alice's change after %s, want within about a second", d.Round(time.Millisecond))
	}

	if !enrolls {
		msg := "this build's serve has no --enroll-listen: the 200 enrollments over two replicas did not run"
		if pgtest.Required() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	enrollSplit(t, []*replica{ra, rb}, secret, 200, 50)
	var k struct {
		UsageCount int `json:"usage_count"`
		MaxUsage   int `json:"max_usage"`
	}
	if err := json.Unmarshal([]byte(cli("keys", "show", limited, "--json")), &k); err != nil {
		t.Fatal(err)
	}
	if k.UsageCount != 50 || k.MaxUsage != 50 {
		t.Fatalf("usage after 200 enrollments: %d/%d, want 50/50", k.UsageCount, k.MaxUsage)
	}
}

// enrollSplit sends n enrollments with secret, each for its own machine name, alternating
// between the replicas, all at once; exactly want must be admitted (201) and every other one
// refused for the key's usage (403, or 429 once the refusals from one address pile up).
func enrollSplit(t *testing.T, rs []*replica, secret string, n, want int) {
	t.Helper()
	// The enrollment service's TLS is checked elsewhere (ui/enroll's curl tests); here it
	// only carries the requests.
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, MaxIdleConnsPerHost: 64}}
	bodies := make([][]byte, n)
	for i := range bodies {
		name := fmt.Sprintf("machine-%03d", i)
		bodies[i], _ = json.Marshal(map[string]string{"key": secret, "machine": name, "csr": testcert.CSR(t, name)})
	}
	codes := make([]int, n)
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range bodies {
		wg.Go(func() {
			<-gate
			resp, err := client.Post(rs[i%len(rs)].enrollURL+"/v1/enroll", "application/json", bytes.NewReader(bodies[i]))
			if err != nil {
				t.Errorf("enrollment %d: %v", i, err)
				return
			}
			defer resp.Body.Close()
			codes[i] = resp.StatusCode
		})
	}
	close(gate)
	wg.Wait()
	count := map[int]int{}
	perReplica := make([]int, len(rs))
	for i, c := range codes {
		count[c]++
		if c == http.StatusCreated {
			perReplica[i%len(rs)]++
		}
	}
	t.Logf("%d enrollments: status counts %v; admitted per replica %v", n, count, perReplica)
	if count[http.StatusCreated] != want {
		t.Fatalf("%d enrollments admitted, want exactly %d (status counts %v)", count[http.StatusCreated], want, count)
	}
	if count[http.StatusCreated]+count[http.StatusForbidden]+count[http.StatusTooManyRequests] != n {
		t.Fatalf("unexpected statuses: %v", count)
	}
	for i, c := range perReplica {
		if c == 0 {
			t.Errorf("replica %s admitted no enrollment: the split did not reach it", rs[i].name)
		}
	}
}
