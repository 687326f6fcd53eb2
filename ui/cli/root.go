package cli

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"provkeys/ui/cli/help"
	"provkeys/ui/cli/localconf"
)

// createsStore marks a command that may create the store when it does not exist yet: one
// that writes. Every other command needs an existing store.
const createsStore = "creates-store"

// creates marks c as a command that may create the store, and returns it.
func creates(c *cobra.Command) *cobra.Command {
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[createsStore] = "true"
	return c
}

// handler is one command's work, given its invocation, the cobra command (for its flags) and
// the positional arguments already checked against its synopsis.
type handler func(e *env, c *cobra.Command, args []string) error

// tree remembers the commands in the order help lists them (cobra's own listing is sorted).
type tree struct {
	e      *env
	root   *cobra.Command
	leaves []*cobra.Command
}

// newRoot builds the whole command line for one invocation. It is built on each call rather
// than kept in a package variable, so nothing can change it between uses.
func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:                "provkeys",
		Short:              "machine provisioning keys, in a terminal dashboard and on the command line",
		SilenceErrors:      true,
		SilenceUsage:       true,
		DisableSuggestions: true,
		CompletionOptions:  cobra.CompletionOptions{DisableDefaultCmd: true},
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q; see provkeys --help", args[0])
			}
			return nil
		},
		RunE: func(c *cobra.Command, _ []string) error { return dashboard(e, c) },
		// Over SSH a command runs on the server's store as the operator: a command that opens
		// another store, starts servers or writes shell scripts is refused in one line.
		PersistentPreRunE: func(c *cobra.Command, _ []string) error {
			// Only the dashboard and the commands that write may create a store; the others
			// say "no store at PATH" instead of making an empty one where a typo points.
			e.create = !c.HasParent() || c.Annotations[createsStore] != ""
			return e.checkRemote(c)
		},
	}
	root.PersistentFlags().StringVar(&e.dbPath, "db", "", "the database: a SQLite file `PATH` or a postgres:// URL (default: "+localconf.DBDefaultText+")")
	root.PersistentFlags().StringVar(&e.keyPath, "data-key", "", "the data key `FILE` that seals key material (default: $PROVKEYS_DATA_KEY, else the SQLite path plus .key; required for PostgreSQL)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		name := help.Name(c)
		if name == "" {
			return usagef("%s; see provkeys --help", help.FlagMessage(err))
		}
		return usagef("%s: %s; see provkeys %s --help", name, help.FlagMessage(err), name)
	})
	t := &tree{e: e, root: root}
	root.SetHelpFunc(t.help)
	root.AddCommand(t.keys(), t.groups(), t.certs(), t.machines())
	t.add(root, decodeCmd(e), verifyCmd(e), auditCmd(e), creates(demoCmd(e)), creates(serveCmd(e)), enrollCmd(e), migrateCmd(e), versionCmd(e),
		completionCmd(e, root))
	root.AddCommand(exportAlias(e))
	return root
}

// add attaches leaf commands to parent, remembering their order for help.
func (t *tree) add(parent *cobra.Command, cmds ...*cobra.Command) {
	for _, c := range cmds {
		parent.AddCommand(c)
		t.leaves = append(t.leaves, c)
	}
}

// group is a noun such as "keys": alone, or with an unknown verb, it is bad usage that lists
// the verbs it has.
func (t *tree) group(name, short string, verbs ...*cobra.Command) *cobra.Command {
	g := &cobra.Command{
		Use:   name,
		Short: short,
		Args:  cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			var subs []string
			for _, s := range verbs {
				subs = append(subs, s.Name())
			}
			if len(args) == 0 {
				return usagef("%s needs a command: %s; see provkeys %s --help", name, strings.Join(subs, ", "), name)
			}
			return usagef("unknown command %q; %s has: %s", name+" "+args[0], name, strings.Join(subs, ", "))
		},
	}
	t.add(g, verbs...)
	return g
}

// leaf makes one command: use is its synopsis ("show NAME [--reveal] [--json]"), whose first
// word is its name; args says which positional arguments it takes.
func leaf(e *env, use, short string, args positionals, run handler) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  args.check,
		RunE:  func(c *cobra.Command, a []string) error { return run(e, c, a) },
	}
}

// positionals are the positional arguments of a command: required ones, then optional ones.
type positionals struct{ required, optional []string }

// takes builds positionals; names in brackets are optional.
func takes(names ...string) positionals {
	var p positionals
	for _, n := range names {
		if strings.HasPrefix(n, "[") {
			p.optional = append(p.optional, n)
		} else {
			p.required = append(p.required, n)
		}
	}
	return p
}

// check is the cobra Args function: the count of positional arguments, worded for people.
func (p positionals) check(c *cobra.Command, pos []string) error {
	name := help.Name(c)
	switch {
	case len(pos) < len(p.required):
		return usagef("%s needs %s; see provkeys %s --help", name, p.required[len(pos)], name)
	case len(pos) > len(p.required)+len(p.optional):
		// The extra words are not quoted back: they may be pieces of a key split by the shell.
		all := strings.Join(append(slices.Clone(p.required), p.optional...), " ")
		if all == "" {
			all = "no arguments"
		}
		hint := ""
		if slices.Contains(pos, "true") || slices.Contains(pos, "false") {
			hint = " (write yes/no flags as --flag=true or --flag=false)"
		}
		return usagef("%s takes %s but was given %s%s; see provkeys %s --help",
			name, all, plural(len(pos), "argument"), hint, name)
	}
	return nil
}

// help prints the command list for the root and the groups, and a command's synopsis and
// flags for the rest, on the command's standard output.
func (t *tree) help(c *cobra.Command, _ []string) {
	if c.HasAvailableSubCommands() {
		help.List(c, t.leaves, localconf.DBDefaultText)
		return
	}
	help.Command(c)
}

// changed names the flags given on the command line (not --db or --data-key), for edits that
// change only what was asked.
func changed(c *cobra.Command) map[string]bool {
	set := map[string]bool{}
	c.Flags().Visit(func(f *pflag.Flag) { set[f.Name] = true })
	delete(set, "db")
	delete(set, "data-key")
	return set
}

// enabledFlag reads a pair of --enable/--disable flags: ok is false when neither was given.
func enabledFlag(set map[string]bool, enable, disable bool) (enabled, ok bool, err error) {
	switch {
	case set["enable"] && set["disable"]:
		return false, false, usagef("--enable and --disable cannot be used together")
	case set["enable"]:
		return enable, true, nil
	case set["disable"]:
		return !disable, true, nil
	}
	return false, false, nil
}

// nameArg is a name given as a positional argument or with --name (which keeps working):
// either one, or both when they agree.
func nameArg(cmd string, pos []string, flag string) (string, error) {
	switch {
	case len(pos) == 0:
		return flag, nil
	case flag != "" && flag != pos[0]:
		return "", usagef("%s: the name is given twice (%q and --name %q); give it once", cmd, pos[0], flag)
	}
	return pos[0], nil
}
