package keyfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteKeyFileIsPrivateAndNeverOverwritesSilently(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "k.txt")
	if err := Write(p, "3|h|AAAA", false); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	if b, _ := os.ReadFile(p); string(b) != "3|h|AAAA\n" {
		t.Fatalf("content %q", b)
	}
	if err := Write(p, "other", false); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second write: %v, want ErrExist", err)
	}
	// Replacing goes through a new 0600 file, even over a 0644 one.
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(p, "3|h|BBBB", true); err != nil {
		t.Fatal(err)
	}
	fi, _ = os.Stat(p)
	if b, _ := os.ReadFile(p); string(b) != "3|h|BBBB\n" || fi.Mode().Perm() != 0o600 {
		t.Fatalf("after replace: %q mode %v", b, fi.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(left) > 0 {
		t.Fatalf("temp files left: %v", left)
	}
}

func TestWriteKeyFileRefusesSymlinks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "k.txt")
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if err := Write(link, "secret", false); err == nil {
		t.Fatal("wrote through a planted symlink")
	}
	if err := Write(link, "secret", true); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("replace through a symlink: %v", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "precious" {
		t.Fatalf("the symlink's target was changed: %q", b)
	}
	dangling := filepath.Join(dir, "dangling.txt")
	if err := os.Symlink(filepath.Join(dir, "nowhere"), dangling); err != nil {
		t.Fatal(err)
	}
	if err := Write(dangling, "secret", false); err == nil {
		t.Fatal("created a file through a dangling symlink")
	}
	if _, err := os.Stat(filepath.Join(dir, "nowhere")); err == nil {
		t.Fatal("the dangling symlink's target was created")
	}
}

func TestSafeFileName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"web-01": "web-01", "..": "key", ".hidden": "hidden", "a/b": "a_b", "": "key"} {
		if got := SafeName(in); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
}
