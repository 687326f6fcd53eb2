package groups

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/conflict"
	"provkeys/ui/theme"
)

// groupConflict is the conflict dialog over the edit form whose save met a newer version of
// the group: theirs is that version, in what the operator asked to save.
type groupConflict struct {
	*conflict.Dialog
	theirs model.Group
	in     model.GroupInput
}

// groupConflictMsg is an edit's save (or overwrite) refused because the group is newer in
// the store: err is the conflict, theirs the group as it is now.
type groupConflictMsg struct {
	in     model.GroupInput
	theirs model.Group
	err    error
}

// groupFields are the edit form's fields, top to bottom; names compare without case, as the
// store compares them.
var groupFields = []conflict.Field[model.GroupInput]{
	{ID: "name", Label: "Name", Value: func(in model.GroupInput) string { return strings.ToLower(in.Name) },
		Show: func(in model.GroupInput) string { return ui.OrDash(model.Sanitize(in.Name)) }},
	{ID: "description", Label: "Description", Value: func(in model.GroupInput) string { return in.Description },
		Show: func(in model.GroupInput) string { return ui.OrDash(model.Sanitize(in.Description)) }},
	{ID: "enabled", Label: "Status", Value: func(in model.GroupInput) string { return strconv.FormatBool(in.Enabled) },
		Show: func(in model.GroupInput) string { return groupStatus(in.Enabled) }},
}

// groupInput is what the form would save for g as it is.
func groupInput(g model.Group) model.GroupInput {
	return model.GroupInput{Name: g.Name, Description: g.Description, Enabled: g.Enabled}
}

// editGroupCmd saves in over group id at version: an update, or with overwrite the
// dialog's overwrite (version is then the one it showed). On a conflict it reads the group as
// it is now in the same command, so the dialog opens with what changed at once; over names
// whose change an overwrite replaced.
func editGroupCmd(st ui.Store, overwrite bool, id, version int64, in model.GroupInput, over string) tea.Cmd {
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		save := st.UpdateGroup
		if overwrite {
			save = st.OverwriteGroup
		}
		g, err := save(ctx, id, version, in)
		if !errors.Is(err, model.ErrConflict) {
			return groupSavedMsg{group: g, edit: true, over: over, err: err}
		}
		gs, lerr := st.ListGroups(ctx)
		for _, theirs := range gs {
			if theirs.ID == id && lerr == nil {
				return groupConflictMsg{in: in, theirs: theirs, err: err}
			}
		}
		if lerr == nil {
			err = model.ErrNotFound // deleted meanwhile: nothing to compare
		}
		return groupSavedMsg{edit: true, over: over, err: err}
	})
}

// openConflict puts the dialog over the edit form whose save was refused.
func (p *groupsPage) openConflict(msg groupConflictMsg) tea.Cmd {
	if p.Form == nil || p.editing == nil || p.editing.ID != msg.theirs.ID {
		return nil // the form is gone; nothing waits for this answer
	}
	p.Form.Saving = false
	e := p.editing
	p.conflict = &groupConflict{theirs: msg.theirs, in: msg.in,
		Dialog: conflict.New(p.Env, "machine group", e.Name, groupFields, groupInput(*e), groupInput(msg.theirs),
			msg.in, msg.theirs.UpdatedBy, msg.theirs.UpdatedAt, msg.err)}
	return p.conflict.Opened()
}

// conflictKey handles a key while the dialog is open.
func (p *groupsPage) conflictKey(msg tea.Msg) tea.Cmd {
	c := p.conflict
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch c.Key(k) {
	case conflict.Reload:
		// Start again from the version the dialog showed; the input is dropped.
		theirs, by := c.theirs, c.By
		p.conflict = nil
		opened := p.openForm(&theirs)
		return tea.Batch(opened, ui.Statusf("Reloaded machine group %s as %s left it; your changes were discarded.",
			model.Sanitize(theirs.Name), by))
	case conflict.Overwrite:
		p.Form.Saving = true
		return editGroupCmd(p.Env.Store, true, c.theirs.ID, c.theirs.Version, c.in, c.By)
	case conflict.Cancel:
		return p.keepEditing()
	}
	return nil
}

// keepEditing closes the dialog and puts the operator back in the form with every value as
// typed, on the first field both of them changed. The form still starts from the old
// version, so saving again opens the dialog again if the group is still newer.
func (p *groupsPage) keepEditing() tea.Cmd {
	c := p.conflict
	p.conflict = nil
	return tea.Batch(p.Form.Reopen(), p.Form.JumpTo(c.FirstClash("name")),
		ui.Statusf("Still editing machine group %s; your input is kept.", c.Name))
}

// View draws the dialog while it is open, else the list page.
func (p *groupsPage) View(width, height int) string {
	if p.conflict != nil && width > 0 && height > 0 {
		return theme.FitBlock(p.conflict.View(width, height, &p.Env.Styles), width, height)
	}
	return p.Page.View(width, height)
}

// ShortHelp is the dialog's choices while it is open.
func (p *groupsPage) ShortHelp() []key.Binding {
	if p.conflict != nil {
		return p.conflict.Help()
	}
	return p.Page.ShortHelp()
}

// FullHelp is the dialog's choices while it is open.
func (p *groupsPage) FullHelp() [][]key.Binding {
	if p.conflict != nil {
		return [][]key.Binding{p.conflict.Help()}
	}
	return p.Page.FullHelp()
}
