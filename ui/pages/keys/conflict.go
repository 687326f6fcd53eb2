package keys

import (
	"context"
	"errors"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/conflict"
	"provkeys/ui/pages/keys/keyform"
)

// The conflict dialog (keyform.Conflict) over the edit form: the page's side, the commands
// that save and overwrite, meeting a newer version, and what their answers do.

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
	st, base, theirs := p.env.Store, f.Key(), msg.theirs
	c := keyform.NewConflict(p.env, keyform.ConflictHooks{
		Reload: func() tea.Cmd { return loadFormData(st, true, base.ID) },
		Overwrite: func(in model.KeyInput, over string) tea.Cmd {
			return overwriteCmd(st, theirs.ID, theirs.Version, in, over)
		},
		KeepEditing: f.Reopen,
	}, base, theirs, msg.in, msg.err)
	p.push(c)
	return c.Opened()
}

// conflict is the open conflict dialog, if any.
func (p *keysPage) conflict() *keyform.Conflict {
	c, _ := find[*keyform.Conflict](p)
	return c
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
