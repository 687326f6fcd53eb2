package form

import (
	"charm.land/bubbles/v2/key"
	"charm.land/huh/v2"
)

// FieldHelp is the footer's keys for the field with the focus: how its value changes. A
// yes/no field changes with ←/→; a list moves with ↑/↓ (and a multi-select toggles with
// space); a text field takes typing, which needs no hint.
func (k *Kit) FieldHelp() []key.Binding {
	switch k.Form.GetFocusedField().(type) {
	case *huh.Confirm:
		return []key.Binding{key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "change"))}
	case *huh.Select[string]:
		return []key.Binding{key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "choose"))}
	case *huh.MultiSelect[string]:
		return []key.Binding{
			key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "move")),
			key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "select")),
		}
	}
	return nil
}
