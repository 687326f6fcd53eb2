package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"provkeys/model"
	"provkeys/store"
	"provkeys/ui/cli/scriptout"
)

// machines is the enrolled machines noun: list, show, revoke.
func (t *tree) machines() *cobra.Command {
	e := t.e
	return t.group("machines", "list and revoke the machines that enrolled", machinesListCmd(e), machinesShowCmd(e), machinesRevokeCmd(e))
}

// machineStatus is "active" or "revoked DATE".
func machineStatus(m model.Machine) string {
	if m.Active() {
		return "active"
	}
	return "revoked " + humanTime(m.RevokedAt)
}

func machinesListCmd(e *env) *cobra.Command {
	var asJSON, activeOnly bool
	var keyName string
	c := leaf(e, "list [--key NAME] [--active] [--json]", "list enrolled machines, newest first", takes(),
		func(e *env, _ *cobra.Command, _ []string) error {
			s, err := e.session()
			if err != nil {
				return err
			}
			var keyID int64
			if keyName != "" {
				k, err := e.key(s, keyName)
				if err != nil {
					return err
				}
				keyID = k.ID
			}
			ms, err := s.ListMachines(e.ctx, keyID)
			if err != nil {
				return explain(err, "machines")
			}
			if activeOnly {
				ms = filterActive(ms)
			}
			if asJSON {
				return e.writeJSONArray(len(ms), func(i int) any { return scriptout.NewMachineDoc(ms[i]) })
			}
			if len(ms) == 0 {
				fmt.Fprintln(e.out, "No machines have enrolled; see 'Enrolling machines' in the README.")
				return nil
			}
			tw := e.newTable()
			row(tw, "NAME", "KEY", "GROUPS", "ENROLLED", "EXPIRES", "STATUS", "FROM")
			for _, m := range ms {
				row(tw, m.Name, m.KeyName, strings.Join(m.Groups, ","), humanTime(m.EnrolledAt), humanTime(m.NotAfter), machineStatus(m), m.Remote)
			}
			return tw.Flush()
		})
	c.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	c.Flags().BoolVar(&activeOnly, "active", false, "only machines whose certificate is not revoked")
	c.Flags().StringVar(&keyName, "key", "", "only the machines enrolled with key `NAME`")
	e.completeFlag(c, "key", e.completeKeys)
	return c
}

func filterActive(ms []model.Machine) []model.Machine {
	out := ms[:0:0]
	for _, m := range ms {
		if m.Active() {
			out = append(out, m)
		}
	}
	return out
}

// machine finds a machine by name: the active enrollment, else the newest.
func (e *env) machine(s store.Session, name string) (model.Machine, error) {
	m, err := s.MachineByName(e.ctx, name)
	if errors.Is(err, model.ErrNotFound) {
		return m, fmt.Errorf("%s has not enrolled; see: provkeys machines list", machineObject(name))
	}
	return m, explain(err, machineObject(name))
}

func machinesShowCmd(e *env) *cobra.Command {
	var asJSON bool
	c := leaf(e, "show NAME [--json]", "show one machine: its key, certificate and status", takes("NAME"),
		func(e *env, _ *cobra.Command, pos []string) error {
			_, m, err := sessionLookup(e, pos[0], e.machine)
			if err != nil {
				return err
			}
			if asJSON {
				return e.writeJSON(scriptout.NewMachineDoc(m))
			}
			tw := e.newTable()
			row(tw, "Name:", m.Name)
			row(tw, "Key:", m.KeyName)
			row(tw, "Groups:", strings.Join(m.Groups, ", "))
			row(tw, "Signed by:", m.CertName)
			row(tw, "Serial:", m.Serial)
			row(tw, "Enrolled:", humanTime(m.EnrolledAt))
			row(tw, "Expires:", humanTime(m.NotAfter))
			row(tw, "From:", m.Remote)
			row(tw, "Status:", machineStatus(m))
			return tw.Flush()
		})
	c.Flags().BoolVar(&asJSON, "json", false, "print a JSON object")
	c.ValidArgsFunction = e.completeMachines
	return c
}

func machinesRevokeCmd(e *env) *cobra.Command {
	var yes bool
	c := leaf(e, "revoke NAME [--yes]", "revoke a machine's certificate (its serial goes on the CA's revocation list)", takes("NAME"),
		func(e *env, _ *cobra.Command, pos []string) error {
			s, m, err := sessionLookup(e, pos[0], e.machine)
			if err != nil {
				return err
			}
			if !m.Active() {
				return fmt.Errorf("%s is already revoked (serial %s, %s)", machineObject(m.Name), m.Serial, humanTime(m.RevokedAt))
			}
			q := fmt.Sprintf("Revoke machine %s (key %s, serial %s)?", m.Name, m.KeyName, m.Serial)
			if err := e.confirm("machines revoke", yes, q); err != nil {
				return err
			}
			m, err = s.RevokeMachine(e.ctx, m.ID)
			if err != nil {
				return explain(err, machineObject(pos[0]))
			}
			fmt.Fprintf(e.out, "Revoked machine %s; serial %s is on the revocation list of %s.\n",
				model.Sanitize(m.Name), m.Serial, model.Sanitize(m.CertName))
			return nil
		})
	c.Flags().BoolVar(&yes, "yes", false, "revoke without asking")
	c.ValidArgsFunction = e.completeMachines
	return c
}
