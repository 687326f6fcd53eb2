package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"provkeys/model"
	"provkeys/store/sqlite"
	"provkeys/ui"
	"provkeys/ui/cli/localconf"
	"provkeys/ui/sshd"
)

// sshSigner makes a fresh ed25519 client key.
func sshSigner(t *testing.T) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sshRun runs cmd on a new session of c and returns stdout, stderr and the exit status.
func sshRun(t *testing.T, c *gossh.Client, cmd string) (string, string, int) {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var out, errb bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &errb
	err = sess.Run(cmd)
	var exit *gossh.ExitError
	switch {
	case err == nil:
		return out.String(), errb.String(), 0
	case errors.As(err, &exit):
		return out.String(), errb.String(), exit.ExitStatus()
	}
	t.Fatalf("ssh %q: %v (stderr %q)", cmd, err, errb.String())
	return "", "", -1
}

// TestSSHRunsTheCommandLine serves a real store over SSH with the command tree as the
// server's Command, and runs commands as an admin and as a viewer.
func TestSSHRunsTheCommandLine(t *testing.T) {
	f := newFixture(t)
	secret := f.addKey("web-01")
	st, admin, viewer, ops, l := f.sshServed(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- sshd.Serve(ctx, sshd.Config{
			Listener: l, HostKeyPath: filepath.Join(f.dir, "host_key"), OperatorsPath: ops,
			Open:    func(a model.Actor) ui.Store { return st.Session(a) },
			Command: SessionRunner(st.Session),
		})
	}()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	dial := func(k gossh.Signer) *gossh.Client {
		t.Helper()
		c, err := gossh.Dial("tcp", l.Addr().String(), &gossh.ClientConfig{
			User: "op", Auth: []gossh.AuthMethod{gossh.PublicKeys(k)},
			HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	a, v := dial(admin), dial(viewer)

	out, stderr, code := sshRun(t, v, "keys list --json")
	var keys []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &keys) != nil || len(keys) != 1 || keys[0]["name"] != "web-01" {
		t.Fatalf("keys list --json over SSH: exit %d, %q, stderr %q", code, out, stderr)
	}
	if _, ok := keys[0]["key"]; ok {
		t.Error("keys list --json carries key material")
	}
	// Key material only to admins: the viewer is refused, and nothing reaches stdout.
	for _, cmd := range []string{"keys export web-01", "export web-01", "keys show web-01 --reveal"} {
		out, stderr, code = sshRun(t, v, cmd)
		if code != 1 || out != "" || !strings.Contains(stderr, "viewers cannot export keys") {
			t.Errorf("viewer %q: exit %d, stdout %q, stderr %q", cmd, code, out, stderr)
		}
	}
	// A viewer's change is refused by the store.
	if _, stderr, code = sshRun(t, v, "keys disable web-01"); code != 1 || !strings.Contains(stderr, "role") {
		t.Errorf("viewer keys disable: exit %d, stderr %q", code, stderr)
	}
	for _, cmd := range []string{"keys export web-01", "export web-01", "export WEB-01"} {
		if out, stderr, code = sshRun(t, a, cmd); code != 0 || out != secret+"\n" {
			t.Errorf("admin %q: exit %d, stdout %q, stderr %q", cmd, code, out, stderr)
		}
	}
	// The operator is the actor in the audit trail, with the address they came from.
	out, _, _ = sshRun(t, a, "audit --limit 1 --json")
	if !strings.Contains(out, `"actor": "alice"`) || !strings.Contains(out, `"remote": "127.0.0.1:`) {
		t.Errorf("audit over SSH does not name the operator:\n%s", out)
	}
	// Local-only commands, other stores and server files are refused in one line.
	other, stolen := filepath.Join(f.dir, "other.db"), filepath.Join(f.dir, "stolen")
	for _, tc := range []struct {
		cmd  string
		code int
		want string
	}{
		{"serve", 1, "not available over SSH"},
		{"demo --keys 5", 1, "not available over SSH"},
		{"completion bash", 1, "not available over SSH"},
		{"__complete keys show ''", 1, "not available over SSH"},
		{"keys list --db " + other, 2, "--db is not available over SSH"},
		{"--db " + other + " keys list", 2, "--db is not available over SSH"},
		{"keys export web-01 -o " + stolen, 2, "over SSH the key comes on standard output"},
		{"keys import /etc/passwd --group Servers", 2, "standard input"},
		{"frob", 2, `unknown command "frob"`},
	} {
		out, stderr, code := sshRun(t, a, tc.cmd)
		if code != tc.code || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 || out != "" {
			t.Errorf("%q over SSH: exit %d, stdout %q, stderr %q; want exit %d and %q", tc.cmd, code, out, stderr, tc.code, tc.want)
		}
	}
	if _, err := os.Stat(other); err == nil {
		t.Error("a command over SSH opened another store")
	}
	if _, err := os.Stat(stolen); err == nil {
		t.Error("keys export -o wrote a file on the server")
	}
}

// sshServed is what an SSH test of the command line serves: the fixture's store opened as
// serve opens it (closed when t ends), an operators file ops naming alice (admin) and victor
// (viewer), and a listener on a free loopback port.
func (f *fixture) sshServed(t *testing.T) (st *sqlite.Store, admin, viewer gossh.Signer, ops string, l net.Listener) {
	t.Helper()
	opt, err := localconf.StoreOptions(f.db, "")
	if err != nil {
		t.Fatal(err)
	}
	if st, err = sqlite.Open(sqlite.Options{Path: opt.DB, DataKeyPath: opt.DataKeyPath}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	admin, viewer, ops = sshSigner(t), sshSigner(t), filepath.Join(f.dir, "operators")
	if err := os.WriteFile(ops, []byte(operatorLine("admin", admin, "alice")+operatorLine("viewer", viewer, "victor")), 0o600); err != nil {
		t.Fatal(err)
	}
	if l, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	return st, admin, viewer, ops, l
}

// operatorLine is one operators-file line giving k the role under name.
func operatorLine(role string, k gossh.Signer, name string) string {
	return "role=" + role + " " + strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k.PublicKey()))) + " " + name + "\n"
}
