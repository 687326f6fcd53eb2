// Command provkeys is a keyboard-driven terminal dashboard for machine provisioning keys, and
// the command line (DESIGN §6) that scripts and shell-minded operators use on the same store.
//
// With no command it opens the dashboard. Every command takes --db PATH before or after its
// name, flags may stand before or after positional arguments, human output is the default and
// --json is for machines. Exit status: 0 success, 1 failed operation, 2 bad usage.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/term"

	"provkeys/keyformat"
	"provkeys/model"
	"provkeys/store"
	"provkeys/ui"
	"provkeys/ui/keyfile"
	"provkeys/ui/sshd"
)

// version is this source tree's release; builds that carry VCS information add the revision.
const version = "0.1.0-dev"

// maxInput caps what provkeys reads from standard input or a certificate file, so a wrong
// pipe cannot make it swallow gigabytes. Import files are read line by line instead.
const maxInput = 1 << 20

func main() {
	// Every file this process creates (the database, its data key, exported keys) must be
	// private to the user whatever umask the shell had: 0600 files, 0700 directories.
	syscall.Umask(0o077)
	os.Exit(run(context.Background(), os.Args[1:]))
}

// run executes one command line and returns the process exit status.
func run(ctx context.Context, args []string) int {
	c := &cli{ctx: ctx, out: bufio.NewWriter(os.Stdout)}
	err := c.dispatch(args)
	if c.st != nil {
		if cerr := c.st.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close database: %w", cerr)
		}
	}
	if ferr := c.out.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("write output: %w", ferr)
	}
	return report(err)
}

// report prints err as one line on stderr and maps it to an exit status. The whole message is
// sanitized because store errors may quote user data, and a newline or an escape sequence must
// not reach the terminal.
func report(err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(os.Stderr, "provkeys: "+model.Sanitize(err.Error()))
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// usageError is a mistake in how provkeys was called; it exits 2 where a failed operation exits 1.
type usageError struct{ msg string }

// Error returns the sentence report prints.
func (e *usageError) Error() string { return e.msg }

// usagef builds a usageError from a format.
func usagef(format string, a ...any) error {
	return &usageError{msg: fmt.Sprintf(format, a...)}
}

// ---------------------------------------------------------------------------------------------
// The command table and dispatch.

// command is one entry of the command line. args is the synopsis after the name; the words
// before its first flag are the positional arguments the command takes (bracketed ones are
// optional), so the synopsis shown in help is also what parse checks.
type command struct {
	name    string // the words after "provkeys", e.g. "keys list"
	args    string
	summary string
	run     func(c *cli, args []string) error
}

// commands is the command line, in the order help lists it. It is built on each call rather
// than kept in a package variable, so nothing can change it between uses.
func commands() []command {
	return []command{
		{"keys list", "[--filter EXPR] [--json]", "list keys, optionally filtered", keysList},
		{"keys show", "NAME [--reveal] [--json]", "show every field of a key", keysShow},
		{"keys add", "--name N --group G [--group G2] [--cert C] [--disabled] [--reenroll] [--no-export] [--cloud HOST] [--description D] [--max-usage N] [--expires DURATION|DATE] [--key KEY] [--json]",
			"create a key and print it once", keysAdd},
		{"keys edit", "NAME [--name N] [--group G]... [--cert C] [--enable|--disable] [--reenroll=true|false] [--no-export] [--description D] [--max-usage N] [--expires DURATION|DATE|never]",
			"change the given fields of a key", keysEdit},
		{"keys enable", "NAME", "enable a key", keysSetEnabled(true)},
		{"keys disable", "NAME", "disable a key", keysSetEnabled(false)},
		{"keys delete", "NAME [--yes]", "delete a key", keysDelete},
		{"keys export", "NAME [-o FILE] [--force]", "print a key, or write it to a file with mode 0600", keysExport},
		{"keys import", "[FILE|-] --group G [--group G2] [--cert C]", `create keys from "name<TAB>key" lines, all or none`, keysImport},
		{"groups list", "[--json]", "list machine groups", groupsList},
		{"groups add", "--name N [--description D] [--disabled]", "create a machine group", groupsAdd},
		{"groups edit", "NAME [--name N] [--description D] [--enable|--disable]", "change a machine group", groupsEdit},
		{"groups delete", "NAME [--yes]", "delete a machine group no key uses", groupsDelete},
		{"certs list", "[--json]", "list signing certificates", certsList},
		{"certs import", "NAME FILE.pem", "add a CA certificate from a PEM file", certsImport},
		{"certs delete", "NAME [--yes]", "delete a signing certificate no key uses", certsDelete},
		{"decode", "KEY|- [--json]", "show a key's version, host, payload size and fingerprint", decode},
		{"verify", "KEY|-", "succeed if the key is known, enabled, unexpired and not exhausted", verify},
		{"audit", "[--limit N] [--json]", "show who did what, newest first", audit},
		{"demo", "[--keys N]", "fill the store with realistic sample data", demo},
		{"serve", "[--listen ADDR] [--host-key PATH] [--operators PATH]", "serve the dashboard to operators over SSH", serve},
		{"version", "", "print the version", printVersion},
	}
}

// cli is one invocation: the command being run, the --db flag every command shares, the store
// once a command opens it, and buffered standard output.
type cli struct {
	ctx    context.Context
	cmd    command
	dbPath string
	st     *store.Store
	out    *bufio.Writer
}

// dispatch parses the global flags, finds the command and runs it. "--help" anywhere prints
// help on stdout and succeeds; the commands return flag.ErrHelp for it after printing.
func (c *cli) dispatch(args []string) error {
	top := flag.NewFlagSet("provkeys", flag.ContinueOnError)
	top.SetOutput(io.Discard)
	top.StringVar(&c.dbPath, "db", "", "")
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.listCommands("")
			return nil
		}
		return usagef("%s; see provkeys --help", flagMessage(err))
	}
	words := top.Args()
	if len(words) == 0 {
		return c.dashboard()
	}
	if words[0] == "help" {
		if len(words) == 1 {
			c.listCommands("")
			return nil
		}
		words = append(words[1:], "--help")
	}
	cmd, rest, err := c.find(words)
	if err != nil || cmd.run == nil {
		return err
	}
	c.cmd = cmd
	if err := cmd.run(c, rest); !errors.Is(err, flag.ErrHelp) {
		return err
	}
	return nil
}

// find looks up the command named by the first words. A group name alone ("keys") or with
// --help lists the group's commands; cmd.run is nil when find has already answered.
func (c *cli) find(words []string) (command, []string, error) {
	all := commands()
	for _, cmd := range all {
		parts := strings.Fields(cmd.name)
		if len(words) >= len(parts) && slices.Equal(words[:len(parts)], parts) {
			return cmd, words[len(parts):], nil
		}
	}
	group := words[0]
	var subs []string
	for _, cmd := range all {
		if sub, ok := strings.CutPrefix(cmd.name, group+" "); ok {
			subs = append(subs, sub)
		}
	}
	switch {
	case len(subs) == 0:
		return command{}, nil, usagef("unknown command %q; see provkeys --help", group)
	case len(words) > 1 && (words[1] == "-h" || words[1] == "--help" || words[1] == "-help"):
		c.listCommands(group)
		return command{}, nil, nil
	case len(words) == 1:
		return command{}, nil, usagef("%s needs a command: %s; see provkeys %s --help", group, strings.Join(subs, ", "), group)
	}
	return command{}, nil, usagef("unknown command %q; %s has: %s", group+" "+words[1], group, strings.Join(subs, ", "))
}

