package ui

import (
	"slices"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui/keyfile"
)

// keysMode is what the Keys view shows below its bar.
type keysMode int

const (
	modeTable   keysMode = iota
	modeFilter           // typing in the filter bar, the table filtering live
	modeForm             // the add wizard or the edit form
	modeCreated          // a new key, shown once
	modeSaved            // the saved-filters list
)

// keysPage is the Keys view: the reference page of DESIGN.md §1.
type keysPage struct {
	env *env
	km  keysKeyMap

	mode keysMode
	ask  *question // a y/n question or a one-line prompt on top of any mode

	set     *keySet // every loaded key, shared (see keyset.go)
	view    []int32 // positions in set.table: filtered and sorted; read-only, may be shared
	viewBuf []int32 // the page's own memory for view
	filters filterCache
	loaded  bool
	// headTotal is the number of keys while only the first screenful is loaded, else 0.
	headTotal int
	loadErr   error
	loadSeq   int

	cursorID  int64   // the key under the cursor, by id so it survives filter, sort and reload
	cursorPos int     // its position in set.table, -1 when unknown
	cursor    int     // its position in view
	cur       *keyRow // the key under the cursor, built on demand
	paints    keyPaints
	top       int // first row drawn
	expanded  map[int64]bool
	expandAll bool
	sortCol   int
	sortDesc  bool

	filter    textinput.Model
	active    model.Filter // the last filter that parsed
	filterErr string

	revealID     int64
	revealSecret string
	revealToken  int

	form     *keyForm
	conflict *conflictDialog // over the edit form when its save met a newer version
	created  *createdKey
	saved    *savedPanel

	pendingDownload pendingDownload // what the open download prompt is for

	width, height int
}

func newKeysPage(e *env) *keysPage {
	ti := steadyInput()
	ti.Prompt = "/ "
	ti.Placeholder = "filter…  (name:, group:, cert:, status:, reenroll:, export:)"
	p := &keysPage{env: e, km: defaultKeysKeyMap(), filter: ti, expanded: map[int64]bool{}, cursor: -1, cursorPos: -1,
		paints: newKeyPaints(&e.styles)}
	p.syncKeys()
	return p
}

// Title is the tab caption.
func (p *keysPage) Title() string { return "Keys" }

// Init loads the keys: first a screen from the first keys (ListKeysHead), then the whole
// listing, unless a shared listing exists; the two are not started together, so that the
// quick one does not wait for CPU.
func (p *keysPage) Init() tea.Cmd {
	if !p.env.opts.Keys.warm() {
		p.loadSeq++
		return loadKeysHead(p.env.store, p.loadSeq)
	}
	return p.reload()
}

func (p *keysPage) reload() tea.Cmd {
	p.loadSeq++
	return loadKeys(p.env.store, p.env.opts.Keys, p.loadSeq)
}

// Capturing is true whenever typed keys belong to the page rather than to the root.
func (p *keysPage) Capturing() bool { return p.ask != nil || p.mode != modeTable }

// Update handles one message and then re-derives which bindings are live.
func (p *keysPage) Update(msg tea.Msg) tea.Cmd {
	cmd := p.update(msg)
	p.syncKeys()
	return cmd
}

func (p *keysPage) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case pageSizeMsg:
		p.width, p.height = msg.width, msg.height
		p.fixTop()
		if p.form != nil {
			p.form.resize(p.width, p.height-1)
		}
		return nil
	case keysHeadMsg:
		if msg.seq != p.loadSeq {
			return nil // a reload is on its way already
		}
		if msg.err == nil && !p.loaded {
			p.headTotal = msg.total
			p.setKeySet(keySetOf(msg.keys))
		}
		return p.reload() // the whole listing; it reports errors, if any
	case keysLoadedMsg:
		if msg.seq != p.loadSeq {
			return nil // a newer load is on its way
		}
		p.headTotal = 0
		p.loadErr = msg.err
		if msg.err != nil {
			return failed("load keys", msg.err)
		}
		p.loaded = true
		if msg.set == nil {
			msg.set = keySetOf(msg.keys)
		}
		p.setKeySet(msg.set)
		return nil
	case dataChangedMsg:
		return p.reload()
	case tea.KeyPressMsg:
		return p.handleKey(msg)
	case tea.PasteMsg:
		return p.forwardInput(msg)
	}
	if cmd, ok := p.handleResult(msg); ok {
		return cmd
	}
	return p.forwardInput(msg)
}

