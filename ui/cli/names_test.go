package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPositionalNames(t *testing.T) {
	f := newFixture(t)
	f.ok("groups", "add", "Branch Laptops", "--description", "field machines")
	var k map[string]any
	f.jsonOut(&k, "keys", "add", "nyc-web-0001", "--group", "Branch Laptops")
	if k["name"] != "nyc-web-0001" || k["key"] == nil {
		t.Fatalf("keys add NAME: %v", k)
	}
	// --name keeps working, and the same name twice is fine; two different names are not.
	f.ok("keys", "add", "--name", "nyc-web-0002", "--group", "Branch Laptops")
	f.ok("keys", "add", "nyc-web-0003", "--name", "nyc-web-0003", "--group", "Branch Laptops")
	if stderr := f.fail(2, "keys", "add", "a", "--name", "b", "--group", "Branch Laptops"); !strings.Contains(stderr, "twice") {
		t.Errorf("two names: %q", stderr)
	}
	f.fail(2, "groups", "add", "x", "y")
	if n := len(f.keys()); n != 3 {
		t.Errorf("%d keys, want 3", n)
	}
}

func TestCompletion(t *testing.T) {
	f := newFixture(t)
	// Without a store, completion offers no names and creates nothing.
	out := f.ok("__complete", "keys", "show", "")
	if strings.Contains(out, "web") || !strings.HasSuffix(strings.TrimSpace(out), ":4") {
		t.Errorf("completion without a store: %q", out)
	}
	if _, err := os.Stat(f.db); err == nil {
		t.Fatal("completion created the database")
	}
	f.addKey("web-01")
	f.addKey("web-02")
	f.addKey("db-01")
	f.ok("groups", "add", "Branch Laptops")
	for _, tc := range []struct {
		args      []string
		want, not []string
	}{
		{[]string{"__complete", ""}, []string{"keys", "groups", "certs", "completion"}, []string{"export\t"}},
		{[]string{"__complete", "keys", ""}, []string{"list", "show", "export"}, nil},
		{[]string{"__complete", "keys", "show", "we"}, []string{"web-01", "web-02"}, []string{"db-01"}},
		{[]string{"__complete", "keys", "export", "-o", "x", ""}, []string{"web-01", "db-01"}, nil},
		{[]string{"__complete", "keys", "add", "new", "--group", "Br"}, []string{"Branch Laptops"}, []string{"Servers"}},
		{[]string{"__complete", "groups", "delete", ""}, []string{"Servers", "Branch Laptops"}, nil},
		{[]string{"__complete", "certs", "delete", ""}, []string{"Client", "Root"}, nil},
		{[]string{"__complete", "keys", "list", "--"}, []string{"--filter", "--json"}, nil},
		{[]string{"__complete", "completion", ""}, []string{"bash", "zsh", "fish"}, nil},
	} {
		out := f.ok(tc.args...)
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%q: %q missing from\n%s", tc.args, w, out)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(out, w) {
				t.Errorf("%q: %q offered in\n%s", tc.args, w, out)
			}
		}
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		if out := f.ok("completion", shell); !strings.Contains(out, "provkeys") || !strings.Contains(out, "__complete") {
			t.Errorf("completion %s: not a script:\n%.200s", shell, out)
		}
	}
	f.fail(2, "completion", "tcsh")
	// --db given after the words being completed still picks the store.
	other := filepath.Join(f.dir, "other.db")
	if out := f.exec("", "__complete", "keys", "show", "--db", other, ""); strings.Contains(out.stdout, "web-01") {
		t.Errorf("completion read the wrong store: %q", out.stdout)
	}
	if _, err := os.Stat(other); err == nil {
		t.Error("completion created the store --db names")
	}
}
