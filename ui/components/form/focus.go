package form

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
)

// Focus moves synchronously. huh moves the focus with a command whose message comes back
// later, so a key typed right after tab, shift+tab or enter — over SSH keys arrive in bursts —
// landed in the field being left. The kit takes those keys away from huh's fields
// (focusKeyMap) and moves the focus itself, inside the Update that reads the key.

// Keys that move the focus: back, and forward (the field's value is checked first, as huh
// does).
var (
	focusBack    = key.NewBinding(key.WithKeys("shift+tab"))
	focusForward = key.NewBinding(key.WithKeys("tab", "enter"))
	confirmYes   = key.NewBinding(key.WithKeys("y", "Y"))
	confirmNo    = key.NewBinding(key.WithKeys("n", "N"))
)

// focusKeyMap unbinds the keys huh's fields would answer with a focus command.
func focusKeyMap(km *huh.KeyMap) {
	none := key.NewBinding(key.WithKeys())
	km.Input.Prev, km.Input.Next, km.Input.Submit = none, none, none
	km.Text.Prev, km.Text.Next, km.Text.Submit = none, none, none
	km.Select.Prev, km.Select.Next, km.Select.Submit = none, none, none
	km.MultiSelect.Prev, km.MultiSelect.Next, km.MultiSelect.Submit = none, none, none
	km.Confirm.Prev, km.Confirm.Next, km.Confirm.Submit = none, none, none
	km.Confirm.Accept, km.Confirm.Reject = none, none
	km.Note.Prev, km.Note.Next, km.Note.Submit = none, none, none
}

// moveKey handles a key that moves the focus, now; ok is false for any other key.
func (k *Kit) moveKey(msg tea.KeyPressMsg) (cmd tea.Cmd, ok bool) {
	if k.Form.State != huh.StateNormal {
		return nil, false
	}
	id, fld, found := k.focused()
	if found && fld.settle != nil && key.Matches(msg, focusBack, focusForward) {
		fld.settle()
	}
	switch {
	case key.Matches(msg, focusBack):
		return k.move(false), true
	case key.Matches(msg, focusForward):
		if found && fld.check != nil {
			if err := fld.check(); err != nil {
				k.errs[id] = fieldErr{msg: Bare(err).Error(), value: fld.Value()}
				return nil, true
			}
		}
		return k.move(true), true
	case found && fld.confirm != nil && key.Matches(msg, confirmYes, confirmNo):
		fld.confirm(key.Matches(msg, confirmYes))
		return k.move(true), true
	}
	return nil, false
}

// focused is the field with the focus and its id; found is false for a field the kit did not
// make.
func (k *Kit) focused() (id string, fld FormField, found bool) {
	cur := k.Form.GetFocusedField()
	for id, fld := range k.Fields {
		if fld.Field == cur {
			return id, fld, true
		}
	}
	return "", FormField{}, false
}

// move puts the focus on the next (or previous) field, turning the page at its end as huh
// would, and ends the form after its last field.
func (k *Kit) move(forward bool) tea.Cmd {
	before := k.Form.GetFocusedField()
	var cmd tea.Cmd
	if forward {
		cmd = k.Form.NextField()
	} else {
		cmd = k.Form.PrevField()
	}
	if k.Form.GetFocusedField() != before {
		return cmd
	}
	// It was the page's last (first) field: huh answered with a command to turn the page.
	// Turn it now instead, and drop that command, or the page would turn twice.
	if forward {
		cmd = k.Form.NextGroup()
	} else {
		cmd = k.Form.PrevGroup()
	}
	if k.Form.State == huh.StateNormal && k.Form.GetFocusedField() == before {
		// Nowhere to go, or the page has an error: the field keeps the focus.
		cmd = tea.Batch(cmd, before.Focus())
	}
	return cmd
}