// forwardInput hands everything else (cursor blinks, huh's own messages, pastes) to whatever
// takes input right now.
func (p *keysPage) forwardInput(msg tea.Msg) tea.Cmd {
	switch {
	case p.ask != nil && p.ask.input != nil:
		var cmd tea.Cmd
		*p.ask.input, cmd = p.ask.input.Update(msg)
		return cmd
	case p.mode == modeFilter:
		return p.updateFilterInput(msg)
	case p.mode == modeForm && p.form != nil:
		return p.updateForm(msg)
	}
	return nil
}

func (p *keysPage) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if p.ask != nil {
		return p.answer(msg)
	}
	switch p.mode {
	case modeFilter:
		return p.filterKey(msg)
	case modeForm:
		return p.formKey(msg)
	case modeCreated:
		return p.createdScreenKey(msg)
	case modeSaved:
		return p.savedKey(msg)
	}
	return p.tableKey(msg)
}

// tableKey handles keys while the table has focus.
func (p *keysPage) tableKey(msg tea.KeyPressMsg) tea.Cmd {
	km := &p.km
	switch {
	case key.Matches(msg, km.Up):
		p.moveBy(-1)
	case key.Matches(msg, km.Down):
		p.moveBy(1)
	case key.Matches(msg, km.Top):
		p.moveTo(0)
	case key.Matches(msg, km.Bottom):
		p.moveTo(len(p.view) - 1)
	case key.Matches(msg, km.PageDown):
		p.moveBy(p.pageRows())
	case key.Matches(msg, km.PageUp):
		p.moveBy(-p.pageRows())
	case key.Matches(msg, km.HalfDown):
		p.moveBy(max(1, p.pageRows()/2))
	case key.Matches(msg, km.HalfUp):
		p.moveBy(-max(1, p.pageRows()/2))
	case key.Matches(msg, km.Expand):
		if r, ok := p.current(); ok {
			p.expanded[r.k.ID] = !p.isExpanded(r.k.ID)
			p.fixTop()
		}
	case key.Matches(msg, km.Collapse):
		if r, ok := p.current(); ok {
			p.expanded[r.k.ID] = false
			p.fixTop()
		}
	case key.Matches(msg, km.ExpandAll):
		p.expandAll = !p.expandAll
		clear(p.expanded)
		p.fixTop()
	case key.Matches(msg, km.Filter):
		p.mode = modeFilter
		p.filter.CursorEnd()
		return p.filter.Focus()
	case key.Matches(msg, km.SavedFilters):
		return p.openSaved()
	case key.Matches(msg, km.Sort):
		p.sortCol = (p.sortCol + 1) % len(keyColumns)
		p.sortDesc = false
		p.rebuild()
	case key.Matches(msg, km.SortReverse):
		p.sortDesc = !p.sortDesc
		p.rebuild()
	case key.Matches(msg, km.Reload):
		return tea.Batch(p.reload(), statusf("Reloading keys…"))
	case key.Matches(msg, km.Add):
		return loadFormData(p.env.store, false, 0)
	case key.Matches(msg, km.Edit):
		r, _ := p.current()
		return loadFormData(p.env.store, true, r.k.ID)
	case key.Matches(msg, km.Delete):
		return p.askDelete()
	case key.Matches(msg, km.Toggle):
		return p.toggle()
	case key.Matches(msg, km.Copy):
		return p.copyKey()
	case key.Matches(msg, km.Download):
		return p.askDownload()
	case key.Matches(msg, km.Reveal):
		return p.reveal()
	default:
		if why := p.refusal(msg); why != "" {
			return setStatus(statusErr, why)
		}
	}
	return nil
}

