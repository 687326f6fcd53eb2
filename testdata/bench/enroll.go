package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// enrollN is the store size figures 11 and 12 are about; enrollClients the concurrent machines.
const (
	enrollN       = 100_000
	enrollClients = 64
	enrollCount   = 6000 // enrollments measured, after a warm-up of enrollClients×4
)

// enroll is figure 11: full enrollments per second and their p50/p99 latency, 64 machines at
// once over HTTPS with kept-alive connections, against the real `provkeys serve` on a copy of
// the 100,000-key store; next to the bare cryptography of one enrollment (store/ca's
// BenchmarkCheckAndSign: one CSR check plus one signature) taken in the same run.
func (s *suite) enroll() error {
	n, dir, db, err := s.enrollStore("enroll-")
	if err != nil || n == 0 {
		return err
	}
	defer os.RemoveAll(dir)
	s.record(s.bin, "--db", "$DIR/enroll-…/provkeys.db", "serve", "--listen", "127.0.0.1:0", "--enroll-listen", "127.0.0.1:PORT")
	got, err := s.enrollLoad(dir, []string{"--db", db}, 1, "bench-")
	if err != nil {
		return err
	}
	res, err := s.goBench("./store/ca", "^BenchmarkCheckAndSign$", "2s")
	if err != nil {
		return err
	}
	bare := 1e9 / res["BenchmarkCheckAndSign"]["ns/op"]
	s.compare(comparison{fig: "11", what: fmt.Sprintf("enrollments per second, %d clients at once over HTTPS", enrollClients), n: n,
		ours: got.rate, peer: bare, oursText: got.rateText(), peerText: fmt.Sprintf("%s /s", count(int(bare))),
		peerName: "bare CSR check + signature, one core", higherIsBetter: true,
		also: "≥ 1,000 /s", alsoMet: got.rate >= 1000})
	s.add("11", fmt.Sprintf("enrollment latency p50 / p99, %d clients at once", enrollClients), n,
		got.latencyText(), "", "", "p99 ≤ 100 ms", ptr(got.p99 <= 100*time.Millisecond))
	s.notes = append(s.notes, fmt.Sprintf("enroll at %s keys: %d enrollments in %s (%.0f /s; p50 %s, p99 %s); the bare CSR check + signature alone runs %.0f /s on one core, so a full enrollment costs %.1f× the bare cryptography's time.",
		count(n), got.count, got.took.Round(time.Millisecond), got.rate, ms(got.p50), ms(got.p99), bare, bare/got.rate))
	return nil
}

// storeCopy copies the cached store of n keys (and its data key) into dir, for a step that
// writes: the cache stays as demo made it.
func (s *suite) storeCopy(n int, dir string) (string, error) {
	db := filepath.Join(dir, "provkeys.db")
	for _, ext := range []string{"", ".key"} {
		if err := copyFile(s.stores[n].db+ext, db+ext); err != nil {
			return "", err
		}
	}
	return db, nil
}

// enrolled is one run of the load: how many enrollments, in how long, and their latencies.
type enrolled struct {
	count    int
	took     time.Duration
	rate     float64
	p50, p99 time.Duration
	cpu      time.Duration // per enrollment, of the processes serving it (0: not measured)
}

func (e enrolled) rateText() string    { return fmt.Sprintf("%s /s", count(int(e.rate))) }
func (e enrolled) latencyText() string { return ms(e.p50) + " / " + ms(e.p99) }

