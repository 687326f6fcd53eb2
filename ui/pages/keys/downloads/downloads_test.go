package downloads

import (
	"os"
	"path/filepath"
	"testing"
)

// The download directory follows xdg-user-dirs: $XDG_DOWNLOAD_DIR, else the user-dirs.dirs
// file, else ~/Downloads when it exists, else home; never the current directory.
func TestDownloadDirFollowsXDGUserDirs(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if got := dirFrom(getenv, home); got != home {
		t.Fatalf("nothing set: %q, want home %q", got, home)
	}
	os.Mkdir(filepath.Join(home, "Downloads"), 0o700)
	if got := dirFrom(getenv, home); got != filepath.Join(home, "Downloads") {
		t.Fatalf("~/Downloads exists: %q", got)
	}
	os.MkdirAll(filepath.Join(home, ".config"), 0o700)
	os.WriteFile(filepath.Join(home, ".config", "user-dirs.dirs"),
		[]byte("# written by xdg-user-dirs-update\nXDG_DESKTOP_DIR=\"$HOME/Desktop\"\nXDG_DOWNLOAD_DIR=\"$HOME/Téléchargements\"\n"), 0o600)
	if got := dirFrom(getenv, home); got != filepath.Join(home, "Téléchargements") {
		t.Fatalf("user-dirs.dirs: %q", got)
	}
	env["XDG_DOWNLOAD_DIR"] = "/srv/dl"
	if got := dirFrom(getenv, home); got != "/srv/dl" {
		t.Fatalf("$XDG_DOWNLOAD_DIR: %q", got)
	}
}
