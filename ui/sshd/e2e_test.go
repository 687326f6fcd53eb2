package sshd

// End-to-end with the real OpenSSH client (Debian's openssh-client) inside tmux, against
// Serve running in this process. They skip where ssh or tmux is missing, unless
// PROVKEYS_REQUIRE_E2E is set (CI), where a skip would hide a failure.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/dash"
)

// sshRequireTools skips (or, under PROVKEYS_REQUIRE_E2E, fails) without the named programs.
func sshRequireTools(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			if os.Getenv("PROVKEYS_REQUIRE_E2E") != "" {
				t.Fatalf("%s is required (PROVKEYS_REQUIRE_E2E is set): %v", n, err)
			}
			t.Skipf("%s not installed (apt-get install -y openssh-client tmux)", n)
		}
	}
}

// sshClientArgs are the OpenSSH options for a throwaway test server on 127.0.0.1:port.
func sshClientArgs(port, keyFile string, extra ...string) []string {
	args := []string{"-F", "/dev/null", "-p", port, "-i", keyFile,
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "BatchMode=yes"}
	return append(append(args, extra...), "127.0.0.1")
}

// sshOpenSSH runs the ssh binary and returns stdout, stderr and the exit status.
func sshOpenSSH(t *testing.T, args []string, command ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command("ssh", append(args, command...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr, cmd.Stdin = &out, &errb, nil
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("ssh: %v", err)
	}
	return out.String(), errb.String(), cmd.ProcessState.ExitCode()
}

var sshTmuxSeq atomic.Int32

// sshTmux is a private tmux server (its own -L socket) running one command in a 120×30 pane.
type sshTmux struct {
	t    *testing.T
	sock string
}

func sshStartTmux(t *testing.T, command string) *sshTmux {
	t.Helper()
	tm := &sshTmux{t: t, sock: fmt.Sprintf("provkeys-ssh-%d-%d", os.Getpid(), sshTmuxSeq.Add(1))}
	tm.run("-f", "/dev/null", "new-session", "-d", "-s", "e2e", "-x", "120", "-y", "30", command+"; sleep 60")
	t.Cleanup(func() { exec.Command("tmux", "-L", tm.sock, "kill-server").Run() })
	// OSC 52 from the application lands in tmux's paste buffer, where show-buffer reads it.
	tm.run("set-option", "-s", "set-clipboard", "on")
	return tm
}

func (tm *sshTmux) run(args ...string) string {
	tm.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", tm.sock}, args...)...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (tm *sshTmux) keys(keys ...string) {
	tm.run(append([]string{"send-keys", "-t", "e2e"}, keys...)...)
}

func (tm *sshTmux) pane() string { return tm.run("capture-pane", "-p", "-t", "e2e") }

// waitPane waits until cond holds for the screen, failing with the screen otherwise.
func (tm *sshTmux) waitPane(what string, cond func(string) bool) string {
	tm.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s := tm.pane()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("timed out waiting for %s; screen:\n%s", what, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitBuffer waits until tmux's paste buffer holds want (a copy that reached the client).
func (tm *sshTmux) waitBuffer(want string) {
	tm.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, _ := exec.Command("tmux", "-L", tm.sock, "show-buffer").Output()
		if strings.TrimSpace(string(out)) == want {
			return
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("the copy did not reach the client's tmux buffer: %q; screen:\n%s", out, tm.pane())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestSSHOpenSSHClient(t *testing.T) {
	sshRequireTools(t, "ssh", "tmux")
	dashboard := dash.New
	if dash.New(newSSHFakeStore().session(model.Actor{}), model.Actor{}, ui.Options{}) == nil {
		dashboard = newSSHStubModel // the dashboard is not built yet; test the transport
	}
	ts := startSSHServer(t, func(c *Config) { c.newDashboard = dashboard })
	_, port, _ := strings.Cut(ts.addr, ":")
	admin := sshClientArgs(port, ts.admin.file(t, ts.dir, "alice"))
	viewer := sshClientArgs(port, ts.viewer.file(t, ts.dir, "victor"))
	secret := ts.store.secrets[1]

	if out, errOut, code := sshOpenSSH(t, admin, "export", "web-01"); out != secret+"\n" || code != 0 {
		t.Fatalf("ssh export: %q, stderr %q, exit %d", out, errOut, code)
	}
	if _, errOut, code := sshOpenSSH(t, viewer, "export", "web-01"); code != 1 ||
		!strings.Contains(errOut, "permission denied: viewers cannot export keys") {
		t.Fatalf("viewer export: stderr %q, exit %d", errOut, code)
	}
	stranger := sshClientArgs(port, sshNewSigner(t).file(t, ts.dir, "stranger"))
	if _, errOut, code := sshOpenSSH(t, stranger, "export", "web-01"); code != 255 ||
		!strings.Contains(errOut, "Permission denied") {
		t.Fatalf("unknown key: stderr %q, exit %d", errOut, code)
	}
	if _, errOut, code := sshOpenSSH(t, admin, "ls"); code != 1 || !strings.Contains(errOut, `unknown command "ls"`) {
		t.Fatalf("other command: stderr %q, exit %d", errOut, code)
	}
	fwd := sshClientArgs(port, ts.admin.file(t, ts.dir, "alice2"), "-o", "ExitOnForwardFailure=yes",
		"-R", "127.0.0.1:0:127.0.0.1:9")
	if _, errOut, code := sshOpenSSH(t, fwd, "export", "web-01"); code == 0 ||
		!strings.Contains(errOut, "forwarding failed") {
		t.Fatalf("remote forwarding: stderr %q, exit %d", errOut, code)
	}

	tm := sshStartTmux(t, "ssh -tt "+strings.Join(admin, " "))
	tm.waitPane("the dashboard", func(s string) bool {
		return strings.Contains(s, "Keys") && strings.Contains(s, "web-01") ||
			strings.Contains(s, "Keys stub")
	})
	tm.keys("c")
	tm.waitBuffer(secret)
	tm.keys("q")
}

func TestSSHOpenSSHTooManySessions(t *testing.T) {
	sshRequireTools(t, "ssh")
	ts := startSSHServer(t, func(c *Config) { c.MaxPerAddr = 1 })
	held, err := sshDial(ts.addr, ts.viewer)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	_, port, _ := strings.Cut(ts.addr, ":")
	args := sshClientArgs(port, ts.admin.file(t, ts.dir, "alice"))
	_, errOut, code := sshOpenSSH(t, args, "export", "web-01")
	if code != 255 || !strings.Contains(errOut, "too many sessions from 127.0.0.1") {
		t.Fatalf("OpenSSH does not show the refusal: stderr %q, exit %d", errOut, code)
	}
}
