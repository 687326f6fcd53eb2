package keys

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/palette"
	"provkeys/ui/pages/keys/bulk"
	"provkeys/ui/pages/keys/columns"
)

// review is the Keys page's review state (DESIGN.md §10): the marks, the command palette
// and its recently used commands, the hygiene counts and the chosen columns.
type review struct {
	rk      reviewKeyMap
	marks   map[int64]struct{} // marked keys, by id
	hygiene [len(hygieneParts)]int
	recent  []string // palette commands, most recent first (per dashboard)
	cols    columns.Choice
	// colsAsked is set once the operator's columns were asked of the store.
	colsAsked bool
	// machines is each key's unrevoked machines while the machines column shows (nil
	// until loaded); machinesSeq drops an answer older than the latest question.
	machines    map[int64]int
	machinesSeq int
}

func newReview() review {
	return review{rk: defaultReviewKeyMap(), marks: map[int64]struct{}{}, cols: columns.Default()}
}

// keyActions is the Keys table's bindings table.
type keyActions []keyAction

// reviewed gives the actions their palette names, lets the changes act on the marks when
// there are any, and adds the review's own actions.
func (as keyActions) reviewed(p *keysPage) keyActions {
	km := &p.km
	name := func(b *key.Binding, command, about string) *keyAction {
		for i := range as {
			if as[i].binding == b {
				as[i].command, as[i].about = command, about
				return &as[i]
			}
		}
		return nil
	}
	name(&km.ExpandAll, "expand all", "expand or collapse every row")
	name(&km.Filter, "filter bar", "type a filter")
	name(&km.Sort, "sort", "sort by the next column")
	name(&km.SortReverse, "reverse", "reverse the sort")
	name(&km.Reload, "reload", "reload the keys")
	name(&km.Add, "add", "add a key (the wizard)")
	name(&km.Edit, "edit", "edit the key under the cursor")
	name(&km.Reveal, "reveal", "show or hide the key's material")
	name(&km.Copy, "copy", "copy the key to your clipboard")
	saved := name(&km.SavedFilters, "filter", "apply a saved or built-in filter: :filter NAME")
	saved.args, saved.withArgs = "NAME", p.applyNamedFilter

	onMarks := func(a *keyAction, check func() (bool, string), run func() tea.Cmd) {
		one, oneCheck := a.run, a.check
		a.check = func() (bool, string) {
			if len(p.marks) > 0 {
				return check()
			}
			return oneCheck()
		}
		a.run = func() tea.Cmd {
			if len(p.marks) > 0 {
				return run()
			}
			return one()
		}
	}
	changes := func() (bool, string) { return p.bulkCheck(model.ActionUpdate) }
	deletes := func() (bool, string) { return p.bulkCheck(model.ActionDelete) }
	exports := func() (bool, string) {
		if !p.env.Can(model.ActionExport) {
			return false, "Read-only: your role (" + model.Sanitize(string(p.env.Actor.Role)) + ") can't copy, download or reveal key material."
		}
		if p.env.Remote() {
			return false, "An export file would land on the server: run `ssh -p PORT HOST keys export NAME` on your own machine."
		}
		return true, ""
	}
	oneKey := func() (bool, string) {
		return false, "That takes one key: esc clears the marks, or :export FILE writes every marked key."
	}
	onMarks(name(&km.Toggle, "toggle", "enable or disable the key (marked: disable all, or enable all when all are off)"), changes, p.toggleMarked)
	onMarks(name(&km.Delete, "delete", "delete the key or every marked key, after one question"), deletes, p.askBulkDelete)
	onMarks(name(&km.Download, "download", "write the key to a file"), exports, func() tea.Cmd { return p.askBulkExport("") })
	onMarks(name(&km.Copy, "copy", "copy the key to your clipboard"), oneKey, nil)
	onMarks(name(&km.Reveal, "reveal", "show or hide the key's material"), oneKey, nil)

	rk := &p.rk
	always := func() (bool, string) { return true, "" }
	rows := func() (bool, string) { _, has := p.current(); return has, "" }
	none := func(help string) *key.Binding { b := key.NewBinding(key.WithHelp("", help)); return &b }
	as = append(as,
		keyAction{binding: &rk.Mark, check: rows, column: helpView, footer: 10, run: p.toggleMark},
		keyAction{binding: &rk.MarkAll, check: rows, column: helpView, run: p.markAll,
			command: "mark all", about: "mark every key the filter shows"},
		keyAction{binding: &rk.Escape, check: p.escapeCheck, column: helpView, footer: 11, run: p.escape,
			command: "clear", about: "clear the marks, then the filter"},
		keyAction{binding: &rk.Palette, check: always, column: helpView, footer: 12, run: p.openPalette},
	)
	for i := range hygieneParts {
		h := hygieneParts[i]
		as = append(as, keyAction{binding: &rk.Jump[i], check: always, column: helpView, run: func() tea.Cmd { return p.jumpTo(i) },
			command: h.short, about: "show the keys " + h.label + " (" + builtinExpr(h.filter) + ")"})
	}
	as = append(as,
		keyAction{binding: none("enable"), check: changes, column: helpChange, command: "enable", about: "enable the marked keys (or the cursor's)",
			run: func() tea.Cmd { return p.bulkEnable(true) }},
		keyAction{binding: none("disable"), check: changes, column: helpChange, command: "disable", about: "disable the marked keys (or the cursor's)",
			run: func() tea.Cmd { return p.bulkEnable(false) }},
		keyAction{binding: none("export"), check: exports, column: helpChange, command: "export", args: "FILE",
			about: "write the marked keys (or the cursor's) to one 0600 file of name<TAB>key lines", withArgs: p.askBulkExport},
		keyAction{binding: none("extend"), check: changes, column: helpChange, command: "extend", args: "DURATION",
			about: "move the expiry later, such as :extend 30d", withArgs: p.bulkExtend},
		keyAction{binding: none("group add"), check: changes, column: helpChange, command: "group add", args: "NAME",
			about: "add the keys to a machine group", withArgs: func(s string) tea.Cmd { return p.bulkGroup(true, s) }},
		keyAction{binding: none("group remove"), check: changes, column: helpChange, command: "group remove", args: "NAME",
			about: "take the keys out of a machine group", withArgs: func(s string) tea.Cmd { return p.bulkGroup(false, s) }},
		keyAction{binding: none("rotate"), check: p.may(model.ActionUpdate, true), column: helpChange, command: "rotate",
			about: "give the cursor's key a new secret, same settings (shown once)", run: p.askRotate},
		keyAction{binding: none("history"), check: rows, column: helpView, command: "history",
			about: "open the Audit view on the cursor's key", run: p.history},
		keyAction{binding: none("columns"), check: always, column: helpView, command: "columns",
			about: "choose and order the table's columns", run: p.openColumns},
	)
	for _, v := range []struct{ command, page string }{
		{"groups", "Machine Groups"}, {"certs", "Certificates"}, {"machines", "Machines"}, {"audit", "Audit"},
	} {
		as = append(as, keyAction{binding: none(v.command), check: always, column: helpView, command: v.command,
			about: "open the " + v.page + " view", run: func() tea.Cmd { return ui.Open(v.page, "") }})
	}
	return as
}

