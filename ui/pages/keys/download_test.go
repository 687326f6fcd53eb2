package keys

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"provkeys/ui"
	"provkeys/ui/internal/uitest"
	"provkeys/ui/pages/keys/downloads"
)

// typePath replaces the prompt's text with path.
func typePath(d *uitest.Driver, path string) {
	d.Press("ctrl+u") // delete to the start of the line
	d.Send(tea.PasteMsg{Content: path})
	d.Press("enter")
}

func TestDownloadAsksPathThenAsksBeforeReplacing(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Timeout = 5 * time.Second // fsync can be slow on a busy disk
	d.Press("w")
	home, _ := os.UserHomeDir()
	d.MustSee("Save key alpha to: " + downloads.Tilde(filepath.Join(downloads.Dir(), "alpha.txt"), home))
	p := filepath.Join(t.TempDir(), "alpha.txt")
	typePath(d, p)
	b, err := os.ReadFile(p)
	if err != nil || string(b) != st.Secrets[1]+"\n" {
		t.Fatalf("file %q, %v", b, err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode().Perm())
	}
	if !strings.Contains(d.Status(), "Wrote key alpha to "+p) {
		t.Fatalf("status %q", d.Status())
	}
	d.Press("j", "w")
	typePath(d, p)
	d.MustSee("exists. Replace it? y/n")
	d.Press("n")
	if b, _ := os.ReadFile(p); string(b) != st.Secrets[1]+"\n" {
		t.Fatal("n replaced the file")
	}
	d.Press("w")
	typePath(d, p)
	d.Press("y")
	if b, _ := os.ReadFile(p); string(b) != st.Secrets[2]+"\n" {
		t.Fatalf("y did not replace the file: %q", b)
	}
}

func TestDownloadRefusesAPlantedSymlink(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Timeout = 5 * time.Second
	dir := t.TempDir()
	target := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(target, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "alpha.txt")
	if err := os.Symlink(target, link); err != nil {
		t.Skip(err)
	}
	d.Press("w")
	typePath(d, link)
	d.Press("y") // "exists. Replace it?" yes
	if b, _ := os.ReadFile(target); string(b) != "mine" {
		t.Fatal("the key went through the symlink")
	}
	if !strings.Contains(d.Status(), "symbolic link") {
		t.Fatalf("status %q", d.Status())
	}
}

func TestDownloadOverSSHPointsAtTheExportCommand(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	actor := uitest.Admin
	actor.Remote = "192.0.2.1:5555"
	d := newDriver(t, st, actor, ui.Options{})
	d.Press("w")
	if onTopIs[*question](keysOf(d)) || !strings.Contains(d.Status(), "export alpha") {
		t.Fatalf("on top %T, status %q", keysOf(d).onTop(), d.Status())
	}
}

// TestDownloadAuditedAsWhatHappened: a download is released as a download (not an export);
// a path in a missing directory fails before the key is released, so the trail holds no
// "ok" for a file that was never written.
func TestDownloadAuditedAsWhatHappened(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Timeout = 5 * time.Second
	d.Press("w")
	typePath(d, filepath.Join(t.TempDir(), "missing", "alpha.txt"))
	if st.Called("ReleaseKey") || st.Called("ExportKey") {
		t.Fatalf("a download into a missing directory released the key: %q", st.Calls)
	}
	if !strings.Contains(d.Status(), "missing") {
		t.Fatalf("status %q", d.Status())
	}
	d.Press("w")
	typePath(d, filepath.Join(t.TempDir(), "alpha.txt"))
	if !st.Called("ReleaseKey 1 download") || st.Called("ExportKey") {
		t.Fatalf("download not released as a download: %q", st.Calls)
	}
}
