package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// CheckDir refuses a directory in which another user could plant or replace the store's files
// (as OpenSSH's StrictModes refuses loose files): one owned by anyone but this user or root,
// or writable by its group or by others without the sticky bit. In a sticky directory (such
// as /tmp) others may create names but not replace ours, so CheckFile on each file does the
// rest. A missing directory passes: it will be created private.
func CheckDir(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	uid, ok := fileOwner(fi)
	switch {
	case !ok:
		return nil // no owners on this system
	case uid != os.Geteuid() && uid != 0:
		return fmt.Errorf("the directory %s belongs to another user (uid %d); keep the store in a directory of your own", dir, uid)
	case fi.Mode().Perm()&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0:
		return fmt.Errorf("the directory %s is writable by others (mode %v), who could plant a data key or database there; use a private directory (chmod go-w) or another path", dir, fi.Mode().Perm())
	}
	return nil
}

// CheckFile refuses to adopt an existing file (what names it, e.g. "data key") that another
// user owns or that its group or others can write: its content may have been planted. A
// symbolic link must be ours, and so must what it points to. A missing file passes.
func CheckFile(path, what string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := checkOwn(fi, path, what); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return err
	}
	if fi, err = os.Stat(path); err != nil {
		return err
	}
	return checkOwn(fi, path, what)
}

// checkOwn is CheckFile for one file (or link) already looked at.
func checkOwn(fi fs.FileInfo, path, what string) error {
	uid, ok := fileOwner(fi)
	switch {
	case !ok:
		return nil
	case uid != os.Geteuid():
		return fmt.Errorf("the %s %s belongs to another user (uid %d); refusing to use a file someone else could have written", what, path, uid)
	case fi.Mode()&fs.ModeSymlink == 0 && fi.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("the %s %s is writable by others (mode %v); refusing to use a file someone else could have written (check it, then chmod go-w)", what, path, fi.Mode().Perm())
	}
	return nil
}
