package sshd

import (
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"provkeys/model"
)

func TestOperatorsParse(t *testing.T) {
	a, b := sshNewSigner(t).PublicKey(), sshNewSigner(t).PublicKey()
	keyA := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(a)))
	keyB := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(b)))
	good := "# operators\n\nrole=admin " + keyA + " alice.laptop\n" +
		"  role=viewer from=\"10.0.0.0/8,!10.9.9.9\",no-pty,restrict " + keyB + " bob.smith\n"
	set, err := ParseOperators("ops", strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if set.Len() != 2 {
		t.Fatalf("Len = %d, want 2", set.Len())
	}
	alice, ok := set.Lookup(a)
	if !ok || alice.Name != "alice.laptop" || alice.Role != model.RoleAdmin || alice.Line != 3 || alice.NoPTY {
		t.Fatalf("alice = %+v, %v", alice, ok)
	}
	bob, ok := set.Lookup(b)
	if !ok || bob.Name != "bob.smith" || bob.Role != model.RoleViewer || !bob.NoPTY || len(bob.From) != 2 {
		t.Fatalf("bob = %+v, %v", bob, ok)
	}
	if _, ok := set.Lookup(sshNewSigner(t).PublicKey()); ok {
		t.Fatal("an unknown key was found")
	}
	for opts, noPTY := range map[string]bool{"restrict": true, "restrict,pty": false, "pty,restrict": true, "no-port-forwarding": false} {
		set, err := ParseOperators("ops", strings.NewReader("role=admin "+opts+" "+keyA+" alice\n"))
		if err != nil {
			t.Fatal(err)
		}
		if op, _ := set.Lookup(a); op.NoPTY != noPTY {
			t.Errorf("%s: NoPTY = %v, want %v", opts, op.NoPTY, noPTY)
		}
	}

	for _, tc := range []struct {
		name, text, want string
	}{
		{"malformed key line stops everything", "role=admin " + keyA + " alice\n\nrole=admin ssh-ed25519 AAAAbroken x\nrole=viewer " + keyB + " bob\n", "ops:3: no valid authorized_keys entry"},
		{"no role", keyA + " alice\n", "ops:1: a line must start with role=admin or role=viewer"},
		{"bad role", "role=root " + keyA + " alice\n", `ops:1: role must be admin or viewer, not "root"`},
		{"no key", "role=admin\n", "ops:1: no valid authorized_keys entry"},
		{"no comment", "role=admin " + keyA + "\n", "ops:1: the key has no comment"},
		{"name with a space", "role=admin " + keyA + " Alice Smith\n", `ops:1: operator name "Alice Smith" may contain only`},
		{"name with an escape", "role=admin " + keyA + " ali\x1b[2Jce\n", `ops:1: operator name "ali\x1b[2Jce" may contain only ASCII letters`},
		{"Cyrillic look-alike", "role=admin " + keyA + " \u0430lice\n", `ops:1: operator name "\u0430lice" may contain only ASCII letters, digits, '.', '-' and '_'`},
		{"accented letter", "role=admin " + keyA + " jos\u00e9\n", `ops:1: operator name "jos\u00e9"`},
		{"at sign", "role=admin " + keyA + " alice@laptop\n", `ops:1: operator name "alice@laptop" may contain only`},
		{"bidi override", "role=admin " + keyA + " eve\u202e\n", `ops:1: operator name "eve\u202e"`},
		{"name too long", "role=admin " + keyA + " " + strings.Repeat("a", 65) + "\n", "ops:1: operator name is longer than 64"},
		{"unknown option", "role=admin command=\"/bin/sh\" " + keyA + " alice\n", `ops:1: option "command" is not supported`},
		{"permitopen", "role=admin permitopen=\"x:1\" " + keyA + " alice\n", `ops:1: option "permitopen" is not supported`},
		{"from host name", "role=admin from=\"*.example.com\" " + keyA + " alice\n", "ops:1: from= pattern \"*.example.com\" is not an address"},
		{"from bad CIDR", "role=admin from=\"10.0.0.0/33\" " + keyA + " alice\n", "ops:1: from= pattern \"10.0.0.0/33\" is not a valid CIDR"},
		{"from bad address", "role=admin from=\"10.0.0.256\" " + keyA + " alice\n", "ops:1: from= pattern \"10.0.0.256\" is not a valid address"},
		{"duplicate key", "role=admin " + keyA + " alice\n# x\nrole=viewer " + keyA + " bob\n", "ops:3: the same key is already on line 1"},
		{"one name, two roles", "role=admin " + keyA + " alice\nrole=viewer " + keyB + " alice\n", "ops:2: operator alice is viewer here but admin on line 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseOperators("ops", strings.NewReader(tc.text))
			if err == nil || !strings.Contains(err.Error(), "operators "+tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, "operators "+tc.want)
			}
			if strings.Contains(err.Error(), keyA[12:40]) || strings.Contains(err.Error(), "\x1b") {
				t.Fatalf("the error quotes key material or an escape: %q", err)
			}
		})
	}
}

