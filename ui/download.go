package ui

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// pendingDownload remembers which key an open download prompt (or its replace question) is
// for. held is the material of a key just created, which the store may never release again.
type pendingDownload struct {
	id   int64
	name string
	held string
}

// downloadCmd writes a key to path in a command: file I/O never runs in Update. Without
// replace, an existing path comes back as a question instead of being overwritten.
func downloadCmd(st Store, id int64, name, path, held string, replace bool) tea.Cmd {
	return withStore(func(ctx context.Context) tea.Msg {
		path, err := expandPath(path)
		if err != nil {
			return fileWrittenMsg{name: name, path: path, err: err}
		}
		if replace {
			err = checkReplaceable(path)
		} else if _, lerr := os.Lstat(path); lerr == nil {
			return fileWrittenMsg{name: name, path: path, exists: true}
		}
		if err != nil {
			return fileWrittenMsg{name: name, path: path, err: err}
		}
		secret := held
		if secret == "" {
			if secret, err = st.ExportKey(ctx, id); err != nil {
				return fileWrittenMsg{name: name, path: path, err: err}
			}
		}
		err = writeKeyFile(path, secret, replace)
		if errors.Is(err, fs.ErrExist) {
			return fileWrittenMsg{name: name, path: path, exists: true} // created meanwhile
		}
		return fileWrittenMsg{name: name, path: path, err: err}
	})
}

// expandPath resolves "~/" and makes the path absolute, so the status says exactly where
// the key went.
func expandPath(path string) (string, error) {
	path = strings.TrimSpace(path)
	if path == "" {
		return "", errors.New("no file name given")
	}
	if path == "~" || strings.HasPrefix(path, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return path, err
		}
		path = filepath.Join(home, path[1:])
	}
	return filepath.Abs(path)
}

// checkReplaceable refuses to replace anything but a regular file: a planted symlink would
// otherwise point the key somewhere else.
func checkReplaceable(path string) error {
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

// writeKeyFile writes secret and a newline to path with mode 0600. A new file is created
// with O_EXCL|O_NOFOLLOW, so an existing file or a symlink is never written through. With
// replace, the key goes to a temporary file in the same directory that is renamed over
// path, so a reader never sees half a key and the old file's mode is not inherited.
func writeKeyFile(path, secret string, replace bool) error {
	data := []byte(secret + "\n")
	if !replace {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|oNoFollow, 0o600)
		if err != nil {
			return err
		}
		return finishFile(f, data, "")
	}
	if err := checkReplaceable(path); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".provkeys-*.tmp") // 0600, O_EXCL
	if err != nil {
		return err
	}
	if err := finishFile(f, data, f.Name()); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		_ = os.Remove(f.Name())
		return err
	}
	return nil
}

// finishFile writes, syncs and closes f; on failure it removes cleanup (the temp file) or,
// for a new file, the half-written path.
func finishFile(f *os.File, data []byte, cleanup string) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if cleanup == "" {
			cleanup = f.Name()
		}
		_ = os.Remove(cleanup)
	}
	return err
}

// safeFileName turns a key name into a file name: names allow letters, digits, spaces, ".",
// "-" and "_", but a name such as ".." must not become a path of its own.
func safeFileName(name string) string {
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
