package keys

import (
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/keyfile"
)

// keyAction is one action of the Keys table, defined once (lazygit's Binding): its keys and
// help (binding), whether it can happen now and, when not, why (check), and what it does
// (run). The dispatch, the footer, the full help and the refusal sentence all read this one
// entry, so they cannot disagree.
type keyAction struct {
	binding *key.Binding // in the page's key map: the footer shows it while it is enabled
	// check reports whether the action can happen now; when it cannot, why is the sentence
	// shown if its key is pressed anyway ("" keeps quiet, e.g. moving in an empty table).
	check func() (ok bool, why string)
	run   func() tea.Cmd
	// column is the action's column in the full help; footer is its place in the footer's
	// one line (0: not there).
	column, footer int
	// release is the store action of one on key material: a refusal for the role is put to
	// the store too, for its audit row (askRefusedRelease).
	release model.Action
	// command is the action's name in the palette (":disable"), args a placeholder for what
	// follows it, about one line on what it does; withArgs runs it with that text. An action
	// without command is not in the palette; one without keys is only there.
	command, args, about string
	withArgs             func(args string) tea.Cmd
}

// Full-help columns of the Keys table.
const (
	helpMove = iota
	helpView
	helpChange
)

// keyActions lists the table's actions in full-help order.
func (p *keysPage) keyActions() keyActions {
	km := &p.km
	always := func() (bool, string) { return true, "" }
	rows := func() (bool, string) { _, has := p.current(); return has, "" }
	move := func(b *key.Binding, run func()) keyAction {
		return keyAction{binding: b, check: rows, column: helpMove, run: func() tea.Cmd { run(); return nil }}
	}
	half := func() int { return max(1, p.pageRows()/2) }
	return keyActions{
		move(&km.Up, func() { p.moveBy(-1) }),
		move(&km.Down, func() { p.moveBy(1) }),
		move(&km.Top, func() { p.moveTo(0) }),
		move(&km.Bottom, func() { p.moveTo(len(p.view) - 1) }),
		move(&km.PageDown, func() { p.moveBy(p.pageRows()) }),
		move(&km.PageUp, func() { p.moveBy(-p.pageRows()) }),
		move(&km.HalfDown, func() { p.moveBy(half()) }),
		move(&km.HalfUp, func() { p.moveBy(-half()) }),

		{binding: &km.Expand, check: rows, column: helpView, footer: 2, run: p.toggleExpanded},
		{binding: &km.Collapse, check: rows, column: helpView, run: p.collapse},
		{binding: &km.ExpandAll, check: rows, column: helpView, run: p.toggleExpandAll},
		{binding: &km.Filter, check: always, column: helpView, footer: 1, run: p.focusFilter},
		{binding: &km.SavedFilters, check: always, column: helpView, run: p.openSaved},
		{binding: &km.Sort, check: always, column: helpView, run: p.nextSort},
		{binding: &km.SortReverse, check: always, column: helpView, run: p.reverseSort},
		{binding: &km.Machines, check: rows, column: helpView, run: func() tea.Cmd {
			r, _ := p.current()
			return ui.Open("Machines", r.k.Name)
		}},
		{binding: &km.Reload, check: always, column: helpView,
			run: func() tea.Cmd { return tea.Batch(p.reload(), ui.Statusf("Reloading keys…")) }},

		{binding: &km.Add, check: p.may(model.ActionCreate, false), column: helpChange, footer: 3,
			run: func() tea.Cmd { return loadFormData(p.env.Store, false, 0) }},
		{binding: &km.Edit, check: p.may(model.ActionUpdate, true), column: helpChange, footer: 4,
			run: func() tea.Cmd { r, _ := p.current(); return loadFormData(p.env.Store, true, r.k.ID) }},
		{binding: &km.Delete, check: p.may(model.ActionDelete, true), column: helpChange, footer: 5, run: p.askDelete},
		{binding: &km.Toggle, check: p.may(model.ActionUpdate, true), column: helpChange, footer: 6, run: p.toggle},
		{binding: &km.Copy, check: p.material(model.ActionCopy, false), column: helpChange, footer: 7, run: p.copyKey, release: model.ActionCopy},
		{binding: &km.Download, check: p.material(model.ActionDownload, true), column: helpChange, footer: 8, run: p.askDownload, release: model.ActionDownload},
		{binding: &km.Reveal, check: p.material(model.ActionReveal, false), column: helpChange, footer: 9, run: p.reveal, release: model.ActionReveal},
	}.reviewed(p)
}

// may is the check of an action that changes keys: the role allows a, and (selected) a key
// is under the cursor.
func (p *keysPage) may(a model.Action, selected bool) func() (bool, string) {
	return func() (bool, string) {
		if !p.env.Can(a) {
			return false, "Read-only: your role (" + model.Sanitize(string(p.env.Actor.Role)) + ") can't change keys."
		}
		if _, has := p.current(); selected && !has {
			return false, "No key selected."
		}
		return true, ""
	}
}

