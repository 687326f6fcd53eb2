package keys

import (
	"os"
	"path/filepath"
	"provkeys/ui"
	"provkeys/ui/internal/uitest"
	"strings"
	"testing"
	"time"
)

// The download directory follows xdg-user-dirs: $XDG_DOWNLOAD_DIR, else the user-dirs.dirs
// file, else ~/Downloads when it exists, else home; never the current directory.
func TestDownloadDirFollowsXDGUserDirs(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if got := downloadDirFrom(getenv, home); got != home {
		t.Fatalf("nothing set: %q, want home %q", got, home)
	}
	os.Mkdir(filepath.Join(home, "Downloads"), 0o700)
	if got := downloadDirFrom(getenv, home); got != filepath.Join(home, "Downloads") {
		t.Fatalf("~/Downloads exists: %q", got)
	}
	os.MkdirAll(filepath.Join(home, ".config"), 0o700)
	os.WriteFile(filepath.Join(home, ".config", "user-dirs.dirs"),
		[]byte("# written by xdg-user-dirs-update\nXDG_DESKTOP_DIR=\"$HOME/Desktop\"\nXDG_DOWNLOAD_DIR=\"$HOME/Téléchargements\"\n"), 0o600)
	if got := downloadDirFrom(getenv, home); got != filepath.Join(home, "Téléchargements") {
		t.Fatalf("user-dirs.dirs: %q", got)
	}
	env["XDG_DOWNLOAD_DIR"] = "/srv/dl"
	if got := downloadDirFrom(getenv, home); got != "/srv/dl" {
		t.Fatalf("$XDG_DOWNLOAD_DIR: %q", got)
	}
}

// A directory given as the download path gets the key as DIR/NAME.txt; it is not a file to
// "replace".
func TestDownloadIntoADirectoryWritesNameTxtThere(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Timeout = 5 * time.Second
	d.Press("w")
	if v := d.View(); strings.Contains(v, "Save key alpha to: ./") {
		t.Fatalf("the prompt offers the current directory:\n%s", v)
	}
	dir := t.TempDir()
	typePath(d, dir)
	d.MustNotSee("Replace it?")
	b, err := os.ReadFile(filepath.Join(dir, "alpha.txt"))
	if err != nil || string(b) != st.Secrets[1]+"\n" {
		t.Fatalf("file %q, %v; status %q", b, err, d.Status())
	}
}
