package sshd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSSHServeBinaryE2E runs `provkeys serve` as built from this tree and drives it with the
// real OpenSSH client in tmux, as an operator would.
func TestSSHServeBinaryE2E(t *testing.T) {
	sshRequireTools(t, "ssh", "tmux", "go")
	dir := t.TempDir()
	bin := sshBinary(t)
	if out, _ := exec.Command(bin, "serve", "--help").CombinedOutput(); strings.Contains(string(out), "unknown command") {
		// The command exists: its absence is a regression, never a reason to skip.
		t.Fatalf("provkeys has no serve command: %s", bytes.TrimSpace(out))
	}
	db := filepath.Join(dir, "data", "provkeys.db")
	cli := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, append([]string{"--db", db}, args...)...).Output()
		if err != nil {
			t.Fatalf("provkeys %v: %v", args, err)
		}
		return string(out)
	}
	cli("demo", "--keys", "6")
	var keys []struct {
		Name                string
		Enabled, Exportable bool
	}
	if err := json.Unmarshal([]byte(cli("keys", "list", "--json")), &keys); err != nil {
		t.Fatal(err)
	}
	name := ""
	for _, k := range keys {
		if k.Enabled && k.Exportable && !strings.ContainsAny(k.Name, " '\"") {
			name = k.Name
			break
		}
	}
	if name == "" {
		t.Fatalf("demo made no enabled, exportable key: %+v", keys)
	}
	secret := strings.TrimSpace(cli("keys", "export", name))

	admin, viewer := sshNewSigner(t), sshNewSigner(t)
	ops := filepath.Join(dir, "operators")
	sshWriteFile(t, ops, sshAuthorizedLine("admin", admin.PublicKey(), "alice")+"\n"+
		sshAuthorizedLine("viewer", viewer.PublicKey(), "victor")+"\n")
	port := sshFreePort(t)
	srv := exec.Command(bin, "--db", db, "serve", "--listen", "127.0.0.1:"+port, "--operators", ops, "--enroll-listen", "off")
	var log sshSyncBuffer
	srv.Stdout, srv.Stderr = &log, &log
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- srv.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			srv.Process.Kill()
			t.Errorf("provkeys serve did not stop on SIGTERM; log:\n%s", log.String())
		}
	})
	sshWaitFor(t, &log, "the server to listen", sshContains("serving over SSH"))
	if fi, err := os.Stat(filepath.Join(dir, "data", "ssh_host_ed25519")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key beside the store: %v %v", err, fi)
	}

	adminArgs := sshClientArgs(port, admin.file(t, dir, "alice"))
	viewerArgs := sshClientArgs(port, viewer.file(t, dir, "victor"))
	if out, errOut, code := sshOpenSSH(t, adminArgs, "export", name); out != secret+"\n" || code != 0 {
		t.Fatalf("ssh export: %q, stderr %q, exit %d", out, errOut, code)
	}
	if audit := cli("audit", "--json"); !strings.Contains(audit, `"alice"`) || !strings.Contains(audit, "127.0.0.1:") {
		t.Fatalf("the audit trail does not name the operator and address:\n%s", audit)
	}
	if _, errOut, code := sshOpenSSH(t, viewerArgs, "export", name); code != 1 || !strings.Contains(errOut, "viewers cannot export") {
		t.Fatalf("viewer export: stderr %q, exit %d", errOut, code)
	}
	stranger := sshClientArgs(port, sshNewSigner(t).file(t, dir, "stranger"))
	if _, errOut, code := sshOpenSSH(t, stranger, "export", name); code != 255 || !strings.Contains(errOut, "Permission denied") {
		t.Fatalf("unknown key: stderr %q, exit %d", errOut, code)
	}

	// Copy reaches the operator's own tmux buffer through OSC 52.
	a := sshStartTmux(t, "ssh -tt "+strings.Join(adminArgs, " "))
	a.waitPane("the admin's dashboard", sshContains(name))
	sshFilterTo(a, name)
	a.keys("c")
	a.waitBuffer(secret)

	// A viewer cannot delete; the key is still there after d, y.
	v := sshStartTmux(t, "ssh -tt "+strings.Join(viewerArgs, " "))
	v.waitPane("the viewer's dashboard", sshContains(name))
	sshFilterTo(v, name)
	v.keys("d")
	v.waitPane("the viewer's refusal", sshContains("Read-only"))
	v.keys("y")
	cli("keys", "show", name)

	// The admin disables the key; the viewer's screen shows it within two seconds.
	a.keys("t")
	deadline := time.Now().Add(5 * time.Second)
	for sshKeyEnabled(t, cli("keys", "show", name, "--json")) {
		if time.Now().After(deadline) {
			t.Fatalf("t did not disable %s; admin screen:\n%s", name, a.pane())
		}
		time.Sleep(100 * time.Millisecond)
	}
	changed := time.Now()
	v.waitPane("the viewer to see the change", func(s string) bool {
		for _, line := range strings.Split(s, "\n") {
			if strings.Contains(line, name) && strings.Contains(line, "Disabled") {
				return true
			}
		}
		return false
	})
	if d := time.Since(changed); d > 2500*time.Millisecond {
		t.Errorf("the viewer saw the change after %s, want within 2 s", d)
	}
}

// sshFilterTo narrows a dashboard's Keys view to one name with the filter (`/`, text, enter).
func sshFilterTo(tm *sshTmux, name string) {
	tm.keys("/")
	tm.keys("-l", name)
	tm.keys("Enter")
	tm.waitPane("the filter to apply", sshContains("1 of "))
}

// sshFreePort finds a free TCP port on 127.0.0.1 for a server started as another process.
func sshFreePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
}

// sshKeyEnabled reads "enabled" from `keys show --json`.
func sshKeyEnabled(t *testing.T, js string) bool {
	t.Helper()
	var k struct{ Enabled bool }
	if err := json.Unmarshal([]byte(js), &k); err != nil {
		t.Fatalf("keys show --json: %v\n%s", err, js)
	}
	return k.Enabled
}