// markOf is the table's mark glyph test, nil (no work per row) when nothing is marked.
func (p *keysPage) markOf(pos func(int) int) func(int) bool {
	if len(p.marks) == 0 {
		return nil
	}
	return func(i int) bool { return p.marked(p.set.Table.ID(pos(i))) }
}

// openPalette opens the command palette over the actions that have a name.
func (p *keysPage) openPalette() tea.Cmd {
	var entries []palette.Entry
	seen := map[string]bool{}
	for _, a := range p.actions {
		if a.command == "" || seen[a.command] {
			continue
		}
		seen[a.command] = true
		entries = append(entries, palette.Entry{Name: a.command, Args: a.args, Key: a.binding.Help().Key, About: a.about})
	}
	pal, cmd := palette.New(entries, p.recent)
	p.push(&paletteOverlay{p: p, pal: pal})
	return cmd
}

// paletteOverlay is the open command palette, on top of the table.
type paletteOverlay struct {
	p   *keysPage
	pal *palette.Model
}

func (o *paletteOverlay) Update(msg tea.Msg) (bool, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return false, o.pal.Forward(msg)
	}
	done, chosen, cmd := o.pal.Update(k)
	if !done {
		return false, cmd
	}
	return true, o.p.runChosen(chosen)
}

func (o *paletteOverlay) View(width, height int) string {
	return o.pal.View(width, height, &o.p.env.Styles)
}
func (o *paletteOverlay) Help() []key.Binding { return o.pal.Help() }

// runChosen runs what the palette chose, through the same check as the action's key: a
// refusal is the same sentence.
func (p *keysPage) runChosen(chosen *palette.Choice) tea.Cmd {
	if chosen == nil {
		return nil
	}
	p.recent = palette.Remember(p.recent, chosen.Entry.Name)
	for _, a := range p.actions {
		if a.command != chosen.Entry.Name {
			continue
		}
		if ok, why := a.check(); !ok {
			if why == "" {
				why = "Nothing to do here for :" + a.command + "."
			}
			return ui.SetStatus(ui.StatusErr, why)
		}
		if a.withArgs != nil && (chosen.Args != "" || a.args != "") {
			return a.withArgs(chosen.Args)
		}
		return a.run()
	}
	return nil
}

// applyNamedFilter applies the built-in or saved filter called name (":filter NAME"), or
// opens the list (F) when no name is given.
func (p *keysPage) applyNamedFilter(name string) tea.Cmd {
	if strings.TrimSpace(name) == "" {
		return p.openSaved()
	}
	for _, b := range model.BuiltinFilters() {
		if strings.EqualFold(b.Name, name) {
			p.setFilter(b.Expr)
			return ui.Statusf("Applied filter %s.", b.Name)
		}
	}
	return loadNamedFilter(p.env.Store, name)
}

// history opens the Audit view on the cursor's key.
func (p *keysPage) history() tea.Cmd {
	r, ok := p.current()
	if !ok {
		return nil
	}
	return ui.Open("Audit", r.k.Name)
}

// reviewResult applies the review's results; ok is false for messages it doesn't know.
func (p *keysPage) reviewResult(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case bulk.DoneMsg:
		return msg.Report(), true
	case bulk.ExportMsg:
		return msg.Report(), true
	case namedFilterMsg:
		return p.namedFilter(msg), true
	case rotatedMsg:
		return p.rotated(msg), true
	case columnsMsg:
		return p.columnsLoaded(msg), true
	case machineCountsMsg:
		return p.machineCountsLoaded(msg), true
	case ui.OpenMsg:
		if msg.Page == p.Title() {
			p.stack = nil
			p.setFilter(msg.Filter)
		}
		return nil, true
	}
	return nil, false
}
