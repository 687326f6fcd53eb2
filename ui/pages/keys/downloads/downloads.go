// Package downloads is where the Keys page offers to write a key: the operator's download
// directory (xdg-user-dirs), never the current directory, shown with ~ for home.
package downloads

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Dir is where a download goes unless the operator types another path: the XDG
// download directory, else home. Never the current directory, where a key written into a
// git checkout becomes an untracked secret one `git add .` away from a push.
func Dir() string {
	home, _ := os.UserHomeDir()
	return dirFrom(os.Getenv, home)
}

// dirFrom is Dir with the environment and home given: $XDG_DOWNLOAD_DIR,
// else XDG_DOWNLOAD_DIR in user-dirs.dirs (xdg-user-dirs), else ~/Downloads if it exists,
// else home.
func dirFrom(getenv func(string) string, home string) string {
	if d := getenv("XDG_DOWNLOAD_DIR"); filepath.IsAbs(d) {
		return d
	}
	config := getenv("XDG_CONFIG_HOME")
	if !filepath.IsAbs(config) {
		config = filepath.Join(home, ".config")
	}
	if d := userDirsDownload(filepath.Join(config, "user-dirs.dirs"), home); d != "" {
		return d
	}
	if fi, err := os.Stat(filepath.Join(home, "Downloads")); err == nil && fi.IsDir() {
		return filepath.Join(home, "Downloads")
	}
	return home
}

// userDirsDownload reads XDG_DOWNLOAD_DIR from a user-dirs.dirs file: a shell assignment
// whose value is "$HOME/…" or an absolute path. "" when the file or the line is missing.
func userDirsDownload(path, home string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "XDG_DOWNLOAD_DIR=")
		if !ok {
			continue
		}
		if u, err := strconv.Unquote(v); err == nil {
			v = u
		}
		switch {
		case v == "$HOME" || strings.HasPrefix(v, "$HOME/"):
			return filepath.Join(home, strings.TrimPrefix(v, "$HOME"))
		case filepath.IsAbs(v):
			return filepath.Clean(v)
		}
	}
	return ""
}

// Tilde writes path under home as ~/…, the way the prompt shows it.
func Tilde(path, home string) string {
	if home != "" && strings.HasPrefix(path, home+string(filepath.Separator)) {
		return "~" + path[len(home):]
	}
	return path
}