// listCommands prints the command list: all of it, or the commands of one group.
func (c *cli) listCommands(group string) {
	w := c.out
	if group == "" {
		fmt.Fprint(w, "provkeys: machine provisioning keys, in a terminal dashboard and on the command line.\n\n")
		fmt.Fprint(w, "usage: provkeys [--db PATH] [COMMAND] [ARGS]\n\nWith no command, provkeys opens the dashboard.\n\n")
	} else {
		fmt.Fprintf(w, "usage: provkeys %s COMMAND [ARGS]\n\n", group)
	}
	fmt.Fprintln(w, "commands:")
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	for _, cmd := range commands() {
		if group == "" || strings.HasPrefix(cmd.name, group+" ") {
			fmt.Fprintf(tw, "  %s\t%s\n", cmd.name, cmd.summary)
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "\nEvery command takes --db PATH (default: %s) and --help.\n", dbDefaultText)
	fmt.Fprintln(w, `Run "provkeys COMMAND --help" for a command's arguments and flags.`)
	fmt.Fprintln(w, "Exit status: 0 success, 1 failed operation, 2 bad usage.")
}

// dbDefaultText says where the database is when --db is not given.
const dbDefaultText = "$PROVKEYS_DB, else $XDG_DATA_HOME/provkeys/provkeys.db"

// ---------------------------------------------------------------------------------------------
// Flags and arguments.

// flags returns a flag set for the current command that already knows --db, so --db works
// after the command name as well as before it.
func (c *cli) flags() *flag.FlagSet {
	fs := flag.NewFlagSet(c.cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.dbPath, "db", c.dbPath, "the database file `PATH` (default: "+dbDefaultText+")")
	return fs
}

// parse parses args with flags and positional arguments in any order and checks the number of
// positional arguments against the command's synopsis. On --help it prints the command's help
// and returns flag.ErrHelp, which dispatch turns into success.
func (c *cli) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			c.commandHelp(fs)
			return nil, err
		}
		if err != nil {
			return nil, usagef("%s: %s; see provkeys %s --help", c.cmd.name, flagMessage(err), c.cmd.name)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		// The flag package stops at "--"; everything after it is positional.
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	required, optional := c.positionals()
	switch {
	case len(pos) < len(required):
		return nil, usagef("%s needs %s; see provkeys %s --help", c.cmd.name, required[len(pos)], c.cmd.name)
	case len(pos) > len(required)+len(optional):
		// The extra words are not quoted back: they may be pieces of a key split by the shell.
		takes := strings.Join(append(required, optional...), " ")
		if takes == "" {
			takes = "no arguments"
		}
		hint := ""
		if slices.Contains(pos, "true") || slices.Contains(pos, "false") {
			hint = " (write yes/no flags as --flag=true or --flag=false)"
		}
		return nil, usagef("%s takes %s but was given %s%s; see provkeys %s --help",
			c.cmd.name, takes, plural(len(pos), "argument"), hint, c.cmd.name)
	}
	return pos, nil
}

// positionals reads the positional arguments from the command's synopsis: the words before
// the first flag, bracketed ones optional.
func (c *cli) positionals() (required, optional []string) {
	for _, w := range strings.Fields(c.cmd.args) {
		if strings.HasPrefix(w, "-") || strings.HasPrefix(w, "[-") {
			break
		}
		if strings.HasPrefix(w, "[") {
			optional = append(optional, w)
		} else {
			required = append(required, w)
		}
	}
	return required, optional
}

// commandHelp prints one command's synopsis, summary and flags, with GNU-style "--" names.
func (c *cli) commandHelp(fs *flag.FlagSet) {
	w := c.out
	fmt.Fprintf(w, "usage: provkeys %s %s\n\n%s.\n\nflags:\n", c.cmd.name, c.cmd.args, upperFirst(c.cmd.summary))
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(tw, "  %s %s\t%s\n", dashed(f.Name), name, usage)
	})
	tw.Flush()
}

// flagMessage rewords the flag package's errors into plain sentences that spell flags the way
// help does ("--max-usage", not "-max-usage").
func flagMessage(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return "unknown flag " + dashed(name)
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return "flag " + dashed(name) + " needs a value"
	}
	// "invalid value "x" for flag -name: why" and "invalid boolean value "x" for -name: why".
	for _, sep := range []string{" for flag -", " for -"} {
		if i := strings.LastIndex(msg, sep); i >= 0 {
			name, why, _ := strings.Cut(msg[i+len(sep):], ": ")
			return fmt.Sprintf("%s for %s (%s)", strings.Replace(msg[:i], "invalid boolean value", "invalid value", 1), dashed(name), why)
		}
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

// stringList is a flag that may be repeated, such as --group.
type stringList []string

// String shows the values given so far, as flag.Value requires.
func (l *stringList) String() string { return strings.Join(*l, ",") }

// Set appends one occurrence of the flag.
func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// setFlags names the flags given on the command line (not --db), for edits that change only
// what was asked.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	delete(set, "db")
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

// parseExpires reads --expires ("" and "never" give the zero time); a bad value is bad usage.
func parseExpires(s string, now time.Time) (time.Time, error) {
	t, err := model.ParseExpiry(s, now)
	if err != nil {
		return time.Time{}, usagef("%v", err)
	}
	return t, nil
}

// argOrStdin returns arg, or standard input without its trailing newline when arg is "-", so a
// key can be piped in instead of appearing in the process list.
func argOrStdin(arg string) (string, error) {
	if arg != "-" {
		return arg, nil
	}
	b, err := io.ReadAll(io.LimitReader(os.Stdin, maxInput))
	if err != nil {
		return "", fmt.Errorf("read standard input: %w", err)
	}
	s := strings.TrimSuffix(string(b), "\n")
	return strings.TrimSuffix(s, "\r"), nil
}

// interruptible returns a context that ctrl+c or SIGTERM cancels, for long store work that
// should stop cleanly (rolled back, progress line cleared, one sentence) rather than die
// mid-line. Everywhere else the signals keep their default meaning, so a prompt or a read of
// standard input can always be left with ctrl+c.
func (c *cli) interruptible() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(c.ctx, os.Interrupt, syscall.SIGTERM)
}

// isTerminal reports whether f is a terminal, which decides prompts, progress and the dashboard.
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// confirm asks question on the terminal unless yes was given. Without a terminal it refuses,
// since a script that forgot --yes must not block or delete by accident.
func (c *cli) confirm(yes bool, question string) error {
	if yes {
		return nil
	}
	if !isTerminal(os.Stdin) {
		return usagef("%s asks for confirmation but standard input is not a terminal; use --yes", c.cmd.name)
	}
	fmt.Fprintf(os.Stderr, "%s [y/N] ", model.Sanitize(question))
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return errors.New("cancelled; nothing was changed")
}

// ---------------------------------------------------------------------------------------------
// The store.

