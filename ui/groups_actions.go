package ui

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui/components/confirm"
)

// openForm opens the add form (g nil) or the edit form for g.
func (p *groupsPage) openForm(g *model.Group) tea.Cmd {
	if g != nil {
		cp := *g
		p.editing = &cp
	} else {
		p.editing = nil
	}
	p.form, p.values = newGroupForm(p.env, p.editing, p.list.width, p.list.height)
	return p.form.form.Init()
}

func (p *groupsPage) closeForm() tea.Cmd {
	edit := p.editing
	p.form, p.values, p.editing = nil, nil, nil
	if edit != nil {
		return statusf("Edit cancelled; machine group %s is unchanged.", model.Sanitize(edit.Name))
	}
	return statusf("Add machine group cancelled; nothing was saved.")
}

// updateForm feeds the form and saves once its last field is submitted.
func (p *groupsPage) updateForm(msg tea.Msg) tea.Cmd {
	cmd, done := p.form.step(msg)
	if !done {
		return cmd
	}
	in := p.values.input()
	if err := in.Validate(); err != nil {
		id, m, _ := storeFieldErr(err, groupFormField)
		return tea.Batch(cmd, p.form.fail(id, m))
	}
	p.form.saving = true
	var id, version int64
	if p.editing != nil {
		id, version = p.editing.ID, p.editing.Version
	}
	return tea.Batch(cmd, saveGroup(p.env.store, p.editing != nil, id, version, in))
}

// saved closes the form after a save, or keeps it open on failure: a field's problem under
// the field, anything else in the status line.
func (p *groupsPage) saved(msg groupSavedMsg) tea.Cmd {
	if p.form == nil || !p.form.saving {
		return nil
	}
	if msg.err != nil {
		if id, m, ok := storeFieldErr(msg.err, groupFormField); ok {
			return p.form.fail(id, m)
		}
		doing := "create machine group " + model.Sanitize(p.values.name)
		if msg.edit {
			doing = "save machine group " + clipText(p.editing.Name, clipName)
		}
		var reload tea.Cmd
		if errors.Is(msg.err, model.ErrConflict) || errors.Is(msg.err, model.ErrNotFound) || errors.Is(msg.err, model.ErrInUse) {
			reload = p.reload()
		}
		return tea.Batch(failed(doing, msg.err), p.form.reopen(), reload)
	}
	p.form, p.values, p.editing = nil, nil, nil
	p.list.cursorID = msg.group.ID // the reload puts the cursor on it
	verb := "Created"
	if msg.edit {
		verb = "Saved"
	}
	return tea.Batch(okf("%s machine group %s.", verb, clipText(msg.group.Name, clipName)), p.reload())
}

// toggle enables a disabled group or disables an enabled one.
func (p *groupsPage) toggle() tea.Cmd {
	r, ok := p.list.current()
	if !ok {
		return nil
	}
	g := &r.g
	st, id, version, name := p.env.store, g.ID, g.Version, r.name
	in := model.GroupInput{Name: g.Name, Description: g.Description, Enabled: !g.Enabled}
	verb := "disabled"
	if in.Enabled {
		verb = "enabled"
	}
	return withStore(func(ctx context.Context) tea.Msg {
		_, err := st.UpdateGroup(ctx, id, version, in)
		return objectChangedMsg{page: groupsPageID, verb: verb, name: name, err: err}
	})
}

// askDelete asks before deleting the group under the cursor.
func (p *groupsPage) askDelete() tea.Cmd {
	r, ok := p.list.current()
	if !ok {
		return nil
	}
	g := &r.g
	st, id, version, name := p.env.store, g.ID, g.Version, r.name
	text := fmt.Sprintf("Delete machine group %s?", name)
	if g.KeyCount > 0 {
		text = fmt.Sprintf("Delete machine group %s (%d key(s) use it)?", name, g.KeyCount)
	}
	p.ask = confirm.New(text, func() tea.Cmd {
		return withStore(func(ctx context.Context) tea.Msg {
			return objectChangedMsg{page: groupsPageID, verb: "deleted", name: name, err: st.DeleteGroup(ctx, id, version)}
		})
	}, func() tea.Cmd { return statusf("Kept machine group %s.", name) })
	return nil
}
