package keyform

import (
	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/conflict"
	"provkeys/ui/theme"
)

// The conflict dialog (ui/components/conflict) over the edit form when its save meets a
// newer version of the key, as an overlay on the form, which keeps every value typed
// underneath it. This adds what is the key's own: its fields and what an overwrite saves;
// the page runs the commands (ConflictHooks).

// Conflict is the open dialog with the three versions it compares.
type Conflict struct {
	*conflict.Dialog
	sty    *theme.Styles
	h      ConflictHooks
	base   model.Key      // the version the form started from
	theirs model.Key      // the version the store has now
	in     model.KeyInput // what the operator asked to save, exactly
}

// ConflictHooks are the dialog's commands, which the page runs.
type ConflictHooks struct {
	// Reload reads the key again and opens the form on it, dropping the input.
	Reload func() tea.Cmd
	// Overwrite saves in over the version the dialog shows, made by over.
	Overwrite func(in model.KeyInput, over string) tea.Cmd
	// KeepEditing closes the dialog onto the form, focus on field id (Form.Reopen).
	KeepEditing func(id string) tea.Cmd
}

// NewConflict compares the version the form started from (base), the one in the store
// (theirs) and the operator's input. err is the store's conflict: it names who and when if
// theirs doesn't.
func NewConflict(e *ui.Env, h ConflictHooks, base, theirs model.Key, in model.KeyInput, err error) *Conflict {
	c := &Conflict{sty: &e.Styles, h: h, base: base, theirs: theirs, in: in}
	c.Dialog = conflict.New(e, "key", base.Name, ConflictFields(e.Now()), base.Input(), theirs.Input(),
		c.overwriteInput(), theirs.UpdatedBy, theirs.UpdatedAt, err)
	return c
}

// overwriteInput is what "overwrite" saves: the operator's input, except that View/Export
// stays off when they turned it off, since the key material is erased for good and the store
// refuses to turn it back on (the dialog shows "off" as the operator's value then).
func (c *Conflict) overwriteInput() model.KeyInput {
	in := c.in
	in.Exportable = in.Exportable && c.theirs.Exportable
	return in
}

// View draws the dialog in place of the form.
func (c *Conflict) View(width, height int) string {
	return c.Dialog.View(width, height, c.sty)
}

// Update handles a key while the dialog is open.
func (c *Conflict) Update(m tea.Msg) (bool, tea.Cmd) {
	msg, isKey := m.(tea.KeyPressMsg)
	if !isKey {
		return false, nil
	}
	switch c.Key(msg) {
	case conflict.Reload:
		return false, c.h.Reload()
	case conflict.Overwrite:
		return false, c.h.Overwrite(c.overwriteInput(), c.By)
	case conflict.Cancel:
		return true, c.keepEditing()
	}
	return false, nil
}

// keepEditing puts the operator back in the form (the dialog closes) with every value as
// typed, on the first field both of them changed. The form still starts from the old
// version, so saving again opens the dialog again if the key is still newer.
func (c *Conflict) keepEditing() tea.Cmd {
	return tea.Batch(c.h.KeepEditing(c.FirstClash("name")),
		ui.Statusf("Still editing key %s; your input is kept.", c.Name))
}

// Theirs is the key as the store has it now.
func (c *Conflict) Theirs() model.Key { return c.theirs }
