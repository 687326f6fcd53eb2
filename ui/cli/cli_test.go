package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"provkeys/internal/testenv"
	"provkeys/keyformat"
	"provkeys/model"
	"provkeys/model/keydoc"
	"provkeys/store/postgres/pgtest"
	"provkeys/store/storetest"
)

// Most tests run the command tree in this process with buffers for its IO, which is how the
// SSH server runs it too; the few that need a real process (the umask, a -race build) run
// the binary, built once on first use.
var (
	buildOnce  sync.Once
	binaryPath string
	buildErr   error
)

// startEnv is the environment before any test changed it (package variables are set before
// the first test runs).
var startEnv = os.Environ()

// binary builds provkeys from the module root into a temporary directory, once.
func binary(t *testing.T) string {
	t.Helper()
	goCmd := testenv.LookPath(t, "go") // to build provkeys
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "provkeys-cli-")
		if err != nil {
			buildErr = err
			return
		}
		binaryPath = filepath.Join(dir, "provkeys")
		build := []string{"build", "-o", binaryPath}
		// Under go test -race the binary is built with -race too, since it is what runs.
		if info, ok := debug.ReadBuildInfo(); ok {
			for _, s := range info.Settings {
				if s.Key == "-race" && s.Value == "true" {
					build = append(build, "-race")
				}
			}
		}
		cmd := exec.Command(goCmd, append(build, "provkeys")...)
		// The environment the tests started with: fixtures point HOME at a temporary
		// directory, and go would then fetch every module and build from scratch there.
		cmd.Env = startEnv
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binaryPath
}

func TestMain(m *testing.M) {
	code := pgtest.Main(m) // a private PostgreSQL for the --db postgres:// tests

	if binaryPath != "" {
		os.RemoveAll(filepath.Dir(binaryPath))
	}
	os.Exit(code)
}

// result is what one run of the binary did.
type result struct {
	code           int
	stdout, stderr string
}

// fixture is one test's private world: a database path in t.TempDir() and a HOME and
// XDG_DATA_HOME there too, so a command that forgot --db can never touch a real store.
type fixture struct {
	t   *testing.T
	dir string
	db  string
	// bin runs the built binary instead of the command tree in this process.
	bin bool
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	// The in-process runs read the same variables the binary would.
	t.Setenv("HOME", dir)
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "xdg"))
	t.Setenv("PROVKEYS_DB", "")
	t.Setenv("PROVKEYS_DATA_KEY", "")
	return &fixture{t: t, dir: dir, db: filepath.Join(dir, "provkeys.db")}
}

// init creates the fixture's store, as an operator's first writing command would: read-only
// commands need one.
func (f *fixture) init() *fixture {
	f.t.Helper()
	if r := f.run("groups", "add", "--name", "Servers"); r.code != 0 && !strings.Contains(r.stderr, "already exists") {
		f.t.Fatalf("create the store: exit %d: %s", r.code, r.stderr)
	}
	return f
}

// runInProcess runs the command tree here, with buffers as its IO.
func (f *fixture) runInProcess(stdin string, args []string) result {
	var out, errb strings.Builder
	code := Run(context.Background(), args, IO{In: strings.NewReader(stdin), Out: &out, Err: &errb})
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// exec runs the binary with exactly args and stdin, and checks what every run must do: no
// panic or goroutine dump, every stderr line prefixed "provkeys: ", and a failure reported
// in exactly one line.
func (f *fixture) exec(stdin string, args ...string) result {
	f.t.Helper()
	var r result
	if f.bin {
		r = f.runBinary(stdin, args)
	} else {
		r = f.runInProcess(stdin, args)
	}
	f.check(r, args)
	return r
}

// runBinary runs the built binary with exactly args and stdin.
func (f *fixture) runBinary(stdin string, args []string) result {
	f.t.Helper()
	cmd := exec.Command(binary(f.t), args...)
	cmd.Dir = f.dir
	// A -race binary sleeps a second at exit unless told not to; a race it finds still
	// fails the test through stderr and the exit status.
	env := []string{"HOME=" + f.dir, "XDG_DATA_HOME=" + filepath.Join(f.dir, "xdg"), "TZ=UTC",
		"GORACE=" + strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0")}
	for _, kv := range os.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "HOME", "XDG_DATA_HOME", "PROVKEYS_DB", "PROVKEYS_DATA_KEY", "TZ", "GORACE":
		default:
			env = append(env, kv)
		}
	}
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		f.t.Fatalf("run provkeys %q: %v", args, err)
	}
	return r
}

// check asserts what every run must do.
func (f *fixture) check(r result, args []string) {
	f.t.Helper()
	if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine ") {
		f.t.Fatalf("provkeys %q crashed:\n%s", args, r.stderr)
	}
	if slices.Contains(args, "__complete") {
		return // the completion protocol reports its directive on stderr, for the shell script
	}
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	for _, l := range lines {
		if r.stderr != "" && !strings.HasPrefix(l, "provkeys: ") {
			f.t.Errorf("provkeys %q: stderr line without the provkeys: prefix: %q", args, l)
		}
	}
	if r.code != 0 && len(lines) != 1 {
		f.t.Errorf("provkeys %q failed with %d stderr lines, want one sentence:\n%s", args, len(lines), r.stderr)
	}
	if strings.ContainsRune(r.stderr, 0x1b) {
		f.t.Errorf("provkeys %q: escape character on stderr: %q", args, r.stderr)
	}
}

