package sshd

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"provkeys/model"
)

// sshAuditLog records what the server audits about sessions.
type sshAuditLog struct {
	mu   sync.Mutex
	rows []string
}

func (l *sshAuditLog) add(_ context.Context, a model.Actor, result string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rows = append(l.rows, a.Name+" "+string(a.Role)+" "+result)
	return nil
}

func (l *sshAuditLog) has(sub string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.rows {
		if strings.Contains(r, sub) {
			return true
		}
	}
	return false
}

// Removing an admin from the operators file ends their open dashboard within seconds, says
// so on their screen and in the audit trail.
func TestServeReloadEndsRemovedOperatorsSession(t *testing.T) {
	audit := &sshAuditLog{}
	ts := startSSHServer(t, func(c *Config) { c.AuditSession = audit.add })
	c, err := sshDial(ts.addr, ts.admin)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := sshOpenPTY(t, c, 80, 24)
	sshWaitFor(t, p.out, "the admin's dashboard", sshContains("name=alice role=admin"))
	sshWriteFile(t, ts.opsPath, sshAuthorizedLine("viewer", ts.viewer.PublicKey(), "victor")+"\n")
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		t.Fatalf("the removed admin's session is still open:\n%q", p.out.String())
	}
	if !strings.Contains(p.out.String(), "session ended: your key was removed") {
		t.Fatalf("the screen does not say why:\n%q", p.out.String())
	}
	if !audit.has("alice admin session ended: your key was removed") {
		t.Fatalf("no audit row: %v", audit.rows)
	}
}

// Demoting an admin turns their open dashboard into a viewer's: a later copy is refused by
// the store, and the change is audited.
func TestServeReloadDemotesOpenDashboard(t *testing.T) {
	audit := &sshAuditLog{}
	ts := startSSHServer(t, func(c *Config) { c.AuditSession = audit.add })
	c, err := sshDial(ts.addr, ts.admin)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := sshOpenPTY(t, c, 80, 24)
	sshWaitFor(t, p.out, "the admin's dashboard", sshContains("name=alice role=admin"))
	sshWriteFile(t, ts.opsPath, sshAuthorizedLine("viewer", ts.admin.PublicKey(), "alice")+"\n"+
		sshAuthorizedLine("viewer", ts.viewer.PublicKey(), "victor")+"\n")
	sshWaitFor(t, p.out, "the dashboard as a viewer", sshContains("now viewer"))
	io.WriteString(p.in, "c")
	sshWaitFor(t, p.out, "the store's refusal", sshContains("allowed for your role"))
	if !audit.has("alice admin role changed to viewer") {
		t.Fatalf("no audit row: %v", audit.rows)
	}
	io.WriteString(p.in, "q")
	p.wait(t)
}
