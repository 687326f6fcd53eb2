package ui

import "charm.land/bubbles/v2/key"

// The keymap is the help: every binding carries its help text, and a binding is enabled only
// when its action can happen now, so the footer never offers what would do nothing. The keys
// themselves are a contract (DESIGN.md §5): tests drive the program with them.

// globalKeyMap is the root's bindings.
type globalKeyMap struct {
	Next, Prev, Help, Quit, ForceQuit key.Binding
}

func defaultGlobalKeyMap() globalKeyMap {
	return globalKeyMap{
		Next:      key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next view")),
		Prev:      key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous view")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit now")),
	}
}

// moveKeyMap is the movement every table shares.
type moveKeyMap struct {
	Up, Down, Top, Bottom, PageUp, PageDown, HalfUp, HalfDown key.Binding
}

func defaultMoveKeyMap() moveKeyMap {
	return moveKeyMap{
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
func (m moveKeyMap) column() []key.Binding {
	return []key.Binding{m.Up, m.Down, m.Top, m.Bottom, m.PageDown, m.PageUp, m.HalfDown, m.HalfUp}
}

// rowKeyMap is what every table page binds alike: moving, expanding, the filter bar,
// reloading, the usual changes, and enter/esc while typing. Each page words its own help.
type rowKeyMap struct {
	moveKeyMap
	Expand, Collapse, ExpandAll, Filter, Reload key.Binding
	Add, Edit, Delete, Toggle                   key.Binding
	Accept, Cancel                              key.Binding // while typing
}

// defaultRowKeyMap is the shared bindings with help words for expand, toggle, enter and
// esc as given.
func defaultRowKeyMap(expand, toggle, accept, cancel string) rowKeyMap {
	return rowKeyMap{
		moveKeyMap: defaultMoveKeyMap(),
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

// keysKeyMap is the Keys view's bindings.
type keysKeyMap struct {
	rowKeyMap
	SavedFilters, Sort, SortReverse       key.Binding
	Copy, Download, Reveal                key.Binding
	Yes, No                               key.Binding // erasing View/Export on the review
	SaveFilter, DeleteFilter, ApplyFilter key.Binding // in the saved-filters list
}

func defaultKeysKeyMap() keysKeyMap {
	return keysKeyMap{
		rowKeyMap:    defaultRowKeyMap("enter/→", "enable/disable", "ok", "cancel"),
		SavedFilters: key.NewBinding(key.WithKeys("F"), key.WithHelp("F", "saved filters")),
		Sort:         key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort")),
		SortReverse:  key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "reverse")),
		Copy:         key.NewBinding(key.WithKeys("c", "y"), key.WithHelp("c", "copy")),
		Download:     key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "download")),
		Reveal:       key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "reveal")),
		Yes:          key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
		No:           key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n/esc", "no")),
		SaveFilter:   key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "save current")),
		DeleteFilter: key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "delete")),
		ApplyFilter:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")),
	}
}
