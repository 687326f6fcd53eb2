package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"provkeys/keyformat"
	"provkeys/model"
	"provkeys/ui/cli/scriptout"
)

// decodeCmd needs no store: it only reads the key, so it never creates or opens a database.
func decodeCmd(e *env) *cobra.Command {
	var asJSON bool
	c := leaf(e, "decode KEY|- [--json]", "show a key's version, host, payload size and fingerprint", takes("KEY|-"),
		func(e *env, _ *cobra.Command, pos []string) error {
			k, err := e.secretArg(pos[0])
			if err != nil {
				return err
			}
			d := scriptout.NewDecodeDoc(k)
			if asJSON {
				return e.writeJSON(d)
			}
			tw := e.newTable()
			row(tw, "Version:", string(d.Version))
			row(tw, "Host:", d.Host)
			row(tw, "Payload:", fmt.Sprintf("%d bytes", d.PayloadBytes))
			row(tw, "Fingerprint:", d.Fingerprint)
			for _, w := range d.Warnings {
				row(tw, "Warning:", w)
			}
			return tw.Flush()
		})
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.ValidArgsFunction = noCompletions
	return c
}

func verifyCmd(e *env) *cobra.Command {
	c := leaf(e, "verify KEY|-", "succeed if the key is known, enabled, unexpired and not exhausted", takes("KEY|-"),
		func(e *env, _ *cobra.Command, pos []string) error {
			k, err := e.secretArg(pos[0])
			if err != nil {
				return err
			}
			s, err := e.session()
			if err != nil {
				return err
			}
			found, err := s.VerifyKey(e.ctx, keyformat.Format(k))
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
			fmt.Fprintf(e.out, "valid: %s\n", name)
			return nil
		})
	c.ValidArgsFunction = noCompletions
	return c
}
