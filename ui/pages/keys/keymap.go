package keys

import (
	"charm.land/bubbles/v2/key"

	"provkeys/ui"
)

// The keymap is the help: every binding carries its help text, and a binding is enabled only
// when its action can happen now, so the footer never offers what would do nothing. The keys
// themselves are a contract (DESIGN.md §5): tests drive the program with them.

// keysKeyMap is the Keys view's bindings.
type keysKeyMap struct {
	ui.RowKeyMap
	ui.AnswerKeyMap                 // erasing View/Export on the review
	SavedFilters, Sort, SortReverse key.Binding
	Copy, Download, Reveal          key.Binding
	Machines                        key.Binding // open the Machines tab on this key's machines
}

func defaultKeysKeyMap() keysKeyMap {
	return keysKeyMap{
		RowKeyMap:    ui.DefaultRowKeyMap("enter/→", "enable/disable", "ok", "cancel"),
		AnswerKeyMap: ui.DefaultAnswerKeyMap(),
		SavedFilters: key.NewBinding(key.WithKeys("F"), key.WithHelp("F", "saved filters")),
		Sort:         key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort")),
		SortReverse:  key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "reverse")),
		Copy:         key.NewBinding(key.WithKeys("c", "y"), key.WithHelp("c", "copy")),
		Download:     key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "download")),
		Reveal:       key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "reveal")),
		Machines:     key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "its machines")),
	}
}
