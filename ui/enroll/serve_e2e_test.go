package enroll_test

// End to end against the real binary: `provkeys serve` in its own process, machines played
// by clients nobody here wrote (curl, openssl) and by `provkeys enroll`, the store read back
// through the command line and, after a kill -9, through the database file itself.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"provkeys/internal/testcert"
	"provkeys/internal/testenv"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// provkeysBin builds the binary once for the package's tests.
func provkeysBin(t testing.TB) string {
	t.Helper()
	testenv.LookPath(t, "go")
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "provkeys-enroll-bin-")
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

// served is one `provkeys serve` process on a store of its own.
type served struct {
	t    testing.TB
	bin  string
	dir  string
	db   string
	root string // the Root CA, from `certs export Root`
	url  string
	cmd  *exec.Cmd
	log  *bytes.Buffer
	logM *sync.Mutex
	// flags are added to serve's command line.
	flags []string
}

// newServed makes a store (one group "Servers") and starts serve on it.
func newServed(t testing.TB, flags ...string) *served {
	t.Helper()
	s := &served{t: t, bin: provkeysBin(t), dir: t.TempDir(), flags: flags}
	s.db = filepath.Join(s.dir, "provkeys.db")
	s.pk("groups", "add", "--name", "Servers")
	s.root = filepath.Join(s.dir, "root.pem")
	if err := os.WriteFile(s.root, []byte(s.pk("certs", "export", "Root")), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.dir, "operators"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s.start()
	t.Cleanup(s.stop)
	return s
}

var enrollAddr = regexp.MustCompile(`serving enrollments over HTTPS" addr=(\S+) root_ca=(\S+)`)

// start runs serve with both listeners on free ports and waits for the enrollment address.
func (s *served) start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin, append([]string{"--db", s.db, "serve", "--listen", "127.0.0.1:0", "--enroll-listen", "127.0.0.1:0",
		"--enroll-hostname", "localhost", "--enroll-hostname", "127.0.0.1"}, s.flags...)...)
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.log, s.logM = &bytes.Buffer{}, &sync.Mutex{}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.logM.Lock()
			s.log.WriteString(sc.Text() + "\n")
			s.logM.Unlock()
			if m := enrollAddr.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case addr := <-found:
		s.url = "https://" + addr
	case <-time.After(60 * time.Second):
		s.cmd.Process.Kill()
		s.t.Fatalf("serve did not start:\n%s", s.logText())
	}
}

func (s *served) logText() string {
	s.logM.Lock()
	defer s.logM.Unlock()
	return s.log.String()
}

