package sshd

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"

	"provkeys/model"
	"provkeys/ui"
)

// sshHostKeyOf connects and returns the fingerprint of the host key the server presented.
func sshHostKeyOf(t *testing.T, ts *sshTestServer) string {
	t.Helper()
	var got string
	c, err := gossh.Dial("tcp", ts.addr, &gossh.ClientConfig{
		User: "x", Auth: []gossh.AuthMethod{gossh.PublicKeys(ts.admin)},
		HostKeyCallback: func(_ string, _ net.Addr, k gossh.PublicKey) error {
			got = gossh.FingerprintSHA256(k)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	return got
}

func TestServeHostKeyGeneratedOnceAndPrivate(t *testing.T) {
	ts := startSSHServer(t)
	first := sshHostKeyOf(t, ts)
	fi, err := os.Stat(ts.hostKeyPath)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key: %v, mode %v; want 0600", err, fi.Mode())
	}
	if m := regexp.MustCompile(`host_key=(SHA256:\S+)`).FindStringSubmatch(ts.log.String()); m == nil || m[1] != first {
		t.Fatalf("the log does not print the host key fingerprint %s:\n%s", first, ts.log.String())
	}
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	again := startSSHServer(t, func(c *Config) { c.HostKeyPath = ts.hostKeyPath })
	if got := sshHostKeyOf(t, again); got != first {
		t.Fatalf("host key changed across restarts: %s, then %s", first, got)
	}
	if strings.Contains(again.log.String(), "generated a new SSH host key") {
		t.Fatal("a second start generated a new key")
	}
	if err := again.stop(); err != nil {
		t.Fatal(err)
	}

	os.Chmod(ts.hostKeyPath, 0o644)
	err = Serve(context.Background(), Config{HostKeyPath: ts.hostKeyPath,
		OperatorsPath: ts.opsPath, Open: func(model.Actor) ui.Store { return nil }, Listen: "127.0.0.1:0"})
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a readable host key: %v", err)
	}
}

func TestServeRefusesBadOperatorsFile(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{Listen: "127.0.0.1:0", HostKeyPath: filepath.Join(dir, "hk"),
		OperatorsPath: filepath.Join(dir, "operators"), Open: func(model.Actor) ui.Store { return nil }}
	err := Serve(context.Background(), cfg)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "role=admin") {
		t.Fatalf("missing operators file: %v", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Fatalf("the message is not one line: %q", err)
	}
	key := sshNewSigner(t).PublicKey()
	sshWriteFile(t, cfg.OperatorsPath, "# ok\n"+sshAuthorizedLine("admin", key, "alice")+"\nrole=admin ssh-ed25519 garbage bob\n")
	err = Serve(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "operators "+cfg.OperatorsPath+":3:") {
		t.Fatalf("malformed line 3: %v", err)
	}
}

func TestServeSSHOperatorOptions(t *testing.T) {
	ts := startSSHServer(t)
	line := func(opts string, key gossh.PublicKey, name string) string {
		return "role=admin " + opts + " " + strings.TrimPrefix(sshAuthorizedLine("admin", key, name), "role=admin ")
	}
	sshWriteFile(t, ts.opsPath, line(`no-pty`, ts.admin.PublicKey(), "alice")+"\n"+
		line(`from="10.0.0.0/8"`, ts.viewer.PublicKey(), "victor")+"\n")
	ts.reload <- syscall.SIGHUP
	sshWaitFor(t, ts.log, "the reload", sshContains("operators reloaded"))

	if c, err := sshDial(ts.addr, ts.viewer); err == nil {
		c.Close()
		t.Fatal(`from="10.0.0.0/8" let 127.0.0.1 in`)
	}
	c, err := sshDial(ts.addr, ts.admin)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if out, _, code := sshRun(t, c, "export web-01"); code != 0 || out == "" {
		t.Fatalf("no-pty operator could not export: exit %d", code)
	}
	p := sshOpenPTY(t, c, 80, 24)
	if err := p.wait(t); err == nil || !strings.Contains(p.out.String(), "no-pty") {
		t.Fatalf("no-pty operator got a dashboard: %v, %q", err, p.out.String())
	}
}

// sshIdleInner counts the messages that reach it.
type sshIdleInner struct{ got *[]tea.Msg }

func (m sshIdleInner) Init() tea.Cmd { return nil }
func (m sshIdleInner) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	*m.got = append(*m.got, msg)
	return m, nil
}
func (m sshIdleInner) View() tea.View { return tea.NewView("inner") }

func TestSSHIdleQuitWrapper(t *testing.T) {
	var got []tea.Msg
	now := time.Unix(1000, 0)
	var idled atomic.Bool
	m := newIdleQuit(sshIdleInner{&got}, time.Minute, &idled).(idleQuit)
	m.now, m.last = func() time.Time { return now }, now
	var scheduled []time.Duration // every idle check the wrapper asks for
	m.tick = func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
		scheduled = append(scheduled, d)
		return func() tea.Msg { return fn(now) }
	}
	m.Init()
	if len(scheduled) != 1 || scheduled[0] != time.Minute {
		t.Fatalf("Init scheduled %v, want one check after the idle timeout (1m)", scheduled)
	}

	now = now.Add(40 * time.Second)
	next, _ := m.Update(tea.KeyPressMsg{Code: 'j'})
	now = now.Add(40 * time.Second) // 80 s since start, 40 s since the key press
	next, cmd := next.Update(sshIdleCheckMsg{})
	if cmd == nil || len(scheduled) != 2 || scheduled[1] != 20*time.Second {
		t.Fatalf("after a key press 40 s ago the next check is %v, want one after the remaining 20s", scheduled[1:])
	}
	if _, ok := cmd().(sshIdleCheckMsg); !ok {
		t.Fatal("the scheduled check does not deliver the idle check")
	}
	if idled.Load() {
		t.Fatal("quit although a key was pressed 40 s ago")
	}
	now = now.Add(20 * time.Second)
	_, cmd = next.Update(sshIdleCheckMsg{})
	if !isQuit(cmd) || !idled.Load() {
		t.Fatal("did not quit after a minute without a key press")
	}
	if len(got) != 1 {
		t.Fatalf("inner model got %d messages, want only the key press", len(got))
	}
	if QuitWhenIdle(sshIdleInner{&got}, 0) != (sshIdleInner{&got}) {
		t.Fatal("a zero timeout should not wrap")
	}
}

func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}
