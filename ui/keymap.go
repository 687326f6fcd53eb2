package ui

import (
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// MoveKeyMap is the movement every table shares.
type MoveKeyMap struct {
	Up, Down, Top, Bottom, PageUp, PageDown, HalfUp, HalfDown key.Binding
}

func DefaultMoveKeyMap() MoveKeyMap {
	return MoveKeyMap{
		Up:       key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("↓/j", "down")),
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g/home", "first")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "last")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		HalfUp:   key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "½ page up")),
		HalfDown: key.NewBinding(key.WithKeys("ctrl+d"), key.WithHelp("ctrl+d", "½ page down")),
	}
}

// column lists the movement bindings for the full help.
func (m MoveKeyMap) Column() []key.Binding {
	return []key.Binding{m.Up, m.Down, m.Top, m.Bottom, m.PageDown, m.PageUp, m.HalfDown, m.HalfUp}
}

// AnswerKeyMap is how a y/n question is answered, wherever one is asked: y yes; n or esc no.
type AnswerKeyMap struct {
	Yes, No key.Binding
}

func DefaultAnswerKeyMap() AnswerKeyMap {
	return AnswerKeyMap{
		Yes: key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
		No:  key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n/esc", "no")),
	}
}

// rowKeyMap is what every table page binds alike: moving, expanding, the filter bar,
// reloading, the usual changes, and enter/esc while typing. Each page words its own help.
type RowKeyMap struct {
	MoveKeyMap
	Expand, Collapse, ExpandAll, Filter, Reload key.Binding
	Add, Edit, Delete, Toggle                   key.Binding
	Accept, Cancel                              key.Binding // while typing
}

// defaultRowKeyMap is the shared bindings with help words for expand, toggle, enter and
// esc as given.
func DefaultRowKeyMap(expand, toggle, accept, cancel string) RowKeyMap {
	return RowKeyMap{
		MoveKeyMap: DefaultMoveKeyMap(),
		Expand:     key.NewBinding(key.WithKeys("enter", "space", "right", "l"), key.WithHelp(expand, "expand")),
		Collapse:   key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "collapse")),
		ExpandAll:  key.NewBinding(key.WithKeys("E"), key.WithHelp("E", "expand all")),
		Filter:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Reload:     key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "reload")),
		Add:        key.NewBinding(key.WithKeys("n", "a"), key.WithHelp("n", "add")),
		Edit:       key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit")),
		Delete:     key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "delete")),
		Toggle:     key.NewBinding(key.WithKeys("t"), key.WithHelp("t", toggle)),
		Accept:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", accept)),
		Cancel:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", cancel)),
	}
}

// Pressed reports whether msg is one of b's keys, whether or not b is enabled now.
func Pressed(msg tea.KeyPressMsg, b key.Binding) bool {
	return slices.Contains(b.Keys(), msg.String())
}

// WithHelp returns b with other help text, for modes that reuse a key for something else.
func WithHelp(b key.Binding, k, desc string) key.Binding {
	b.SetHelp(k, desc)
	b.SetEnabled(true)
	return b
}
