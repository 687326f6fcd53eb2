package keys

import (
	"context"
	"errors"
	"provkeys/ui"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"provkeys/model"
)

// The conflict dialog: what the edit form shows when its save meets a newer version of the
// key (someone else saved while the operator was typing). The operator's input is never
// thrown away silently. The dialog sits on top of the form, which keeps every value typed,
// and says who changed the key, when, and field by field what they changed, next to what the
// operator has. Then the operator chooses: reload (start again from their version), overwrite
// (save mine over theirs, audited as an overwrite) or keep editing.

// conflictKeyMap is the dialog's bindings; they are also its help.
type conflictKeyMap struct {
	Reload, Overwrite, Cancel key.Binding
}

func defaultConflictKeyMap() conflictKeyMap {
	return conflictKeyMap{
		Reload:    key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reload theirs")),
		Overwrite: key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "overwrite with yours")),
		Cancel:    key.NewBinding(key.WithKeys("esc", "c"), key.WithHelp("esc/c", "keep editing")),
	}
}

// conflictBusy is what the dialog waits for; while it waits, keys do nothing.
type conflictBusy int

const (
	conflictIdle conflictBusy = iota
	conflictReloading
	conflictSaving
)

// conflictDialog is the open dialog: the three versions it compares and what it waits for.
type conflictDialog struct {
	p      *keysPage
	base   model.Key      // the version the form started from
	theirs model.Key      // the version the store has now
	in     model.KeyInput // what the operator asked to save, exactly
	name   string         // base's name, sanitized
	by     string         // who made theirs, sanitized
	rows   []conflictRow  // the fields they changed
	mine   []string       // labels of the fields only the operator changed
	when   string         // when they saved, as the dialog says it
	busy   conflictBusy
	km     conflictKeyMap
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
	if f == nil || !f.edit || f.key.ID != msg.theirs.ID {
		return nil // the form is gone; nothing waits for this answer
	}
	f.saving = false
	c := newConflictDialog(p.env, f.key, msg.theirs, msg.in, msg.err)
	c.p = p
	p.push(c)
	return ui.SetStatus(ui.StatusErr, "Couldn't save key "+c.name+": "+c.by+" changed it while you were editing.")
}

// conflict is the open conflict dialog, if any.
func (p *keysPage) conflict() *conflictDialog {
	c, _ := find[*conflictDialog](p)
	return c
}

// Update handles a key while the dialog is open.
func (c *conflictDialog) Update(m tea.Msg) (bool, tea.Cmd) {
	msg, isKey := m.(tea.KeyPressMsg)
	if !isKey || c.busy != conflictIdle {
		return false, nil // wait for the store's answer
	}
	p := c.p
	switch {
	case key.Matches(msg, c.km.Reload):
		c.busy = conflictReloading // the dialog says so; a status here could land after the result's
		return false, loadFormData(p.env.Store, true, c.base.ID)
	case key.Matches(msg, c.km.Overwrite):
		c.busy = conflictSaving
		return false, overwriteCmd(p.env.Store, c.theirs.ID, c.theirs.Version, c.overwriteInput(), c.by)
	case key.Matches(msg, c.km.Cancel):
		return true, c.keepEditing()
	}
	return false, nil
}

// keepEditing puts the operator back in the form (the dialog closes) with every value as
// typed, on the first field both of them changed. The form still starts from the old
// version, so saving again opens the dialog again if the key is still newer.
func (c *conflictDialog) keepEditing() tea.Cmd {
	f := c.p.form()
	f.review = false
	f.build()
	return tea.Batch(f.Form.Init(), f.JumpTo(c.firstClash()),
		ui.Statusf("Still editing key %s; your input is kept.", c.name))
}

// reopenAfterConflict takes the form data that "reload" asked for: the form opens again on
// the fresh key and the operator's input is dropped. ok is false when msg is not for it.
func (p *keysPage) reopenAfterConflict(msg formDataMsg) (cmd tea.Cmd, ok bool) {
	c := p.conflict()
	if c == nil || c.busy != conflictReloading || !msg.edit {
		return nil, false
	}
	if msg.err != nil {
		c.busy = conflictIdle
		return ui.Failed("reload key "+c.name, msg.err), true
	}
	p.closeForm()
	opened := p.openForm(msg)
	f := p.form()
	if f == nil {
		return opened, true // it refused, and says why
	}
	// opened would also say "nothing is saved before the review": say what happened instead.
	return tea.Batch(f.Form.Init(),
		ui.Statusf("Reloaded key %s as %s left it; your changes were discarded.", model.Sanitize(msg.key.Name), c.by)), true
}

// overwritten closes the form after saving over the other change, or keeps it open on failure.
func (p *keysPage) overwritten(msg keyOverwrittenMsg) tea.Cmd {
	c := p.conflict()
	if p.form() == nil || c == nil {
		return nil
	}
	p.remove(c)
	if msg.err != nil {
		return p.formFailed("key", "save key "+c.name+" over "+msg.over+"'s change", msg.err)
	}
	p.closeForm()
	return tea.Batch(ui.Okf("Key %s saved over %s's change.", model.Sanitize(msg.key.Name), msg.over), ui.StoreChanged)
}

// Help is the footer while the dialog is open: nothing while it waits.
func (c *conflictDialog) Help() []key.Binding {
	if c.busy != conflictIdle {
		return nil
	}
	return []key.Binding{c.km.Reload, c.km.Overwrite, c.km.Cancel}
}