// run runs a command against the fixture's database.
func (f *fixture) run(args ...string) result {
	f.t.Helper()
	return f.exec("", append([]string{"--db", f.db}, args...)...)
}

// ok runs a command that must succeed and returns its stdout.
func (f *fixture) ok(args ...string) string {
	f.t.Helper()
	r := f.run(args...)
	if r.code != 0 {
		f.t.Fatalf("provkeys %q: exit %d, want 0\nstderr: %s", args, r.code, r.stderr)
	}
	return r.stdout
}

// fail runs a command that must exit with code and returns its stderr.
func (f *fixture) fail(code int, args ...string) string {
	f.t.Helper()
	return f.expect(f.run(args...), code, args)
}

// expect checks r's exit code and returns its stderr.
func (f *fixture) expect(r result, code int, args []string) string {
	f.t.Helper()
	if r.code != code {
		f.t.Fatalf("provkeys %q: exit %d, want %d\nstdout: %s\nstderr: %s", args, r.code, code, r.stdout, r.stderr)
	}
	return r.stderr
}

// jsonOut runs a command with --json and decodes its output into v.
func (f *fixture) jsonOut(v any, args ...string) {
	f.t.Helper()
	out := f.ok(append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		f.t.Fatalf("provkeys %q: output is not JSON: %v\n%s", args, err, out)
	}
}

// keys lists the stored keys as JSON objects.
func (f *fixture) keys() []map[string]any {
	f.t.Helper()
	var ks []map[string]any
	f.jsonOut(&ks, "keys", "list")
	return ks
}

// addKey creates a key in group Servers (created on first use) and returns its secret.
func (f *fixture) addKey(name string, extra ...string) string {
	f.t.Helper()
	f.init()
	var k map[string]any
	f.jsonOut(&k, append([]string{"keys", "add", "--name", name, "--group", "Servers"}, extra...)...)
	secret, _ := k["key"].(string)
	if _, err := keyformat.Parse(secret); err != nil {
		f.t.Fatalf("keys add --json: key %q does not parse: %v", secret, err)
	}
	return secret
}

// payload is the secret part of a key, which no stderr may ever contain.
func payload(t *testing.T, key string) string {
	t.Helper()
	k, err := keyformat.Parse(key)
	if err != nil {
		t.Fatalf("parse %q: %v", key, err)
	}
	return k.Payload
}

// noMaterial fails if stderr holds any 12-character piece of any of the keys' payloads.
func noMaterial(t *testing.T, stderr string, keys ...string) {
	t.Helper()
	for _, k := range keys {
		p := payload(t, k)
		for i := 0; i+12 <= len(p); i += 6 {
			if strings.Contains(stderr, p[i:i+12]) {
				t.Fatalf("stderr contains key material: %q", stderr)
			}
		}
	}
}

// seedKey is the example key of the reference documentation, as keyformat's tests keep it.
func seedKey(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../keyformat/testdata/seed_key.txt")
	if err != nil {
		t.Fatalf("seed key: %v", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "3|") {
			return strings.TrimSpace(l)
		}
	}
	t.Fatal("no key in the seed file")
	return ""
}

func TestUsageErrors(t *testing.T) {
	f := newFixture(t)
	for _, args := range [][]string{
		{"frob"},
		{"keys"},
		{"keys", "frob"},
		{"keys", "show"},
		{"keys", "show", "a", "b"},
		{"keys", "list", "--bogus"},
		{"keys", "list", "extra"},
		{"keys", "add", "--group", "Servers"},
		{"keys", "add", "--name", "x"},
		{"keys", "add", "--name", "x", "--group", "Servers", "--max-usage", "abc"},
		{"keys", "add", "--name", "x", "--group", "Servers", "--expires", "soonish"},
		{"keys", "edit", "x"},
		{"keys", "edit", "x", "--enable", "--disable"},
		{"keys", "export", "x", "--force"},
		{"keys", "import", "-"},
		{"keys", "list", "--filter", `name:"unterminated`},
		{"groups", "add"},
		{"groups", "edit", "x"},
		{"certs", "import", "only-a-name"},
		{"decode"},
		{"verify"},
		{"audit", "--limit", "-1"},
		{"demo", "--keys", "0"},
		{"--bogus"},
	} {
		stderr := f.fail(2, args...)
		if !strings.HasPrefix(stderr, "provkeys: ") {
			t.Errorf("%q: stderr %q", args, stderr)
		}
	}
	// Bad usage is caught before anything is touched.
	if _, err := os.Stat(f.db); err == nil {
		t.Error("a usage error created the database")
	}
}

func TestHelp(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--help"}, "keys list"},
		{[]string{"-h"}, "demo"},
		{[]string{"help"}, "verify"},
		{[]string{"keys", "--help"}, "keys export"},
		{[]string{"keys", "show", "--help"}, "--reveal"},
		{[]string{"keys", "show", "NAME", "-h"}, "--json"},
		{[]string{"help", "keys", "add"}, "--max-usage N"},
		{[]string{"keys", "export", "--help"}, "-o FILE"},
	} {
		r := f.run(tc.args...)
		if r.code != 0 || !strings.Contains(r.stdout, tc.want) || r.stderr != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 0 and %q", tc.args, r.code, r.stdout, r.stderr, tc.want)
		}
	}
}

