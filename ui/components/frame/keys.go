package frame

import "charm.land/bubbles/v2/key"

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
