package sshd

import (
	"encoding/base64"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/dash"
)

// sshPTY is an interactive session with a PTY, its input and everything it printed.
type sshPTY struct {
	sess *gossh.Session
	in   io.WriteCloser
	out  *sshSyncBuffer
	done chan error
}

func sshOpenPTY(t *testing.T, c *gossh.Client, w, h int) *sshPTY {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	p := &sshPTY{sess: sess, out: &sshSyncBuffer{}, done: make(chan error, 1)}
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	sess.Stdout, sess.Stderr = p.out, p.out
	if p.in, err = sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- sess.Wait() }()
	return p
}

func (p *sshPTY) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-p.done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("session did not end; output:\n%q", p.out.String())
		return nil
	}
}

func sshContains(sub string) func(string) bool {
	return func(s string) bool { return strings.Contains(s, sub) }
}

func TestServeSSHDashboardSizeAndOSC52(t *testing.T) {
	ts := startSSHServer(t)
	c, err := sshDial(ts.addr, ts.admin)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := sshOpenPTY(t, c, 100, 30)
	sshWaitFor(t, p.out, "the dashboard at the PTY's size", sshContains("name=alice role=admin size=100x30"))
	if err := p.sess.WindowChange(40, 120); err != nil {
		t.Fatal(err)
	}
	sshWaitFor(t, p.out, "the new size", sshContains("size=120x40"))
	io.WriteString(p.in, "c")
	osc52 := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(ts.store.secrets[1]))
	sshWaitFor(t, p.out, "OSC 52 with the key", sshContains(osc52))
	io.WriteString(p.in, "q")
	if err := p.wait(t); err != nil {
		t.Fatalf("quit: %v", err)
	}
	ts.store.mu.Lock()
	opened := append([]model.Actor(nil), ts.store.opened...)
	ts.store.mu.Unlock()
	want := model.Actor{Name: "alice", Role: model.RoleAdmin, Remote: sshLocalAddr(c)}
	if len(opened) != 1 || opened[0] != want {
		t.Fatalf("store opened as %+v, want %+v", opened, want)
	}
}

// TestServeSSHRealDashboard runs the real dashboard over SSH against the fake store.
func TestServeSSHRealDashboard(t *testing.T) {
	if dash.New(newSSHFakeStore().session(model.Actor{}), model.Actor{}, ui.Options{}) == nil {
		// The dashboard exists: a nil one is a regression, never a reason to skip.
		t.Fatal("dash.New returns nil")
	}
	ts := startSSHServer(t, func(c *Config) { c.newDashboard = dash.New })
	c, err := sshDial(ts.addr, ts.admin)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := sshOpenPTY(t, c, 120, 30)
	sshWaitFor(t, p.out, "the Keys view with the fake key", func(s string) bool {
		return strings.Contains(s, "Keys") && strings.Contains(s, "web-01")
	})
	io.WriteString(p.in, "c")
	osc52 := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(ts.store.secrets[1]))
	sshWaitFor(t, p.out, "OSC 52 with the key", sshContains(osc52))
	io.WriteString(p.in, "q")
	p.wait(t)
}

func TestServeSSHIdleQuitRestoresTerminal(t *testing.T) {
	ts := startSSHServer(t, func(c *Config) { c.IdleTimeout = 300 * time.Millisecond })
	c, err := sshDial(ts.addr, ts.admin)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := sshOpenPTY(t, c, 80, 24)
	sshWaitFor(t, p.out, "the dashboard", sshContains("Keys stub"))
	start := time.Now()
	if err := p.wait(t); err != nil {
		t.Fatalf("idle quit: %v", err)
	}
	out := p.out.String()
	if time.Since(start) < 100*time.Millisecond {
		t.Fatal("quit before the idle timeout")
	}
	for _, seq := range []string{"\x1b[?1049l", "\x1b[?25h", "closed after 300ms without a key press"} {
		if !strings.Contains(out, seq) {
			t.Errorf("output lacks %q after the idle quit:\n%q", seq, out)
		}
	}
}

func TestServeSSHShutdownRestoresTerminal(t *testing.T) {
	ts := startSSHServer(t)
	c, err := sshDial(ts.addr, ts.admin)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := sshOpenPTY(t, c, 80, 24)
	sshWaitFor(t, p.out, "the dashboard", sshContains("Keys stub"))
	start := time.Now()
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("shutdown took %s", d)
	}
	p.wait(t)
	if !strings.Contains(p.out.String(), "\x1b[?1049l") {
		t.Errorf("the terminal was not restored on shutdown:\n%q", p.out.String())
	}
}