func TestVersion(t *testing.T) {
	f := newFixture(t)
	if out := f.ok("version"); !strings.HasPrefix(out, "provkeys "+Version) {
		t.Errorf("version printed %q", out)
	}
}

func TestDashboardNeedsTerminal(t *testing.T) {
	f := newFixture(t)
	stderr := f.fail(1)
	if !strings.Contains(stderr, "terminal") {
		t.Errorf("stderr %q does not say a terminal is needed", stderr)
	}
}

func TestDecodeSeedKey(t *testing.T) {
	f := newFixture(t)
	seed := seedKey(t)
	var d map[string]any
	f.jsonOut(&d, "decode", seed)
	want := map[string]any{
		"version": 3.0, "host": "api.private.zscaler.com", "payload_bytes": 288.0,
		"fingerprint": keyformat.Fingerprint(seed), "warnings": []any{},
	}
	for k, v := range want {
		if fmt.Sprint(d[k]) != fmt.Sprint(v) {
			t.Errorf("decode --json: %s = %v, want %v", k, d[k], v)
		}
	}
	if len(d) != len(want) {
		t.Errorf("decode --json has fields %v, want exactly %v", keysOf(d), keysOf(want))
	}
	// The same key from stdin, flag first, with the newline a pipe adds.
	r := f.exec(seed+"\n", "--db", f.db, "decode", "--json", "-")
	var d2 map[string]any
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &d2) != nil || d2["fingerprint"] != d["fingerprint"] {
		t.Errorf("decode - from stdin: exit %d, %q, %q", r.code, r.stdout, r.stderr)
	}
	human := f.ok("decode", seed)
	for _, w := range []string{"288 bytes", "api.private.zscaler.com", keyformat.Fingerprint(seed)} {
		if !strings.Contains(human, w) {
			t.Errorf("decode: %q missing from\n%s", w, human)
		}
	}
	if strings.Contains(human, payload(t, seed)) {
		t.Error("decode printed the payload")
	}
	if _, err := os.Stat(f.db); err == nil {
		t.Error("decode opened the database")
	}
}

func TestDecodeLineWrapped(t *testing.T) {
	f := newFixture(t)
	seed := seedKey(t)
	wrapped := seed[:100] + "\n" + seed[100:]
	r := f.exec(wrapped+"\n", "decode", "-")
	stderr := f.expect(r, 1, []string{"decode", "-"})
	if !strings.Contains(stderr, "position 101") || !strings.Contains(stderr, "white space") {
		t.Errorf("stderr %q does not name the position of the line break", stderr)
	}
	noMaterial(t, stderr, seed)
	stderr = f.fail(1, "decode", seed[:200]+"...")
	noMaterial(t, stderr, seed)
}

func TestKeyJSONFields(t *testing.T) {
	f := newFixture(t)
	secret := f.addKey("web-01")
	want := []string{"id", "name", "groups", "status", "state", "enabled", "signing_certificate",
		"allow_reenrollment", "exportable", "cloud", "fingerprint", "description", "max_usage",
		"usage_count", "last_machine", "expires_at", "created_at", "created_by", "updated_at", "updated_by", "version"}
	ks := f.keys()
	if len(ks) != 1 {
		t.Fatalf("keys list --json: %d keys, want 1", len(ks))
	}
	if got := keysOf(ks[0]); !slices.Equal(got, sorted(want)) {
		t.Errorf("keys list --json fields\n got %v\nwant %v", got, sorted(want))
	}
	var shown map[string]any
	f.jsonOut(&shown, "keys", "show", "web-01")
	if got := keysOf(shown); !slices.Equal(got, sorted(want)) {
		t.Errorf("keys show --json fields\n got %v\nwant %v", got, sorted(want))
	}
	f.jsonOut(&shown, "keys", "show", "web-01", "--reveal")
	if got := keysOf(shown); !slices.Equal(got, sorted(append(want, "key"))) {
		t.Errorf("keys show --reveal --json fields\n got %v", got)
	}
	if shown["key"] != secret {
		t.Error("keys show --reveal: key differs from the one keys add printed")
	}
	var events []map[string]any
	f.jsonOut(&events, "audit", "--limit", "1")
	if len(events) != 1 || events[0]["action"] != "reveal" || events[0]["object_name"] != "web-01" {
		t.Errorf("keys show --reveal was not audited: %v", events)
	}
	if shown["expires_at"] != nil || shown["status"] != "Enabled" || shown["enabled"] != true ||
		shown["signing_certificate"] != "Client" || shown["exportable"] != true ||
		shown["fingerprint"] != keyformat.Fingerprint(secret) || fmt.Sprint(shown["groups"]) != "[Servers]" {
		t.Errorf("keys show --json: %v", shown)
	}
	if _, err := time.Parse(time.RFC3339, fmt.Sprint(shown["created_at"])); err != nil {
		t.Errorf("created_at is not RFC 3339: %v", err)
	}
}

