package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"provkeys/model"
	"provkeys/store"
)

// deletion is a noun's "delete NAME [--yes]" on one object: how to look it up, name it and
// delete it. (Keys delete does more: --filter, and the machines a key's deletion revokes.)
type deletion[T any] struct {
	noun, what string // the command's noun ("groups") and the object's ("machine group")
	short      string
	look       func(store.Session, string) (T, error)
	name       func(T) string
	del        func(context.Context, store.Session, T) error
	complete   cobra.CompletionFunc
}

// deleteCmd looks the named object up, asks before deleting it (unless --yes), deletes it
// and says so.
func deleteCmd[T any](e *env, d deletion[T]) *cobra.Command {
	var yes bool
	c := leaf(e, "delete NAME [--yes]", d.short, takes("NAME"),
		func(e *env, _ *cobra.Command, pos []string) error {
			s, v, err := sessionLookup(e, pos[0], d.look)
			if err != nil {
				return err
			}
			name := d.name(v)
			if err := e.confirm(d.noun+" delete", yes, "Delete "+d.what+" "+name+"?"); err != nil {
				return err
			}
			if err := d.del(e.ctx, s, v); err != nil {
				return explain(err, fmt.Sprintf("%s %q", d.what, name))
			}
			fmt.Fprintf(e.out, "Deleted %s %s.\n", d.what, model.Sanitize(name))
			return nil
		})
	c.Flags().BoolVar(&yes, "yes", false, "delete without asking")
	c.ValidArgsFunction = d.complete
	return c
}
