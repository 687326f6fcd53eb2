package cli

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"provkeys/keyformat"
	"provkeys/model"
	"provkeys/model/keydoc"
)

// keys is the keys noun: list, show, add, edit, enable, disable, delete, export, import,
// rotate, clone.
func (t *tree) keys() *cobra.Command {
	e := t.e
	return t.group("keys", "manage provisioning keys",
		keysListCmd(e), keysShowCmd(e), creates(keysAddCmd(e)), keysEditCmd(e),
		keysSetEnabledCmd(e, true), keysSetEnabledCmd(e, false), keysDeleteCmd(e),
		keysExportCmd(e), creates(keysImportCmd(e)), keysRotateCmd(e), keysCloneCmd(e), keysCopyCmd(e))
}

func keysListCmd(e *env) *cobra.Command {
	var expr, columns string
	var asJSON bool
	c := leaf(e, "list [--filter EXPR] [--columns name,expires,…] [--json]", "list keys, optionally filtered", takes(),
		func(e *env, _ *cobra.Command, _ []string) error {
			filter, err := model.ParseFilter(expr)
			if err != nil {
				return usagef("%v", err)
			}
			cols, err := parseKeyColumns(columns)
			if err != nil {
				return err
			}
			s, err := e.session()
			if err != nil {
				return err
			}
			keys, err := s.ListKeys(e.ctx)
			if err != nil {
				return explain(err, "keys")
			}
			now := time.Now()
			keys = slices.DeleteFunc(keys, func(k model.Key) bool { return !filter.Match(k, now) })
			if err := withMachineCounts(cols, func() (map[int64]int, error) { return s.ActiveMachineCounts(e.ctx) }); err != nil {
				return explain(err, "machines")
			}
			if asJSON {
				return e.writeKeyDocs(keys, now)
			}
			if len(keys) == 0 {
				if expr != "" {
					fmt.Fprintln(e.out, "No keys match the filter.")
				} else {
					fmt.Fprintln(e.out, "No keys; create one with: provkeys keys add NAME --group GROUP")
				}
				return nil
			}
			tw := e.newTable()
			cells := make([]string, len(cols))
			for i, c := range cols {
				cells[i] = c.header
			}
			row(tw, cells...)
			for _, k := range keys {
				for i, c := range cols {
					cells[i] = c.value(k, now)
				}
				row(tw, cells...)
			}
			return tw.Flush()
		})
	c.Flags().StringVar(&expr, "filter", "", "show only keys matching `EXPR`, e.g. 'group:Servers status:disabled'")
	c.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	c.Flags().StringVar(&columns, "columns", defaultKeyColumns, "the `COLUMNS` to show, in order: name, groups, status, description, cert, expires, created, created-by, updated, updated-by, fingerprint, usage, machines, id")
	return c
}

// usage is a key's usage count against its limit: "3/10", or "3" when unlimited.
func usage(k model.Key) string {
	if k.MaxUsage == 0 {
		return strconv.FormatInt(k.UsageCount, 10)
	}
	return fmt.Sprintf("%d/%d", k.UsageCount, k.MaxUsage)
}

func keysShowCmd(e *env) *cobra.Command {
	var reveal, asJSON bool
	c := leaf(e, "show NAME [--reveal] [--json]", "show every field of a key", takes("NAME"),
		func(e *env, _ *cobra.Command, pos []string) error {
			s, k, err := e.sessionKey(pos[0])
			if err != nil {
				return err
			}
			var secret string
			if reveal {
				if secret, err = s.RevealKey(e.ctx, k.ID); err != nil {
					return e.explainRelease(err, k.Name)
				}
			}
			if asJSON {
				return e.writeJSON(keydoc.New(k, secret).WithState(k, time.Now()))
			}
			return e.showKey(k, secret)
		})
	c.Flags().BoolVar(&reveal, "reveal", false, "show the key itself (recorded in the audit log)")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.ValidArgsFunction = e.completeKeys
	return c
}

