package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"provkeys/model"
	"provkeys/store"
	"provkeys/ui/keyfile"
)

// sessionKey opens the session and looks a key up by name: the start of most key commands.
func (e *env) sessionKey(name string) (store.Session, model.Key, error) {
	return sessionLookup(e, name, e.key)
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
// `export NAME`. A viewer's attempt goes to the store too, which refuses it and records the
// refusal in the audit trail.
func (e *env) export(name string) error {
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
	f, err := keyfile.Create(path, force)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists; use --force to replace it", path)
	}
	if err != nil {
		return err
	}
	secret, err := s.ExportKey(e.ctx, k.ID)
	if err != nil {
		f.Abort()
		return e.explainRelease(err, k.Name)
	}
	if err := f.Commit(secret); err != nil {
		// The release's row says "export ok"; the trail must also say the file never came.
		if aerr := s.AuditKeyUse(e.ctx, k.ID, model.ActionExport, err); aerr != nil {
			return errors.Join(err, fmt.Errorf("the failed export was not recorded in the audit trail: %w", aerr))
		}
		return err
	}
	fmt.Fprintf(e.out, "Wrote key %s to %s.\n", model.Sanitize(k.Name), model.Sanitize(path))
	return nil
}
