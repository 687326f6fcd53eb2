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
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// enrollN is the store size figure 10 is about; enrollClients the concurrent machines.
const (
	enrollN       = 100_000
	enrollClients = 64
	enrollCount   = 6000 // enrollments measured, after a warm-up of enrollClients×4
)

// enroll is figure 10: full enrollments per second and their p50/p99 latency, 64 machines at
// once over HTTPS with kept-alive connections, against the real `provkeys serve` on a copy of
// the 100,000-key store; next to the bare cryptography of one enrollment (store/ca's
// BenchmarkCheckAndSign: one CSR check plus one signature) taken in the same run.
func (s *suite) enroll() error {
	sizes := s.sizesUpTo(enrollN)
	if len(sizes) == 0 {
		return nil
	}
	n := sizes[len(sizes)-1]
	dir, err := os.MkdirTemp(s.o.dir, "enroll-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// Enrollments write: work on a copy, so the cached store stays as demo made it.
	db := filepath.Join(dir, "provkeys.db")
	for _, ext := range []string{"", ".key"} {
		if err := copyFile(s.stores[n].db+ext, db+ext); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "operators"), nil, 0o600); err != nil {
		return err
	}
	pk := func(args ...string) ([]byte, error) {
		out, err := exec.Command(s.bin, append([]string{"--db", db}, args...)...).Output()
		if err != nil {
			return nil, fmt.Errorf("provkeys %v: %w", args, err)
		}
		return out, nil
	}
	var groups []struct{ Name string }
	if out, err := pk("groups", "list", "--json"); err != nil {
		return err
	} else if err := json.Unmarshal(out, &groups); err != nil || len(groups) == 0 {
		return fmt.Errorf("groups list --json: no group (%v)", err)
	}
	out, err := pk("keys", "add", "--name", "bench-enroll", "--group", groups[0].Name, "--reenroll", "--json")
	if err != nil {
		return err
	}
	var created struct{ Key string }
	if err := json.Unmarshal(out, &created); err != nil || created.Key == "" {
		return fmt.Errorf("keys add --json: no key (%v)", err)
	}
	rootPEM, err := pk("certs", "export", "Root")
	if err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	logFile, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	s.record(s.bin, "--db", "$DIR/enroll-…/provkeys.db", "serve", "--listen", "127.0.0.1:0", "--enroll-listen", "127.0.0.1:PORT")
	srv := exec.Command(s.bin, "--db", db, "serve", "--listen", "127.0.0.1:0", "--host-key", filepath.Join(dir, "host_key"),
		"--operators", filepath.Join(dir, "operators"), "--enroll-listen", addr)
	srv.Stdout, srv.Stderr = logFile, logFile
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() {
		_ = srv.Process.Signal(syscall.SIGTERM)
		_ = srv.Wait()
	}()
	if err := waitPort(addr, 30*time.Second); err != nil {
		return err
	}
	// One CSR with an empty common name serves every machine name (the service accepts an
	// empty CN): the clients measure the service, not their own key generation.
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	csrDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, key)
	if err != nil {
		return err
	}
	csr := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csrDER}))
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(rootPEM)
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool}, MaxIdleConnsPerHost: enrollClients, MaxConnsPerHost: enrollClients}}
	url := "https://" + addr + "/v1/enroll"
	var next atomic.Int64
	storm := func(total int) ([]time.Duration, time.Duration, error) {
		var mu sync.Mutex
		var lat []time.Duration
		var firstErr error
		var wg sync.WaitGroup
		t0 := time.Now()
		for range enrollClients {
			wg.Go(func() {
				var mine []time.Duration
				defer func() { mu.Lock(); lat = append(lat, mine...); mu.Unlock() }()
				for int(next.Add(1)) <= total {
					body, _ := json.Marshal(map[string]string{"key": created.Key, "csr": csr,
						"machine": fmt.Sprintf("bench-%08d", next.Load())})
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
	logf("enroll: warm-up (%d enrollments)", enrollClients*4)
	if _, _, err := storm(enrollClients * 4); err != nil {
		return fmt.Errorf("enroll warm-up: %w", err)
	}
	next.Store(0)
	logf("enroll: %d enrollments by %d clients", enrollCount, enrollClients)
	lat, took, err := storm(enrollCount)
	if err != nil {
		return fmt.Errorf("enroll: %w", err)
	}
	slices.Sort(lat)
	rate := float64(len(lat)) / took.Seconds()
	p50, p99 := percentile(lat, 50), percentile(lat, 99)

	res, err := s.goBench("./store/ca", "^BenchmarkCheckAndSign$", "2s")
	if err != nil {
		return err
	}
	bare := 1e9 / res["BenchmarkCheckAndSign"]["ns/op"]
	s.compare(comparison{fig: "11", what: fmt.Sprintf("enrollments per second, %d clients at once over HTTPS", enrollClients), n: n,
		ours: rate, peer: bare, oursText: fmt.Sprintf("%s /s", count(int(rate))), peerText: fmt.Sprintf("%s /s", count(int(bare))),
		peerName: "bare CSR check + signature, one core", higherIsBetter: true,
		also: "≥ 1,000 /s", alsoMet: rate >= 1000})
	s.add("11", fmt.Sprintf("enrollment latency p50 / p99, %d clients at once", enrollClients), n,
		ms(p50)+" / "+ms(p99), "", "", "p99 ≤ 100 ms", ptr(p99 <= 100*time.Millisecond))
	s.notes = append(s.notes, fmt.Sprintf("enroll at %s keys: %d enrollments in %s (%.0f /s; p50 %s, p99 %s); the bare CSR check + signature alone runs %.0f /s on one core, so a full enrollment costs %.1f× the bare cryptography's time.",
		count(n), len(lat), took.Round(time.Millisecond), rate, ms(p50), ms(p99), bare, bare/rate))
	return nil
}

// cmpErr keeps the first error.
func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}
