package listpage

import (
	"charm.land/bubbles/v2/key"

	"provkeys/ui"
)

// listKeyMap is the bindings of the Machine Groups, Certificates and Audit views. Each page
// enables only what it offers and what can happen now, so the footer shows exactly that.
type KeyMap struct {
	ui.RowKeyMap
	Import key.Binding
	// Uses opens the Keys view on the keys that use the row (a machine group's, a
	// certificate's).
	Uses key.Binding
	// Palette opens the page's command palette, when its Spec has Commands.
	Palette key.Binding
}

func DefaultKeyMap() KeyMap {
	return KeyMap{
		RowKeyMap: ui.DefaultRowKeyMap("enter", "toggle", "keep filter", "clear filter"),
		Import:    key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "import")),
		Uses:      key.NewBinding(key.WithKeys("K"), key.WithHelp("K", "its keys")),
		Palette:   key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "commands")),
	}
}

// syncList enables the movement, expansion, filter and reload bindings for a table that has
// focus (table) and a row under the cursor (has); the page then sets its own actions.
func (km *KeyMap) syncList(table, has, expandAll bool) {
	for _, b := range []*key.Binding{&km.Up, &km.Down, &km.Top, &km.Bottom, &km.PageUp, &km.PageDown,
		&km.HalfUp, &km.HalfDown, &km.Expand, &km.Collapse, &km.ExpandAll} {
		b.SetEnabled(table && has)
	}
	km.Filter.SetEnabled(table)
	km.Reload.SetEnabled(table)
	if expandAll {
		km.ExpandAll.SetHelp("E", "collapse all")
	} else {
		km.ExpandAll.SetHelp("E", "expand all")
	}
}

// filterHelp is the footer while the bar has focus.
func (km *KeyMap) filterHelp() []key.Binding {
	return []key.Binding{ui.WithHelp(km.Accept, "enter", "keep filter"), ui.WithHelp(km.Cancel, "esc", "clear filter")}
}

// formHelp is the footer while a form is open; field is how the focused field changes
// (form.Kit.FieldHelp).
func (km *KeyMap) formHelp(field []key.Binding) []key.Binding {
	out := []key.Binding{
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next / save")),
		key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "back")),
	}
	return append(append(out, field...), ui.WithHelp(km.Cancel, "esc", "cancel"))
}

// tableHelp is the movement and view column of the full help.
func (km *KeyMap) tableHelp() [][]key.Binding {
	return [][]key.Binding{
		km.MoveKeyMap.Column(),
		{km.Expand, km.Collapse, km.ExpandAll, km.Filter, km.Reload},
	}
}
