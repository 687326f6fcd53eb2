package keys

import (
	"context"
	"fmt"
	"provkeys/ui"
	"provkeys/ui/components/form"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui/components/confirm"
	"provkeys/ui/theme"
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

// savedPanel is the list of saved filters.
type savedPanel struct {
	p       *keysPage
	filters []model.SavedFilter
	cursor  int
	loaded  bool
	// saved is the name just saved: the next listing puts the cursor on it.
	saved string
}

// openSaved shows the saved filters and loads them from the store.
func (p *keysPage) openSaved() tea.Cmd {
	p.push(&savedPanel{p: p})
	return loadFilters(p.env.Store)
}

func loadFilters(st ui.Store) tea.Cmd {
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		fs, err := st.ListFilters(ctx)
		return filtersLoadedMsg{filters: fs, err: err}
	})
}

// savedResult applies a load, save or delete of saved filters.
func (p *keysPage) savedResult(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case filtersLoadedMsg:
		if msg.err != nil {
			return ui.Failed("load saved filters", msg.err)
		}
		if sp, ok := find[*savedPanel](p); ok {
			sp.listed(msg.filters)
		}
	case filterChangedMsg:
		if msg.err != nil {
			return ui.Failed(ui.ChangeVerb(msg.verb)+" filter "+msg.name, msg.err)
		}
		cmd := ui.Okf("%s filter %s.", ui.Capitalize(msg.verb), msg.name)
		if sp, ok := find[*savedPanel](p); ok {
			if msg.verb == "saved" {
				sp.saved = msg.stored
			}
			return tea.Batch(cmd, loadFilters(p.env.Store))
		}
		return cmd
	}
	return nil
}

// Update handles keys in the saved-filters list: enter applies, s saves the current filter
// under a name, d deletes (after y), esc closes.
func (sp *savedPanel) Update(m tea.Msg) (bool, tea.Cmd) {
	msg, isKey := m.(tea.KeyPressMsg)
	if !isKey {
		return false, nil
	}
	// A fresh keymap: the table's own bindings are switched off while the list is open.
	p, km := sp.p, defaultKeysKeyMap()
	switch {
	case key.Matches(msg, km.Cancel), key.Matches(msg, km.SavedFilters):
		return true, nil
	case key.Matches(msg, km.Up):
		sp.cursor = max(0, sp.cursor-1)
	case key.Matches(msg, km.Down):
		sp.cursor = min(max(0, len(sp.filters)-1), sp.cursor+1)
	case key.Matches(msg, km.ApplyFilter):
		if sp.cursor < len(sp.filters) {
			f := sp.filters[sp.cursor]
			p.setFilter(f.Expr)
			return true, ui.Statusf("Applied filter %s.", model.Sanitize(f.Name))
		}
	case key.Matches(msg, km.SaveFilter):
		if !p.env.Can(model.ActionCreate) {
			return false, ui.SetStatus(ui.StatusErr, "Read-only: your role can't save filters.")
		}
		expr := strings.TrimSpace(p.filter.Value())
		if expr == "" || p.filterErr != "" {
			return false, ui.SetStatus(ui.StatusErr, "Type a filter that works first (/), then save it here.")
		}
		q, cmd := confirm.NewPrompt("Save filter \""+model.Sanitize(expr)+"\" as:", "", func(name string) tea.Cmd {
			return sp.save(name, expr)
		}, nil)
		p.ask(q)
		return false, cmd
	case key.Matches(msg, km.DeleteFilter):
		if !p.env.Can(model.ActionDelete) {
			return false, ui.SetStatus(ui.StatusErr, "Read-only: your role can't delete filters.")
		}
		if sp.cursor < len(sp.filters) {
			f, st := sp.filters[sp.cursor], p.env.Store
			name := model.Sanitize(f.Name)
			if f.Builtin() {
				return false, ui.SetStatus(ui.StatusErr, name+" is a built-in filter: it cannot be deleted.")
			}
			p.ask(confirm.New("Delete saved filter "+name+"?", func() tea.Cmd {
				return ui.WithStore(func(ctx context.Context) tea.Msg {
					return filterChangedMsg{verb: "deleted", name: name, err: st.DeleteFilter(ctx, f.ID)}
				})
			}, nil))
		}
	}
	return false, nil
}

func (sp *savedPanel) Help() []key.Binding {
	p, km := sp.p, sp.p.km
	h := []key.Binding{ui.WithHelp(km.ApplyFilter, "enter", "apply")}
	if p.env.Can(model.ActionCreate) {
		h = append(h, ui.WithHelp(km.SaveFilter, "s", "save current filter"), ui.WithHelp(km.DeleteFilter, "d", "delete"))
	}
	return append(h, ui.WithHelp(km.Up, "↑/k", "up"), ui.WithHelp(km.Down, "↓/j", "down"), ui.WithHelp(km.Cancel, "esc", "close"))
}

// View lists the saved filters, cursor first on screen.
func (sp *savedPanel) View(width, height int) string {
	sty := &sp.p.env.Styles
	lines := []string{sty.Header.Render("SAVED FILTERS")}
	switch {
	case !sp.loaded:
		lines = append(lines, sty.Faint.Render("Loading…"))
	case len(sp.filters) == 0:
		lines = append(lines, sty.Faint.Render("No saved filters yet. Type a filter with /, then press F and s to save it."))
	}
	rows := max(1, height-1)
	top := max(0, sp.cursor-rows+1)
	nameW := min(24, max(8, width/3))
	exprW := 0
	for _, f := range sp.filters {
		if f.Builtin() {
			exprW = max(exprW, len(f.Expr))
		}
	}
	for i := top; i < len(sp.filters) && len(lines) <= rows; i++ {
		f := sp.filters[i]
		marker := "  "
		if i == sp.cursor {
			marker = "› "
		}
		line := fmt.Sprintf("%s%s  %s", marker, theme.Pad(model.Sanitize(f.Name), nameW), model.Sanitize(f.Expr))
		if f.Builtin() {
			line = fmt.Sprintf("%s%s  %s  %s", marker, theme.Pad(model.Sanitize(f.Name), nameW),
				theme.Pad(f.Expr, exprW), sty.Faint.Render("built-in"))
		}
		if i == sp.cursor {
			line = sty.Selected.Render(theme.Pad(line, width))
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}
