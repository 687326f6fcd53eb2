package cli

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"provkeys/model"
	"provkeys/store"
	"provkeys/ui/cli/scriptout"
)

// groups is the machine groups noun: list, add, edit, delete.
func (t *tree) groups() *cobra.Command {
	e := t.e
	return t.group("groups", "manage machine groups",
		groupsListCmd(e), creates(groupsAddCmd(e)), groupsEditCmd(e), groupsDeleteCmd(e))
}

func groupsListCmd(e *env) *cobra.Command {
	return listCmd(e, "list machine groups", listing[model.Group]{
		what: "machine groups", list: store.Session.ListGroups,
		doc:    func(g model.Group) any { return scriptout.NewGroupDoc(g) },
		empty:  "No machine groups; create one with: provkeys groups add NAME",
		header: []string{"NAME", "STATUS", "KEYS", "DESCRIPTION", "UPDATED"},
		cells: func(g model.Group) []string {
			return []string{g.Name, scriptout.GroupStatus(g), strconv.Itoa(g.KeyCount), g.Description, humanTime(g.UpdatedAt)}
		},
	})
}

func groupsAddCmd(e *env) *cobra.Command {
	var in model.GroupInput
	var flagName string
	var disabled bool
	c := leaf(e, "add [NAME] --name N [--description D] [--disabled]", "create a machine group", takes("[NAME]"),
		func(e *env, _ *cobra.Command, pos []string) error {
			name, err := nameArg("groups add", pos, flagName)
			if err != nil {
				return err
			}
			if name == "" {
				return usagef("groups add needs --name; see provkeys groups add --help")
			}
			in.Name, in.Enabled = name, !disabled
			s, err := e.session()
			if err != nil {
				return err
			}
			g, err := s.CreateGroup(e.ctx, in)
			if err != nil {
				return explain(err, groupObject(in.Name))
			}
			fmt.Fprintf(e.out, "Created machine group %s.\n", model.Sanitize(g.Name))
			return nil
		})
	c.Flags().StringVar(&flagName, "name", "", "the group's `NAME`: letters, digits, spaces, . - _ (required, or as the argument)")
	c.Flags().StringVar(&in.Description, "description", "", "a `DESCRIPTION` of the group")
	c.Flags().BoolVar(&disabled, "disabled", false, "create the group disabled")
	c.ValidArgsFunction = noCompletions
	return c
}

func groupsEditCmd(e *env) *cobra.Command {
	var name, desc string
	var enable, disable bool
	c := leaf(e, "edit NAME [--name N] [--description D] [--enable|--disable]", "change a machine group", takes("NAME"),
		func(e *env, c *cobra.Command, pos []string) error {
			set := changed(c)
			if len(set) == 0 {
				return usagef("groups edit: nothing to change; see provkeys groups edit --help")
			}
			enabled, setEnabled, err := enabledFlag(set, enable, disable)
			if err != nil {
				return err
			}
			s, g, err := e.sessionGroup(pos[0])
			if err != nil {
				return err
			}
			in := model.GroupInput{Name: g.Name, Description: g.Description, Enabled: g.Enabled}
			if set["name"] {
				in.Name = name
			}
			if set["description"] {
				in.Description = desc
			}
			if setEnabled {
				in.Enabled = enabled
			}
			updated, err := s.UpdateGroup(e.ctx, g.ID, g.Version, in)
			if err != nil {
				return explain(err, groupObject(in.Name))
			}
			fmt.Fprintf(e.out, "Updated machine group %s.\n", model.Sanitize(updated.Name))
			return nil
		})
	c.Flags().StringVar(&name, "name", "", "rename the group to `NAME`")
	c.Flags().StringVar(&desc, "description", "", "a `DESCRIPTION` of the group")
	c.Flags().BoolVar(&enable, "enable", false, "enable the group")
	c.Flags().BoolVar(&disable, "disable", false, "disable the group")
	c.ValidArgsFunction = e.completeGroups
	return c
}

func groupsDeleteCmd(e *env) *cobra.Command {
	return deleteCmd(e, deletion[model.Group]{
		noun: "groups", what: "machine group", short: "delete a machine group no key uses",
		look: e.group, name: func(g model.Group) string { return g.Name },
		del: func(ctx context.Context, s store.Session, g model.Group) error {
			return s.DeleteGroup(ctx, g.ID, g.Version)
		},
		complete: e.completeGroups,
	})
}