// refusal explains why a key that names an action did nothing: the role is read-only, no key
// is selected, the key is not exportable, or downloads would land on the SSH server.
func (p *keysPage) refusal(msg tea.KeyPressMsg) string {
	s := msg.String()
	on := func(b key.Binding) bool { return slices.Contains(b.Keys(), s) }
	km := defaultKeysKeyMap() // the keys, whether or not enabled now
	material := on(km.Copy) || on(km.Download) || on(km.Reveal)
	change := on(km.Add) || on(km.Edit) || on(km.Delete) || on(km.Toggle)
	if !material && !change {
		return ""
	}
	role := model.Sanitize(string(p.env.actor.Role))
	switch {
	case on(km.Add) && !p.env.can(model.ActionCreate),
		(on(km.Edit) || on(km.Toggle)) && !p.env.can(model.ActionUpdate),
		on(km.Delete) && !p.env.can(model.ActionDelete):
		return "Read-only: your role (" + role + ") can't change keys."
	case material && !p.env.can(model.ActionExport):
		return "Read-only: your role (" + role + ") can't copy, download or reveal key material."
	}
	r, ok := p.current()
	switch {
	case !ok:
		return "No key selected."
	case material && !r.k.Exportable:
		return r.name + " is not exportable: View/Export was turned off."
	case on(km.Download) && p.env.remote():
		return "Downloads would land on the server: on your own machine run `ssh … export " + r.name + " > " + keyfile.SafeName(r.name) + "`."
	}
	return ""
}

// syncKeys enables exactly the bindings whose action can happen now; help shows only those.
func (p *keysPage) syncKeys() {
	km := &p.km
	r, has := p.current()
	table := p.mode == modeTable && p.ask == nil
	for _, b := range []*key.Binding{&km.Up, &km.Down, &km.Top, &km.Bottom, &km.PageUp, &km.PageDown,
		&km.HalfUp, &km.HalfDown, &km.Expand, &km.Collapse} {
		b.SetEnabled(table && has)
	}
	km.ExpandAll.SetEnabled(table && has)
	km.Filter.SetEnabled(table)
	km.SavedFilters.SetEnabled(table)
	km.Sort.SetEnabled(table)
	km.SortReverse.SetEnabled(table)
	km.Reload.SetEnabled(table)
	km.Add.SetEnabled(table && p.env.can(model.ActionCreate))
	km.Edit.SetEnabled(table && has && p.env.can(model.ActionUpdate))
	km.Delete.SetEnabled(table && has && p.env.can(model.ActionDelete))
	km.Toggle.SetEnabled(table && has && p.env.can(model.ActionUpdate))
	material := table && has && r.k.Exportable
	km.Copy.SetEnabled(material && p.env.can(model.ActionExport))
	km.Download.SetEnabled(material && p.env.can(model.ActionExport) && !p.env.remote())
	km.Reveal.SetEnabled(material && p.env.can(model.ActionReveal))
	if p.revealID != 0 && has && r.k.ID == p.revealID {
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

// ShortHelp is the footer's one line for the current mode.
func (p *keysPage) ShortHelp() []key.Binding {
	km := p.km
	if p.ask != nil {
		return p.ask.help()
	}
	switch p.mode {
	case modeFilter:
		return []key.Binding{withHelp(km.Accept, "enter", "keep filter"), withHelp(km.Cancel, "esc", "clear filter")}
	case modeForm:
		return p.formHelp()
	case modeCreated:
		return p.createdHelp()
	case modeSaved:
		return p.savedHelp()
	}
	return []key.Binding{km.Filter, km.Expand, km.Add, km.Edit, km.Delete, km.Toggle, km.Copy, km.Download, km.Reveal}
}

// FullHelp is every live binding, by column.
func (p *keysPage) FullHelp() [][]key.Binding {
	if p.ask != nil || p.mode != modeTable {
		return [][]key.Binding{p.ShortHelp()}
	}
	km := p.km
	return [][]key.Binding{
		km.moveKeyMap.column(),
		{km.Expand, km.Collapse, km.ExpandAll, km.Filter, km.SavedFilters, km.Sort, km.SortReverse, km.Reload},
		{km.Add, km.Edit, km.Delete, km.Toggle, km.Copy, km.Download, km.Reveal},
	}
}

// withHelp returns b with other help text, for modes that reuse a key for something else.
func withHelp(b key.Binding, k, desc string) key.Binding {
	b.SetHelp(k, desc)
	b.SetEnabled(true)
	return b
}
