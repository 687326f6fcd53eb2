package listpage

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
)

// Action is one of a page's own actions as data (lazygit's bindings): its binding in the
// page's KeyMap, the role action it needs, whether it acts on the row under the cursor, and
// what it does. Enabling, running and the refusal sentence all read the same entry.
type Action struct {
	Key   *key.Binding
	Needs model.Action
	Row   bool
	Run   func() tea.Cmd
}

// EnableActions turns on the actions that can happen now: the table has focus (table), the
// role allows them, and there is a row when they need one (has).
func (p *Page[S, T]) EnableActions(actions []Action, table, has bool) {
	for _, a := range actions {
		a.Key.SetEnabled(table && (has || !a.Row) && p.Can(a.Needs))
	}
}

// ActOn runs the action msg presses, or says why it did nothing: read-only for a role that
// may not, noRow when it needs a row and there is none. ok is false when msg names none.
func (p *Page[S, T]) ActOn(msg tea.KeyPressMsg, actions []Action, noRow string) (cmd tea.Cmd, ok bool) {
	for _, a := range actions {
		switch {
		case !ui.Pressed(msg, *a.Key):
			continue
		case a.Key.Enabled():
			return a.Run(), true
		case !p.Can(a.Needs):
			return p.ReadOnly(), true
		case a.Row:
			return ui.SetStatus(ui.StatusErr, noRow), true
		}
		return nil, true
	}
	return nil, false
}

// Enable turns on the actions of Spec.Own that can happen now (see EnableActions).
func (p *Page[S, T]) Enable(_ *KeyMap, table, has bool) {
	if p.spec.Own != nil {
		p.EnableActions(p.spec.Own(), table, has)
	}
}

// Act runs the action of Spec.Own that msg presses, or says why a key that names one did
// nothing (see ActOn).
func (p *Page[S, T]) Act(msg tea.KeyPressMsg) tea.Cmd {
	if p.spec.Own == nil {
		return nil
	}
	cmd, _ := p.ActOn(msg, p.spec.Own(), p.spec.NoRow)
	return cmd
}