func TestOperatorAllowsAddr(t *testing.T) {
	tcp := func(s string) net.Addr { return net.TCPAddrFromAddrPort(netip.MustParseAddrPort(s)) }
	pats, err := parseFrom(`"10.0.0.0/8,!10.9.9.9,192.168.1.?,::1,fd00::/8"`)
	if err != nil {
		t.Fatal(err)
	}
	op := Operator{From: pats}
	for addr, want := range map[string]bool{
		"10.1.2.3:22": true, "10.9.9.9:22": false, "192.168.1.7:22": true,
		"192.168.1.70:22": false, "11.0.0.1:22": false, "[::1]:22": true,
		"[::ffff:10.1.2.3]:22": true, "[fd00::5]:22": true, "[fe80::1]:22": false,
	} {
		if got := op.AllowsAddr(tcp(addr)); got != want {
			t.Errorf("AllowsAddr(%s) = %v, want %v", addr, got, want)
		}
	}
	if !(Operator{}).AllowsAddr(tcp("8.8.8.8:1")) {
		t.Error("an operator without from= was refused")
	}
}

func TestOperatorsLoadFileChecks(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadOperators(filepath.Join(dir, "missing"))
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "create it") {
		t.Fatalf("missing file: %v", err)
	}
	path := filepath.Join(dir, "operators")
	sshWriteFile(t, path, sshAuthorizedLine("admin", sshNewSigner(t).PublicKey(), "alice")+"\n")
	if err := os.Chmod(path, 0o664); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOperators(path); err == nil || !strings.Contains(err.Error(), "writable by group or others") || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("group-writable file: %v", err)
	}
	os.Chmod(path, 0o600)
	if _, err := LoadOperators(path); err != nil {
		t.Fatal(err)
	}
}

func TestOperatorsReloadKeepsOldSetOnBadEdit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "operators")
	alice, bob := sshNewSigner(t).PublicKey(), sshNewSigner(t).PublicKey()
	sshWriteFile(t, path, sshAuthorizedLine("admin", alice, "alice")+"\n")
	log := &sshSyncBuffer{}
	ops, err := OpenOperators(path, slog.New(slog.NewTextHandler(log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	bad := sshAuthorizedLine("admin", alice, "alice") + "\nrole=viewer " +
		strings.TrimSpace(string(gossh.MarshalAuthorizedKey(bob))) + "\n"
	sshWriteFile(t, path, bad) // no comment on line 2
	if err := ops.Reload(); err == nil || !strings.Contains(err.Error(), ":2:") {
		t.Fatalf("Reload of a bad file: %v", err)
	}
	if _, ok := ops.Current().Lookup(alice); !ok || ops.Current().Len() != 1 {
		t.Fatal("a bad edit replaced the operator set")
	}
	if !strings.Contains(log.String(), "keeping the previous set") || !strings.Contains(log.String(), ":2:") {
		t.Fatalf("log does not say why: %s", log.String())
	}
	if b64 := strings.Fields(string(gossh.MarshalAuthorizedKey(bob)))[1]; strings.Contains(log.String(), b64[20:]) {
		t.Fatal("the log holds a key")
	}

	// The poller notices the fixed file by itself.
	ctx := t.Context()
	go ops.Watch(ctx, 20*time.Millisecond, nil)
	sshWriteFile(t, path, bad+"# fixed below\n"+sshAuthorizedLine("viewer", bob, "bob")+"\n")
	time.Sleep(100 * time.Millisecond) // still bad: line 2
	if ops.Current().Len() != 1 {
		t.Fatal("a still-bad file was loaded")
	}
	sshWriteFile(t, path, sshAuthorizedLine("admin", alice, "alice")+"\n"+sshAuthorizedLine("viewer", bob, "bob")+"\n")
	deadline := time.Now().Add(5 * time.Second)
	for ops.Current().Len() != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the fixed file was not picked up; log:\n%s", log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if op, ok := ops.Current().Lookup(bob); !ok || op.Role != model.RoleViewer {
		t.Fatalf("bob = %+v, %v", op, ok)
	}
}

// TestOperatorsExampleFile keeps the documented example (testdata/ssh/operators.example)
// valid. Its keys' private halves were thrown away.
func TestOperatorsExampleFile(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "ssh", "operators.example"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	set, err := ParseOperators("operators.example", f)
	if err != nil {
		t.Fatal(err)
	}
	ops := set.Operators()
	if len(ops) != 3 || ops[0].Name != "alice.ops" || ops[1].Role != model.RoleViewer ||
		!ops[2].NoPTY || len(ops[2].From) != 2 || !ops[2].From[1].Negate {
		t.Fatalf("operators = %+v", ops)
	}
}

// As OpenSSH's StrictModes: an operators file another user owns is refused (whoever owns
// it can make themselves an admin), and one others can read starts with a loud warning.
func TestOperatorsFileStrictModes(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "operators")
	sshWriteFile(t, path, sshAuthorizedLine("admin", sshNewSigner(t).PublicKey(), "alice")+"\n")
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	log := &sshSyncBuffer{}
	if _, err := OpenOperators(path, slog.New(slog.NewTextHandler(log, nil))); err != nil {
		t.Fatalf("a world-readable file is refused: %v", err)
	}
	if got := log.String(); !strings.Contains(got, "level=WARN") || !strings.Contains(got, "readable by group or others") ||
		!strings.Contains(got, "chmod 600 "+path) {
		t.Fatalf("no loud warning for mode 0644:\n%s", got)
	}
	os.Chmod(path, 0o600)
	if os.Getuid() != 0 {
		return // only root can give the file to another user
	}
	if err := os.Chown(path, 4321, 4321); err != nil {
		t.Fatal(err)
	}
	_, err := LoadOperators(path)
	if err == nil || !strings.Contains(err.Error(), "owned by uid 4321") {
		t.Fatalf("a file owned by another user: %v", err)
	}
}
