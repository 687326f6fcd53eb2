package keys

import (
	"context"
	"errors"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/pages/keys/keyform"
)

// openForm opens the wizard or the edit form once its certificates and groups are loaded.
func (p *keysPage) openForm(msg formDataMsg) tea.Cmd {
	if cmd, ok := p.reopenAfterConflict(msg); ok {
		return cmd
	}
	if p.onTop() != nil {
		return nil // the operator moved on meanwhile
	}
	doing := "open the add wizard"
	if msg.edit {
		doing = "edit key " + model.Sanitize(msg.key.Name)
	}
	switch {
	case msg.err != nil:
		return tea.Batch(ui.Failed(doing, msg.err), p.reloadOnStale(msg.err))
	case len(msg.certs) == 0:
		return ui.SetStatus(ui.StatusErr, "Couldn't "+doing+": there is no signing certificate yet; import one in the Certificates view.")
	case msg.edit && len(msg.groups) == 0:
		return ui.SetStatus(ui.StatusErr, "Couldn't "+doing+": there are no machine groups.")
	}
	f := keyform.New(p.env, p.formHooks(), msg.edit, msg.key, msg.certs, msg.groups, p.width, p.height-1)
	p.push(f)
	return tea.Batch(f.Form.Init(), ui.SetStatus(ui.StatusInfo, "esc cancels at any step; nothing is saved before the review."))
}

// formHooks are what the form asks of the page: the keys it holds by name, the save, and
// the review's bindings.
func (p *keysPage) formHooks() keyform.Hooks {
	km := &p.km
	return keyform.Hooks{KeyNamed: p.set.ByName, Save: p.saveForm, Failed: p.formFailed,
		Keys: keyform.KeyMap{Accept: km.Accept, Cancel: km.Cancel, Yes: km.Yes, No: km.No}}
}

// form is the open add wizard or edit form, if any.
func (p *keysPage) form() *keyform.Form {
	f, _ := find[*keyform.Form](p)
	return f
}

// closeForm closes the form and the conflict dialog over it, if any.
func (p *keysPage) closeForm() {
	if f := p.form(); f != nil {
		p.removeFrom(f)
	}
}

// saveForm checks the input with the model's own rules, then saves it in a command.
func (p *keysPage) saveForm() tea.Cmd {
	f, st := p.form(), p.env.Store
	in, ng, stage, err := f.Checked()
	if err != nil {
		return p.formFailed(stage, "", err)
	}
	f.SetSaving(true)
	if f.Edit() {
		return saveEdit(st, f.Key().ID, f.Key().Version, in) // a newer version opens the conflict dialog
	}
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		var (
			k      model.Key
			secret string
			err    error
		)
		if ng != nil {
			// One transaction: a key the store refuses leaves no group behind.
			_, k, secret, err = st.CreateKeyWithGroup(ctx, *ng, in)
		} else {
			k, secret, err = st.CreateKey(ctx, in)
		}
		stage := "key"
		if ge := (*model.NewGroupError)(nil); errors.As(err, &ge) {
			stage = "group"
		}
		return keyCreatedMsg{key: k, secret: secret, stage: stage, err: err}
	})
}

// formFailed keeps the form open: a validation error goes under its field, anything else is
// one sentence in the status line with the review still on screen.
func (p *keysPage) formFailed(stage, doing string, err error) tea.Cmd {
	if cmd, ok := p.form().ShowError(stage, err); ok {
		return cmd
	}
	if doing == "" {
		doing = "save"
	}
	return tea.Batch(ui.Failed(doing, err), p.reloadOnStale(err))
}

// created shows a new key once, or keeps the wizard open on failure.
func (p *keysPage) keyCreated(msg keyCreatedMsg) tea.Cmd {
	f := p.form()
	if msg.err != nil {
		if f == nil {
			return ui.Failed("create the key", msg.err)
		}
		doing := "create key " + model.Sanitize(f.Values().Name)
		if msg.stage == "group" {
			doing = "create machine group " + model.Sanitize(f.Values().NewGroupName)
		}
		return p.formFailed(msg.stage, doing, msg.err)
	}
	p.closeForm()
	c := p.showCreated(msg.key, msg.secret)
	p.cursorID = msg.key.ID // the reload puts the cursor on the new key
	return tea.Batch(ui.Okf("Created key %s.", c.Name()), ui.StoreChanged)
}

// updated closes the edit form after a save, or keeps it open on failure.
func (p *keysPage) updated(msg keyUpdatedMsg) tea.Cmd {
	f := p.form()
	if f == nil {
		return nil
	}
	if msg.err != nil {
		return p.formFailed("key", "save key "+model.Sanitize(f.Key().Name), msg.err)
	}
	p.closeForm()
	return tea.Batch(ui.Okf("Saved key %s.", model.Sanitize(msg.key.Name)), ui.StoreChanged)
}

// showCreated puts key k's material on screen once, after a create or a rotate.
func (p *keysPage) showCreated(k model.Key, secret string) *keyform.Created {
	km := defaultKeysKeyMap() // fresh: the table's own bindings are off under the screen
	var c *keyform.Created
	c = keyform.NewCreated(p.env, keyform.CreatedHooks{
		Copy: func() tea.Cmd {
			return tea.Batch(copyCmds(secret, c.Name(), p.env.Opts.NativeClipboard),
				auditUse(p.env.Store, k.ID, model.ActionCopy, nil))
		},
		Download: func() tea.Cmd { return p.askPath(k.ID, c.Name(), secret) },
		Ask:      p.ask,
		Close:    func() { p.remove(c) },
		Keys:     keyform.CreatedKeyMap{Copy: km.Copy, Download: km.Download, Done: km.Accept, Cancel: km.Cancel},
	}, k, secret)
	p.push(c)
	return c
}
