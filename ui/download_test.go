package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

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
