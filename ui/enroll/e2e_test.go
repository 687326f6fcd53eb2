package enroll_test

import (
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
	"strings"
	"sync"
	"testing"
	"time"

	"provkeys/internal/testcert"
	"provkeys/model"
	"provkeys/store"
	"provkeys/store/sqlite"
	"provkeys/ui/enroll"
)

// needTools skips when a tool is missing, unless PROVKEYS_REQUIRE_E2E=1 makes that a failure.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("PROVKEYS_REQUIRE_E2E") == "1" {
				t.Fatalf("%s is required (PROVKEYS_REQUIRE_E2E=1): %v", tool, err)
			}
			t.Skipf("%s not installed", tool)
		}
	}
}

var admin = model.Actor{Name: "alice", Role: model.RoleAdmin}

// service is a store and the enrollment service on 127.0.0.1:0 over TLS.
type service struct {
	st     *sqlite.Store
	x      store.Session
	url    string
	dir    string
	root   string // path of the Root CA PEM
	client *http.Client
	srv    *enroll.Server
}

func startService(t testing.TB, cfg enroll.Config) *service {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "provkeys.db")
	st, err := sqlite.Open(sqlite.Options{Path: path, DataKeyPath: path + ".key"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	cfg.Addr, cfg.Hostnames = "127.0.0.1:0", []string{"localhost", "127.0.0.1"}
	srv, err := enroll.Listen(ctx, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	root := filepath.Join(dir, "root.pem")
	if err := os.WriteFile(root, []byte(srv.RootPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(srv.RootPEM))
	// Requests are as concurrent as the test makes them; connections are capped so that 200
	// TLS handshakes at once on a loaded 2-core machine (under -race) cannot outlast the
	// server's header timeout, which is a transport limit, not what these tests are about.
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, MaxConnsPerHost: 32, MaxIdleConnsPerHost: 32}
	t.Cleanup(tr.CloseIdleConnections)
	x := st.Session(admin)
	if _, err := x.CreateGroup(ctx, model.GroupInput{Name: "Servers", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	return &service{st: st, x: x, url: "https://" + srv.Addr().String(), dir: dir, root: root,
		client: &http.Client{Transport: tr, Timeout: 60 * time.Second}, srv: srv}
}

func (s *service) key(t testing.TB, name string, edit func(*model.KeyInput)) (model.Key, string) {
	t.Helper()
	in := model.KeyInput{Name: name, Groups: []string{"Servers"}, Cert: "Client", Enabled: true, Exportable: true}
	if edit != nil {
		edit(&in)
	}
	k, secret, err := s.x.CreateKey(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return k, secret
}

// raw opens the store file for checks the API does not offer.
func (s *service) raw(t testing.TB) *sql.DB {
	db, err := sql.Open("sqlite", "file:"+s.st.Path()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func (s *service) count(t testing.TB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.raw(t).QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// written is what a refusal must not change.
func (s *service) written(t testing.TB) string {
	return fmt.Sprintf("machines=%d audit=%d usage=%d", s.count(t, "SELECT count(*) FROM machines"),
		s.count(t, "SELECT count(*) FROM audit"), s.count(t, "SELECT COALESCE(sum(usage_count), 0) FROM keys"))
}

func run(t testing.TB, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// curlEnroll posts a request made from an openssl CSR with curl and returns status and body.
func (s *service) curlEnroll(t testing.TB, secret, machine string) (int, map[string]any) {
	t.Helper()
	run(t, s.dir, "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", machine+".key", "-subj", "/CN="+machine, "-out", machine+".csr")
	csr, err := os.ReadFile(filepath.Join(s.dir, machine+".csr"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"key": secret, "machine": machine, "csr": string(csr)})
	if err := os.WriteFile(filepath.Join(s.dir, "req.json"), body, 0o600); err != nil {
		t.Fatal(err)
	}
	out := run(t, s.dir, "curl", "-sS", "--cacert", s.root, "--data-binary", "@req.json",
		"-H", "Content-Type: application/json", "-o", "resp.json", "-w", "%{http_code}", s.url+"/v1/enroll")
	var code int
	fmt.Sscan(out, &code)
	resp, _ := os.ReadFile(filepath.Join(s.dir, "resp.json"))
	var v map[string]any
	if err := json.Unmarshal(resp, &v); err != nil {
		t.Fatalf("response %q: %v", resp, err)
	}
	return code, v
}

func TestOpenSSLAndCurl(t *testing.T) {
	needTools(t, "openssl", "curl")
	s := startService(t, enroll.Config{RefusalBurst: 1000})
	_, secret := s.key(t, "fleet", nil)
	code, v := s.curlEnroll(t, secret, "web-01")
	if code != http.StatusCreated {
		t.Fatalf("status %d: %v", code, v)
	}
	os.WriteFile(filepath.Join(s.dir, "m.crt"), []byte(v["certificate"].(string)), 0o600)
	os.WriteFile(filepath.Join(s.dir, "chain.pem"), []byte(v["chain"].(string)), 0o600)
	if out := run(t, s.dir, "openssl", "verify", "-CAfile", s.root, "-untrusted", "chain.pem", "m.crt"); !strings.Contains(out, "m.crt: OK") {
		t.Fatalf("openssl verify: %s", out)
	}
	m := v["machine"].(map[string]any)
	if m["name"] != "web-01" || m["key"] != "fleet" || m["serial"] == "" {
		t.Fatalf("machine %v", m)
	}

	t.Run("refused keys write nothing and read alike", func(t *testing.T) {
		_, off := s.key(t, "off", func(in *model.KeyInput) { in.Enabled = false })
		_, old := s.key(t, "old", func(in *model.KeyInput) { in.ExpiresAt = time.Now().Add(2 * time.Second) })
		gone, unknown := s.key(t, "gone", nil)
		if err := s.x.DeleteKey(context.Background(), gone.ID, gone.Version); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second) // "old" expires
		before := s.written(t)
		var bodies []string
		for _, secret := range []string{off, old, unknown} {
			code, v := s.curlEnroll(t, secret, "intruder")
			if code != http.StatusForbidden {
				t.Fatalf("status %d: %v", code, v)
			}
			bodies = append(bodies, v["error"].(string))
		}
		if bodies[0] != bodies[1] || bodies[1] != bodies[2] {
			t.Fatalf("the refusals differ: %q", bodies)
		}
		if after := s.written(t); after != before {
			t.Fatalf("refusals wrote: %s -> %s", before, after)
		}
	})

	t.Run("re-enrollment refused then allowed", func(t *testing.T) {
		if code, v := s.curlEnroll(t, secret, "web-01"); code != http.StatusConflict {
			t.Fatalf("status %d: %v", code, v)
		}
		_, again := s.key(t, "again", func(in *model.KeyInput) { in.AllowReenroll = true; in.MaxUsage = 1 })
		for i := 0; i < 2; i++ {
			if code, v := s.curlEnroll(t, again, "db-01"); code != http.StatusCreated {
				t.Fatalf("enrollment %d: status %d: %v", i+1, code, v)
			}
		}
		if code, v := s.curlEnroll(t, again, "db-02"); code != http.StatusForbidden || !strings.Contains(v["error"].(string), "no uses left") {
			t.Fatalf("status %d: %v", code, v)
		}
	})

	t.Run("revoked serial on the CRL", func(t *testing.T) {
		mach, err := s.x.MachineByName(context.Background(), "web-01")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.x.RevokeMachine(context.Background(), mach.ID); err != nil {
			t.Fatal(err)
		}
		run(t, s.dir, "curl", "-sSf", "--cacert", s.root, "-o", "crl.der", s.url+"/v1/crl/Client")
		out := run(t, s.dir, "openssl", "crl", "-inform", "DER", "-in", "crl.der", "-noout", "-text")
		if !strings.Contains(out, "Serial Number: "+mach.Serial) {
			t.Fatalf("serial %s not in the CRL:\n%s", mach.Serial, out)
		}
		// The CRL is signed by the Client CA, whose chain verifies to the root.
		run(t, s.dir, "openssl", "crl", "-inform", "DER", "-in", "crl.der", "-noout", "-CAfile", "chain.pem")
	})
}

func (s *service) post(t testing.TB, body []byte) (int, []byte) {
	resp, err := s.client.Post(s.url+"/v1/enroll", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestConcurrentEnrollmentsRespectMaxUsage(t *testing.T) {
	s := startService(t, enroll.Config{RefusalBurst: 1000})
	k, secret := s.key(t, "fifty", func(in *model.KeyInput) { in.MaxUsage = 50 })
	const n = 200
	bodies := make([][]byte, n)
	for i := range bodies {
		name := fmt.Sprintf("node-%03d", i)
		bodies[i], _ = json.Marshal(map[string]string{"key": secret, "machine": name, "csr": testcert.CSR(t, name)})
	}
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range bodies {
		wg.Go(func() {
			<-start
			codes[i], _ = s.post(t, bodies[i])
		})
	}
	close(start)
	wg.Wait()
	by := map[int]int{}
	for _, c := range codes {
		by[c]++
	}
	if by[http.StatusCreated] != 50 || by[http.StatusForbidden] != 150 {
		t.Fatalf("statuses %v, want 50 × 201 and 150 × 403", by)
	}
	if got := s.count(t, "SELECT count(*) FROM machines WHERE key_id = ?", k.ID); got != 50 {
		t.Errorf("%d machines", got)
	}
	if got := s.count(t, "SELECT usage_count FROM keys WHERE id = ?", k.ID); got != 50 {
		t.Errorf("usage %d", got)
	}
	// Every machine has its counted use: no machine without one, no use without its machine.
	if got := s.count(t, `SELECT (SELECT usage_count FROM keys WHERE id = ?) -
		(SELECT count(*) FROM machines WHERE key_id = ? AND used_use = 1)`, k.ID, k.ID); got != 0 {
		t.Errorf("uses and machines differ by %d", got)
	}
	if r, err := s.x.KeyRefusals(context.Background(), k.ID); err != nil || r.Count != 150 {
		t.Errorf("refusal counter %+v, %v", r, err)
	}
	resp, err := s.client.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`provkeys_enrollments_total{result="enrolled"} 50`,
		`provkeys_enrollments_total{result="no_uses_left"} 150`, `provkeys_http_request_duration_seconds_bucket{code="201",route="enroll"`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestLimits(t *testing.T) {
	s := startService(t, enroll.Config{RefusalBurst: 4, RefusalRate: 0.001})
	_, secret := s.key(t, "fleet", nil)
	big := []byte(`{"key":"` + strings.Repeat("A", enroll.MaxBody) + `"}`)
	for _, tt := range []struct {
		name string
		body []byte
		code int
		msg  string
	}{
		{"too large", big, http.StatusRequestEntityTooLarge, "larger than 64 KiB"},
		{"not JSON", []byte("key=1"), http.StatusBadRequest, "not a JSON object"},
		{"unknown field", []byte(`{"key":"x","machine":"m","csr":"c","admin":true}`), http.StatusBadRequest, `unknown field "admin"`},
		{"bad CSR", []byte(`{"key":` + fmt.Sprintf("%q", secret) + `,"machine":"m","csr":"nope"}`), http.StatusBadRequest, "csr: no PEM block"},
		{"rate limited", []byte(`{}`), http.StatusTooManyRequests, "too many refused requests"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, body := s.post(t, tt.body)
			var v map[string]string
			json.Unmarshal(body, &v)
			if code != tt.code || !strings.Contains(v["error"], tt.msg) {
				t.Fatalf("%d %s, want %d %q", code, body, tt.code, tt.msg)
			}
			if strings.Contains(string(body), secret) {
				t.Fatal("the response quotes the key")
			}
		})
	}
	resp, err := s.client.Get(s.url + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	if s.srv.RootFingerprint() == "" || !strings.HasPrefix(s.srv.RootFingerprint(), "SHA256:") {
		t.Fatalf("fingerprint %q", s.srv.RootFingerprint())
	}
}