// material is the check of an action on key material: the role allows a, a key is selected,
// it is exportable, and (download) a file written here lands on the operator's machine.
func (p *keysPage) material(a model.Action, download bool) func() (bool, string) {
	return func() (bool, string) {
		if !p.env.Can(a) {
			return false, "Read-only: your role (" + model.Sanitize(string(p.env.Actor.Role)) + ") can't copy, download or reveal key material."
		}
		r, has := p.current()
		switch {
		case !has:
			return false, "No key selected."
		case !r.k.Exportable:
			return false, r.name + " is not exportable: View/Export was turned off."
		case download && p.env.Remote():
			return false, "Downloads would land on the server: on your own machine run `ssh -p PORT HOST export " +
				keyfile.ShellWord(r.name) + " > " + keyfile.ShellWord(keyfile.SafeName(r.name)+".txt") + "`."
		}
		return true, ""
	}
}

// tableKey runs the action whose enabled binding msg matches; a key that names an action
// that cannot happen now gets that action's reason in the status line.
func (p *keysPage) tableKey(msg tea.KeyPressMsg) tea.Cmd {
	for _, a := range p.actions {
		if key.Matches(msg, *a.binding) {
			return a.run()
		}
	}
	for _, a := range p.actions {
		if slices.Contains(a.binding.Keys(), msg.String()) {
			if ok, why := a.check(); !ok && why != "" {
				if r, has := p.current(); has && a.release != "" && !p.env.Can(a.release) {
					return tea.Batch(p.rowRefusal(why), askRefusedRelease(p.env.Store, a.release, r.k.ID))
				}
				return p.rowRefusal(why)
			}
		}
	}
	return nil
}

// syncKeys enables exactly the bindings whose action can happen now; help shows only those.
func (p *keysPage) syncKeys() {
	table := p.onTop() == nil
	for _, a := range p.actions {
		ok, _ := a.check()
		a.binding.SetEnabled(table && ok)
	}
	km := &p.km
	if r, has := p.current(); p.revealID != 0 && has && r.k.ID == p.revealID {
		km.Reveal.SetHelp("v", "hide")
	} else {
		km.Reveal.SetHelp("v", "reveal")
	}
	if p.expandAll {
		km.ExpandAll.SetHelp("E", "collapse all")
	} else {
		km.ExpandAll.SetHelp("E", "expand all")
	}
}

// tableShortHelp is the footer's one line while the table has focus, in footer order.
func (p *keysPage) tableShortHelp() []key.Binding {
	var shown []keyAction
	for _, a := range p.actions {
		if a.footer > 0 {
			shown = append(shown, a)
		}
	}
	slices.SortFunc(shown, func(x, y keyAction) int { return x.footer - y.footer })
	h := make([]key.Binding, len(shown))
	for i, a := range shown {
		h[i] = *a.binding
	}
	return h
}

// tableFullHelp is every action of the table, by column, and the filter language.
func (p *keysPage) tableFullHelp() [][]key.Binding {
	cols := make([][]key.Binding, helpChange+1)
	for _, a := range p.actions {
		if len(a.binding.Keys()) == 0 {
			continue // only in the palette
		}
		cols[a.column] = append(cols[a.column], *a.binding)
	}
	return append(cols, filterLanguage)
}

// filterLanguage is the filter's terms as help entries (model.Filter has the whole
// language): they are examples to type after /, never keys, so no key press matches them.
var filterLanguage = []key.Binding{
	filterTerm("name: group: cert:"),
	filterTerm("status:expired"),
	filterTerm("export:no reenroll:yes"),
	filterTerm("expires:<30d, never"),
	filterTerm("created:<7d updated:>9w"),
	filterTerm("usage:>80% usage:0"),
	filterTerm("used:no machine:web"),
	filterTerm("-term (not)"),
	filterTerm("a|b (either)"),
}

func filterTerm(example string) key.Binding {
	// The key is the example with a NUL in front: no terminal sends that as a key press.
	return key.NewBinding(key.WithKeys("\x00"+example), key.WithHelp(example, ""))
}

func (p *keysPage) toggleExpanded() tea.Cmd {
	if r, ok := p.current(); ok {
		p.expanded[r.k.ID] = !p.isExpanded(r.k.ID)
		p.fixTop()
	}
	return nil
}

func (p *keysPage) collapse() tea.Cmd {
	if r, ok := p.current(); ok {
		p.expanded[r.k.ID] = false
		p.fixTop()
	}
	return nil
}

func (p *keysPage) toggleExpandAll() tea.Cmd {
	p.expandAll = !p.expandAll
	clear(p.expanded)
	p.fixTop()
	return nil
}

func (p *keysPage) focusFilter() tea.Cmd {
	p.push(&filterEditor{p: p})
	p.filter.CursorEnd()
	return p.filter.Focus()
}

func (p *keysPage) nextSort() tea.Cmd {
	p.sortCol = p.cols.NextSortable(p.sortCol)
	p.sortDesc = false
	p.rebuild()
	return nil
}

func (p *keysPage) reverseSort() tea.Cmd {
	p.sortDesc = !p.sortDesc
	p.rebuild()
	return nil
}
