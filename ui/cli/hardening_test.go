package cli

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"provkeys/model"
)

// TestExportEmptyPath: `-o ""` (an unset variable in a script) is bad usage, never the key on
// standard output where the script's log would keep it.
func TestExportEmptyPath(t *testing.T) {
	f := newFixture(t)
	secret := f.addKey("web-01")
	r := f.run("keys", "export", "web-01", "-o", "")
	f.expect(r, 2, nil)
	if strings.Contains(r.stdout, payload(t, secret)) {
		t.Fatal("keys export -o \"\" printed the key")
	}
}

// TestExportForceLeavesNothing: a crash before the rename left a hidden temporary file with
// the key; the next export into that directory removes it. --force into a missing directory
// says which path failed, not the name of an internal temporary file.
func TestExportForceLeavesNothing(t *testing.T) {
	f := newFixture(t)
	f.addKey("web-01")
	path := filepath.Join(f.dir, "web-01.txt")
	stale := filepath.Join(f.dir, ".web-01.txt.123456789.tmp")
	if err := os.WriteFile(stale, []byte("3|a.b|AAAA\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(stale, old, old)
	f.ok("keys", "export", "web-01", "-o", path, "--force")
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("the temporary file of an interrupted export is still there: %v", err)
	}

	missing := filepath.Join(f.dir, "nowhere", "web-01.txt")
	stderr := f.fail(1, "keys", "export", "web-01", "-o", missing, "--force")
	if strings.Contains(stderr, ".tmp") || !strings.Contains(stderr, missing) {
		t.Fatalf("--force into a missing directory: %q", stderr)
	}
}

// TestStdinTooLong: decode - and verify - refuse input longer than they read, rather than
// judging its first MiB and succeeding.
func TestStdinTooLong(t *testing.T) {
	f := newFixture(t)
	key := seedKey(t)
	long := key + "\n" + strings.Repeat(" ", maxInput) + "3|other.example|AAAA"
	for _, cmd := range [][]string{{"decode", "-"}, {"verify", "-"}} {
		r := f.exec(long, append([]string{"--db", f.db}, cmd...)...)
		if r.code == 0 || !strings.Contains(r.stderr, "too long") {
			t.Errorf("%q with %d bytes: exit %d, %q", cmd, len(long), r.code, r.stderr)
		}
	}
	if r := f.exec(key+"\n", "decode", "-"); r.code != 0 {
		t.Errorf("decode - of one key: exit %d, %q", r.code, r.stderr)
	}
}

// TestReadOnlyNeedsStore: a read-only command with a mistyped --db says "no store at PATH" and
// creates nothing; a command that writes creates the store.
func TestReadOnlyNeedsStore(t *testing.T) {
	f := newFixture(t)
	typo := filepath.Join(f.dir, "tpyo", "provkeys.db")
	for _, args := range [][]string{{"keys", "list"}, {"groups", "list"}, {"certs", "list"}, {"audit"},
		{"keys", "show", "x"}, {"verify", seedKey(t)}, {"keys", "export", "x"}} {
		r := f.exec("", append([]string{"--db", typo}, args...)...)
		if r.code != 1 || !strings.Contains(r.stderr, "no store at "+typo) {
			t.Errorf("%q on a missing store: exit %d, %q", args, r.code, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Dir(typo)); !os.IsNotExist(err) {
		t.Fatal("a read-only command created the store's directory")
	}
	f.ok("groups", "add", "--name", "Servers") // a writing command creates the store
	f.ok("groups", "list")
}

// TestJSONEscapesRefusedRunes: text another tool wrote into the store with C1 or bidi
// characters comes out of --json as \u escapes, never raw.
func TestJSONEscapesRefusedRunes(t *testing.T) {
	var b strings.Builder
	e := &env{}
	e.out = bufio.NewWriter(&b)
	doc := map[string]string{"description": "a\u009b2Jb\u202egnp.exe\u2066c\U000E0041", "name": "web-01 ü"}
	if err := e.writeJSON(doc); err != nil {
		t.Fatal(err)
	}
	if err := e.writeJSONArray(1, func(int) any { return doc }); err != nil {
		t.Fatal(err)
	}
	// keys list --json's own encoder too.
	if err := e.writeKeyDocs([]model.Key{{Name: "k", Description: doc["description"]}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	e.out.Flush()
	out := b.String()
	for _, r := range out {
		if model.Refused(r) && r != '\n' {
			t.Fatalf("raw U+%04X in JSON output %q", r, out)
		}
	}
	for _, want := range []string{`\u009b`, `\u202e`, `\u2066`, `\udb40\udc41`, "ü"} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON output lacks %s: %s", want, out)
		}
	}
	var back []map[string]string
	arr := out[strings.Index(out, "["):]
	arr = arr[:strings.Index(arr, "]\n")+2]
	if err := json.Unmarshal([]byte(arr), &back); err != nil || back[0]["description"] != doc["description"] {
		t.Fatalf("escaped JSON does not read back: %v %q\n%s", err, back, out)
	}
}

// TestKeyFromStdin: keys add --key - reads the key from standard input, so it never sits in
// the process list.
func TestKeyFromStdin(t *testing.T) {
	f := newFixture(t).init()
	key := seedKey(t)
	r := f.exec(key+"\n", "--db", f.db, "keys", "add", "--name", "piped", "--group", "Servers", "--key", "-", "--json")
	f.expect(r, 0, nil)
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || doc["key"] != key {
		t.Fatalf("keys add --key - stored %v (%v), want the piped key", doc["key"], err)
	}
	if r := f.exec("", "--db", f.db, "keys", "add", "--name", "empty", "--group", "Servers", "--key", "-"); r.code == 0 {
		t.Fatal("keys add --key - with nothing on standard input succeeded")
	}
}

// TestJSONState: --json gives the state the table shows (Enabled, Disabled, Expired,
// Exhausted) in "state", beside "status".
func TestJSONState(t *testing.T) {
	f := newFixture(t)
	f.addKey("on")
	f.addKey("off", "--disabled")
	for _, k := range f.keys() {
		want := map[string]string{"on": "Enabled", "off": "Disabled"}[k["name"].(string)]
		if k["state"] != want || k["status"] == nil {
			t.Errorf("%v: state %v, want %s (and status kept)", k["name"], k["state"], want)
		}
	}
	var one map[string]any
	f.jsonOut(&one, "keys", "show", "off")
	if one["state"] != "Disabled" {
		t.Errorf("keys show --json: state %v", one["state"])
	}
}