func (s *served) stop() {
	if s.cmd == nil || s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// pk runs the command line on the store and returns its standard output; it must succeed.
func (s *served) pk(args ...string) string {
	s.t.Helper()
	out, errOut, code := s.pkCode(args...)
	if code != 0 {
		s.t.Fatalf("provkeys %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out
}

func (s *served) pkCode(args ...string) (string, string, int) {
	cmd := exec.Command(s.bin, append([]string{"--db", s.db}, args...)...)
	cmd.Dir = s.dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		s.t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

// addKey creates a key with the extra flags and returns its secret.
func (s *served) addKey(name string, flags ...string) string {
	s.t.Helper()
	var v struct{ Key string }
	out := s.pk(append([]string{"keys", "add", "--name", name, "--group", "Servers", "--json"}, flags...)...)
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Key == "" {
		s.t.Fatalf("keys add: %v: %s", err, out)
	}
	return v.Key
}

type keyDoc struct {
	UsageCount int64 `json:"usage_count"`
	MaxUsage   int64 `json:"max_usage"`
}

func (s *served) keyDoc(name string) keyDoc {
	s.t.Helper()
	var k keyDoc
	if err := json.Unmarshal([]byte(s.pk("keys", "show", name, "--json")), &k); err != nil {
		s.t.Fatal(err)
	}
	return k
}

type machineDoc struct {
	Name      string   `json:"name"`
	Key       string   `json:"key"`
	Groups    []string `json:"groups"`
	Serial    string   `json:"serial"`
	NotAfter  string   `json:"not_after"`
	Remote    string   `json:"remote"`
	RevokedAt *string  `json:"revoked_at"`
}

func (s *served) machines(args ...string) []machineDoc {
	s.t.Helper()
	var ms []machineDoc
	if err := json.Unmarshal([]byte(s.pk(append([]string{"machines", "list", "--json"}, args...)...)), &ms); err != nil {
		s.t.Fatal(err)
	}
	return ms
}

// written is what a refusal must not change, as the command line shows it.
func (s *served) written() string {
	return fmt.Sprintf("machines=%d audit=%d", len(s.machines()), strings.Count(s.pk("audit", "--limit", "0"), "\n")) +
		" keys=" + s.pk("keys", "list", "--json")
}

// curl posts an openssl-made request for machine with key secret; CN is the machine name.
func (s *served) curl(secret, machine string) (int, map[string]any) {
	s.t.Helper()
	dir := filepath.Join(s.dir, "m-"+machine)
	os.MkdirAll(dir, 0o700)
	run(s.t, dir, "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", "m.key", "-subj", "/CN="+machine, "-out", "m.csr")
	csr, _ := os.ReadFile(filepath.Join(dir, "m.csr"))
	body, _ := json.Marshal(map[string]string{"key": secret, "machine": machine, "csr": string(csr)})
	os.WriteFile(filepath.Join(dir, "req.json"), body, 0o600)
	return curlPost(s.t, dir, s.root, s.url)
}

// curlPost posts dir/req.json with curl and reads the answer.
func curlPost(t testing.TB, dir, root, url string) (int, map[string]any) {
	t.Helper()
	cmd := exec.Command("curl", "-sS", "--cacert", root, "--data-binary", "@req.json", "-H", "Content-Type: application/json",
		"-o", "resp.json", "-w", "%{http_code}", url+"/v1/enroll")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("curl: %v: %s", err, out)
		return 0, nil
	}
	var code int
	fmt.Sscan(string(out), &code)
	resp, _ := os.ReadFile(filepath.Join(dir, "resp.json"))
	var v map[string]any
	if err := json.Unmarshal(resp, &v); err != nil {
		t.Errorf("response %q: %v", resp, err)
	}
	return code, v
}

func TestServeBinaryCurlOpenSSL(t *testing.T) {
	testenv.LookPath(t, "openssl")
	testenv.LookPath(t, "curl")
	s := newServed(t)
	secret := s.addKey("fleet")

	code, v := s.curl(secret, "web-01")
	if code != http.StatusCreated {
		t.Fatalf("status %d: %v\n%s", code, v, s.logText())
	}
	dir := filepath.Join(s.dir, "m-web-01")
	os.WriteFile(filepath.Join(dir, "m.crt"), []byte(v["certificate"].(string)), 0o600)
	os.WriteFile(filepath.Join(dir, "chain.pem"), []byte(v["chain"].(string)), 0o600)
	if out := run(t, dir, "openssl", "verify", "-CAfile", s.root, "-untrusted", "chain.pem", "m.crt"); !strings.Contains(out, "m.crt: OK") {
		t.Fatalf("openssl verify: %s", out)
	}
	if out := run(t, dir, "openssl", "x509", "-in", "m.crt", "-noout", "-subject", "-ext", "extendedKeyUsage"); !strings.Contains(out, "CN = web-01") ||
		!strings.Contains(out, "OU = Servers") || !strings.Contains(out, "TLS Web Client Authentication") {
		t.Fatalf("certificate: %s", out)
	}
	if ms := s.machines(); len(ms) != 1 || ms[0].Name != "web-01" || ms[0].Key != "fleet" || ms[0].RevokedAt != nil {
		t.Fatalf("machines list: %+v", ms)
	}
	if k := s.keyDoc("fleet"); k.UsageCount != 1 {
		t.Fatalf("usage %d, want 1", k.UsageCount)
	}
	s.addKey("idle")
	for filter, want := range map[string]string{"machine:WEB-01": "fleet", "used:yes": "fleet", "used:no": "idle"} {
		var ks []struct{ Name string }
		if err := json.Unmarshal([]byte(s.pk("keys", "list", "--filter", filter, "--json")), &ks); err != nil || len(ks) != 1 || ks[0].Name != want {
			t.Fatalf("keys list --filter %s: %+v (%v), want only %s", filter, ks, err, want)
		}
	}

	t.Run("disabled, expired and unknown keys are refused alike, nothing written", func(t *testing.T) {
		off := s.addKey("off", "--disabled")
		old := s.addKey("old", "--expires", time.Now().Add(2*time.Second).UTC().Format(time.RFC3339))
		unknown := s.addKey("gone")
		s.pk("keys", "delete", "gone", "--yes")
		time.Sleep(2500 * time.Millisecond) // "old" expires
		before := s.written()
		var sentences []string
		for _, secret := range []string{off, old, unknown} {
			code, v := s.curl(secret, "intruder")
			if code != http.StatusForbidden {
				t.Fatalf("status %d: %v", code, v)
			}
			sentences = append(sentences, v["error"].(string))
		}
		if sentences[0] != sentences[1] || sentences[1] != sentences[2] {
			t.Fatalf("the refusals tell the keys apart: %q", sentences)
		}
		if after := s.written(); after != before {
			t.Fatalf("refusals wrote:\n%s\n%s", before, after)
		}
	})

	t.Run("re-enrollment refused, then allowed by a key that allows it", func(t *testing.T) {
		if code, v := s.curl(secret, "web-01"); code != http.StatusConflict {
			t.Fatalf("status %d: %v", code, v)
		}
		again := s.addKey("again", "--reenroll", "--max-usage", "1")
		for i := range 2 {
			if code, v := s.curl(again, "db-01"); code != http.StatusCreated {
				t.Fatalf("enrollment %d: status %d: %v", i+1, code, v)
			}
		}
		ms := s.machines("--key", "again")
		if len(ms) != 2 || ms[0].RevokedAt != nil || ms[1].RevokedAt == nil {
			t.Fatalf("the re-enrollment must revoke the first certificate: %+v", ms)
		}
		if k := s.keyDoc("again"); k.UsageCount != 1 {
			t.Fatalf("a re-enrollment consumed a use: usage %d", k.UsageCount)
		}
		if code, v := s.curl(again, "db-02"); code != http.StatusForbidden || !strings.Contains(v["error"].(string), "no uses left") {
			t.Fatalf("status %d: %v", code, v)
		}
	})

	t.Run("machines revoke puts the serial on the CRL openssl reads", func(t *testing.T) {
		if _, errOut, code := s.pkCode("machines", "revoke", "web-01"); code != 2 || !strings.Contains(errOut, "--yes") {
			t.Fatalf("revoke without a terminal or --yes: exit %d: %s", code, errOut)
		}
		var m machineDoc
		json.Unmarshal([]byte(s.pk("machines", "show", "web-01", "--json")), &m)
		s.pk("machines", "revoke", "web-01", "--yes")
		run(t, dir, "curl", "-sSf", "--cacert", s.root, "-o", "crl.der", s.url+"/v1/crl/Client")
		out := run(t, dir, "openssl", "crl", "-inform", "DER", "-in", "crl.der", "-noout", "-text")
		if m.Serial == "" || !strings.Contains(out, "Serial Number: "+m.Serial) {
			t.Fatalf("serial %q not in the CRL:\n%s", m.Serial, out)
		}
		run(t, dir, "openssl", "crl", "-inform", "DER", "-in", "crl.der", "-noout", "-CAfile", "chain.pem")
		if _, errOut, code := s.pkCode("machines", "revoke", "web-01", "--yes"); code != 1 || !strings.Contains(errOut, "already revoked") {
			t.Fatalf("second revoke: exit %d: %s", code, errOut)
		}
	})

	t.Run("keys delete names the machines it revokes", func(t *testing.T) {
		if _, errOut, code := s.pkCode("keys", "delete", "again"); code != 2 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if out := s.pk("keys", "delete", "again", "--yes"); !strings.Contains(out, "revoked 1 machine") {
			t.Fatalf("keys delete: %s", out)
		}
		for _, m := range s.machines() {
			if m.RevokedAt == nil {
				t.Fatalf("machine %s of the deleted key is active", m.Name)
			}
		}
	})
}

// TestServeBinaryMaxUsageUnderConcurrency: 200 curl processes at once, distinct names, a key
// with max usage 50: exactly 50 machines, usage 50/50, 150 refusals saying no uses are left.
func TestServeBinaryMaxUsageUnderConcurrency(t *testing.T) {
	testenv.LookPath(t, "openssl")
	testenv.LookPath(t, "curl")
	// All 200 come from 127.0.0.1, as they would through a load balancer.
	s := newServed(t, "--enroll-refusal-burst", "1000")
	secret := s.addKey("fifty", "--max-usage", "50")
	// One request without a common name serves every machine name (the CN may be empty).
	run(t, s.dir, "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", "any.key", "-subj", "/O=provkeys test", "-out", "any.csr")
	csr, _ := os.ReadFile(filepath.Join(s.dir, "any.csr"))
	const n = 200
	dirs := make([]string, n)
	for i := range dirs {
		dirs[i] = filepath.Join(s.dir, fmt.Sprintf("c%03d", i))
		os.MkdirAll(dirs[i], 0o700)
		body, _ := json.Marshal(map[string]string{"key": secret, "machine": fmt.Sprintf("node-%03d", i), "csr": string(csr)})
		os.WriteFile(filepath.Join(dirs[i], "req.json"), body, 0o600)
	}
	codes := make([]int, n)
	errs := make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			code, v := curlPost(t, dirs[i], s.root, s.url)
			codes[i] = code
			if e, ok := v["error"].(string); ok {
				errs[i] = e
			}
		})
	}
	close(start)
	wg.Wait()
	created, refused := 0, 0
	for i, c := range codes {
		switch {
		case c == http.StatusCreated:
			created++
		case c == http.StatusForbidden && strings.Contains(errs[i], "no uses left"):
			refused++
		default:
			t.Errorf("request %d: status %d %q", i, c, errs[i])
		}
	}
	if created != 50 || refused != 150 {
		t.Fatalf("%d enrolled, %d refused; want 50 and 150", created, refused)
	}
	if ms := s.machines("--key", "fifty"); len(ms) != 50 {
		t.Fatalf("%d machines, want 50", len(ms))
	}
	if k := s.keyDoc("fifty"); k.UsageCount != 50 || k.MaxUsage != 50 {
		t.Fatalf("usage %d/%d, want 50/50", k.UsageCount, k.MaxUsage)
	}
}

