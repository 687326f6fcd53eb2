// Package help is how the command line explains itself: the command list, one command's
// synopsis and flags with GNU-style names, and the flag parser's errors as plain sentences.
// It reads the cobra tree and writes to a command's standard output; it runs nothing.
package help

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Name is a command's words after "provkeys": "keys show", or "" for the root.
func Name(c *cobra.Command) string {
	return strings.TrimPrefix(strings.TrimPrefix(c.CommandPath(), "provkeys"), " ")
}

// List prints the command list: all of it (parent is the root), or the commands of one
// group, from leaves, every runnable command in the order the list shows them; dbDefault says
// where the database is without --db.
func List(parent *cobra.Command, leaves []*cobra.Command, dbDefault string) {
	w := parent.OutOrStdout()
	group := Name(parent)
	if group == "" {
		fmt.Fprint(w, "provkeys: machine provisioning keys, in a terminal dashboard and on the command line.\n\n")
		fmt.Fprint(w, "usage: provkeys [--db PATH] [COMMAND] [ARGS]\n\nWith no command, provkeys opens the dashboard.\n\n")
	} else {
		fmt.Fprintf(w, "usage: provkeys %s COMMAND [ARGS]\n\n", group)
	}
	fmt.Fprintln(w, "commands:")
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	for _, c := range leaves {
		if name := Name(c); group == "" || strings.HasPrefix(name, group+" ") {
			fmt.Fprintf(tw, "  %s\t%s\n", name, c.Short)
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "\nEvery command takes --db PATH (default: %s) and --help.\n", dbDefault)
	fmt.Fprintln(w, `Run "provkeys COMMAND --help" for a command's arguments and flags.`)
	fmt.Fprintln(w, "Exit status: 0 success, 1 failed operation, 2 bad usage.")
}

// Command prints one command's synopsis, summary and flags, with GNU-style "--" names.
func Command(c *cobra.Command) {
	w := c.OutOrStdout()
	synopsis := strings.TrimSpace(strings.TrimPrefix(c.Use, c.Name()))
	fmt.Fprintf(w, "usage: provkeys %s %s\n\n%s.\n\nflags:\n", Name(c), synopsis, upperFirst(c.Short))
	var flags []*pflag.Flag
	visit := func(f *pflag.Flag) {
		if f.Name != "help" && !f.Hidden {
			flags = append(flags, f)
		}
	}
	c.LocalFlags().VisitAll(visit)
	c.InheritedFlags().VisitAll(visit)
	slices.SortFunc(flags, func(a, b *pflag.Flag) int { return strings.Compare(a.Name, b.Name) })
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	for _, f := range flags {
		name, usage := pflag.UnquoteUsage(f)
		if f.Value.Type() == "bool" {
			name = ""
		}
		fmt.Fprintf(tw, "  %s %s\t%s\n", dashed(f.Name), name, usage)
	}
	tw.Flush()
}

// FlagMessage rewords the flag parser's errors into plain sentences.
func FlagMessage(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "unknown flag: "); ok {
		return "unknown flag " + name
	}
	if name, ok := strings.CutPrefix(msg, "unknown shorthand flag: "); ok {
		return "unknown flag " + name
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		return "flag " + strings.Trim(name, "'") + " needs a value"
	}
	return msg
}

// dashed spells a flag name as help shows it: -o, --name.
func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// upperFirst capitalises a summary for use as a sentence.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