func TestKeysRoundTrip(t *testing.T) {
	f := newFixture(t).init() // creates group Servers
	if out := f.ok("keys", "list", "--json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("empty keys list --json = %q, want []", out)
	}
	f.ok("groups", "add", "--name", "Laptops", "--description", "field machines")

	out := f.ok("keys", "add", "--name", "web-01", "--group", "Servers", "--description", "front end",
		"--max-usage", "5", "--expires", "30d", "--reenroll")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	secret := lines[len(lines)-1]
	if _, err := keyformat.Parse(secret); err != nil || !strings.Contains(out, "web-01") || !strings.Contains(out, keyformat.Fingerprint(secret)) {
		t.Fatalf("keys add printed %q: want the name, the fingerprint and the key on its own line", out)
	}

	list := f.ok("keys", "list")
	for _, w := range []string{"NAME", "MACHINE GROUP(S)", "STATUS", "web-01", "Servers", "Enabled",
		keyformat.ShortFingerprint(keyformat.Fingerprint(secret)), "0/5"} {
		if !strings.Contains(list, w) {
			t.Errorf("keys list lacks %q:\n%s", w, list)
		}
	}
	if strings.Contains(list, payload(t, secret)) {
		t.Error("keys list shows key material")
	}
	show := f.ok("keys", "show", "web-01")
	for _, w := range []string{"front end", "Client", "Allow Re-Enrollment:", "0 of 5", "3|api.private.zscaler.com|••••"} {
		if !strings.Contains(show, w) {
			t.Errorf("keys show lacks %q:\n%s", w, show)
		}
	}
	if strings.Contains(show, payload(t, secret)) {
		t.Error("keys show without --reveal shows key material")
	}
	if !strings.Contains(f.ok("keys", "show", "web-01", "--reveal"), secret) {
		t.Error("keys show --reveal does not show the key")
	}

	// Edit changes only what it is given.
	f.ok("keys", "edit", "web-01", "--group", "Laptops", "--group=Servers", "--description", "edge",
		"--reenroll=false", "--expires", "never")
	var k map[string]any
	f.jsonOut(&k, "keys", "show", "web-01")
	if fmt.Sprint(k["groups"]) != "[Laptops Servers]" || k["description"] != "edge" ||
		k["allow_reenrollment"] != false || k["expires_at"] != nil || k["max_usage"] != 5.0 ||
		k["fingerprint"] != keyformat.Fingerprint(secret) {
		t.Errorf("after keys edit: %v", k)
	}
	f.ok("keys", "edit", "--name", "web-02", "web-01")
	f.fail(1, "keys", "show", "web-01")
	f.ok("keys", "disable", "web-02")
	f.jsonOut(&k, "keys", "show", "web-02")
	if k["status"] != "Disabled" || k["enabled"] != false {
		t.Errorf("after keys disable: %v", k)
	}
	if !strings.Contains(f.ok("keys", "list"), "Disabled") {
		t.Error("keys list does not show Disabled")
	}
	f.ok("keys", "enable", "web-02")
	f.jsonOut(&k, "keys", "show", "web-02")
	if k["status"] != "Enabled" {
		t.Errorf("after keys enable: %v", k)
	}
	f.ok("keys", "edit", "web-02", "--disable")
	f.jsonOut(&k, "keys", "show", "web-02")
	if k["enabled"] != false {
		t.Error("keys edit --disable did not disable")
	}

	// Audit records what happened, newest first.
	var events []map[string]any
	f.jsonOut(&events, "audit", "--limit", "3")
	if len(events) != 3 || events[0]["action"] != "disable" && events[0]["action"] != "update" {
		t.Errorf("audit --limit 3: %v", events)
	}
	if !strings.Contains(f.ok("audit"), "create") {
		t.Error("audit does not show the create")
	}

	// Delete without --yes and without a terminal refuses; with --yes it deletes.
	stderr := f.fail(2, "keys", "delete", "web-02")
	if !strings.Contains(stderr, "--yes") {
		t.Errorf("keys delete without --yes: %q", stderr)
	}
	if len(f.keys()) != 1 {
		t.Fatal("keys delete without --yes deleted the key")
	}
	f.ok("keys", "delete", "web-02", "--yes")
	if len(f.keys()) != 0 {
		t.Error("keys delete --yes did not delete")
	}
	stderr = f.fail(1, "keys", "delete", "web-02", "--yes")
	if !strings.Contains(stderr, `key "web-02" not found`) {
		t.Errorf("deleting a missing key: %q", stderr)
	}
}

func TestFlagPlacement(t *testing.T) {
	f := newFixture(t)
	f.bin = true // the real process: its umask, its flags, its default store
	f.addKey("web-01")
	a := f.ok("keys", "show", "web-01", "--json")
	b := f.ok("keys", "show", "--json", "web-01")
	if a != b || !strings.HasPrefix(a, "{") {
		t.Errorf("keys show NAME --json and --json NAME differ:\n%s\n%s", a, b)
	}
	// --db before the command, after it, with "=" and after the positional argument.
	for _, args := range [][]string{
		{"--db", f.db, "keys", "show", "web-01"},
		{"keys", "show", "web-01", "--db", f.db},
		{"keys", "--help"}, // a group name with --help needs no --db
		{"keys", "show", "--db=" + f.db, "web-01"},
		{"--db=" + f.db, "keys", "list"},
	} {
		if r := f.exec("", args...); r.code != 0 {
			t.Errorf("%q: exit %d: %s", args, r.code, r.stderr)
		}
	}
	// Without --db the default is used, which here is in the fixture's XDG_DATA_HOME.
	if r := f.exec("", "groups", "add", "--name", "Default"); r.code != 0 {
		t.Errorf("groups add against the default store: exit %d: %s", r.code, r.stderr)
	}
	if r := f.exec("", "keys", "show", "web-01"); r.code != 1 {
		t.Errorf("keys show against the default store: exit %d, want 1 (no such key there)", r.code)
	}
	if _, err := os.Stat(filepath.Join(f.dir, "xdg", "provkeys", "provkeys.db")); err != nil {
		t.Errorf("the default store was not under XDG_DATA_HOME: %v", err)
	}
}

