// Package keyfile is the one way provkeys writes key material to a file: mode 0600, never
// through a symbolic link (O_NOFOLLOW, and O_EXCL for a new file), and when replacing, a
// temporary file in the same directory renamed over the old one, so a reader never sees half
// a key and the old file's mode is not inherited. The dashboard's download and the command
// line's export both use it, so the two cannot drift apart.
package keyfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"provkeys/store"
)

// File is a key file opened before its secret is fetched, so that a refused path never
// costs an export in the audit log. Finish it with Commit or Abort.
type File struct {
	f    *os.File
	path string // where the key ends up
	temp bool   // f is a temporary file to rename over path
}

// Create opens a new key file for path. Without replace, an existing path (a symbolic link
// included, dangling or not) is refused with an error that wraps fs.ErrExist. With replace,
// anything but a regular file is refused, and the key is written to a temporary file that
// Commit renames over path.
func Create(path string, replace bool) (*File, error) {
	if !replace {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|oNoFollow, 0o600)
		if err != nil {
			return nil, err
		}
		return &File{f: f, path: path}, nil
	}
	if err := CheckReplaceable(path); err != nil {
		return nil, err
	}
	removeStaleTemps(path)
	f, err := os.CreateTemp(filepath.Dir(path), tempPattern(path)) // 0600, O_EXCL
	if err != nil {
		return nil, fmt.Errorf("cannot write %s: %w", path, pathCause(err))
	}
	return &File{f: f, path: path, temp: true}, nil
}

// Commit writes secret and a newline, syncs, closes and (when replacing) renames the file
// into place. On failure nothing half-written is left behind.
func (k *File) Commit(secret string) error { return k.CommitData([]byte(secret + "\n")) }

// CommitData is Commit for a file that is not one key (an audit export): it writes data as
// it is, by the same rules.
func (k *File) CommitData(data []byte) error {
	_, err := k.f.Write(data)
	if err == nil {
		err = k.f.Sync()
	}
	if cerr := k.f.Close(); err == nil {
		err = cerr
	}
	if err == nil && k.temp {
		if rerr := os.Rename(k.f.Name(), k.path); rerr != nil {
			err = fmt.Errorf("cannot write %s: %w", k.path, pathCause(rerr))
		}
	}
	if err != nil {
		_ = os.Remove(k.f.Name())
	}
	return err
}

// Abort closes and removes the file without writing a key into it.
func (k *File) Abort() {
	_ = k.f.Close()
	_ = os.Remove(k.f.Name())
}

// Write is Create then Commit: secret at path, by the rules in the package doc.
func Write(path, secret string, replace bool) error {
	f, err := Create(path, replace)
	if err != nil {
		return err
	}
	return f.Commit(secret)
}

// CheckReplaceable refuses to replace anything but a regular file: a planted symlink would
// otherwise point the key somewhere else. A path that does not exist is fine.
func CheckReplaceable(path string) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%s is a symbolic link; refusing to replace it", path)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file; refusing to replace it", path)
	}
	return nil
}

// SafeName turns a key name into a file name: names allow letters, digits, spaces, ".",
// "-" and "_", but a name such as ".." must not become a path of its own.
func SafeName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == '/' || r == '\\' || r < 0x20:
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	s := strings.TrimLeft(b.String(), ".")
	if strings.TrimSpace(s) == "" {
		return "key"
	}
	return s
}

// tempPattern names the temporary file a replacing write uses before renaming it over path.
func tempPattern(path string) string { return "." + filepath.Base(path) + ".*.tmp" }

// staleAfter is how old a temporary file of ours must be before it counts as left by a crash
// rather than written by a replacing write running right now.
const staleAfter = 10 * time.Minute

// removeStaleTemps deletes what a write killed before its rename left beside path: hidden
// temporary files of path's pattern that are ours (regular, mode 0600, older than staleAfter).
// They hold a key, and nothing else would ever remove them.
func removeStaleTemps(path string) {
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), tempPattern(path)))
	for _, m := range matches {
		fi, err := os.Lstat(m)
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 || time.Since(fi.ModTime()) < staleAfter {
			continue
		}
		if store.CheckFile(m, "temporary file") == nil { // ours, not another user's
			_ = os.Remove(m)
		}
	}
}

// pathCause is the reason inside a *fs.PathError or *os.LinkError, so a message names the
// path the operator gave rather than an internal temporary file.
func pathCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// ShellWord quotes s as one POSIX shell word, for a command line the operator is asked to
// run: bare when it holds only characters no shell treats specially, else in single quotes.
func ShellWord(s string) string {
	safe := s != ""
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' ||
			strings.ContainsRune("._-+,:@%/=", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