// TestServeBinaryEnrollClient: `provkeys enroll` against serve, as a machine would run it.
func TestServeBinaryEnrollClient(t *testing.T) {
	openssl := testenv.LookPath(t, "openssl")
	s := newServed(t)
	secret := s.addKey("fleet", "--reenroll")
	keyFile := filepath.Join(s.dir, "fleet.key")
	os.WriteFile(keyFile, []byte(secret+"\n"), 0o600)
	out := filepath.Join(s.dir, "out")
	os.Mkdir(out, 0o700)
	enroll := func(extra ...string) (string, string, int) {
		cmd := exec.Command(s.bin, append([]string{"enroll", "--server", s.url, "--ca", s.root, "--key-file", keyFile,
			"--name", "web-01", "--out", out}, extra...)...)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		return o.String(), e.String(), code
	}
	if o, e, code := enroll(); code != 0 || !strings.Contains(o, "Enrolled web-01 with key fleet") {
		t.Fatalf("enroll: exit %d: %s%s", code, o, e)
	}
	fi, err := os.Stat(filepath.Join(out, "web-01.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("web-01.key: %v %v", fi, err)
	}
	verify := exec.Command(openssl, "verify", "-CAfile", s.root, "-untrusted", "ca.crt", "web-01.crt")
	verify.Dir = out
	if b, err := verify.CombinedOutput(); err != nil || !strings.Contains(string(b), "web-01.crt: OK") {
		t.Fatalf("openssl verify: %v: %s", err, b)
	}
	// The key and the certificate belong together.
	pub := func(args ...string) string {
		c := exec.Command(openssl, args...)
		c.Dir = out
		b, err := c.Output()
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if pub("pkey", "-in", "web-01.key", "-pubout") != pub("x509", "-in", "web-01.crt", "-noout", "-pubkey") {
		t.Fatal("web-01.crt is not for web-01.key")
	}
	// Existing files are not replaced without --force, and nothing is asked of the server.
	if _, e, code := enroll(); code != 1 || !strings.Contains(e, "exists; use --force") {
		t.Fatalf("second enroll: exit %d: %s", code, e)
	}
	if len(s.machines()) != 1 {
		t.Fatal("a refused local write still enrolled")
	}
	if _, e, code := enroll("--force"); code != 0 {
		t.Fatalf("re-enroll --force: exit %d: %s", code, e)
	}
	if ms := s.machines(); len(ms) != 2 || ms[1].RevokedAt == nil {
		t.Fatalf("machines after re-enrollment: %+v", ms)
	}
	// Refusals are one sentence each.
	other := filepath.Join(s.dir, "other.pem")
	os.WriteFile(other, []byte(s.pk("certs", "export", "Client")), 0o600)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--ca", other}, "does not sign"},
		{[]string{"--server", "http://" + strings.TrimPrefix(s.url, "https://")}, "must use https"},
		{[]string{"--name", "db-01", "--key-file", other}, "400"},
	} {
		_, e, code := enroll(append(c.args, "--force")...)
		if code == 0 || !strings.Contains(e, c.want) || strings.Count(strings.TrimSpace(e), "\n") != 0 {
			t.Errorf("enroll %v: exit %d: %q, want one line with %q", c.args, code, e, c.want)
		}
	}
	s.pk("keys", "disable", "fleet")
	if _, e, code := enroll("--force"); code != 1 || !strings.Contains(e, "403") {
		t.Fatalf("disabled key: exit %d: %s", code, e)
	}
}

// TestServeBinaryKill9DuringStorm kills the server while 32 clients enroll: every 201 a
// client got names a machine that exists after the restart, and each key's usage count is
// exactly the number of its machines that consumed a use.
func TestServeBinaryKill9DuringStorm(t *testing.T) {
	s := newServed(t)
	limited := s.addKey("limited", "--max-usage", "40")
	open := s.addKey("open", "--reenroll")
	pool := x509.NewCertPool()
	rootPEM, _ := os.ReadFile(s.root)
	pool.AppendCertsFromPEM(rootPEM)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	csr := testcert.CSR(t, "")
	var acked sync.Map // machine name -> key
	var n201 atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for c := range 32 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				key, keyName := open, "open"
				name := fmt.Sprintf("c%02d-%04d", c, i)
				switch i % 3 {
				case 1:
					key, keyName = limited, "limited"
				case 2:
					name = fmt.Sprintf("c%02d-%04d", c, i-2) // re-enroll the machine of two steps ago
				}
				body, _ := json.Marshal(map[string]string{"key": key, "machine": name, "csr": csr})
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/v1/enroll", bytes.NewReader(body))
				resp, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated {
					acked.Store(name, keyName)
					n201.Add(1)
				}
			}
		})
	}
	deadline := time.Now().Add(60 * time.Second)
	for n201.Load() < 150 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = s.cmd.Wait()
	cancel()
	wg.Wait()
	if n201.Load() == 0 {
		t.Fatalf("no enrollment before the kill:\n%s", s.logText())
	}
	// The store opens again and holds every acknowledged machine.
	s.start()
	have := map[string]bool{}
	for _, m := range s.machines() {
		have[m.Name+"/"+m.Key] = true
	}
	lost := 0
	acked.Range(func(name, key any) bool {
		if !have[name.(string)+"/"+key.(string)] {
			lost++
			t.Errorf("machine %s was acknowledged (201) but is not in the store", name)
		}
		return lost < 10
	})
	// Counted uses and machines that consumed one agree, key by key.
	db := rawDB(t, s.db)
	rows, err := db.Query(`SELECT k.name, k.usage_count, k.max_usage,
		(SELECT count(*) FROM machines m WHERE m.key_id = k.id AND m.used_use) FROM keys k`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var usage, max, used int64
		if err := rows.Scan(&name, &usage, &max, &used); err != nil {
			t.Fatal(err)
		}
		if usage != used || (max > 0 && usage > max) {
			t.Errorf("key %s: usage %d (max %d), machines that consumed a use %d", name, usage, max, used)
		}
	}
	t.Logf("%d enrollments acknowledged before the kill", n201.Load())
}

// rawDB opens a store file read-only for checks the command line does not offer.
func rawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