// enrollKey adds the key the load enrolls with (re-enrollment allowed, no usage limit, the
// store's first group) to the store dbArgs open, and returns it with the Root CA's PEM.
func (s *suite) enrollKey(dbArgs []string) (key string, rootPEM []byte, err error) {
	pk := func(args ...string) ([]byte, error) {
		out, err := exec.Command(s.bin, append(append([]string(nil), dbArgs...), args...)...).Output()
		if err != nil {
			return nil, fmt.Errorf("provkeys %v: %w", args, err)
		}
		return out, nil
	}
	var groups []struct{ Name string }
	if out, err := pk("groups", "list", "--json"); err != nil {
		return "", nil, err
	} else if err := json.Unmarshal(out, &groups); err != nil || len(groups) == 0 {
		return "", nil, fmt.Errorf("groups list --json: no group (%v)", err)
	}
	out, err := pk("keys", "add", "--name", "bench-enroll", "--group", groups[0].Name, "--reenroll", "--json")
	if err != nil {
		return "", nil, err
	}
	var created struct{ Key string }
	if err := json.Unmarshal(out, &created); err != nil || created.Key == "" {
		return "", nil, fmt.Errorf("keys add --json: no key (%v)", err)
	}
	rootPEM, err = pk("certs", "export", "Root")
	return created.Key, rootPEM, err
}

// enrollLoad adds the enrollment key to the store dbArgs open, starts replicas `serve`
// processes on it and measures one storm (enrollStorm) against them.
func (s *suite) enrollLoad(dir string, dbArgs []string, replicas int, prefix string) (enrolled, error) {
	key, rootPEM, err := s.enrollKey(dbArgs)
	if err != nil {
		return enrolled{}, err
	}
	urls, _, stop, err := s.startServes(dir, dbArgs, replicas, 0)
	if err != nil {
		return enrolled{}, err
	}
	defer stop()
	return enrollStorm(urls, rootPEM, key, prefix, nil)
}

// startServes starts replicas `provkeys serve` processes on the store dbArgs open, each with
// its own enrollment port and, when cores is not 0, GOMAXPROCS=cores (else Go's default, every
// core), and returns their enrollment URLs and how to stop them all.
func (s *suite) startServes(dir string, dbArgs []string, replicas, cores int) (urls []string, pids []int, stop func(), err error) {
	var procs []*exec.Cmd
	stop = func() {
		for _, p := range procs {
			_ = p.Process.Signal(syscall.SIGTERM)
		}
		for _, p := range procs {
			_ = p.Wait()
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "operators"), nil, 0o600); err != nil {
		return nil, nil, nil, err
	}
	for i := range replicas {
		port, err := freePort()
		if err != nil {
			stop()
			return nil, nil, nil, err
		}
		addr := "127.0.0.1:" + strconv.Itoa(port)
		logFile, err := os.Create(filepath.Join(dir, fmt.Sprintf("serve-%d.log", i)))
		if err != nil {
			stop()
			return nil, nil, nil, err
		}
		args := append(append([]string(nil), dbArgs...), "serve", "--listen", "127.0.0.1:0",
			"--host-key", filepath.Join(dir, fmt.Sprintf("host_key_%d", i)),
			"--operators", filepath.Join(dir, "operators"), "--enroll-listen", addr)
		srv := exec.Command(s.bin, args...)
		srv.Stdout, srv.Stderr = logFile, logFile
		if cores > 0 {
			srv.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(cores))
		}
		err = srv.Start()
		logFile.Close() // the child holds its own descriptor
		if err != nil {
			stop()
			return nil, nil, nil, err
		}
		procs = append(procs, srv)
		pids = append(pids, srv.Process.Pid)
		if err := waitPort(addr, 30*time.Second); err != nil {
			stop()
			return nil, nil, nil, err
		}
		urls = append(urls, "https://"+addr+"/v1/enroll")
	}
	return urls, pids, stop, nil
}

