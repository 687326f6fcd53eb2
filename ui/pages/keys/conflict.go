package keys

import (
	"context"
	"errors"
	"provkeys/ui"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui/components/conflict"
	"provkeys/ui/pages/keys/keyform"
)

// The conflict dialog (ui/components/conflict) over the edit form when its save meets a
// newer version of the key, as an overlay on the form, which keeps every value typed
// underneath it. The page adds what is the Keys page's own: the key's fields, what an
// overwrite saves, and the commands.

// conflictDialog is the open dialog with the three versions it compares.
type conflictDialog struct {
	*conflict.Dialog
	p      *keysPage
	base   model.Key      // the version the form started from
	theirs model.Key      // the version the store has now
	in     model.KeyInput // what the operator asked to save, exactly
}

// newConflictDialog compares the version the form started from (base), the one in the store
// (theirs) and the operator's input. err is the store's conflict: it names who and when if
// theirs doesn't.
func newConflictDialog(e *ui.Env, base, theirs model.Key, in model.KeyInput, err error) *conflictDialog {
	c := &conflictDialog{base: base, theirs: theirs, in: in}
	c.Dialog = conflict.New(e, "key", base.Name, keyform.ConflictFields(e.Now()), base.Input(), theirs.Input(),
		c.overwriteInput(), theirs.UpdatedBy, theirs.UpdatedAt, err)
	return c
}

// overwriteInput is what "overwrite" saves: the operator's input, except that View/Export
// stays off when they turned it off, since the key material is erased for good and the store
// refuses to turn it back on (the dialog shows "off" as the operator's value then).
func (c *conflictDialog) overwriteInput() model.KeyInput {
	in := c.in
	in.Exportable = in.Exportable && c.theirs.Exportable
	return in
}

// View draws the dialog in place of the form.
func (c *conflictDialog) View(width, height int) string {
	return c.Dialog.View(width, height, &c.p.env.Styles)
}

// keyConflictMsg is an edit's save (or overwrite) refused because the key is newer in the
// store: err is the *model.ConflictError, theirs the key as it is now.
type keyConflictMsg struct {
	in     model.KeyInput
	theirs model.Key
	err    error
}

// keyOverwrittenMsg is the result of saving over someone else's change; over is who made it.
type keyOverwrittenMsg struct {
	key  model.Key
	over string
	err  error
}

// saveEdit saves the edit form. On a conflict it reads the key as it is now in the same
// command, so the dialog opens with what changed at once.
func saveEdit(st ui.Store, id, version int64, in model.KeyInput) tea.Cmd {
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		k, err := st.UpdateKey(ctx, id, version, in)
		c, err := conflictOf(ctx, st, id, in, err)
		if c != nil {
			return *c
		}
		return keyUpdatedMsg{key: k, err: err}
	})
}

// overwriteCmd saves in over version, the one the dialog showed. A change made while the
// dialog was open is a conflict again, and the dialog shows that one instead.
func overwriteCmd(st ui.Store, id, version int64, in model.KeyInput, over string) tea.Cmd {
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		k, err := st.OverwriteKey(ctx, id, version, in)
		c, err := conflictOf(ctx, st, id, in, err)
		if c != nil {
			return *c
		}
		return keyOverwrittenMsg{key: k, over: over, err: err}
	})
}

// conflictOf reads the key as it is now when err is a conflict, for the dialog. Any other
// result comes back as the error to report, and so does a conflict whose newer version cannot
// be read, since there is nothing to compare: ErrNotFound if the key was deleted meanwhile,
// else the conflict itself, which names who changed it.
func conflictOf(ctx context.Context, st ui.Store, id int64, in model.KeyInput, err error) (*keyConflictMsg, error) {
	if !errors.Is(err, model.ErrConflict) {
		return nil, err
	}
	theirs, kerr := st.Key(ctx, id)
	switch {
	case errors.Is(kerr, model.ErrNotFound):
		return nil, kerr
	case kerr != nil:
		return nil, err
	}
	return &keyConflictMsg{in: in, theirs: theirs, err: err}, nil
}

// openConflict puts the dialog over the edit form whose save was refused.
func (p *keysPage) openConflict(msg keyConflictMsg) tea.Cmd {
	f := p.form()
	if f == nil || !f.Edit() || f.Key().ID != msg.theirs.ID {
		return nil // the form is gone; nothing waits for this answer
	}
	f.SetSaving(false)
	c := newConflictDialog(p.env, f.Key(), msg.theirs, msg.in, msg.err)
	c.p = p
	p.push(c)
	return c.Opened()
}

// conflict is the open conflict dialog, if any.
func (p *keysPage) conflict() *conflictDialog {
	c, _ := find[*conflictDialog](p)
	return c
}

// Update handles a key while the dialog is open.
func (c *conflictDialog) Update(m tea.Msg) (bool, tea.Cmd) {
	msg, isKey := m.(tea.KeyPressMsg)
	if !isKey {
		return false, nil
	}
	p := c.p
	switch c.Key(msg) {
	case conflict.Reload:
		return false, loadFormData(p.env.Store, true, c.base.ID)
	case conflict.Overwrite:
		return false, overwriteCmd(p.env.Store, c.theirs.ID, c.theirs.Version, c.overwriteInput(), c.By)
	case conflict.Cancel:
		return true, c.keepEditing()
	}
	return false, nil
}

// keepEditing puts the operator back in the form (the dialog closes) with every value as
// typed, on the first field both of them changed. The form still starts from the old
// version, so saving again opens the dialog again if the key is still newer.
func (c *conflictDialog) keepEditing() tea.Cmd {
	return tea.Batch(c.p.form().Reopen(c.FirstClash("name")),
		ui.Statusf("Still editing key %s; your input is kept.", c.Name))
}

// reopenAfterConflict takes the form data that "reload" asked for: the form opens again on
// the fresh key and the operator's input is dropped. ok is false when msg is not for it.
func (p *keysPage) reopenAfterConflict(msg formDataMsg) (cmd tea.Cmd, ok bool) {
	c := p.conflict()
	if c == nil || c.Busy != conflict.Reloading || !msg.edit {
		return nil, false
	}
	if msg.err != nil {
		c.Busy = conflict.Idle
		return ui.Failed("reload key "+c.Name, msg.err), true
	}
	p.closeForm()
	opened := p.openForm(msg)
	f := p.form()
	if f == nil {
		return opened, true // it refused, and says why
	}
	// opened would also say "nothing is saved before the review": say what happened instead.
	return tea.Batch(f.Form.Init(),
		ui.Statusf("Reloaded key %s as %s left it; your changes were discarded.", model.Sanitize(msg.key.Name), c.By)), true
}

// overwritten closes the form after saving over the other change, or keeps it open on failure.
func (p *keysPage) overwritten(msg keyOverwrittenMsg) tea.Cmd {
	c := p.conflict()
	if p.form() == nil || c == nil {
		return nil
	}
	p.remove(c)
	if msg.err != nil {
		return p.formFailed("key", "save key "+c.Name+" over "+msg.over+"'s change", msg.err)
	}
	p.closeForm()
	return tea.Batch(ui.Okf("Key %s saved over %s's change.", model.Sanitize(msg.key.Name), msg.over), ui.StoreChanged)
}