// session opens the store named by --db (or the default) and returns it as the local operator.
// dispatch's caller closes it when the command returns.
func (c *cli) session() (*store.Session, error) {
	path := c.dbPath
	if path == "" {
		p, err := store.DefaultPath()
		if err != nil {
			return nil, fmt.Errorf("find the default database: %w", err)
		}
		path = p
	}
	st, err := store.Open(path, store.Options{})
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// Problems that do not stop the store, such as a directory others can write to.
	for _, w := range st.Warnings() {
		fmt.Fprintln(os.Stderr, "provkeys: warning: "+model.Sanitize(w))
	}
	c.st = st
	return st.As(localActor()), nil
}

// localActor is the operating-system user, with the admin role: whoever can read the database
// file locally can do anything with it anyway.
func localActor() model.Actor {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name == "" {
		name = "uid " + strconv.Itoa(os.Getuid())
	}
	return model.Actor{Name: name, Role: model.RoleAdmin}
}

// explain turns a store error about object (e.g. `key "web-01"`) into the sentence an operator
// reads, by ui.Sentence: the sentinel says what happened, object says to what. Errors that
// already carry their own words (validation, conflict, in use) pass through.
func explain(err error, object string) error {
	var (
		ve *model.ValidationError
		ce *model.ConflictError
		ie *model.InUseError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ve), errors.As(err, &ce), errors.As(err, &ie):
		return err
	}
	return explainedError{sentence: ui.Sentence(err, object), err: err}
}

// explainedError is a store error worded for the operator; errors.Is still sees the sentinel.
type explainedError struct {
	sentence string
	err      error
}

func (e explainedError) Error() string { return e.sentence }
func (e explainedError) Unwrap() error { return e.err }

// keyObject, groupObject and certObject name an object in a message. %q shows odd bytes as
// escapes, so the name can be seen for what it is.
func keyObject(name string) string   { return fmt.Sprintf("key %q", name) }
func groupObject(name string) string { return fmt.Sprintf("machine group %q", name) }
func certObject(name string) string  { return fmt.Sprintf("signing certificate %q", name) }

// key looks a key up by name.
func (c *cli) key(s *store.Session, name string) (model.Key, error) {
	k, err := s.KeyByName(c.ctx, name)
	return k, explain(err, keyObject(name))
}

// group looks a machine group up by name. A missing group gets the command that creates it,
// because that is what the operator has to do next.
func (c *cli) group(s *store.Session, name string) (model.Group, error) {
	g, err := s.GroupByName(c.ctx, name)
	if errors.Is(err, model.ErrNotFound) {
		// An impossible name gets the rule it breaks rather than advice to create it.
		if verr := model.ValidateName(model.FieldGroups, name); verr != nil {
			return g, verr
		}
		return g, fmt.Errorf("%s not found; create it with: provkeys groups add --name %s", groupObject(name), shellQuote(name))
	}
	return g, explain(err, groupObject(name))
}

// checkGroups confirms every named machine group exists before a key refers to it.
func (c *cli) checkGroups(s *store.Session, names []string) error {
	for _, n := range names {
		if _, err := c.group(s, n); err != nil {
			return err
		}
	}
	return nil
}

// certName resolves --cert: the named certificate, else "Client" (the one a new store
// generates), else the first by name. Keys must name their certificate (KeyInput.Validate).
func (c *cli) certName(s *store.Session, name string) (string, error) {
	if name != "" {
		cert, err := s.CertByName(c.ctx, name)
		if errors.Is(err, model.ErrNotFound) {
			return "", fmt.Errorf("%s not found; see: provkeys certs list", certObject(name))
		}
		return cert.Name, explain(err, certObject(name))
	}
	certs, err := s.ListCerts(c.ctx)
	if err != nil {
		return "", explain(err, "signing certificates")
	}
	if len(certs) == 0 {
		return "", errors.New("there is no signing certificate; import one with: provkeys certs import NAME FILE.pem")
	}
	for _, cert := range certs {
		if strings.EqualFold(cert.Name, "Client") {
			return cert.Name, nil
		}
	}
	return certs[0].Name, nil
}