func TestExport(t *testing.T) {
	f := newFixture(t)
	secret := f.addKey("web-01")
	if out := f.ok("keys", "export", "web-01"); out != secret+"\n" {
		t.Errorf("keys export to stdout = %q, want the key and a newline", out)
	}

	path := filepath.Join(f.dir, "web-01.txt")
	f.ok("keys", "export", "-o", path, "web-01")
	checkFile(t, path, secret+"\n")
	stderr := f.fail(1, "keys", "export", "web-01", "-o", path)
	if !strings.Contains(stderr, path+" exists; use --force") {
		t.Errorf("export over an existing file: %q", stderr)
	}
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f.ok("keys", "export", "web-01", "-o", path, "--force")
	checkFile(t, path, secret+"\n")

	// A planted symlink is refused with and without --force; its target stays untouched.
	target := filepath.Join(f.dir, "precious")
	if err := os.WriteFile(target, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(f.dir, "link.txt")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	f.fail(1, "keys", "export", "web-01", "-o", link)
	stderr = f.fail(1, "keys", "export", "web-01", "-o", link, "--force")
	if !strings.Contains(stderr, "symbolic link") {
		t.Errorf("export --force over a symlink: %q", stderr)
	}
	if b, _ := os.ReadFile(target); string(b) != "precious\n" {
		t.Errorf("the symlink's target was changed to %q", b)
	}
	dangling := filepath.Join(f.dir, "dangling.txt")
	if err := os.Symlink(filepath.Join(f.dir, "nowhere"), dangling); err != nil {
		t.Fatal(err)
	}
	f.fail(1, "keys", "export", "web-01", "-o", dangling)
	if _, err := os.Stat(filepath.Join(f.dir, "nowhere")); err == nil {
		t.Error("export wrote through a dangling symlink")
	}
	if ents, _ := filepath.Glob(filepath.Join(f.dir, ".*.tmp")); len(ents) != 0 {
		t.Errorf("temporary files left behind: %v", ents)
	}

	// A key that is not exportable cannot be exported, and no file is left behind.
	f.ok("keys", "edit", "web-01", "--no-export")
	stderr = f.fail(1, "keys", "export", "web-01")
	if !strings.Contains(stderr, "not exportable") {
		t.Errorf("export of a non-exportable key: %q", stderr)
	}
	other := filepath.Join(f.dir, "other.txt")
	f.fail(1, "keys", "export", "web-01", "-o", other)
	if _, err := os.Stat(other); err == nil {
		t.Error("a failed export left a file behind")
	}
	noMaterial(t, stderr, secret)
}

// checkFile fails unless path holds want with mode 0600.
func checkFile(t *testing.T, path, want string) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, fi.Mode())
	}
	if b, _ := os.ReadFile(path); string(b) != want {
		t.Errorf("%s holds %q, want %q", path, b, want)
	}
}

func TestNoExportWarns(t *testing.T) {
	f := newFixture(t)
	f.addKey("web-01")
	r := f.run("keys", "edit", "web-01", "--no-export")
	if r.code != 0 || !strings.Contains(r.stderr, "warning") || !strings.Contains(r.stderr, "never") {
		t.Errorf("keys edit --no-export: exit %d, stderr %q; want success with a warning", r.code, r.stderr)
	}
	var k map[string]any
	f.jsonOut(&k, "keys", "show", "web-01")
	if k["exportable"] != false {
		t.Error("keys edit --no-export left the key exportable")
	}
	// A key created non-exportable is printed once.
	out := f.ok("keys", "add", "--name", "once", "--group", "Servers", "--no-export")
	if !strings.Contains(out, "only time") {
		t.Errorf("keys add --no-export: %q", out)
	}
}

