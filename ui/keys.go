package ui

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"provkeys/model"
)

// Pressed reports whether msg is one of b's keys, whether or not b is enabled now.
func Pressed(msg tea.KeyPressMsg, b key.Binding) bool {
	return slices.Contains(b.Keys(), msg.String())
}

// ReadOnly is the status line for a viewer who pressed a key that changes something.
func ReadOnly(e *Env, what string) tea.Cmd {
	return SetStatus(StatusErr, "Read-only: your role ("+model.Sanitize(string(e.Actor.Role))+") can't change "+what+".")
}

// CleanInput keeps escape sequences, control and bidi characters out of what is typed or
// pasted into the filter bar and the forms: the text inputs would draw them as they are.
// ok is false for a key press that carries nothing safe to type.
func CleanInput(msg tea.Msg) (tea.Msg, bool) {
	switch m := msg.(type) {
	case tea.PasteMsg:
		m.Content = model.Sanitize(m.Content)
		return m, true
	case tea.KeyPressMsg:
		if m.Text != "" && model.Sanitize(m.Text) != m.Text {
			return nil, false
		}
	}
	return msg, true
}

// InUseBeforeText is the refusal, before any question, to delete what the list shows n keys
// use; the page shows it bound to its row (RowStatus). The store's own refusal (InUseRefusal)
// still stands behind it for a list older than the store.
func InUseBeforeText(what string, n int) string {
	keys := "1 key uses"
	if n != 1 {
		keys = fmt.Sprintf("%d keys use", n)
	}
	return "Can't delete " + what + ": " + keys + " it."
}

// InUseRefusal words a delete the store refused because keys still use the object, naming
// the first few keys; ok is false for any other error.
func InUseRefusal(what string, err error) (tea.Cmd, bool) {
	var iu *model.InUseError
	if !errors.As(err, &iu) {
		return nil, false
	}
	const show = 3
	names := make([]string, 0, show)
	for _, u := range iu.Users[:min(show, len(iu.Users))] {
		names = append(names, OrDash(model.Sanitize(u)))
	}
	list := strings.Join(names, ", ")
	switch n := max(iu.Count, len(iu.Users)); {
	case n == 0:
		list = "keys"
	case n > show:
		list += fmt.Sprintf(" and %d more keys", n-show)
	case n == 1:
		list = "key " + list
	default:
		list = "keys " + list
	}
	return SetStatus(StatusErr, "Can't delete "+what+": it is used by "+list+"."), true
}

// WithHelp returns b with other help text, for modes that reuse a key for something else.
func WithHelp(b key.Binding, k, desc string) key.Binding {
	b.SetHelp(k, desc)
	b.SetEnabled(true)
	return b
}