// shellQuote quotes s for a POSIX shell when it needs it, for commands printed as advice.
func shellQuote(s string) string {
	plain := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// parseSecret checks a key given on the command line or in an import file. The error names the
// part and position but never repeats the key.
func parseSecret(s string) (keyformat.Key, error) {
	k, err := keyformat.Parse(s)
	if err != nil {
		return k, fmt.Errorf("invalid key: %w", err)
	}
	return k, nil
}

// ---------------------------------------------------------------------------------------------
// Output.

// newTable returns a writer that aligns tab-separated cells; call row for each line and Flush.
func (c *cli) newTable() *tabwriter.Writer { return tabwriter.NewWriter(c.out, 0, 0, 2, ' ', 0) }

// row writes one table line. Cells are sanitized, which also removes tabs and newlines that
// would break the columns.
func row(tw *tabwriter.Writer, cells ...string) {
	for i, s := range cells {
		cells[i] = model.Sanitize(s)
	}
	fmt.Fprintln(tw, strings.Join(cells, "\t"))
}

// writeJSONArray writes n items as a JSON array formatted exactly as writeJSON formats a
// slice, one item at a time, so a hundred thousand keys never sit in memory as one document
// (measured: 320 MB of resident memory down to 115 MB for 100,000 keys).
func (c *cli) writeJSONArray(n int, item func(i int) any) error {
	if n == 0 {
		_, err := c.out.WriteString("[]\n")
		return err
	}
	c.out.WriteString("[\n")
	for i := range n {
		b, err := json.MarshalIndent(item(i), "  ", "  ")
		if err != nil {
			return err
		}
		c.out.WriteString("  ")
		c.out.Write(b)
		if i < n-1 {
			c.out.WriteString(",")
		}
		c.out.WriteString("\n")
	}
	_, err := c.out.WriteString("]\n")
	return err
}

// writeJSON prints v as indented JSON.
func (c *cli) writeJSON(v any) error {
	enc := json.NewEncoder(c.out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// humanTime is a time for a table, in the local zone; the zero time is "-".
func humanTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

// jsonTime is a time for JSON: RFC 3339 in UTC.
func jsonTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// jsonOptTime is jsonTime, or null for the zero time ("never").
func jsonOptTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := jsonTime(t)
	return &s
}

// yesNo is a boolean for people.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// plural is "1 key", "2 keys".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// upperFirst capitalises a summary for use as a sentence.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// usage is a key's usage count against its limit: "3/10", or "3" when unlimited.
func usage(k model.Key) string {
	if k.MaxUsage == 0 {
		return strconv.FormatInt(k.UsageCount, 10)
	}
	return fmt.Sprintf("%d/%d", k.UsageCount, k.MaxUsage)
}

// keyJSON is a key as `keys list --json`, `keys show --json` and `keys add --json` print it:
// exactly the fields DESIGN §6 lists, so scripts can rely on the set. Key is present only
// when the command released the key material.
type keyJSON struct {
	ID                 int64    `json:"id"`
	Name               string   `json:"name"`
	Groups             []string `json:"groups"`
	Status             string   `json:"status"`
	Enabled            bool     `json:"enabled"`
	SigningCertificate string   `json:"signing_certificate"`
	AllowReenrollment  bool     `json:"allow_reenrollment"`
	Exportable         bool     `json:"exportable"`
	Cloud              string   `json:"cloud"`
	Fingerprint        string   `json:"fingerprint"`
	Description        string   `json:"description"`
	MaxUsage           int64    `json:"max_usage"`
	UsageCount         int64    `json:"usage_count"`
	ExpiresAt          *string  `json:"expires_at"`
	CreatedAt          string   `json:"created_at"`
	CreatedBy          string   `json:"created_by"`
	UpdatedAt          string   `json:"updated_at"`
	UpdatedBy          string   `json:"updated_by"`
	Version            int64    `json:"version"`
	Key                string   `json:"key,omitempty"`
}

// newKeyJSON converts k; secret is the key material or empty.
func newKeyJSON(k model.Key, secret string) keyJSON {
	return keyJSON{
		ID: k.ID, Name: k.Name, Groups: k.GroupNames(), Status: k.Status(), Enabled: k.Enabled,
		SigningCertificate: k.CertName, AllowReenrollment: k.AllowReenroll, Exportable: k.Exportable,
		Cloud: k.Cloud, Fingerprint: k.Fingerprint, Description: k.Description,
		MaxUsage: k.MaxUsage, UsageCount: k.UsageCount, ExpiresAt: jsonOptTime(k.ExpiresAt),
		CreatedAt: jsonTime(k.CreatedAt), CreatedBy: k.CreatedBy,
		UpdatedAt: jsonTime(k.UpdatedAt), UpdatedBy: k.UpdatedBy, Version: k.Version, Key: secret,
	}
}

// ---------------------------------------------------------------------------------------------
// keys

func keysList(c *cli, args []string) error {
	fs := c.flags()
	expr := fs.String("filter", "", "show only keys matching `EXPR`, e.g. 'group:Servers status:disabled'")
	asJSON := fs.Bool("json", false, "print a JSON array")
	if _, err := c.parse(fs, args); err != nil {
		return err
	}
	filter, err := model.ParseFilter(*expr)
	if err != nil {
		return usagef("%v", err)
	}
	s, err := c.session()
	if err != nil {
		return err
	}
	keys, err := s.ListKeys(c.ctx)
	if err != nil {
		return explain(err, "keys")
	}
	now := time.Now()
	keys = slices.DeleteFunc(keys, func(k model.Key) bool { return !filter.Match(k, now) })
	if *asJSON {
		return c.writeJSONArray(len(keys), func(i int) any { return newKeyJSON(keys[i], "") })
	}
	if len(keys) == 0 {
		if *expr != "" {
			fmt.Fprintln(c.out, "No keys match the filter.")
		} else {
			fmt.Fprintln(c.out, "No keys; create one with: provkeys keys add --name NAME --group GROUP")
		}
		return nil
	}
	tw := c.newTable()
	row(tw, "NAME", "MACHINE GROUP(S)", "STATUS", "FINGERPRINT", "USAGE", "UPDATED")
	for _, k := range keys {
		row(tw, k.Name, strings.Join(k.GroupNames(), ", "), k.State(now).String(),
			keyformat.ShortFingerprint(k.Fingerprint), usage(k), humanTime(k.UpdatedAt))
	}
	return tw.Flush()
}

func keysShow(c *cli, args []string) error {
	fs := c.flags()
	reveal := fs.Bool("reveal", false, "show the key itself (recorded in the audit log)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	s, err := c.session()
	if err != nil {
		return err
	}
	k, err := c.key(s, pos[0])
	if err != nil {
		return err
	}
	var secret string
	if *reveal {
		if secret, err = s.RevealKey(c.ctx, k.ID); err != nil {
			return explain(err, keyObject(k.Name))
		}
	}
	if *asJSON {
		return c.writeJSON(newKeyJSON(k, secret))
	}
	switch {
	case secret != "":
	case !k.Exportable:
		secret = "not exportable (only the fingerprint is kept)"
	default:
		// Masked as the dashboard masks it; the material stays in the store until --reveal.
		secret = keyformat.Mask(fmt.Sprintf("%d|%s|", keyformat.CurrentVersion, k.Cloud)) + "  (--reveal shows it)"
	}
	expires := "never"
	if !k.ExpiresAt.IsZero() {
		expires = humanTime(k.ExpiresAt)
	}
	maxUsage := "unlimited"
	if k.MaxUsage > 0 {
		maxUsage = strconv.FormatInt(k.MaxUsage, 10)
	}
	tw := c.newTable()
	for _, f := range [][2]string{
		{"Name:", k.Name},
		{"Key:", secret},
		{"Fingerprint:", k.Fingerprint},
		{"Machine Group(s):", strings.Join(k.GroupNames(), ", ")},
		{"Status:", k.State(time.Now()).String()},
		{"Signing Certificate:", k.CertName},
		{"Allow Re-Enrollment:", yesNo(k.AllowReenroll)},
		{"Exportable:", yesNo(k.Exportable)},
		{"Cloud:", k.Cloud},
		{"Description:", k.Description},
		{"Usage:", fmt.Sprintf("%d of %s", k.UsageCount, maxUsage)},
		{"Expires:", expires},
		{"Created:", humanTime(k.CreatedAt) + " by " + k.CreatedBy},
		{"Updated:", humanTime(k.UpdatedAt) + " by " + k.UpdatedBy},
		{"ID:", strconv.FormatInt(k.ID, 10)},
		{"Version:", strconv.FormatInt(k.Version, 10)},
	} {
		row(tw, f[0], f[1])
	}
	return tw.Flush()
}

func keysAdd(c *cli, args []string) error {
	fs := c.flags()
	var in model.KeyInput
	var groups stringList
	fs.StringVar(&in.Name, "name", "", "the key's `NAME`: letters, digits, spaces, . - _ (required)")
	fs.Var(&groups, "group", "a machine `GROUP` the key belongs to; repeat for several (required)")
	fs.StringVar(&in.Cert, "cert", "", "signing certificate `NAME` (default: Client, else the first)")
	disabled := fs.Bool("disabled", false, "create the key disabled")
	fs.BoolVar(&in.AllowReenroll, "reenroll", false, "allow re-enrollment")
	noExport := fs.Bool("no-export", false, "never allow viewing or exporting the key after this command")
	fs.StringVar(&in.Cloud, "cloud", "", "enrollment API `HOST` (default "+keyformat.DefaultHost+")")
	fs.StringVar(&in.Description, "description", "", "a `DESCRIPTION` of the key")
	fs.Int64Var(&in.MaxUsage, "max-usage", 0, "how many enrollments the key allows, `N` (0: unlimited)")
	expires := fs.String("expires", "", "expiry: a `DURATION` (720h, 30d) or a DATE (2026-12-31, RFC 3339); default never")
	secret := fs.String("key", "", "store this existing `KEY` instead of generating one")
	asJSON := fs.Bool("json", false, `print the new key as JSON, with its "key"`)
	if _, err := c.parse(fs, args); err != nil {
		return err
	}
	switch {
	case in.Name == "":
		return usagef("keys add needs --name; see provkeys keys add --help")
	case len(groups) == 0:
		return usagef("keys add needs at least one --group; see provkeys keys add --help")
	case in.MaxUsage < 0:
		return usagef("--max-usage must be 0 (unlimited) or more")
	}
	in.Groups = groups
	in.Enabled = !*disabled
	in.Exportable = !*noExport
	var err error
	if in.ExpiresAt, err = parseExpires(*expires, time.Now()); err != nil {
		return err
	}
	// The store validates the key (KeyInput.Validate names part and position, never the key);
	// parsing here only collects the warnings a valid but unusual key deserves.
	in.Secret = *secret
	var warnings []string
	if pk, err := keyformat.Parse(*secret); err == nil {
		warnings = pk.Warnings
	}
	s, err := c.session()
	if err != nil {
		return err
	}
	if err := c.checkGroups(s, groups); err != nil {
		return err
	}
	if in.Cert, err = c.certName(s, in.Cert); err != nil {
		return err
	}
	k, key, err := s.CreateKey(c.ctx, in)
	if err != nil {
		return explain(err, keyObject(in.Name))
	}
	for _, w := range warnings {
		fmt.Fprintln(os.Stderr, "provkeys: warning: "+w)
	}
	if *asJSON {
		return c.writeJSON(newKeyJSON(k, key))
	}
	fmt.Fprintf(c.out, "Created key %s (%s).\n", model.Sanitize(k.Name), k.Fingerprint)
	if !k.Exportable {
		fmt.Fprintln(c.out, "It is not exportable: this is the only time it is shown.")
	}
	fmt.Fprintln(c.out, key)
	return nil
}

func keysEdit(c *cli, args []string) error {
	fs := c.flags()
	name := fs.String("name", "", "rename the key to `NAME`")
	var groups stringList
	fs.Var(&groups, "group", "replace the machine groups with `GROUP`; repeat for several")
	cert := fs.String("cert", "", "signing certificate `NAME`")
	enable := fs.Bool("enable", false, "enable the key")
	disable := fs.Bool("disable", false, "disable the key")
	reenroll := fs.Bool("reenroll", false, "allow re-enrollment (--reenroll=false forbids it)")
	noExport := fs.Bool("no-export", false, "turn View/Export off for good: the key material is erased")
	desc := fs.String("description", "", "a `DESCRIPTION` of the key")
	maxUsage := fs.Int64("max-usage", 0, "how many enrollments the key allows, `N` (0: unlimited)")
	expires := fs.String("expires", "", "expiry: a `DURATION` (720h, 30d), a DATE (2026-12-31, RFC 3339) or never")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	set := setFlags(fs)
	if len(set) == 0 {
		return usagef("keys edit: nothing to change; see provkeys keys edit --help")
	}
	enabled, setEnabled, err := enabledFlag(set, *enable, *disable)
	if err != nil {
		return err
	}
	if *maxUsage < 0 {
		return usagef("--max-usage must be 0 (unlimited) or more")
	}
	expiresAt, err := parseExpires(*expires, time.Now())
	if err != nil {
		return err
	}
	s, err := c.session()
	if err != nil {
		return err
	}
	k, err := c.key(s, pos[0])
	if err != nil {
		return err
	}
	in := k.Input()
	if set["name"] {
		in.Name = *name
	}
	if set["group"] {
		if err := c.checkGroups(s, groups); err != nil {
			return err
		}
		in.Groups = groups
	}
	if set["cert"] {
		if in.Cert, err = c.certName(s, *cert); err != nil {
			return err
		}
	}
	if setEnabled {
		in.Enabled = enabled
	}
	if set["reenroll"] {
		in.AllowReenroll = *reenroll
	}
	if *noExport {
		in.Exportable = false
	}
	if set["description"] {
		in.Description = *desc
	}
	if set["max-usage"] {
		in.MaxUsage = *maxUsage
	}
	if set["expires"] {
		in.ExpiresAt = expiresAt
	}
	updated, err := s.UpdateKey(c.ctx, k.ID, k.Version, in)
	if err != nil {
		// A duplicate on edit can only be the new name.
		return explain(err, keyObject(in.Name))
	}
	fmt.Fprintf(c.out, "Updated key %s.\n", model.Sanitize(updated.Name))
	if k.Exportable && !updated.Exportable {
		fmt.Fprintf(os.Stderr, "provkeys: warning: key %q can never be viewed or exported again; its key material is erased.\n", model.Sanitize(updated.Name))
	}
	return nil
}

// keysSetEnabled is `keys enable` or `keys disable`.
func keysSetEnabled(enabled bool) func(c *cli, args []string) error {
	return func(c *cli, args []string) error {
		pos, err := c.parse(c.flags(), args)
		if err != nil {
			return err
		}
		s, err := c.session()
		if err != nil {
			return err
		}
		k, err := c.key(s, pos[0])
		if err != nil {
			return err
		}
		word := strings.ToLower(model.Key{Enabled: enabled}.Status())
		// An operation that changes nothing is not worth an audit row.
		if k.Enabled == enabled {
			fmt.Fprintf(c.out, "Key %s is already %s.\n", model.Sanitize(k.Name), word)
			return nil
		}
		if _, err := s.SetKeyEnabled(c.ctx, k.ID, k.Version, enabled); err != nil {
			return explain(err, keyObject(k.Name))
		}
		fmt.Fprintf(c.out, "Key %s is now %s.\n", model.Sanitize(k.Name), word)
		return nil
	}
}

func keysDelete(c *cli, args []string) error {
	fs := c.flags()
	yes := fs.Bool("yes", false, "delete without asking")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	s, err := c.session()
	if err != nil {
		return err
	}
	k, err := c.key(s, pos[0])
	if err != nil {
		return err
	}
	if err := c.confirm(*yes, "Delete key "+k.Name+"?"); err != nil {
		return err
	}
	if err := s.DeleteKey(c.ctx, k.ID, k.Version); err != nil {
		return explain(err, keyObject(k.Name))
	}
	fmt.Fprintf(c.out, "Deleted key %s.\n", model.Sanitize(k.Name))
	return nil
}

func keysExport(c *cli, args []string) error {
	fs := c.flags()
	path := fs.String("o", "", "write the key to `FILE` (mode 0600) instead of standard output")
	force := fs.Bool("force", false, "replace FILE if it exists (never through a symbolic link)")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	if *force && *path == "" {
		return usagef("--force only applies with -o FILE")
	}
	s, err := c.session()
	if err != nil {
		return err
	}
	k, err := c.key(s, pos[0])
	if err != nil {
		return err
	}
	if *path == "" {
		secret, err := s.ExportKey(c.ctx, k.ID)
		if err != nil {
			return explain(err, keyObject(k.Name))
		}
		fmt.Fprintln(c.out, secret)
		return nil
	}
	// The file is created before the key is released, so a refused path never costs an
	// export in the audit log.
	f, err := keyfile.Create(*path, *force)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists; use --force to replace it", *path)
	}
	if err != nil {
		return err
	}
	secret, err := s.ExportKey(c.ctx, k.ID)
	if err != nil {
		f.Abort()
		return explain(err, keyObject(k.Name))
	}
	if err := f.Commit(secret); err != nil {
		return fmt.Errorf("write %s: %w", *path, err)
	}
	fmt.Fprintf(c.out, "Wrote key %s to %s.\n", model.Sanitize(k.Name), model.Sanitize(*path))
	return nil
}

func keysImport(c *cli, args []string) error {
	fs := c.flags()
	var groups stringList
	fs.Var(&groups, "group", "a machine `GROUP` for every imported key; repeat for several (required)")
	cert := fs.String("cert", "", "signing certificate `NAME` (default: Client, else the first)")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	if len(groups) == 0 {
		return usagef("keys import needs at least one --group; see provkeys keys import --help")
	}
	label, r := "stdin", io.Reader(os.Stdin)
	if len(pos) == 1 && pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return err
		}
		defer f.Close()
		label, r = pos[0], f
	}
	lines, err := readImport(r, label)
	if err != nil {
		return err
	}
	s, err := c.session()
	if err != nil {
		return err
	}
	if err := c.checkGroups(s, groups); err != nil {
		return err
	}
	certName, err := c.certName(s, *cert)
	if err != nil {
		return err
	}
	// Report a clash with a stored key by line, not as the store's one error for the batch.
	existing, err := s.ListKeys(c.ctx)
	if err != nil {
		return explain(err, "keys")
	}
	names := make(map[string]string, len(existing))
	prints := make(map[string]string, len(existing))
	for _, k := range existing {
		names[strings.ToLower(k.Name)] = k.Name
		prints[k.Fingerprint] = k.Name
	}
	in := make([]model.KeyInput, 0, len(lines))
	for _, l := range lines {
		if name, ok := names[strings.ToLower(l.name)]; ok {
			return fmt.Errorf("%s:%d: %s already exists", label, l.n, keyObject(name))
		}
		if name, ok := prints[l.fingerprint]; ok {
			return fmt.Errorf("%s:%d: this key is already stored as %s", label, l.n, keyObject(name))
		}
		in = append(in, model.KeyInput{
			Name: l.name, Groups: groups, Cert: certName, Enabled: true, Exportable: true,
			Cloud: l.host, Secret: l.secret,
		})
	}
	// ImportKeys is one transaction with no progress callback: on a terminal, say what is
	// happening until it returns.
	if isTerminal(os.Stderr) {
		fmt.Fprintf(os.Stderr, "import: storing %s…", plural(len(in), "key"))
	}
	ctx, stop := c.interruptible()
	_, err = s.ImportKeys(ctx, in)
	stop()
	if isTerminal(os.Stderr) {
		fmt.Fprint(os.Stderr, "\r\x1b[K")
	}
	if err != nil {
		return fmt.Errorf("%s: nothing imported: %w", label, explain(err, "a key"))
	}
	for _, l := range lines {
		for _, w := range l.warnings {
			fmt.Fprintf(os.Stderr, "provkeys: %s:%d: warning: %s\n", label, l.n, w)
		}
	}
	fmt.Fprintf(c.out, "Imported %s.\n", plural(len(in), "key"))
	return nil
}