// keyLines generates n fresh keys.
func keyLines(t *testing.T, n int) []string {
	t.Helper()
	var keys []string
	for range n {
		k, err := keyformat.Generate("")
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	return keys
}

// payloadOf is a key's payload, its last field.
func payloadOf(secret string) string { return secret[strings.LastIndexByte(secret, '|')+1:] }

func writeFile(t *testing.T, path, text string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestImport(t *testing.T) {
	f := newFixture(t)
	f.ok("groups", "add", "--name", "Servers")
	k := keyLines(t, 6)

	good := writeFile(t, filepath.Join(f.dir, "good.tsv"),
		"# exported from the old console\n\nalpha\t"+k[0]+"\nbeta two\t"+k[1]+"\r\n  \ngamma\t"+k[2]+"\n")
	if out := f.ok("keys", "import", good, "--group", "Servers"); !strings.Contains(out, "Imported 3 keys") {
		t.Errorf("keys import: %q", out)
	}
	ks := f.keys()
	if len(ks) != 3 || ks[1]["name"] != "beta two" || ks[1]["fingerprint"] != keyformat.Fingerprint(k[1]) {
		t.Fatalf("after import: %v", ks)
	}

	// A bad key at line 3 stores nothing and names line 3.
	bad := writeFile(t, filepath.Join(f.dir, "bad.tsv"),
		"delta\t"+k[3]+"\nepsilon\t"+k[4]+"\nzeta\t"+k[5][:150]+" "+k[5][150:]+"\n")
	stderr := f.fail(1, "keys", "import", "--group", "Servers", bad)
	if !strings.Contains(stderr, bad+":3: ") {
		t.Errorf("bad line 3: %q", stderr)
	}
	noMaterial(t, stderr, k...)
	if len(f.keys()) != 3 {
		t.Error("an import with a bad line stored keys")
	}

	// A line without a tab, a bad name and a duplicate name, each by line.
	for _, tc := range []struct {
		text, want string
	}{
		{"delta\t" + k[3] + "\nepsilon " + k[4] + "\n", ":2: "},
		{"delta\t" + k[3] + "\n\n# c\nbad/name\t" + k[4] + "\n", ":4: "},
		{"delta\t" + k[3] + "\nepsilon\t" + k[4] + "\nDELTA\t" + k[5] + "\n", "line 1"},
		{"delta\t" + k[3] + "\nepsilon\t" + k[3] + "\n", "line 1"},
		{"alpha\t" + k[3] + "\n", `"alpha" already exists`},
		// The same payload spelled with another host: on an earlier line, or stored.
		{"delta\t" + k[3] + "\nepsilon\t3|other.example.com|" + payloadOf(k[3]) + "\n", ":2: the same key as on line 1"},
		{"delta\t" + k[3] + "\nepsilon\t3|other.example.com|" + payloadOf(k[0]) + "\n", ":2: this key is already stored as"},
	} {
		path := writeFile(t, filepath.Join(f.dir, "case.tsv"), tc.text)
		stderr := f.fail(1, "keys", "import", path, "--group", "Servers")
		if !strings.Contains(stderr, tc.want) {
			t.Errorf("import of %q: stderr %q lacks %q", tc.text, stderr, tc.want)
		}
		noMaterial(t, stderr, k...)
	}
	stderr = f.fail(1, "keys", "import", writeFile(t, filepath.Join(f.dir, "dup.tsv"),
		"delta\t"+k[3]+"\nepsilon\t"+k[4]+"\nDelta\t"+k[5]+"\n"), "--group", "Servers")
	if !strings.Contains(stderr, ":3: ") || !strings.Contains(stderr, "line 1") {
		t.Errorf("duplicate names: %q does not give both line numbers", stderr)
	}
	if len(f.keys()) != 3 {
		t.Error("a failed import stored keys")
	}

	// From standard input, into a group that must exist.
	r := f.exec("delta\t"+k[3]+"\n", "--db", f.db, "keys", "import", "--group", "Servers")
	if r.code != 0 || len(f.keys()) != 4 {
		t.Errorf("import from stdin: exit %d, %s", r.code, r.stderr)
	}
	stderr = f.fail(1, "keys", "import", good, "--group", "Nope")
	if !strings.Contains(stderr, "provkeys groups add --name Nope") {
		t.Errorf("import into a missing group: %q", stderr)
	}
}

func TestVerify(t *testing.T) {
	f := newFixture(t)
	secret := f.addKey("web-01")
	stranger := keyLines(t, 1)[0]

	stderr := f.fail(1, "verify", stranger)
	if !strings.Contains(stderr, "unknown key") {
		t.Errorf("verify of an unknown key: %q", stderr)
	}
	noMaterial(t, stderr, stranger)
	if out := f.ok("verify", secret); out != "valid: web-01\n" {
		t.Errorf("verify: %q", out)
	}
	r := f.exec(secret+"\n", "verify", "-", "--db", f.db)
	if r.code != 0 || r.stdout != "valid: web-01\n" {
		t.Errorf("verify - from stdin: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	f.ok("keys", "disable", "web-01")
	stderr = f.fail(1, "verify", secret)
	if !strings.Contains(stderr, "key web-01 is disabled") {
		t.Errorf("verify of a disabled key: %q", stderr)
	}
	noMaterial(t, stderr, secret)
	stderr = f.fail(1, "verify", secret[:40]+" "+secret[40:])
	noMaterial(t, stderr, secret)
	// A key split by the shell into two arguments is a usage error that quotes neither part.
	stderr = f.fail(2, "verify", secret[:120], secret[120:])
	noMaterial(t, stderr, secret)
}

func TestBadInput(t *testing.T) {
	f := newFixture(t)
	f.ok("groups", "add", "--name", "Servers")
	secret := keyLines(t, 1)[0]
	stderr := f.fail(1, "keys", "add", "--name", "evil\x1b[2J", "--group", "Servers", "--key", secret)
	if !strings.Contains(strings.ToLower(stderr), "name") {
		t.Errorf("a name with an escape sequence: %q", stderr)
	}
	noMaterial(t, stderr, secret)
	stderr = f.fail(1, "keys", "add", "--name", "web-01", "--group", "Nope")
	if !strings.Contains(stderr, `machine group "Nope" not found; create it with: provkeys groups add --name Nope`) {
		t.Errorf("unknown group: %q", stderr)
	}
	stderr = f.fail(1, "keys", "add", "--name", "web-01", "--group", "No Such")
	if !strings.Contains(stderr, "--name 'No Such'") {
		t.Errorf("unknown group with a space: %q", stderr)
	}
	stderr = f.fail(1, "keys", "add", "--name", "web-01", "--group", "Servers", "--key", secret[:60]+"\n"+secret[60:])
	if !strings.Contains(stderr, "position 61") {
		t.Errorf("a line-wrapped --key: %q", stderr)
	}
	noMaterial(t, stderr, secret)
	f.fail(1, "keys", "add", "--name", "web-01", "--group", "Servers", "--cert", "Nope")
	f.fail(1, "keys", "add", "--name", "web-01", "--group", "Servers", "--description", "bidi \u202e")
	if len(f.keys()) != 0 {
		t.Error("a refused add stored a key")
	}
	f.addKey("web-01")
	stderr = f.fail(1, "keys", "add", "--name", "WEB-01", "--group", "Servers")
	if !strings.Contains(stderr, "already exists") {
		t.Errorf("duplicate name: %q", stderr)
	}
}

func TestGroups(t *testing.T) {
	f := newFixture(t)
	f.addKey("web-01")
	f.ok("groups", "add", "--name", "Spare", "--disabled", "--description", "unused")
	var gs []map[string]any
	f.jsonOut(&gs, "groups", "list")
	if len(gs) != 2 || gs[0]["name"] != "Servers" || gs[0]["key_count"] != 1.0 || gs[1]["status"] != "Disabled" {
		t.Errorf("groups list --json: %v", gs)
	}
	f.ok("groups", "edit", "Spare", "--name", "Reserve", "--enable")
	list := f.ok("groups", "list")
	if !strings.Contains(list, "Reserve") || strings.Contains(list, "Disabled") {
		t.Errorf("after groups edit:\n%s", list)
	}
	stderr := f.fail(1, "groups", "delete", "Servers", "--yes")
	if !strings.Contains(stderr, "web-01") {
		t.Errorf("deleting a group in use does not name the key: %q", stderr)
	}
	if out := f.ok("groups", "delete", "Reserve", "--yes"); out != "Deleted machine group Reserve.\n" {
		t.Errorf("groups delete said %q", out)
	}
	f.fail(1, "groups", "add", "--name", "servers")
}

func TestCerts(t *testing.T) {
	f := newFixture(t).init()
	var cs []map[string]any
	f.jsonOut(&cs, "certs", "list")
	names := []string{}
	for _, c := range cs {
		names = append(names, fmt.Sprint(c["name"]))
	}
	if !slices.Contains(names, "Client") || !slices.Contains(names, "Root") {
		t.Fatalf("a new store's certificates: %v", names)
	}
	pemPath := writeFile(t, filepath.Join(f.dir, "ca.pem"), storetest.TestCA(t, true))
	f.ok("certs", "import", "Corp CA", pemPath)
	if list := f.ok("certs", "list"); !strings.Contains(list, "Corp CA") || !strings.Contains(list, "SUBJECT") {
		t.Errorf("certs list:\n%s", list)
	}
	f.ok("keys", "add", "--name", "signed", "--group", "Servers", "--cert", "corp ca")
	stderr := f.fail(1, "certs", "delete", "Corp CA", "--yes")
	if !strings.Contains(stderr, "signed") {
		t.Errorf("deleting a certificate in use: %q", stderr)
	}
	f.ok("keys", "delete", "signed", "--yes")
	if out := f.ok("certs", "delete", "Corp CA", "--yes"); out != "Deleted signing certificate Corp CA.\n" {
		t.Errorf("certs delete said %q", out)
	}
	leaf := writeFile(t, filepath.Join(f.dir, "leaf.pem"), storetest.TestCA(t, false))
	f.fail(1, "certs", "import", "Leaf", leaf)
	f.fail(1, "certs", "import", "Missing", filepath.Join(f.dir, "missing.pem"))
}

func TestFilter(t *testing.T) {
	f := newFixture(t)
	f.addKey("web-01")
	f.addKey("db-01")
	var ks []map[string]any
	f.jsonOut(&ks, "keys", "list", "--filter", "name:web")
	if len(ks) != 1 || ks[0]["name"] != "web-01" {
		t.Errorf("--filter name:web: %v", ks)
	}
}

func TestDemo(t *testing.T) {
	f := newFixture(t)
	f.bin = true // the real process: its umask, its flags, its default store
	r := f.run("demo", "--keys", "1000")
	if r.code != 0 || !strings.Contains(r.stdout, "1000") || r.stderr != "" {
		t.Fatalf("demo --keys 1000: exit %d, stdout %q, stderr %q (no progress when stderr is not a terminal)", r.code, r.stdout, r.stderr)
	}
	if n := len(f.keys()); n != 1000 {
		t.Errorf("after demo --keys 1000: %d keys", n)
	}
}

func TestFilesArePrivate(t *testing.T) {
	f := newFixture(t)
	f.bin = true // the real process: its umask, its flags, its default store
	f.addKey("web-01")
	ents, err := os.ReadDir(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(e.Name(), "provkeys.db") && fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v; the store's files must be private", e.Name(), fi.Mode())
		}
	}

	// The process sets umask 077 itself, so even a file nobody chose a mode for is private.
	// Watch it in /proc while decode waits for standard input.
	cmd := exec.Command(binary(t), "decode", "-")
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	var umask string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b, err := os.ReadFile(status)
		if err != nil {
			testenv.Missing(t, fmt.Sprintf("no %s: %v", status, err))
		}
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "Umask:"); ok {
				umask = strings.TrimSpace(v)
			}
		}
		if umask == "0077" {
			return
		}
	}
	t.Errorf("the process umask is %q, want 0077", umask)
}

