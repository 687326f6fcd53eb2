package ui

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

func TestWriteKeyFileIsPrivateAndNeverOverwritesSilently(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "k.txt")
	if err := writeKeyFile(p, "3|h|AAAA", false); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	if b, _ := os.ReadFile(p); string(b) != "3|h|AAAA\n" {
		t.Fatalf("content %q", b)
	}
	if err := writeKeyFile(p, "other", false); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second write: %v, want ErrExist", err)
	}
	// Replacing goes through a new 0600 file, even over a 0644 one.
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeKeyFile(p, "3|h|BBBB", true); err != nil {
		t.Fatal(err)
	}
	fi, _ = os.Stat(p)
	if b, _ := os.ReadFile(p); string(b) != "3|h|BBBB\n" || fi.Mode().Perm() != 0o600 {
		t.Fatalf("after replace: %q mode %v", b, fi.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".provkeys-*")); len(left) > 0 {
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
	if err := writeKeyFile(link, "secret", false); err == nil {
		t.Fatal("wrote through a planted symlink")
	}
	if err := writeKeyFile(link, "secret", true); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("replace through a symlink: %v", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "precious" {
		t.Fatalf("the symlink's target was changed: %q", b)
	}
	dangling := filepath.Join(dir, "dangling.txt")
	if err := os.Symlink(filepath.Join(dir, "nowhere"), dangling); err != nil {
		t.Fatal(err)
	}
	if err := writeKeyFile(dangling, "secret", false); err == nil {
		t.Fatal("created a file through a dangling symlink")
	}
	if _, err := os.Stat(filepath.Join(dir, "nowhere")); err == nil {
		t.Fatal("the dangling symlink's target was created")
	}
}

// typePath replaces the prompt's text with path.
func (d *driver) typePath(path string) {
	d.press("ctrl+u") // delete to the start of the line
	d.send(tea.PasteMsg{Content: path})
	d.press("enter")
}

func TestDownloadAsksPathThenAsksBeforeReplacing(t *testing.T) {
	t.Parallel()
	st := threeKeys()
	d := newDriver(t, st, admin, Options{})
	d.timeout = 5 * time.Second // fsync can be slow on a busy disk
	d.press("w")
	d.mustSee("Save key alpha to: ./alpha.txt")
	p := filepath.Join(t.TempDir(), "alpha.txt")
	d.typePath(p)
	b, err := os.ReadFile(p)
	if err != nil || string(b) != st.secrets[1]+"\n" {
		t.Fatalf("file %q, %v", b, err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode().Perm())
	}
	if !strings.Contains(d.status(), "Wrote key alpha to "+p) {
		t.Fatalf("status %q", d.status())
	}
	d.press("j", "w")
	d.typePath(p)
	d.mustSee("exists. Replace it? y/n")
	d.press("n")
	if b, _ := os.ReadFile(p); string(b) != st.secrets[1]+"\n" {
		t.Fatal("n replaced the file")
	}
	d.press("w")
	d.typePath(p)
	d.press("y")
	if b, _ := os.ReadFile(p); string(b) != st.secrets[2]+"\n" {
		t.Fatalf("y did not replace the file: %q", b)
	}
}

func TestDownloadRefusesAPlantedSymlink(t *testing.T) {
	t.Parallel()
	st := threeKeys()
	d := newDriver(t, st, admin, Options{})
	d.timeout = 5 * time.Second
	dir := t.TempDir()
	target := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(target, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "alpha.txt")
	if err := os.Symlink(target, link); err != nil {
		t.Skip(err)
	}
	d.press("w")
	d.typePath(link)
	d.press("y") // "exists. Replace it?" yes
	if b, _ := os.ReadFile(target); string(b) != "mine" {
		t.Fatal("the key went through the symlink")
	}
	if !strings.Contains(d.status(), "symbolic link") {
		t.Fatalf("status %q", d.status())
	}
}

func TestDownloadOverSSHPointsAtTheExportCommand(t *testing.T) {
	t.Parallel()
	st := threeKeys()
	actor := admin
	actor.Remote = "192.0.2.1:5555"
	d := newDriver(t, st, actor, Options{})
	d.press("w")
	if d.keys().ask != nil || !strings.Contains(d.status(), "export alpha") {
		t.Fatalf("ask %v, status %q", d.keys().ask, d.status())
	}
}

func TestSafeFileName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"web-01": "web-01", "..": "key", ".hidden": "hidden", "a/b": "a_b", "": "key"} {
		if got := safeFileName(in); got != want {
			t.Errorf("safeFileName(%q) = %q, want %q", in, got, want)
		}
	}
}
