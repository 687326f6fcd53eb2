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
	if p.mode != modeTable || p.ask != nil {
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
	p.form = newKeyForm(p.env, msg.edit, msg.key, msg.certs, msg.groups, p.width, p.height-1)
	p.mode = modeForm
	return tea.Batch(p.form.Form.Init(), ui.SetStatus(ui.StatusInfo, "esc cancels at any step; nothing is saved before the review."))
}

// formKey handles keys while the form is open: esc cancels, the review has its own keys,
// everything else belongs to huh.
func (p *keysPage) formKey(msg tea.KeyPressMsg) tea.Cmd {
	f := p.form
	s := msg.String()
	if p.conflict != nil {
		return p.conflictKey(msg)
	}
	if f.saving {
		return nil // wait for the store's answer
	}
	if s == "esc" {
		p.closeForm()
		if f.edit {
			return ui.Statusf("Edit cancelled; key %s is unchanged.", model.Sanitize(f.key.Name))
		}
		return ui.Statusf("Add key cancelled; nothing was saved.")
	}
	if !f.review {
		return p.updateForm(msg)
	}
	switch {
	case s == "shift+tab" || s == "b" || (f.exportGoingOff() && (s == "n" || s == "N")):
		f.review = false
		f.build()
		return tea.Batch(f.Form.Init(), f.JumpTo("name"))
	case f.exportGoingOff() && (s == "y" || s == "Y"), !f.exportGoingOff() && s == "enter":
		return p.saveForm()
	}
	return nil
}

// updateForm feeds huh and notices when it completes: the review comes next.
func (p *keysPage) updateForm(msg tea.Msg) tea.Cmd {
	f := p.form
	if f.review {
		return nil
	}
	cmd := f.Update(msg)
	switch f.Form.State {
	case huh.StateCompleted:
		f.review = true
	case huh.StateAborted:
		p.closeForm()
	}
	return cmd
}

func (p *keysPage) closeForm() {
	p.form, p.conflict = nil, nil
	p.mode = modeTable
}

// saveForm checks the input with the model's own rules, then saves it in a command.
func (p *keysPage) saveForm() tea.Cmd {
	f, st := p.form, p.env.Store
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
	var ng model.GroupInput
	makeGroup := f.newGroup() != nil
	if makeGroup {
		ng = *f.newGroup()
	}
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		var made string
		if makeGroup {
			g, err := st.CreateGroup(ctx, ng)
			if err != nil {
				return keyCreatedMsg{stage: "group", err: err}
			}
			made = g.Name
		}
		k, secret, err := st.CreateKey(ctx, in)
		return keyCreatedMsg{key: k, secret: secret, groupMade: made, stage: "key", err: err}
	})
}

// formFailed keeps the form open: a validation error goes under its field, anything else is
// one sentence in the status line with the review still on screen.
func (p *keysPage) formFailed(stage, doing string, err error) tea.Cmd {
	f := p.form
	f.saving = false
	var ve *model.ValidationError
	if errors.As(err, &ve) {
		id := keyFieldFor(stage, ve.Field, f.edit)
		if id == "group" && f.v.group == newGroupChoice {
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
	f := p.form
	if f != nil && msg.groupMade != "" {
		// The group exists now: a retry must pick it, not create it again.
		f.groups = append(f.groups, model.Group{Name: msg.groupMade})
		f.v.group = msg.groupMade
	}
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
	p.mode = modeCreated
	p.created = &createdKey{key: msg.key, name: model.Sanitize(msg.key.Name), secret: msg.secret}
	p.cursorID = msg.key.ID // the reload puts the cursor on the new key
	return tea.Batch(ui.Okf("Created key %s.", p.created.name), ui.StoreChanged)
}

// updated closes the edit form after a save, or keeps it open on failure.
func (p *keysPage) updated(msg keyUpdatedMsg) tea.Cmd {
	if p.form == nil {
		return nil
	}
	if msg.err != nil {
		return p.formFailed("key", "save key "+model.Sanitize(p.form.key.Name), msg.err)
	}
	p.closeForm()
	return tea.Batch(ui.Okf("Saved key %s.", model.Sanitize(msg.key.Name)), ui.StoreChanged)
}

func (p *keysPage) formHelp() []key.Binding {
	km := p.km
	esc := ui.WithHelp(km.Cancel, "esc", "cancel")
	f := p.form
	switch {
	case p.conflict != nil:
		return p.conflict.help()
	case f == nil || !f.review:
		return formKeysHelp()
	case f.exportGoingOff():
		return []key.Binding{ui.WithHelp(km.Yes, "y", "erase View/Export and save"), ui.WithHelp(km.No, "n", "back"), esc}
	}
	return []key.Binding{ui.WithHelp(km.Accept, "enter", "save"), key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "back")), esc}
}

// formKeysHelp is the footer while a form is open.
func formKeysHelp() []key.Binding {
	return []key.Binding{
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next")),
		key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "back")),
		key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "change")),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}