// importLine is one checked "name<TAB>key" line of an import file.
type importLine struct {
	n                  int // line number
	name, secret, host string
	fingerprint        string
	warnings           []string
}

// readImport reads and checks a whole import file before anything is stored: every line is a
// name, a tab and a key; blank lines and # comments are skipped. The first bad line fails it
// all with "FILE:LINE: why", never repeating key material.
func readImport(r io.Reader, label string) ([]importLine, error) {
	var (
		lines  []importLine
		names  = map[string]int{}
		prints = map[string]int{}
		sc     = bufio.NewScanner(r)
		n      int
	)
	sc.Buffer(make([]byte, 0, 4096), maxInput)
	for sc.Scan() {
		n++
		text := strings.TrimSuffix(sc.Text(), "\r")
		if t := strings.TrimSpace(text); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		name, secret, ok := strings.Cut(text, "\t")
		if !ok {
			return nil, fmt.Errorf("%s:%d: expected a name, a tab and a key", label, n)
		}
		if err := model.ValidateName(model.FieldName, name); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", label, n, err)
		}
		k, err := parseSecret(secret)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", label, n, err)
		}
		l := importLine{n: n, name: name, secret: keyformat.Format(k), host: k.Host, warnings: k.Warnings}
		l.fingerprint = keyformat.Fingerprint(l.secret)
		if prev, ok := names[strings.ToLower(name)]; ok {
			return nil, fmt.Errorf("%s:%d: the name %q is also used on line %d", label, n, name, prev)
		}
		if prev, ok := prints[l.fingerprint]; ok {
			return nil, fmt.Errorf("%s:%d: the same key as on line %d", label, n, prev)
		}
		names[strings.ToLower(name)], prints[l.fingerprint] = n, n
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s:%d: line too long", label, n+1)
		}
		return nil, fmt.Errorf("read %s: %w", label, err)
	}
	return lines, nil
}