func TestServeSSHConnectionLimits(t *testing.T) {
	ts := startSSHServer(t, func(c *Config) { c.MaxPerAddr = 2 })
	var clients []*gossh.Client
	for range 2 {
		c, err := sshDial(ts.addr, ts.viewer)
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	if c, err := sshDial(ts.addr, ts.viewer); err == nil {
		c.Close()
		t.Fatal("a third connection from one address was accepted")
	}
	if got := sshBanner(t, ts.addr, ts.viewer); !strings.Contains(got, "too many sessions from 127.0.0.1") {
		t.Fatalf("refused connection got banner %q", got)
	}
	clients[0].Close()
	clients[1].Close()

	// The slots come back once the server has seen the connections close; then one
	// connection still cannot multiplex unlimited dashboards.
	c := sshDialEventually(t, ts.addr, ts.viewer)
	defer c.Close()
	for i := range maxChannelsPerConn + 1 {
		s, err := c.NewSession()
		if i < maxChannelsPerConn && err != nil {
			t.Fatalf("session %d: %v", i, err)
		}
		if i == maxChannelsPerConn && err == nil {
			t.Fatalf("session %d on one connection was accepted", i)
		}
		if s != nil {
			defer s.Close()
		}
	}
}

func TestServeSSHTotalLimit(t *testing.T) {
	ts := startSSHServer(t, func(c *Config) { c.MaxSessions = 1 })
	c, err := sshDial(ts.addr, ts.viewer)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := sshBanner(t, ts.addr, ts.viewer); !strings.Contains(got, "too many sessions on this server") {
		t.Fatalf("refused connection got banner %q", got)
	}
}

// Past the full mark of unauthenticated connections, a new one is closed with the reason as
// a line before the SSH version: no key exchange is spent on it. Authenticated sessions do
// not count there.
func TestServeSSHStartupsFull(t *testing.T) {
	ts := startSSHServer(t, func(c *Config) { c.Startups = Startups{Start: 2, Rate: 100, Full: 2} })
	logged, err := sshDial(ts.addr, ts.viewer)
	if err != nil {
		t.Fatal(err)
	}
	defer logged.Close()
	var held []net.Conn
	for range 2 {
		conn, err := net.DialTimeout("tcp", ts.addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, conn)
	}
	sshWaitFor(t, ts.log, "the held connections", func(s string) bool {
		return strings.Count(s, `msg=connection `) >= 3
	})
	if got := sshRawGreeting(t, ts.addr); !strings.HasPrefix(got, "provkeys: too many connections are logging in") {
		t.Fatalf("connection past the full mark got %q", got)
	}
	for _, c := range held {
		c.Close()
	}
	c := sshDialEventually(t, ts.addr, ts.admin)
	c.Close()
}

// sshBanner connects with key and returns the authentication banner the server sent.
func sshBanner(t *testing.T, addr string, key gossh.Signer) string {
	t.Helper()
	var banner string
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User: "x", Auth: []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		BannerCallback:  func(msg string) error { banner = msg; return nil },
	})
	if err == nil {
		c.Close()
		t.Fatal("a connection over the limit logged in")
	}
	return banner
}

// sshDialEventually retries for a few seconds, for a slot the server is still releasing.
func sshDialEventually(t *testing.T, addr string, signer gossh.Signer) *gossh.Client {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := sshDial(addr, signer)
		if err == nil {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("no slot was released: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sshRawGreeting reads what the server sends a plain TCP connection before closing it.
func sshRawGreeting(t *testing.T, addr string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	b, _ := io.ReadAll(conn)
	return string(b)
}

func TestServeSSHRemovedOperator(t *testing.T) {
	ts := startSSHServer(t)
	c, err := sshDial(ts.addr, ts.viewer)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := sshOpenPTY(t, c, 80, 24)
	sshWaitFor(t, p.out, "the viewer's dashboard", sshContains("name=victor"))

	sshWriteFile(t, ts.opsPath, sshAuthorizedLine("admin", ts.admin.PublicKey(), "alice")+"\n")
	ts.reload <- syscall.SIGHUP
	sshWaitFor(t, ts.log, "the reload", sshContains("operators=1"))

	_, stderr, code := sshRun(t, c, "export web-01")
	if code != 1 || !strings.Contains(stderr, "not in the operators file") {
		t.Fatalf("new session of a removed operator: exit %d, stderr %q", code, stderr)
	}
	if c2, err := sshDial(ts.addr, ts.viewer); err == nil {
		c2.Close()
		t.Fatal("a removed operator could log in again")
	}
	// The session that was already open ends too, saying why
	// (TestServeReloadEndsRemovedOperatorsSession).
	p.wait(t)
	if !strings.Contains(p.out.String(), "session ended: your key was removed") {
		t.Fatalf("the open session did not say why it ended:\n%q", p.out.String())
	}
}
