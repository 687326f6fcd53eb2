package groups

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/confirm"
	"provkeys/ui/components/form"
	"provkeys/ui/components/listpage"
)

// openForm opens the add form (g nil) or the edit form for g.
func (p *groupsPage) openForm(g *model.Group) tea.Cmd {
	if g != nil {
		cp := *g
		p.editing = &cp
	} else {
		p.editing = nil
	}
	p.Form, p.values = newGroupForm(p.Env, p.editing, p.List.Width, p.List.Height)
	return p.Form.Form.Init()
}

func (p *groupsPage) CloseForm() tea.Cmd {
	if p.conflict != nil {
		return p.keepEditing() // esc in the dialog goes back to the form
	}
	edit := p.editing
	p.Form, p.values, p.editing = nil, nil, nil
	if edit != nil {
		return ui.Statusf("Edit cancelled; machine group %s is unchanged.", model.Sanitize(edit.Name))
	}
	return ui.Statusf("Add machine group cancelled; nothing was saved.")
}

// updateForm feeds the form and saves once its last field is submitted.
func (p *groupsPage) UpdateForm(msg tea.Msg) tea.Cmd {
	if p.conflict != nil {
		return p.conflictKey(msg)
	}
	cmd, done := p.Form.Step(msg)
	if !done {
		return cmd
	}
	in := p.values.input()
	if err := in.Validate(); err != nil {
		id, m, _ := form.StoreFieldErr(err, groupFormField)
		return tea.Batch(cmd, p.Form.Fail(id, m))
	}
	p.Form.Saving = true
	if e := p.editing; e != nil {
		return tea.Batch(cmd, editGroupCmd(p.Env.Store, false, e.ID, e.Version, in, "")) // a newer version opens the conflict dialog
	}
	return tea.Batch(cmd, createGroup(p.Env.Store, in))
}

// saved closes the form after a save, or keeps it open on failure: a field's problem under
// the field, anything else in the status line.
func (p *groupsPage) saved(msg groupSavedMsg) tea.Cmd {
	if p.Form == nil || !p.Form.Saving {
		return nil
	}
	p.conflict = nil
	if msg.err != nil {
		if id, m, ok := form.StoreFieldErr(msg.err, groupFormField); ok {
			return p.Form.Fail(id, m)
		}
		doing := "create machine group " + model.Sanitize(p.values.name)
		if msg.edit {
			doing = "save machine group " + ui.ClipText(p.editing.Name, ui.ClipName)
		}
		if msg.over != "" {
			doing += " over " + msg.over + "'s change"
		}
		var reload tea.Cmd
		if errors.Is(msg.err, model.ErrConflict) || errors.Is(msg.err, model.ErrNotFound) || errors.Is(msg.err, model.ErrInUse) {
			reload = p.Reload()
		}
		return tea.Batch(ui.Failed(doing, msg.err), p.Form.Reopen(), reload)
	}
	p.Form, p.values, p.editing = nil, nil, nil
	p.List.CursorID = msg.group.ID // the reload puts the cursor on it
	name := ui.ClipText(msg.group.Name, ui.ClipName)
	switch {
	case msg.over != "":
		return tea.Batch(ui.Okf("Machine group %s saved over %s's change.", name, msg.over), p.Reload())
	case msg.edit:
		return tea.Batch(ui.Okf("Saved machine group %s.", name), p.Reload())
	}
	return tea.Batch(ui.Okf("Created machine group %s.", name), p.Reload())
}

// toggle enables a disabled group or disables an enabled one.
func (p *groupsPage) toggle() tea.Cmd {
	r, ok := p.List.Current()
	if !ok {
		return nil
	}
	st, id, version, name := p.Env.Store, r.g.ID, r.g.Version, r.name
	in := groupInput(r.g)
	in.Enabled = !in.Enabled
	verb := "disabled"
	if in.Enabled {
		verb = "enabled"
	}
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		_, err := st.UpdateGroup(ctx, id, version, in)
		return listpage.ChangedMsg{Page: groupsPageID, Verb: verb, Name: name, Err: err}
	})
}

// askDelete asks before deleting the group under the cursor.
func (p *groupsPage) askDelete() tea.Cmd {
	r, ok := p.List.Current()
	switch {
	case !ok:
		return nil
	case r.g.KeyCount > 0:
		return p.RowStatus(ui.StatusErr, ui.InUseBeforeText("machine group "+r.name, r.g.KeyCount))
	}
	st, id, version, name := p.Env.Store, r.g.ID, r.g.Version, r.name
	p.Ask = confirm.New(fmt.Sprintf("Delete machine group %s?", name), func() tea.Cmd {
		return ui.WithStore(func(ctx context.Context) tea.Msg {
			return listpage.ChangedMsg{Page: groupsPageID, Verb: "deleted", Name: name, Err: st.DeleteGroup(ctx, id, version)}
		})
	}, func() tea.Cmd { return p.RowStatus(ui.StatusInfo, "Kept machine group "+name+".") })
	return nil
}

// showKeys opens the Keys view on the keys in the group under the cursor (K).
func (p *groupsPage) showKeys() tea.Cmd {
	r, ok := p.List.Current()
	switch {
	case !ok:
		return nil
	case r.g.KeyCount == 0:
		return ui.Statusf("No keys use machine group %s.", r.name)
	}
	return ui.OpenKeysWith("group", r.g.Name)
}
