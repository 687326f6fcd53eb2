package keys

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/form"
	"provkeys/ui/pages/keys/savedfilters"
)

// filterEditor is the filter bar with the focus: the table filters live as the operator
// types. Only enter, esc and ctrl+c (in the root) act; everything else is typed, so "q"
// types a q.
type filterEditor struct{ p *keysPage }

func (o *filterEditor) Update(msg tea.Msg) (bool, tea.Cmd) {
	p := o.p
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, p.km.Accept):
			p.filter.Blur()
			return true, nil
		case key.Matches(k, p.km.Cancel):
			p.filter.Blur()
			p.filter.SetValue("")
			p.applyFilter()
			return true, nil
		}
	}
	return false, p.updateFilterInput(msg)
}

func (o *filterEditor) View(width, _ int) string { return o.p.barLine(width) }

func (o *filterEditor) Help() []key.Binding {
	km := o.p.km
	return []key.Binding{ui.WithHelp(km.Accept, "enter", "keep filter"), ui.WithHelp(km.Cancel, "esc", "clear filter")}
}

func (o *filterEditor) inBar() {}

// updateFilterInput types into the bar and re-filters the loaded keys in memory on every
// change; no store round-trip, so typing stays instant.
func (p *keysPage) updateFilterInput(msg tea.Msg) tea.Cmd {
	return ui.TypeInto(&p.filter, msg, func() {
		if p.applyFilter() {
			p.moveTo(0) // a new query starts at its first match, as fzf and k9s do
		}
	})
}

// applyFilter parses the bar. A term that does not parse is explained in the bar and the
// last good result stays on screen; ok reports that the filter applied.
func (p *keysPage) applyFilter() (ok bool) {
	f, err := model.ParseFilter(p.filter.Value())
	if err != nil {
		p.filterErr = form.Bare(err).Error()
		return false
	}
	p.filterErr = ""
	p.active = f
	p.rebuild()
	return true
}

// setFilter puts expr in the bar, applies it and puts the cursor on its first match.
func (p *keysPage) setFilter(expr string) {
	p.filter.SetValue(expr)
	p.filter.CursorEnd()
	if p.applyFilter() {
		p.moveTo(0)
	}
}

// openSaved shows the saved filters and loads them from the store.
func (p *keysPage) openSaved() tea.Cmd {
	km := defaultKeysKeyMap() // fresh: the table's own bindings are off while the list is open
	sp, cmd := savedfilters.Open(p.env, savedfilters.Hooks{
		Filter: func() (string, bool) { return strings.TrimSpace(p.filter.Value()), p.filterErr == "" },
		Apply:  p.setFilter,
		Ask:    p.ask,
		Keys:   savedfilters.KeyMap{Up: km.Up, Down: km.Down, Close: km.Cancel, Open: km.SavedFilters},
	})
	p.push(sp)
	return cmd
}

// savedResult applies a load, save or delete of saved filters, to the list if it is open.
func (p *keysPage) savedResult(msg tea.Msg) tea.Cmd {
	sp, _ := find[*savedfilters.Panel](p)
	return sp.Result(msg)
}
