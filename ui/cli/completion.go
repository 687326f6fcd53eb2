package cli

import (
	"os"
	"strings"

	"github.com/spf13/cobra"

	"provkeys/model"
	"provkeys/store"
	"provkeys/store/engine"
	"provkeys/ui/cli/localconf"
)

// completionCmd prints the shell script that completes provkeys' commands, flags, and the
// names of keys, groups and certificates (read from the store through cobra's hidden
// __complete command).
func completionCmd(e *env, root *cobra.Command) *cobra.Command {
	c := leaf(e, "completion bash|zsh|fish", "print a shell completion script", takes("SHELL"),
		func(e *env, _ *cobra.Command, pos []string) error {
			switch pos[0] {
			case "bash":
				return root.GenBashCompletionV2(e.out, true)
			case "zsh":
				return root.GenZshCompletion(e.out)
			case "fish":
				return root.GenFishCompletion(e.out, true)
			}
			return usagef("completion: unknown shell %q; use bash, zsh or fish", pos[0])
		})
	c.ValidArgs = []string{"bash", "zsh", "fish"}
	c.Annotations = map[string]string{localOnly: "true"}
	return c
}

// noCompletions completes nothing (a name being made up, a key being pasted).
func noCompletions(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveNoFileComp
}

// completeFlag sets the completion of one flag's values.
func (e *env) completeFlag(c *cobra.Command, flag string, fn cobra.CompletionFunc) {
	// A flag's value is completed wherever the flag stands, whatever positionals came before.
	_ = c.RegisterFlagCompletionFunc(flag, func(c *cobra.Command, _ []string, typed string) ([]string, cobra.ShellCompDirective) {
		return fn(c, nil, typed)
	})
}

// completionSession opens the store for completion only if it already exists: completing a
// word must never create a database. Locally that is the file --db (or the default) names.
func (e *env) completionSession() (store.Session, bool) {
	if e.remote == nil {
		opt, err := localconf.StoreOptions(e.dbPath, e.keyPath)
		if err != nil || engine.IsPostgres(opt.DB) {
			return nil, false // a database server is not contacted to complete a word
		}
		if fi, err := os.Stat(opt.DB); err != nil || !fi.Mode().IsRegular() {
			return nil, false
		}
	}
	s, err := e.session()
	return s, err == nil
}

// completeNames offers the names list returns that start with what is typed, once: the first
// positional argument only.
func (e *env) completeNames(args []string, typed string, list func(store.Session) ([]string, error)) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	s, ok := e.completionSession()
	if !ok {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	names, err := list(s)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, n := range names {
		// A name with a tab or newline would break the completion protocol's lines.
		if strings.HasPrefix(strings.ToLower(n), strings.ToLower(typed)) && !strings.ContainsAny(n, "\t\n\r") {
			out = append(out, n)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeKeys completes a key name from the store.
func (e *env) completeKeys(_ *cobra.Command, args []string, typed string) ([]string, cobra.ShellCompDirective) {
	return e.completeNames(args, typed, func(s store.Session) ([]string, error) {
		keys, err := s.ListKeys(e.ctx)
		return names(keys, func(k model.Key) string { return k.Name }), err
	})
}

// completeGroups completes a machine group name from the store.
func (e *env) completeGroups(_ *cobra.Command, args []string, typed string) ([]string, cobra.ShellCompDirective) {
	return e.completeNames(args, typed, func(s store.Session) ([]string, error) {
		groups, err := s.ListGroups(e.ctx)
		return names(groups, func(g model.Group) string { return g.Name }), err
	})
}

// completeCerts completes a signing certificate name from the store.
func (e *env) completeCerts(_ *cobra.Command, args []string, typed string) ([]string, cobra.ShellCompDirective) {
	return e.completeNames(args, typed, func(s store.Session) ([]string, error) {
		certs, err := s.ListCerts(e.ctx)
		return names(certs, func(c model.Cert) string { return c.Name }), err
	})
}

// names maps a list to its names.
func names[T any](list []T, name func(T) string) []string {
	out := make([]string, 0, len(list))
	for _, v := range list {
		out = append(out, name(v))
	}
	return out
}

// completeMachines completes the name of an enrolled machine from the store.
func (e *env) completeMachines(_ *cobra.Command, args []string, typed string) ([]string, cobra.ShellCompDirective) {
	return e.completeNames(args, typed, func(s store.Session) ([]string, error) {
		ms, err := s.ListMachines(e.ctx, 0)
		// A re-enrolled machine has several rows under one name: offer it once.
		seen := map[string]bool{}
		var out []string
		for _, m := range ms {
			if k := strings.ToLower(m.Name); !seen[k] {
				seen[k] = true
				out = append(out, m.Name)
			}
		}
		return out, err
	})
}
