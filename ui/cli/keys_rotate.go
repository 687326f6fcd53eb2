package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"provkeys/model"
	"provkeys/model/keydoc"
)

// showNewKey prints a key whose secret is shown now, once: as keys add does.
func (e *env) showNewKey(verb string, k model.Key, secret string, asJSON bool) error {
	if asJSON {
		return e.writeJSON(keydoc.New(k, secret).WithState(k, time.Now()))
	}
	fmt.Fprintf(e.out, "%s key %s (%s).\n", verb, model.Sanitize(k.Name), k.Fingerprint)
	if !k.Exportable {
		fmt.Fprintln(e.out, "It is not exportable: this is the only time it is shown.")
	}
	fmt.Fprintln(e.out, secret)
	return nil
}

func keysRotateCmd(e *env) *cobra.Command {
	var yes, asJSON bool
	c := leaf(e, "rotate NAME [--yes] [--json]", "give a key a new secret, every setting kept", takes("NAME"),
		func(e *env, _ *cobra.Command, pos []string) error {
			s, k, err := e.sessionKey(pos[0])
			if err != nil {
				return err
			}
			q := fmt.Sprintf("Rotate key %s? Its current secret (%s) stops working for new enrollments.", k.Name, k.Fingerprint)
			if err := e.confirm("keys rotate", yes, q); err != nil {
				return err
			}
			r, secret, err := s.RotateKey(e.ctx, k.ID, k.Version)
			if err != nil {
				return explain(err, keyObject(k.Name))
			}
			return e.showNewKey("Rotated", r, secret, asJSON)
		})
	c.Flags().BoolVar(&yes, "yes", false, "rotate without asking")
	c.Flags().BoolVar(&asJSON, "json", false, `print the key as JSON, with its new "key"`)
	c.ValidArgsFunction = e.completeKeys
	return c
}

func keysCloneCmd(e *env) *cobra.Command {
	var name string
	var asJSON bool
	c := leaf(e, "clone NAME --name NEW [--json]", "create a key with another's settings and a new secret", takes("NAME"),
		func(e *env, _ *cobra.Command, pos []string) error {
			if name == "" {
				return usagef("keys clone needs --name NEW, the new key's name")
			}
			s, k, err := e.sessionKey(pos[0])
			if err != nil {
				return err
			}
			in := k.Input()
			in.Name = name
			n, secret, err := s.CreateKey(e.ctx, in)
			if err != nil {
				return explain(err, keyObject(name))
			}
			return e.showNewKey("Created", n, secret, asJSON)
		})
	c.Flags().StringVar(&name, "name", "", "the new key's `NAME`")
	c.Flags().BoolVar(&asJSON, "json", false, `print the new key as JSON, with its "key"`)
	c.ValidArgsFunction = e.completeKeys
	return c
}
