package cli

import (
	"strings"
	"testing"
)

// TestDemoAsksBeforeFillingAStoreWithKeys: demo data goes into an empty store unasked; a
// store that already has keys needs --yes (without a terminal the refusal says so), and N
// is capped unless --force.
func TestDemoAsksBeforeFillingAStoreWithKeys(t *testing.T) {
	f := newFixture(t)
	f.addKey("web-01")
	r := f.run("demo", "--keys", "5")
	if r.code == 0 || !strings.Contains(r.stderr, "--yes") || !strings.Contains(r.stderr, "not a terminal") {
		t.Fatalf("demo on a store with keys, no terminal, no --yes: exit %d, stderr %q", r.code, r.stderr)
	}
	if n := len(f.keys()); n != 1 {
		t.Fatalf("refused demo left %d keys, want 1", n)
	}
	if r := f.run("demo", "--keys", "5", "--yes"); r.code != 0 {
		t.Fatalf("demo --yes: exit %d, stderr %q", r.code, r.stderr)
	}
	if n := len(f.keys()); n != 6 {
		t.Fatalf("after demo --yes: %d keys, want 6", n)
	}
	r = f.run("demo", "--keys", "2000001", "--yes")
	if r.code == 0 || !strings.Contains(r.stderr, "--force") {
		t.Fatalf("demo --keys 2000001: exit %d, stderr %q", r.code, r.stderr)
	}
	if n := len(f.keys()); n != 6 {
		t.Fatalf("refused demo left %d keys, want 6", n)
	}
}
