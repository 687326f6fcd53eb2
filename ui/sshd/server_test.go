package sshd

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"provkeys/model"
)

func TestServeUnknownKeyRefused(t *testing.T) {
	ts := startSSHServer(t)
	if c, err := sshDial(ts.addr, sshNewSigner(t)); err == nil {
		c.Close()
		t.Fatal("a key that is not in the operators file logged in")
	}
	sshWaitFor(t, ts.log, "the failure in the log", func(s string) bool {
		return strings.Contains(s, `msg="authentication failed"`)
	})
}

func TestServePasswordAndKeyboardInteractiveRefused(t *testing.T) {
	ts := startSSHServer(t)
	for name, auth := range map[string]gossh.AuthMethod{
		"password": gossh.Password("hunter2"),
		"keyboard-interactive": gossh.KeyboardInteractive(
			func(string, string, []string, []bool) ([]string, error) { return nil, nil }),
	} {
		c, err := gossh.Dial("tcp", ts.addr, &gossh.ClientConfig{
			User: "alice", Auth: []gossh.AuthMethod{auth},
			HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		})
		if err == nil {
			c.Close()
			t.Errorf("%s authentication was accepted", name)
		}
	}
}

func TestServeAdminExport(t *testing.T) {
	ts := startSSHServer(t)
	c, err := sshDial(ts.addr, ts.admin)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	stdout, stderr, code := sshRun(t, c, "export WEB-01")
	if want := ts.store.secrets[1] + "\n"; stdout != want || code != 0 || stderr != "" {
		t.Fatalf("export = %q, stderr %q, exit %d; want %q, exit 0", stdout, stderr, code, want)
	}
	calls := ts.store.exportCalls()
	want := model.Actor{Name: "alice", Role: model.RoleAdmin, Remote: sshLocalAddr(c)}
	if len(calls) != 1 || calls[0].actor != want || calls[0].id != 1 {
		t.Fatalf("ExportKey calls = %+v, want one for key 1 as %+v", calls, want)
	}
	log := ts.log.String()
	if strings.Contains(log, ts.store.secrets[1][:40]) {
		t.Fatalf("the log holds key material:\n%s", log)
	}
	if !strings.Contains(log, `msg="key exported" operator=alice`) {
		t.Fatalf("no export line in the log:\n%s", log)
	}
}

func TestServeExportRefusals(t *testing.T) {
	ts := startSSHServer(t)
	admin, err := sshDial(ts.addr, ts.admin)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	viewer, err := sshDial(ts.addr, ts.viewer)
	if err != nil {
		t.Fatal(err)
	}
	defer viewer.Close()
	for _, tc := range []struct {
		name       string
		client     *gossh.Client
		cmd, want  string
		code       int
		storeCalls int
	}{
		{"viewer, refused by the store (which audits it)", viewer, "export web-01", "permission denied: viewers cannot export keys\n", 1, 1},
		{"unknown key", admin, "export nope", "export: no key named \"nope\"\n", 1, 0},
		{"no name", admin, "export", "usage: export NAME\n", 2, 0},
		{"unknown command", admin, "rm -rf /", "unknown command \"rm\" (only `export NAME`)\n", 1, 0},
		{"unknown command, viewer", viewer, "ls", "unknown command \"ls\" (only `export NAME`)\n", 1, 0},
		{"shell without a PTY", admin, "", "", 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(ts.store.exportCalls())
			stdout, stderr, code := sshRunOrShell(t, tc.client, tc.cmd)
			if stdout != "" || code != tc.code || (tc.want != "" && stderr != tc.want) {
				t.Fatalf("stdout %q, stderr %q, exit %d; want stderr %q, exit %d",
					stdout, stderr, code, tc.want, tc.code)
			}
			if strings.Count(stderr, "\n") != 1 {
				t.Fatalf("want one line on stderr, got %q", stderr)
			}
			if n := len(ts.store.exportCalls()) - before; n != tc.storeCalls {
				t.Fatalf("ExportKey called %d times, want %d", n, tc.storeCalls)
			}
		})
	}
}