// enrollStorm warms up with enrollClients×4 enrollments, then measures enrollCount: 64
// clients at once, client i posting to urls[i % len(urls)] over a kept-alive connection, each
// machine named prefix and a number, so no two are the same. cpu, if not nil, is read before
// and after the measured part: the CPU time the processes serving it used.
func enrollStorm(urls []string, rootPEM []byte, key, prefix string, cpu func() time.Duration) (enrolled, error) {
	// One CSR with an empty common name serves every machine name (the service accepts an
	// empty CN): the clients measure the service, not their own key generation.
	pk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	csrDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, pk)
	if err != nil {
		return enrolled{}, err
	}
	csr := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csrDER}))
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(rootPEM)
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool}, MaxIdleConnsPerHost: enrollClients, MaxConnsPerHost: enrollClients}}
	defer client.CloseIdleConnections()
	var next, named atomic.Int64
	storm := func(total int) ([]time.Duration, time.Duration, error) {
		var mu sync.Mutex
		var lat []time.Duration
		var firstErr error
		var wg sync.WaitGroup
		t0 := time.Now()
		for c := range enrollClients {
			url := urls[c%len(urls)]
			wg.Go(func() {
				var mine []time.Duration
				defer func() { mu.Lock(); lat = append(lat, mine...); mu.Unlock() }()
				for int(next.Add(1)) <= total {
					body, _ := json.Marshal(map[string]string{"key": key, "csr": csr,
						"machine": fmt.Sprintf("%s%08d", prefix, named.Add(1))})
					t := time.Now()
					resp, err := client.Post(url, "application/json", bytes.NewReader(body))
					if err == nil {
						b, _ := io.ReadAll(resp.Body)
						resp.Body.Close()
						if resp.StatusCode != http.StatusCreated {
							err = fmt.Errorf("status %d: %s", resp.StatusCode, b)
						}
					}
					if err != nil {
						mu.Lock()
						firstErr = cmpErr(firstErr, err)
						mu.Unlock()
						return
					}
					mine = append(mine, time.Since(t))
				}
			})
		}
		wg.Wait()
		return lat, time.Since(t0), firstErr
	}
	logf("enroll: warm-up (%d enrollments, %d replica(s))", enrollClients*4, len(urls))
	if _, _, err := storm(enrollClients * 4); err != nil {
		return enrolled{}, fmt.Errorf("enroll warm-up: %w", err)
	}
	next.Store(0)
	logf("enroll: %d enrollments by %d clients", enrollCount, enrollClients)
	var cpu0 time.Duration
	if cpu != nil {
		cpu0 = cpu()
	}
	lat, took, err := storm(enrollCount)
	if err != nil {
		return enrolled{}, fmt.Errorf("enroll: %w", err)
	}
	got := enrolled{count: len(lat), took: took, rate: float64(len(lat)) / took.Seconds(),
		p50: percentile(lat, 50), p99: percentile(lat, 99)}
	if cpu != nil {
		got.cpu = (cpu() - cpu0) / time.Duration(len(lat))
	}
	return got, nil
}

// cmpErr keeps the first error.
func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// cpuTime is the CPU time (user and system) processes pids have used so far, and their
// children's that ended; 0 for a process that is gone.
func cpuTime(pids ...int) time.Duration {
	var ticks int64
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// The fields after the command (which may hold spaces) start after its ')'.
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		for _, i := range []int{11, 12, 13, 14} { // utime, stime, cutime, cstime
			n, _ := strconv.ParseInt(f[i], 10, 64)
			ticks += n
		}
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ is 100 on Linux
}

// childrenOf are the processes whose parent is pid, pid itself first.
func childrenOf(pid int) []int {
	out := []int{pid}
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		child, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + d.Name() + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out
}

// enrollStore is a copy of the largest store up to enrollN keys in a new directory under the
// suite's (the caller removes dir); n is 0 when no store is that small.
func (s *suite) enrollStore(prefix string) (n int, dir, db string, err error) {
	sizes := s.sizesUpTo(enrollN)
	if len(sizes) == 0 {
		return 0, "", "", nil
	}
	n = sizes[len(sizes)-1]
	if dir, err = os.MkdirTemp(s.o.dir, prefix); err != nil {
		return 0, "", "", err
	}
	if db, err = s.storeCopy(n, dir); err != nil {
		os.RemoveAll(dir)
		return 0, "", "", err
	}
	return n, dir, db, nil
}
