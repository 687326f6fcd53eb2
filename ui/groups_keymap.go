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

// listKeyMap is the bindings of the Machine Groups, Certificates and Audit views. Each page
// enables only what it offers and what can happen now, so the footer shows exactly that.
type listKeyMap struct {
	rowKeyMap
	Import key.Binding
}

func defaultListKeyMap() listKeyMap {
	return listKeyMap{
		rowKeyMap: defaultRowKeyMap("enter", "toggle", "keep filter", "clear filter"),
		Import:    key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "import")),
	}
}

// syncList enables the movement, expansion, filter and reload bindings for a table that has
// focus (table) and a row under the cursor (has); the page then sets its own actions.
func (km *listKeyMap) syncList(table, has, expandAll bool) {
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
func (km *listKeyMap) filterHelp() []key.Binding {
	return []key.Binding{withHelp(km.Accept, "enter", "keep filter"), withHelp(km.Cancel, "esc", "clear filter")}
}

// formHelp is the footer while a form is open.
func (km *listKeyMap) formHelp() []key.Binding {
	return []key.Binding{
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next / save")),
		key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "back")),
		key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "change")),
		withHelp(km.Cancel, "esc", "cancel"),
	}
}

// tableHelp is the movement and view column of the full help.
func (km *listKeyMap) tableHelp() [][]key.Binding {
	return [][]key.Binding{
		km.moveKeyMap.column(),
		{km.Expand, km.Collapse, km.ExpandAll, km.Filter, km.Reload},
	}
}

// pressed reports whether msg is one of b's keys, whether or not b is enabled now.
func pressed(msg tea.KeyPressMsg, b key.Binding) bool {
	return slices.Contains(b.Keys(), msg.String())
}

// readOnly is the status line for a viewer who pressed a key that changes something.
func readOnly(e *env, what string) tea.Cmd {
	return setStatus(statusErr, "Read-only: your role ("+model.Sanitize(string(e.actor.Role))+") can't change "+what+".")
}

// cleanInput keeps escape sequences, control and bidi characters out of what is typed or
// pasted into the filter bar and the forms: the text inputs would draw them as they are.
// ok is false for a key press that carries nothing safe to type.
func cleanInput(msg tea.Msg) (tea.Msg, bool) {
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

// inUseRefusal words a delete the store refused because keys still use the object, naming
// the first few keys; ok is false for any other error.
func inUseRefusal(what string, err error) (tea.Cmd, bool) {
	var iu *model.InUseError
	if !errors.As(err, &iu) {
		return nil, false
	}
	const show = 3
	names := make([]string, 0, show)
	for _, u := range iu.Users[:min(show, len(iu.Users))] {
		names = append(names, orDash(model.Sanitize(u)))
	}
	list := strings.Join(names, ", ")
	switch n := len(iu.Users); {
	case n == 0:
		list = "keys"
	case n > show:
		list += fmt.Sprintf(" and %d more keys", n-show)
	case n == 1:
		list = "key " + list
	default:
		list = "keys " + list
	}
	return setStatus(statusErr, "Can't delete "+what+": it is used by "+list+"."), true
}
