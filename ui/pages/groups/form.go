package groups

import (
	"context"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/form"
)

// groupValues is what the machine group form fills in.
type groupValues struct {
	name, description string
	enabled           bool
}

// newGroupForm opens the add form (g nil) or the edit form for g.
func newGroupForm(e *ui.Env, g *model.Group, w, h int) (*form.Form, *groupValues) {
	v := &groupValues{enabled: true}
	title := "Add machine group"
	if g != nil {
		// Sanitized: huh draws a value as it is, and the store refuses unsafe text anyway.
		v.name, v.description, v.enabled = model.Sanitize(g.Name), model.Sanitize(g.Description), g.Enabled
		title = "Edit machine group " + model.Sanitize(g.Name)
	}
	f := form.New(e, title, "enter on the last field saves · esc cancels, nothing is saved", "name", w, h,
		func(k *form.Kit) []huh.Field {
			return []huh.Field{
				k.Input("name", "Name", "Letters A–Z, digits, spaces, “.”, “-” and “_”.", &v.name, form.ValidName, 0),
				k.Input("description", "Description", "Optional.", &v.description, form.ValidDescription, 0),
				k.Toggle("enabled", "Status", "", "Enabled", "Disabled", &v.enabled, 0),
			}
		})
	return f, v
}

// input is what the store takes.
func (v *groupValues) input() model.GroupInput {
	return model.GroupInput{Name: v.name, Description: strings.TrimSpace(v.description), Enabled: v.enabled}
}

// groupFormField maps a store validation error's field to the form's.
func groupFormField(field string) string {
	if field == model.FieldDescription {
		return "description"
	}
	return "name"
}

// groupSavedMsg is the result of the machine group form's save; over names whose change an
// overwrite replaced.
type groupSavedMsg struct {
	group model.Group
	edit  bool
	over  string
	err   error
}

// createGroup creates a group.
func createGroup(st ui.Store, in model.GroupInput) tea.Cmd {
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		g, err := st.CreateGroup(ctx, in)
		return groupSavedMsg{group: g, err: err}
	})
}
