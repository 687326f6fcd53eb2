package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