// ---------------------------------------------------------------------------------------------
// groups

// groupJSON is a machine group as `groups list --json` prints it.
type groupJSON struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Status      string `json:"status"`
	Enabled     bool   `json:"enabled"`
	KeyCount    int    `json:"key_count"`
	CreatedAt   string `json:"created_at"`
	CreatedBy   string `json:"created_by"`
	UpdatedAt   string `json:"updated_at"`
	UpdatedBy   string `json:"updated_by"`
	Version     int64  `json:"version"`
}

// groupStatus is a group's Enabled flag as the reference page words it.
func groupStatus(g model.Group) string { return model.Key{Enabled: g.Enabled}.Status() }

func groupsList(c *cli, args []string) error {
	fs := c.flags()
	asJSON := fs.Bool("json", false, "print a JSON array")
	if _, err := c.parse(fs, args); err != nil {
		return err
	}
	s, err := c.session()
	if err != nil {
		return err
	}
	groups, err := s.ListGroups(c.ctx)
	if err != nil {
		return explain(err, "machine groups")
	}
	if *asJSON {
		out := make([]groupJSON, 0, len(groups))
		for _, g := range groups {
			out = append(out, groupJSON{
				ID: g.ID, Name: g.Name, Description: g.Description, Status: groupStatus(g),
				Enabled: g.Enabled, KeyCount: g.KeyCount, CreatedAt: jsonTime(g.CreatedAt),
				CreatedBy: g.CreatedBy, UpdatedAt: jsonTime(g.UpdatedAt), UpdatedBy: g.UpdatedBy,
				Version: g.Version,
			})
		}
		return c.writeJSON(out)
	}
	if len(groups) == 0 {
		fmt.Fprintln(c.out, "No machine groups; create one with: provkeys groups add --name NAME")
		return nil
	}
	tw := c.newTable()
	row(tw, "NAME", "STATUS", "KEYS", "DESCRIPTION", "UPDATED")
	for _, g := range groups {
		row(tw, g.Name, groupStatus(g), strconv.Itoa(g.KeyCount), g.Description, humanTime(g.UpdatedAt))
	}
	return tw.Flush()
}

func groupsAdd(c *cli, args []string) error {
	fs := c.flags()
	var in model.GroupInput
	fs.StringVar(&in.Name, "name", "", "the group's `NAME`: letters, digits, spaces, . - _ (required)")
	fs.StringVar(&in.Description, "description", "", "a `DESCRIPTION` of the group")
	disabled := fs.Bool("disabled", false, "create the group disabled")
	if _, err := c.parse(fs, args); err != nil {
		return err
	}
	if in.Name == "" {
		return usagef("groups add needs --name; see provkeys groups add --help")
	}
	in.Enabled = !*disabled
	s, err := c.session()
	if err != nil {
		return err
	}
	g, err := s.CreateGroup(c.ctx, in)
	if err != nil {
		return explain(err, groupObject(in.Name))
	}
	fmt.Fprintf(c.out, "Created machine group %s.\n", model.Sanitize(g.Name))
	return nil
}

