package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"provkeys/model"
	"provkeys/ui/sshd"
)

// An admin removed from the operators file while their dashboard is open: the server, as
// serve wires it, ends the session and the store's audit trail says so under their name.
func TestSSHRemovedOperatorsSessionEndIsAudited(t *testing.T) {
	f := newFixture(t).init()
	st, admin, viewer, ops, l := f.sshServed(t)
	reload := make(chan os.Signal, 1)
	cfg := serverConfig(st)
	cfg.Listener, cfg.HostKeyPath, cfg.OperatorsPath, cfg.Reload = l, filepath.Join(f.dir, "host_key"), ops, reload
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- sshd.Serve(ctx, cfg) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	c, err := gossh.Dial("tcp", l.Addr().String(), &gossh.ClientConfig{
		User: "op", Auth: []gossh.AuthMethod{gossh.PublicKeys(admin)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var screen syncBuffer
	sess.Stdout = &screen
	if err := sess.RequestPty("xterm-256color", 24, 80, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "dashboard", func() bool { return strings.Contains(screen.String(), "Keys") }, screen.String)

	if err := os.WriteFile(ops, []byte(operatorLine("viewer", viewer, "victor")), 0o600); err != nil {
		t.Fatal(err)
	}
	reload <- os.Interrupt // what SIGHUP does; the value is not read
	ended := make(chan error, 1)
	go func() { ended <- sess.Wait() }()
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatalf("the removed admin's session is still open:\n%q", screen.String())
	}
	var found []model.AuditEvent
	waitUntil(t, "the audit row of alice's ended session", func() bool {
		events, err := st.Session(model.Actor{Name: "root", Role: model.RoleAdmin}).ListAudit(context.Background(), 5)
		if err != nil {
			t.Fatal(err)
		}
		found = events
		for _, ev := range events {
			if ev.Actor == "alice" && ev.Action == model.ActionSession && ev.ObjectType == model.ObjectSession &&
				ev.ObjectName == "alice" && strings.Contains(ev.Result, "session ended: your key was removed") &&
				strings.HasPrefix(ev.Remote, "127.0.0.1:") {
				return true
			}
		}
		return false
	}, func() string { return fmt.Sprintf("%+v", found) })
}

// syncBuffer is a bytes.Buffer the SSH client's copier writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitUntil polls ok for up to 10 s; got says what was seen instead.
func waitUntil(t *testing.T, what string, ok func() bool, got ...func() string) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if ok() {
			return
		}
	}
	seen := ""
	for _, g := range got {
		seen = g()
	}
	t.Fatalf("no %s after 10 s: %s", what, seen)
}
