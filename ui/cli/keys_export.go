package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"provkeys/model"
	"provkeys/store"
)

// sessionKey opens the session and looks a key up by name: the start of most key commands.
func (e *env) sessionKey(name string) (store.Session, model.Key, error) {
	s, err := e.session()
	if err != nil {
		return nil, model.Key{}, err
	}
	k, err := e.key(s, name)
	return s, k, err
}

// explainRelease words a refused export or reveal. Key material goes to admins only; a viewer
// hears so in the words the SSH server has always used.
func (e *env) explainRelease(err error, name string) error {
	if errors.Is(err, model.ErrForbidden) {
		return fmt.Errorf("permission denied: %ss cannot export keys", e.actorRole())
	}
	return explain(err, keyObject(name))
}

// actorRole is the role the commands act with.
func (e *env) actorRole() model.Role {
	if e.remote != nil {
		return e.remote.actor.Role
	}
	return model.RoleAdmin
}

// export writes one key's material to standard output: `keys export NAME`, and over SSH
// `export NAME`. Viewers are refused before the store is asked (which would refuse them too).
func (e *env) export(name string) error {
	if r := e.actorRole(); !r.Can(model.ActionExport) {
		return fmt.Errorf("permission denied: %ss cannot export keys", r)
	}
	s, k, err := e.sessionKey(name)
	if err != nil {
		return err
	}
	secret, err := s.ExportKey(e.ctx, k.ID)
	if err != nil {
		return e.explainRelease(err, k.Name)
	}
	fmt.Fprintln(e.out, secret)
	return nil
}

func keysExportCmd(e *env) *cobra.Command {
	var path string
	var force bool
	c := leaf(e, "export NAME [-o FILE] [--force]", "print a key, or write it to a file with mode 0600", takes("NAME"),
		func(e *env, c *cobra.Command, pos []string) error {
			switch {
			case path == "" && c.Flags().Changed("o"):
				// An unset variable in a script ("-o $OUT") must not send the key to its log.
				return usagef("-o needs a file name; leave -o out to print the key")
			case force && path == "":
				return usagef("--force only applies with -o FILE")
			case path == "":
				return e.export(pos[0])
			case e.remote != nil:
				return usagef("-o writes a file on the server; over SSH the key comes on standard output")
			}
			return e.exportToFile(pos[0], path, force)
		})
	c.Flags().StringVarP(&path, "o", "o", "", "write the key to `FILE` (mode 0600) instead of standard output")
	c.Flags().BoolVar(&force, "force", false, "replace FILE if it exists (never through a symbolic link)")
	c.ValidArgsFunction = e.completeKeys
	return c
}

// exportAlias is `export NAME`, what `ssh HOST export NAME` has always run: keys export to
// standard output. A name with spaces may arrive as several words.
func exportAlias(e *env) *cobra.Command {
	c := leaf(e, "export NAME", "print a key (keys export)", takes("NAME"),
		func(e *env, _ *cobra.Command, pos []string) error { return e.export(strings.Join(pos, " ")) })
	c.Args = func(_ *cobra.Command, pos []string) error {
		if len(pos) == 0 {
			return usagef("usage: export NAME")
		}
		return nil
	}
	c.Hidden = true
	c.ValidArgsFunction = e.completeKeys
	return c
}

// exportToFile writes key name's material to path with mode 0600. The file is created before
// the key is released, so a refused path never costs an export in the audit log.
func (e *env) exportToFile(name, path string, force bool) error {
	s, k, err := e.sessionKey(name)
	if err != nil {
		return err
	}
	f, commit, err := createPrivate(path, force)
	if err != nil {
		return err
	}
	secret, err := s.ExportKey(e.ctx, k.ID)
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return e.explainRelease(err, k.Name)
	}
	if err := writeAndClose(f, secret+"\n"); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := commit(); err != nil {
		os.Remove(f.Name())
		return err
	}
	fmt.Fprintf(e.out, "Wrote key %s to %s.\n", model.Sanitize(k.Name), model.Sanitize(path))
	return nil
}

// createPrivate opens a new file with mode 0600 for a key that is to end up at path, and
// returns it with the function that puts it in place. Without force it refuses any existing
// path; O_EXCL also refuses a planted symlink, dangling or not. With force it refuses a
// symlink outright, writes a temporary file in the same directory and renames it over path,
// which replaces a directory entry and never writes through a link.
func createPrivate(path string, force bool) (f *os.File, commit func() error, err error) {
	if !force {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return nil, nil, fmt.Errorf("%s exists; use --force to replace it", path)
		}
		if err != nil {
			return nil, nil, err
		}
		return f, func() error { return nil }, nil
	}
	if fi, err := os.Lstat(path); err == nil {
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			return nil, nil, fmt.Errorf("%s is a symbolic link; refusing to write through it", path)
		case !fi.Mode().IsRegular():
			return nil, nil, fmt.Errorf("%s is not a regular file", path)
		}
	}
	removeStaleTemps(path)
	f, err = os.CreateTemp(filepath.Dir(path), tempPattern(path))
	if err != nil {
		return nil, nil, fmt.Errorf("cannot write %s: %w", path, pathCause(err))
	}
	return f, func() error {
		if err := os.Rename(f.Name(), path); err != nil {
			return fmt.Errorf("cannot write %s: %w", path, pathCause(err))
		}
		return nil
	}, nil
}

// tempPattern names the temporary file a forced export writes before renaming it over path.
func tempPattern(path string) string { return "." + filepath.Base(path) + ".*.tmp" }

// staleAfter is how old a temporary file of ours must be before it counts as left by a crash
// rather than written by an export running right now.
const staleAfter = 10 * time.Minute

// removeStaleTemps deletes what an export killed before its rename left beside path: hidden
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
			os.Remove(m)
		}
	}
}

// pathCause is the reason inside a *fs.PathError, so a message names the path the operator
// gave rather than an internal temporary file.
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

// writeAndClose writes s to f, flushes it to disk and closes it, reporting the first error.
func writeAndClose(f *os.File, s string) error {
	_, err := f.WriteString(s)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
