package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"provkeys/model"
	"provkeys/store"
	"provkeys/ui/cli/help"
)

// SessionRunner returns what the SSH server runs for `ssh HOST COMMAND…`: this command tree,
// on the session's streams, acting as the operator on the server's store (open gives the
// store as an actor). The store enforces the operator's role; key material goes to admins
// only. Commands that would open another store (--db) or are local by nature (serve, demo,
// completion) are refused in one line. The SSH server takes it as a plain function, so it
// never imports this package.
func SessionRunner(open func(model.Actor) store.Session) func(ctx context.Context, actor model.Actor, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return func(ctx context.Context, actor model.Actor, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
		e := &env{io: IO{In: stdin, Out: stdout, Err: stderr}, remote: &remote{actor: actor, open: open}}
		return run(ctx, args, e)
	}
}

// checkRemote refuses, over SSH, what must not run there.
func (e *env) checkRemote(c *cobra.Command) error {
	if e.remote == nil {
		return nil
	}
	name := help.Name(c)
	switch {
	case c.Annotations[localOnly] != "", strings.HasPrefix(c.Name(), "__complete"):
		return fmt.Errorf("%s is not available over SSH; run it on the server", strings.TrimPrefix(name, "__"))
	case c.Flags().Lookup("db") != nil && c.Flags().Changed("db"):
		return usagef("--db is not available over SSH: commands run on the server's store")
	case c.Flags().Lookup("data-key") != nil && c.Flags().Changed("data-key"):
		return usagef("--data-key is not available over SSH: commands run on the server's store")
	}
	return nil
}