func groupsEdit(c *cli, args []string) error {
	fs := c.flags()
	name := fs.String("name", "", "rename the group to `NAME`")
	desc := fs.String("description", "", "a `DESCRIPTION` of the group")
	enable := fs.Bool("enable", false, "enable the group")
	disable := fs.Bool("disable", false, "disable the group")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	set := setFlags(fs)
	if len(set) == 0 {
		return usagef("groups edit: nothing to change; see provkeys groups edit --help")
	}
	enabled, setEnabled, err := enabledFlag(set, *enable, *disable)
	if err != nil {
		return err
	}
	s, err := c.session()
	if err != nil {
		return err
	}
	g, err := c.group(s, pos[0])
	if err != nil {
		return err
	}
	in := model.GroupInput{Name: g.Name, Description: g.Description, Enabled: g.Enabled}
	if set["name"] {
		in.Name = *name
	}
	if set["description"] {
		in.Description = *desc
	}
	if setEnabled {
		in.Enabled = enabled
	}
	updated, err := s.UpdateGroup(c.ctx, g.ID, g.Version, in)
	if err != nil {
		return explain(err, groupObject(in.Name))
	}
	fmt.Fprintf(c.out, "Updated machine group %s.\n", model.Sanitize(updated.Name))
	return nil
}

func groupsDelete(c *cli, args []string) error {
	fs := c.flags()
	yes := fs.Bool("yes", false, "delete without asking")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	s, err := c.session()
	if err != nil {
		return err
	}
	g, err := c.group(s, pos[0])
	if err != nil {
		return err
	}
	if err := c.confirm(*yes, "Delete machine group "+g.Name+"?"); err != nil {
		return err
	}
	if err := s.DeleteGroup(c.ctx, g.ID, g.Version); err != nil {
		return explain(err, groupObject(g.Name))
	}
	fmt.Fprintf(c.out, "Deleted machine group %s.\n", model.Sanitize(g.Name))
	return nil
}

// ---------------------------------------------------------------------------------------------
// certs

// certJSON is a signing certificate as `certs list --json` prints it.
type certJSON struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Subject   string `json:"subject"`
	Issuer    string `json:"issuer"`
	ExpiresAt string `json:"expires_at"`
	KeyCount  int    `json:"key_count"`
	CreatedAt string `json:"created_at"`
	CreatedBy string `json:"created_by"`
}

func certsList(c *cli, args []string) error {
	fs := c.flags()
	asJSON := fs.Bool("json", false, "print a JSON array")
	if _, err := c.parse(fs, args); err != nil {
		return err
	}
	s, err := c.session()
	if err != nil {
		return err
	}
	certs, err := s.ListCerts(c.ctx)
	if err != nil {
		return explain(err, "signing certificates")
	}
	if *asJSON {
		out := make([]certJSON, 0, len(certs))
		for _, ct := range certs {
			out = append(out, certJSON{
				ID: ct.ID, Name: ct.Name, Subject: ct.Subject, Issuer: ct.Issuer,
				ExpiresAt: jsonTime(ct.NotAfter), KeyCount: ct.KeyCount,
				CreatedAt: jsonTime(ct.CreatedAt), CreatedBy: ct.CreatedBy,
			})
		}
		return c.writeJSON(out)
	}
	if len(certs) == 0 {
		fmt.Fprintln(c.out, "No signing certificates; import one with: provkeys certs import NAME FILE.pem")
		return nil
	}
	tw := c.newTable()
	row(tw, "NAME", "SUBJECT", "EXPIRES", "KEYS")
	for _, ct := range certs {
		row(tw, ct.Name, ct.Subject, humanTime(ct.NotAfter), strconv.Itoa(ct.KeyCount))
	}
	return tw.Flush()
}

func certsImport(c *cli, args []string) error {
	pos, err := c.parse(c.flags(), args)
	if err != nil {
		return err
	}
	f, err := os.Open(pos[1])
	if err != nil {
		return err
	}
	pemText, err := io.ReadAll(io.LimitReader(f, maxInput))
	f.Close()
	if err != nil {
		return fmt.Errorf("read %s: %w", pos[1], err)
	}
	s, err := c.session()
	if err != nil {
		return err
	}
	ct, err := s.ImportCert(c.ctx, pos[0], string(pemText))
	if err != nil {
		return explain(err, certObject(pos[0]))
	}
	fmt.Fprintf(c.out, "Imported signing certificate %s (%s, expires %s).\n",
		model.Sanitize(ct.Name), model.Sanitize(ct.Subject), humanTime(ct.NotAfter))
	return nil
}

func certsDelete(c *cli, args []string) error {
	fs := c.flags()
	yes := fs.Bool("yes", false, "delete without asking")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	s, err := c.session()
	if err != nil {
		return err
	}
	ct, err := s.CertByName(c.ctx, pos[0])
	if err != nil {
		return explain(err, certObject(pos[0]))
	}
	if err := c.confirm(*yes, "Delete signing certificate "+ct.Name+"?"); err != nil {
		return err
	}
	if err := s.DeleteCert(c.ctx, ct.ID); err != nil {
		return explain(err, certObject(ct.Name))
	}
	fmt.Fprintf(c.out, "Deleted signing certificate %s.\n", model.Sanitize(ct.Name))
	return nil
}

// ---------------------------------------------------------------------------------------------
// decode, verify, audit, demo, version, the dashboard

// decodeJSON is what `decode --json` prints. Version is a JSON number without leading zeros.
type decodeJSON struct {
	Version      json.Number `json:"version"`
	Host         string      `json:"host"`
	PayloadBytes int         `json:"payload_bytes"`
	Fingerprint  string      `json:"fingerprint"`
	Warnings     []string    `json:"warnings"`
}

// decode needs no store: it only reads the key, so it never creates or opens a database.
func decode(c *cli, args []string) error {
	fs := c.flags()
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	text, err := argOrStdin(pos[0])
	if err != nil {
		return err
	}
	k, err := parseSecret(text)
	if err != nil {
		return err
	}
	d := decodeJSON{
		Version: json.Number(strings.TrimLeft(k.Version, "0")),
		Host:    k.Host,
		// Parse accepted padded standard base64, so the size follows from the length.
		PayloadBytes: len(k.Payload)/4*3 - strings.Count(k.Payload, "="),
		Fingerprint:  keyformat.Fingerprint(keyformat.Format(k)),
		Warnings:     append([]string{}, k.Warnings...),
	}
	if d.Version == "" {
		d.Version = "0"
	}
	if *asJSON {
		return c.writeJSON(d)
	}
	tw := c.newTable()
	row(tw, "Version:", string(d.Version))
	row(tw, "Host:", d.Host)
	row(tw, "Payload:", fmt.Sprintf("%d bytes", d.PayloadBytes))
	row(tw, "Fingerprint:", d.Fingerprint)
	for _, w := range d.Warnings {
		row(tw, "Warning:", w)
	}
	return tw.Flush()
}