func keysOf(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	return sorted(ks)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// FuzzReadImport feeds the import parser arbitrary files: it never panics; what it accepts is
// valid line by line (a good name, a key that formats back to itself, no name or key twice);
// and what it refuses names the line without repeating key material.
func FuzzReadImport(f *testing.F) {
	seed, err := os.ReadFile("../../keyformat/testdata/seed_key.txt")
	key := "3|api.private.zscaler.com|" + strings.Repeat("QUJD", 96)
	if err == nil {
		for _, l := range strings.Split(string(seed), "\n") {
			if strings.HasPrefix(l, "3|") {
				key = strings.TrimSpace(l)
			}
		}
	}
	f.Add("web-01\t" + key + "\n")
	f.Add("# comment\n\nweb-01\t" + key + "\r\nweb-01\t" + key + "\n")
	f.Add("bad name!\t" + key + "\n")
	f.Add("web-02\t" + key[:60] + "\n" + key[60:] + "\n")
	f.Add("no tab here\n")
	f.Fuzz(func(t *testing.T, in string) {
		ir := newImportReader(strings.NewReader(in), "f.tsv", 0)
		var keys []model.KeyInput
		var err error
		for {
			var k model.KeyInput
			if k, err = ir.next(); err != nil {
				break
			}
			keys = append(keys, k)
		}
		if !errors.Is(err, io.EOF) {
			msg := err.Error()
			if !strings.HasPrefix(msg, "f.tsv:") && !strings.HasPrefix(msg, "read f.tsv") {
				t.Fatalf("error does not name the file and line: %q", msg)
			}
			for _, l := range strings.Split(in, "\n") {
				name, secret, ok := strings.Cut(l, "\t")
				for i := 0; ok && i+16 <= len(secret); i++ {
					w := secret[i : i+16]
					if strings.Contains(msg, w) && !strings.Contains(name, w) && !strings.Contains(in[:0]+"f.tsv", w) {
						t.Fatalf("error repeats key material %q: %q", w, msg)
					}
				}
			}
		}
		// Names and keys used twice are the store's to find (its unique indexes), not the reader's.
		if len(ir.lines) != len(keys) {
			t.Fatalf("%d line numbers for %d keys", len(ir.lines), len(keys))
		}
		last := int32(0)
		for i, k := range keys {
			if ir.lines[i] <= last {
				t.Fatalf("line numbers not increasing: %d after %d", ir.lines[i], last)
			}
			last = ir.lines[i]
			if err := model.ValidateName(model.FieldName, k.Name); err != nil {
				t.Fatalf("accepted a bad name %q: %v", k.Name, err)
			}
			p, err := keyformat.Parse(k.Secret)
			if err != nil || keyformat.Format(p) != k.Secret || p.Host != k.Cloud {
				t.Fatalf("accepted key does not round-trip: %v", err)
			}
		}
	})
}

// TestKeysListJSONBytes holds `keys list --json` (a hand-written encoder) to the bytes
// encoding/json gives the same documents, written one item at a time as writeJSONArray does.
func TestKeysListJSONBytes(t *testing.T) {
	f := newFixture(t)
	f.ok("groups", "add", "--name", "Servers")
	f.ok("groups", "add", "--name", "Laptops")
	f.ok("keys", "add", "--name", "web-01", "--group", "Servers", "--group", "Laptops",
		"--description", `<b>"A & B"</b> ✓`, "--max-usage", "5", "--expires", "30d")
	f.ok("keys", "add", "--name", "db-02", "--group", "Laptops", "--disabled", "--no-export")
	out := f.ok("keys", "list", "--json")
	var docs []keydoc.Doc
	if err := json.Unmarshal([]byte(out), &docs); err != nil || len(docs) != 2 {
		t.Fatalf("keys list --json: %d documents, %v:\n%s", len(docs), err, out)
	}
	var want strings.Builder
	want.WriteString("[\n")
	for i, d := range docs {
		b, err := json.MarshalIndent(d, "  ", "  ")
		if err != nil {
			t.Fatal(err)
		}
		want.WriteString("  " + string(b))
		if i < len(docs)-1 {
			want.WriteString(",")
		}
		want.WriteString("\n")
	}
	want.WriteString("]\n")
	if out != want.String() {
		t.Fatalf("keys list --json:\n%s\nencoding/json:\n%s", out, want.String())
	}
}