// sshRunOrShell runs cmd, or an interactive shell without a PTY when cmd is empty.
func sshRunOrShell(t *testing.T, c *gossh.Client, cmd string) (string, string, int) {
	t.Helper()
	if cmd != "" {
		return sshRun(t, c, cmd)
	}
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	outPipe, _ := sess.StdoutPipe()
	errPipe, _ := sess.StderrPipe()
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(outPipe)
	errb, _ := io.ReadAll(errPipe)
	var exit *gossh.ExitError
	if err := sess.Wait(); !errors.As(err, &exit) {
		t.Fatalf("shell without a PTY: %v, want an exit status", err)
	}
	if !strings.Contains(string(errb), "needs a terminal") {
		t.Fatalf("refusal %q does not say why", errb)
	}
	return string(out), string(errb), exit.ExitStatus()
}

func TestServeForwardingRefused(t *testing.T) {
	ts := startSSHServer(t)
	c, err := sshDial(ts.addr, ts.admin)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if conn, err := c.Dial("tcp", ts.addr); err == nil {
		conn.Close()
		t.Error("local port forwarding (direct-tcpip) was accepted")
	} else if !strings.Contains(err.Error(), "disabled") {
		t.Errorf("local forwarding refused without a reason: %v", err)
	}
	if l, err := c.Listen("tcp", "127.0.0.1:0"); err == nil {
		l.Close()
		t.Error("remote port forwarding (tcpip-forward) was accepted")
	}
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if ok, err := sess.SendRequest("auth-agent-req@openssh.com", true, nil); ok || err != nil {
		t.Errorf("agent forwarding request: ok=%v err=%v, want refused", ok, err)
	}
	sshWaitFor(t, ts.log, "refusals in the log", func(s string) bool {
		return strings.Count(s, "port forwarding refused") == 2 &&
			strings.Contains(s, "agent forwarding refused")
	})
}

// TestServeOfferedKeyIsNotIdentity is CVE-2024-45337: the client offers the admin's public
// key (which the server accepts as a candidate) but cannot sign with it, then logs in with
// the viewer's key. The session must be the viewer's.
func TestServeOfferedKeyIsNotIdentity(t *testing.T) {
	ts := startSSHServer(t)
	// A signature that does not verify ends the connection (x/crypto drops it), so an
	// impostor never gets as far as a second key.
	impostor := sshWrongSigner{pub: ts.admin.PublicKey(), sign: ts.viewer}
	if c, err := sshDial(ts.addr, impostor, ts.viewer); err == nil {
		c.Close()
		t.Fatal("a connection that sent a bad signature for the admin key went on")
	}
	cases := map[string]*gossh.ClientConfig{
		// The admin key is offered (and accepted as a candidate), signing fails, and a
		// second method logs in with the viewer's key.
		"offer admin, log in as viewer": {
			Auth: []gossh.AuthMethod{gossh.PublicKeys(sshWrongSigner{pub: ts.admin.PublicKey()})},
			AuthCallback: func(ctx *gossh.ClientAuthContext) (gossh.AuthMethod, error) {
				if slices.Contains(ctx.TriedMethods, "publickey") {
					return gossh.PublicKeys(ts.viewer), nil
				}
				return nil, nil
			},
		},
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			cfg.User, cfg.HostKeyCallback = "alice", gossh.InsecureIgnoreHostKey()
			c, err := gossh.Dial("tcp", ts.addr, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, stderr, code := sshRun(t, c, "export web-01")
			if code != 1 || !strings.Contains(stderr, "viewers cannot export") {
				t.Fatalf("exit %d, stderr %q: the session was not the viewer's", code, stderr)
			}
			// The store is asked as the viewer (it refuses and audits), never as the admin.
			for _, call := range ts.store.exportCalls() {
				if call.actor.Name != "victor" || call.actor.Role != model.RoleViewer {
					t.Fatalf("ExportKey was called as %+v", call.actor)
				}
			}
		})
	}
}

// sshWrongSigner presents pub but signs with another key, or fails when sign is nil.
type sshWrongSigner struct {
	pub  gossh.PublicKey
	sign gossh.Signer
}

func (s sshWrongSigner) PublicKey() gossh.PublicKey { return s.pub }

func (s sshWrongSigner) Sign(rand io.Reader, data []byte) (*gossh.Signature, error) {
	if s.sign == nil {
		return nil, errors.New("no private key")
	}
	return s.sign.Sign(rand, data)
}