func verify(c *cli, args []string) error {
	pos, err := c.parse(c.flags(), args)
	if err != nil {
		return err
	}
	text, err := argOrStdin(pos[0])
	if err != nil {
		return err
	}
	k, err := parseSecret(text)
	if err != nil {
		return err
	}
	s, err := c.session()
	if err != nil {
		return err
	}
	found, err := s.VerifyKey(c.ctx, keyformat.Format(k))
	if errors.Is(err, model.ErrNotFound) {
		return errors.New("unknown key")
	}
	if err != nil {
		return explain(err, "the key")
	}
	name := model.Sanitize(found.Name)
	switch found.State(time.Now()) {
	case model.StateDisabled:
		return fmt.Errorf("key %s is disabled", name)
	case model.StateExpired:
		return fmt.Errorf("key %s expired at %s", name, humanTime(found.ExpiresAt))
	case model.StateExhausted:
		return fmt.Errorf("key %s is exhausted (%d of %d uses)", name, found.UsageCount, found.MaxUsage)
	}
	fmt.Fprintf(c.out, "valid: %s\n", name)
	return nil
}

// auditJSON is an audit event as `audit --json` prints it. Old and New are the store's JSON
// documents, embedded as objects rather than strings.
type auditJSON struct {
	ID         int64           `json:"id"`
	At         string          `json:"at"`
	Actor      string          `json:"actor"`
	Role       string          `json:"role"`
	Remote     string          `json:"remote"`
	Action     string          `json:"action"`
	ObjectType string          `json:"object_type"`
	ObjectID   int64           `json:"object_id"`
	ObjectName string          `json:"object_name"`
	Old        json.RawMessage `json:"old"`
	New        json.RawMessage `json:"new"`
	Result     string          `json:"result"`
}

// rawJSON embeds a stored JSON document; anything else (empty, or not JSON) becomes null.
func rawJSON(s string) json.RawMessage {
	if s == "" || !json.Valid([]byte(s)) {
		return json.RawMessage("null")
	}
	return json.RawMessage(s)
}

func audit(c *cli, args []string) error {
	fs := c.flags()
	limit := fs.Int("limit", 50, "show the newest `N` events (0: all)")
	asJSON := fs.Bool("json", false, "print a JSON array")
	if _, err := c.parse(fs, args); err != nil {
		return err
	}
	if *limit < 0 {
		return usagef("--limit must be 0 (all) or more")
	}
	s, err := c.session()
	if err != nil {
		return err
	}
	events, err := s.ListAudit(c.ctx, *limit)
	if err != nil {
		return explain(err, "the audit log")
	}
	if *asJSON {
		out := make([]auditJSON, 0, len(events))
		for _, e := range events {
			out = append(out, auditJSON{
				ID: e.ID, At: jsonTime(e.At), Actor: e.Actor, Role: string(e.Role), Remote: e.Remote,
				Action: string(e.Action), ObjectType: string(e.ObjectType), ObjectID: e.ObjectID,
				ObjectName: e.ObjectName, Old: rawJSON(e.Old), New: rawJSON(e.New), Result: e.Result,
			})
		}
		return c.writeJSON(out)
	}
	if len(events) == 0 {
		fmt.Fprintln(c.out, "No audit events.")
		return nil
	}
	tw := c.newTable()
	row(tw, "TIME", "ACTOR", "ACTION", "OBJECT", "RESULT")
	for _, e := range events {
		actor := e.Actor
		if e.Remote != "" {
			actor += " (" + e.Remote + ")"
		}
		row(tw, e.At.Local().Format("2006-01-02 15:04:05"), actor, string(e.Action),
			fmt.Sprintf("%s %q", e.ObjectType, e.ObjectName), e.Result)
	}
	return tw.Flush()
}

func demo(c *cli, args []string) error {
	fs := c.flags()
	n := fs.Int("keys", 200, "how many sample keys to add, `N`")
	if _, err := c.parse(fs, args); err != nil {
		return err
	}
	if *n < 1 {
		return usagef("--keys must be 1 or more")
	}
	s, err := c.session()
	if err != nil {
		return err
	}
	var progress func(done, total int) // nil: Demo reports to no one
	if isTerminal(os.Stderr) {
		progress = progressLine("demo")
		defer fmt.Fprint(os.Stderr, "\r\x1b[K")
	}
	ctx, stop := c.interruptible()
	defer stop()
	start := time.Now()
	if err := s.Demo(ctx, *n, progress); err != nil {
		return explain(err, "the demo data")
	}
	fmt.Fprintf(c.out, "Added %s of demo data in %s.\n", plural(*n, "key"), time.Since(start).Round(time.Millisecond))
	return nil
}

// progressLine returns a progress callback that redraws one stderr line, only when the
// percentage changes, so a million callbacks cost a hundred writes.
func progressLine(label string) func(done, total int) {
	last := -1
	return func(done, total int) {
		if total <= 0 {
			return
		}
		pct := done * 100 / total
		if pct == last {
			return
		}
		last = pct
		fmt.Fprintf(os.Stderr, "\r\x1b[K%s: %d of %d (%d%%)", label, done, total, pct)
	}
}

func printVersion(c *cli, args []string) error {
	if _, err := c.parse(c.flags(), args); err != nil {
		return err
	}
	line := "provkeys " + version
	if info, ok := debug.ReadBuildInfo(); ok {
		var rev, dirty string
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision":
				rev = s.Value[:min(12, len(s.Value))]
			case s.Key == "vcs.modified" && s.Value == "true":
				dirty = ", modified"
			}
		}
		if rev != "" {
			line += " (" + rev + dirty + ")"
		}
	}
	fmt.Fprintln(c.out, line)
	return nil
}

// dashboard opens the dashboard on this terminal as the local operator.
func (c *cli) dashboard() error {
	// Bubble Tea on a pipe would garble both ends; say what to use instead.
	if !isTerminal(os.Stdin) || !isTerminal(os.Stdout) {
		return errors.New("the dashboard needs a terminal on standard input and output; for scripts use a command such as 'provkeys keys list' (see provkeys --help)")
	}
	s, err := c.session()
	if err != nil {
		return err
	}
	opts := ui.Options{NativeClipboard: ui.NativeClipboard()}
	if _, err := tea.NewProgram(ui.New(s, s.Actor(), opts)).Run(); err != nil {
		if errors.Is(err, tea.ErrInterrupted) {
			return errors.New("interrupted")
		}
		return fmt.Errorf("dashboard: %w", err)
	}
	return nil
}

// serve runs the SSH server until SIGINT or SIGTERM; SIGHUP re-reads the operators file.
func serve(c *cli, args []string) error {
	fs := c.flags()
	listen := fs.String("listen", sshd.DefaultListen, "the `ADDR` to listen on")
	hostKey := fs.String("host-key", "", "the SSH host key `PATH` (default: ssh_host_ed25519 beside the database; generated on first start)")
	operators := fs.String("operators", "", "the operators file `PATH` (default: operators beside the database)")
	if _, err := c.parse(fs, args); err != nil {
		return err
	}
	if _, err := c.session(); err != nil {
		return err
	}
	dir := filepath.Dir(c.st.Path())
	if *hostKey == "" {
		*hostKey = filepath.Join(dir, "ssh_host_ed25519")
	}
	if *operators == "" {
		*operators = filepath.Join(dir, "operators")
	}
	ctx, stop := c.interruptible()
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	return sshd.Serve(ctx, sshd.Config{
		Listen: *listen, HostKeyPath: *hostKey, OperatorsPath: *operators,
		Open:     func(a model.Actor) ui.Store { return c.st.As(a) },
		Exporter: func(a model.Actor) sshd.KeyExporter { return c.st.As(a) },
		Log:      os.Stderr,
		Reload:   hup,
	})
}