// showKey prints every field of k as a two-column table; secret is the released material.
func (e *env) showKey(k model.Key, secret string) error {
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
	tw := e.newTable()
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

func keysAddCmd(e *env) *cobra.Command {
	var (
		in                      model.KeyInput
		groups                  []string
		disabled, noExport      bool
		expires, secret, flagNm string
		asJSON                  bool
	)
	c := leaf(e, "add [NAME] --name N --group G [--group G2] [--cert C] [--disabled] [--reenroll] [--no-export] [--cloud HOST] [--description D] [--max-usage N] [--expires DURATION|DATE] [--key KEY] [--json]",
		"create a key and print it once", takes("[NAME]"),
		func(e *env, _ *cobra.Command, pos []string) error {
			name, err := nameArg("keys add", pos, flagNm)
			if err != nil {
				return err
			}
			switch {
			case name == "":
				return usagef("keys add needs --name; see provkeys keys add --help")
			case len(groups) == 0:
				return usagef("keys add needs at least one --group; see provkeys keys add --help")
			case in.MaxUsage < 0:
				return usagef("--max-usage must be 0 (unlimited) or more")
			}
			in.Name, in.Groups, in.Enabled, in.Exportable = name, groups, !disabled, !noExport
			if in.ExpiresAt, err = parseExpires(expires, time.Now()); err != nil {
				return err
			}
			// The store validates the key (KeyInput.Validate names part and position, never the
			// key); parsing here only collects the warnings a valid but unusual key deserves.
			if secret == "-" {
				// The key on standard input (or typed without echo) never sits in the process
				// list, where another user could read it.
				if secret, err = e.argOrStdin("-"); err != nil {
					return err
				}
				if strings.TrimSpace(secret) == "" {
					return errors.New("--key -: standard input held no key")
				}
			}
			in.Secret = secret
			var warnings []string
			if pk, err := keyformat.Parse(secret); err == nil {
				warnings = pk.Warnings
			}
			s, err := e.session()
			if err != nil {
				return err
			}
			if err := e.checkGroups(s, groups); err != nil {
				return err
			}
			if in.Cert, err = e.certName(s, in.Cert); err != nil {
				return err
			}
			k, key, err := s.CreateKey(e.ctx, in)
			if err != nil {
				return explain(err, keyObject(in.Name))
			}
			for _, w := range warnings {
				e.warn(w)
			}
			if asJSON {
				return e.writeJSON(keydoc.New(k, key).WithState(k, time.Now()))
			}
			fmt.Fprintf(e.out, "Created key %s (%s).\n", model.Sanitize(k.Name), k.Fingerprint)
			if !k.Exportable {
				fmt.Fprintln(e.out, "It is not exportable: this is the only time it is shown.")
			}
			fmt.Fprintln(e.out, key)
			return nil
		})
	f := c.Flags()
	f.StringVar(&flagNm, "name", "", "the key's `NAME`: letters, digits, spaces, . - _ (required, or as the argument)")
	f.StringArrayVar(&groups, "group", nil, "a machine `GROUP` the key belongs to; repeat for several (required)")
	f.StringVar(&in.Cert, "cert", "", "signing certificate `NAME` (default: Client, else the first)")
	f.BoolVar(&disabled, "disabled", false, "create the key disabled")
	f.BoolVar(&in.AllowReenroll, "reenroll", false, "allow re-enrollment")
	f.BoolVar(&noExport, "no-export", false, "never allow viewing or exporting the key after this command")
	f.StringVar(&in.Cloud, "cloud", "", "enrollment API `HOST` (default "+keyformat.DefaultHost+")")
	f.StringVar(&in.Description, "description", "", "a `DESCRIPTION` of the key")
	f.Int64Var(&in.MaxUsage, "max-usage", 0, "how many enrollments the key allows, `N` (0: unlimited)")
	f.StringVar(&expires, "expires", "", "expiry: a `DURATION` (720h, 30d) or a DATE (2026-12-31, RFC 3339); default never")
	f.StringVar(&secret, "key", "", "store this existing `KEY` instead of generating one; - reads it from standard input (typed without echo on a terminal), out of the process list")
	f.BoolVar(&asJSON, "json", false, `print the new key as JSON, with its "key"`)
	e.completeFlag(c, "group", e.completeGroups)
	e.completeFlag(c, "cert", e.completeCerts)
	return c
}

// parseExpires reads --expires ("" and "never" give the zero time); a bad value is bad usage.
func parseExpires(s string, now time.Time) (time.Time, error) {
	t, err := model.ParseExpiry(s, now)
	if err != nil {
		return time.Time{}, usagef("%v", err)
	}
	return t, nil
}

func keysEditCmd(e *env) *cobra.Command {
	var (
		name, cert, desc, expires           string
		groups                              []string
		enable, disable, reenroll, noExport bool
		maxUsage                            int64
	)
	c := leaf(e, "edit NAME [--name N] [--group G]... [--cert C] [--enable|--disable] [--reenroll=true|false] [--no-export] [--description D] [--max-usage N] [--expires DURATION|DATE|never]",
		"change the given fields of a key", takes("NAME"),
		func(e *env, c *cobra.Command, pos []string) error {
			set := changed(c)
			if len(set) == 0 {
				return usagef("keys edit: nothing to change; see provkeys keys edit --help")
			}
			enabled, setEnabled, err := enabledFlag(set, enable, disable)
			if err != nil {
				return err
			}
			if maxUsage < 0 {
				return usagef("--max-usage must be 0 (unlimited) or more")
			}
			expiresAt, err := parseExpires(expires, time.Now())
			if err != nil {
				return err
			}
			s, k, err := e.sessionKey(pos[0])
			if err != nil {
				return err
			}
			in := k.Input()
			if set["name"] {
				in.Name = name
			}
			if set["group"] {
				if err := e.checkGroups(s, groups); err != nil {
					return err
				}
				in.Groups = groups
			}
			if set["cert"] {
				if in.Cert, err = e.certName(s, cert); err != nil {
					return err
				}
			}
			if setEnabled {
				in.Enabled = enabled
			}
			if set["reenroll"] {
				in.AllowReenroll = reenroll
			}
			if noExport {
				in.Exportable = false
			}
			if set["description"] {
				in.Description = desc
			}
			if set["max-usage"] {
				in.MaxUsage = maxUsage
			}
			if set["expires"] {
				in.ExpiresAt = expiresAt
			}
			updated, err := s.UpdateKey(e.ctx, k.ID, k.Version, in)
			if err != nil {
				// A duplicate on edit can only be the new name.
				return explain(err, keyObject(in.Name))
			}
			fmt.Fprintf(e.out, "Updated key %s.\n", model.Sanitize(updated.Name))
			if k.Exportable && !updated.Exportable {
				// Say precisely what is gone: the row at once, the files' old copies only
				// once no reader holds an older snapshot.
				if err := s.Scrub(e.ctx); err != nil {
					e.warn(fmt.Sprintf("key %q can never be viewed or exported again; its key material is erased from the store, but %v", updated.Name, err))
				} else {
					e.warn(fmt.Sprintf("key %q can never be viewed or exported again; its key material is erased, also from the database and WAL files.", updated.Name))
				}
			}
			return nil
		})
	f := c.Flags()
	f.StringVar(&name, "name", "", "rename the key to `NAME`")
	f.StringArrayVar(&groups, "group", nil, "replace the machine groups with `GROUP`; repeat for several")
	f.StringVar(&cert, "cert", "", "signing certificate `NAME`")
	f.BoolVar(&enable, "enable", false, "enable the key")
	f.BoolVar(&disable, "disable", false, "disable the key")
	f.BoolVar(&reenroll, "reenroll", false, "allow re-enrollment (--reenroll=false forbids it)")
	f.BoolVar(&noExport, "no-export", false, "turn View/Export off for good: the key material is erased")
	f.StringVar(&desc, "description", "", "a `DESCRIPTION` of the key")
	f.Int64Var(&maxUsage, "max-usage", 0, "how many enrollments the key allows, `N` (0: unlimited)")
	f.StringVar(&expires, "expires", "", "expiry: a `DURATION` (720h, 30d), a DATE (2026-12-31, RFC 3339) or never")
	c.ValidArgsFunction = e.completeKeys
	e.completeFlag(c, "group", e.completeGroups)
	e.completeFlag(c, "cert", e.completeCerts)
	return c
}

// keysSetEnabledCmd is `keys enable` or `keys disable`.
func keysSetEnabledCmd(e *env, enabled bool) *cobra.Command {
	word := strings.ToLower(model.Key{Enabled: enabled}.Status())
	verb := strings.TrimSuffix(word, "d")
	var expr string
	var yes bool
	c := leaf(e, verb+" NAME | --filter EXPR [--yes]", verb+" a key, or every key a filter matches", takes("[NAME]"),
		func(e *env, _ *cobra.Command, pos []string) error {
			if err := oneOrFilter(pos, expr); err != nil {
				return err
			}
			if expr != "" {
				b := bulk{cmd: "keys " + verb, verb: strings.ToUpper(verb[:1]) + verb[1:], done: strings.ToUpper(word[:1]) + word[1:]}
				return b.run(e, expr, yes, setEnabledAction(enabled, word))
			}
			s, k, err := e.sessionKey(pos[0])
			if err != nil {
				return err
			}
			// An operation that changes nothing is not worth an audit row.
			if k.Enabled == enabled {
				fmt.Fprintf(e.out, "Key %s is already %s.\n", model.Sanitize(k.Name), word)
				return nil
			}
			if _, err := s.SetKeyEnabled(e.ctx, k.ID, k.Version, enabled); err != nil {
				return explain(err, keyObject(k.Name))
			}
			fmt.Fprintf(e.out, "Key %s is now %s.\n", model.Sanitize(k.Name), word)
			return nil
		})
	c.Flags().StringVar(&expr, "filter", "", verb+" every key matching `EXPR`, after asking once")
	c.Flags().BoolVar(&yes, "yes", false, "with --filter: "+verb+" without asking")
	c.ValidArgsFunction = e.completeKeys
	return c
}

func keysDeleteCmd(e *env) *cobra.Command {
	var expr string
	var yes bool
	c := leaf(e, "delete NAME | --filter EXPR [--yes]", "delete a key, or every key a filter matches", takes("[NAME]"),
		func(e *env, _ *cobra.Command, pos []string) error {
			if err := oneOrFilter(pos, expr); err != nil {
				return err
			}
			if expr != "" {
				return bulk{cmd: "keys delete", verb: "Delete", done: "Deleted", revokes: true}.run(e, expr, yes, deleteAction)
			}
			s, k, err := e.sessionKey(pos[0])
			if err != nil {
				return err
			}
			n, err := s.ActiveMachineCount(e.ctx, k.ID)
			if err != nil {
				return explain(err, keyObject(k.Name))
			}
			q := "Delete key " + k.Name + "?"
			if n > 0 {
				q = fmt.Sprintf("Delete key %s and revoke the %s enrolled with it?", k.Name, plural(n, "active machine"))
			}
			if err := e.confirm("keys delete", yes, q); err != nil {
				return err
			}
			if err := s.DeleteKey(e.ctx, k.ID, k.Version); err != nil {
				return explain(err, keyObject(k.Name))
			}
			if n > 0 {
				fmt.Fprintf(e.out, "Deleted key %s and revoked %s.\n", model.Sanitize(k.Name), plural(n, "machine"))
				return nil
			}
			fmt.Fprintf(e.out, "Deleted key %s.\n", model.Sanitize(k.Name))
			return nil
		})
	c.Flags().StringVar(&expr, "filter", "", "delete every key matching `EXPR`, after asking once")
	c.Flags().BoolVar(&yes, "yes", false, "delete without asking")
	c.ValidArgsFunction = e.completeKeys
	return c
}
