package keys

import (
	"context"
	"errors"
	"provkeys/ui"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"provkeys/model"
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
	f := newKeyForm(p, msg.edit, msg.key, msg.certs, msg.groups, p.width, p.height-1)
	p.push(f)
	return tea.Batch(f.Form.Init(), ui.SetStatus(ui.StatusInfo, "esc cancels at any step; nothing is saved before the review."))
}

// form is the open add wizard or edit form, if any.
func (p *keysPage) form() *keyForm {
	f, _ := find[*keyForm](p)
	return f
}

// Update handles the form's input: esc cancels, the review has its own keys, everything
// else belongs to huh.
func (f *keyForm) Update(msg tea.Msg) (bool, tea.Cmd) {
	k, isKey := msg.(tea.KeyPressMsg)
	if !isKey {
		return f.updateHuh(msg)
	}
	s := k.String()
	if f.saving {
		return false, nil // wait for the store's answer
	}
	if s == "esc" {
		if f.edit {
			return true, ui.Statusf("Edit cancelled; key %s is unchanged.", model.Sanitize(f.key.Name))
		}
		return true, ui.Statusf("Add key cancelled; nothing was saved.")
	}
	if !f.review {
		if f.reviewed && !f.edit && s == "enter" && !f.newGroupUnnamed() {
			return false, f.toReview()
		}
		return f.updateHuh(msg)
	}
	switch {
	case s == "shift+tab" || s == "b" || (f.exportGoingOff() && (s == "n" || s == "N")):
		return false, f.backFromReview("")
	case !f.edit && wizardSteps[s] != "":
		return false, f.backFromReview(s)
	case f.exportGoingOff() && (s == "y" || s == "Y"), !f.exportGoingOff() && s == "enter":
		return false, f.p.saveForm()
	}
	return false, nil
}

// updateHuh feeds huh and notices when it completes: the review comes next.
func (f *keyForm) updateHuh(msg tea.Msg) (bool, tea.Cmd) {
	if f.review {
		return false, nil
	}
	cmd := f.Kit.Update(msg)
	switch f.Form.State {
	case huh.StateCompleted:
		f.review, f.reviewed = true, true
	case huh.StateAborted:
		return true, cmd
	}
	return false, cmd
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
	if ng := f.newGroup(); ng != nil {
		if err := ng.Validate(); err != nil {
			return p.formFailed("group", "", err)
		}
	}
	in, err := f.keyInput()
	if err == nil {
		err = in.Validate()
	}
	if err != nil {
		return p.formFailed("key", "", err)
	}
	f.saving = true
	if f.edit {
		return saveEdit(st, f.key.ID, f.key.Version, in) // a newer version opens the conflict dialog
	}
	ng := f.newGroup()
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
	f := p.form()
	f.saving = false
	var ve *model.ValidationError
	if !errors.As(err, &ve) && errors.Is(err, model.ErrDuplicate) {
		// A name taken meanwhile (the store is the final word): say it under the name.
		msg := err.Error()
		if ge := (*model.NewGroupError)(nil); errors.As(err, &ge) {
			msg = ge.Err.Error()
		}
		ve = &model.ValidationError{Field: model.FieldName, Msg: msg}
	}
	if ve != nil {
		id := keyFieldFor(stage, ve.Field)
		if id == "groups" && f.wantsNewGroup() && stage == "group" {
			id = "groupName"
		}
		id = f.SetError(id, "name", ve.Msg)
		f.review = false
		f.build()
		return tea.Batch(f.Form.Init(), f.JumpTo(id))
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
		doing := "create key " + model.Sanitize(f.v.name)
		if msg.stage == "group" {
			doing = "create machine group " + model.Sanitize(f.v.newGroupName)
		}
		return p.formFailed(msg.stage, doing, msg.err)
	}
	p.closeForm()
	c := &createdKey{p: p, key: msg.key, name: model.Sanitize(msg.key.Name), secret: msg.secret}
	p.push(c)
	p.cursorID = msg.key.ID // the reload puts the cursor on the new key
	return tea.Batch(ui.Okf("Created key %s.", c.name), ui.StoreChanged)
}

// updated closes the edit form after a save, or keeps it open on failure.
func (p *keysPage) updated(msg keyUpdatedMsg) tea.Cmd {
	f := p.form()
	if f == nil {
		return nil
	}
	if msg.err != nil {
		return p.formFailed("key", "save key "+model.Sanitize(f.key.Name), msg.err)
	}
	p.closeForm()
	return tea.Batch(ui.Okf("Saved key %s.", model.Sanitize(msg.key.Name)), ui.StoreChanged)
}

// Help is the footer while the form is on top.
func (f *keyForm) Help() []key.Binding {
	km := f.p.km
	esc := ui.WithHelp(km.Cancel, "esc", "cancel")
	switch {
	case !f.review:
		return f.wizardHelp()
	case f.exportGoingOff():
		return []key.Binding{ui.WithHelp(km.Yes, "y", "erase View/Export and save"), ui.WithHelp(km.No, "n", "back"), esc}
	}
	back := []key.Binding{key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "back"))}
	if !f.edit {
		back = append(back, key.NewBinding(key.WithKeys("1", "2", "3"), key.WithHelp("1–3", "change a step")))
	}
	return append(append([]key.Binding{ui.WithHelp(km.Accept, "enter", "save")}, back...), esc)
}
