// Package keys is the dashboard's Keys page: the table of keys with the filter language,
// saved filters, the add wizard and edit form, the conflict dialog, copy, reveal and download.
package keys

import (
	"provkeys/ui"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui/components/confirm"
	"provkeys/ui/keyset"
	"provkeys/ui/theme"
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
	env     *ui.Env
	km      keysKeyMap
	actions keyActions // the table's actions, each defined once (keysbindings.go)

	mode keysMode
	ask  *confirm.Question // a y/n question or a one-line prompt on top of any mode

	set     *keyset.Set // every loaded key, shared (see keyset.go)
	view    []int32     // positions in set.table: filtered and sorted; read-only, may be shared
	viewBuf []int32     // the page's own memory for view
	filters keyset.FilterCache
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

	review // marks, the palette, the hygiene summary, columns (review.go)

	width, height int
}

func New(e *ui.Env) *keysPage {
	ti := theme.SteadyInput()
	ti.Prompt = "/ "
	ti.Placeholder = "filter…  (name:, group:, cert:, status:, reenroll:, export:)"
	p := &keysPage{env: e, km: defaultKeysKeyMap(), filter: ti, expanded: map[int64]bool{}, cursor: -1, cursorPos: -1,
		paints: newKeyPaints(&e.Styles), review: newReview()}
	p.km.Expand.SetKeys("enter", "right", "l") // space marks (DESIGN.md §10)
	p.actions = p.keyActions()
	p.syncKeys()
	return p
}

// Title is the tab caption.
func (p *keysPage) Title() string { return "Keys" }

// Init loads the keys: first a screen from the first keys (ListKeysHead), then the whole
// listing, unless a shared listing exists; the two are not started together, so that the
// quick one does not wait for CPU.
func (p *keysPage) Init() tea.Cmd {
	if !p.env.Opts.Keys.Warm() {
		p.loadSeq++
		return loadKeysHead(p.env.Store, p.loadSeq)
	}
	return p.reload()
}

func (p *keysPage) reload() tea.Cmd {
	p.loadSeq++
	return loadKeys(p.env.Store, p.env.Opts.Keys, p.loadSeq)
}

// Capturing is true whenever typed keys belong to the page rather than to the root.
func (p *keysPage) Capturing() bool {
	return p.ask != nil || p.mode != modeTable || p.pal != nil || p.chooser != nil
}

// Update handles one message and then re-derives which bindings are live.
func (p *keysPage) Update(msg tea.Msg) tea.Cmd {
	cmd := p.update(msg)
	p.syncKeys()
	return cmd
}

func (p *keysPage) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case ui.ActorChangedMsg:
		p.hideReveal()
		return nil
	case ui.PageSizeMsg:
		p.width, p.height = msg.Width, msg.Height
		p.fixTop()
		if p.form != nil {
			p.form.Resize(p.width, p.height-1)
		}
		return nil
	case keysHeadMsg:
		if msg.seq != p.loadSeq {
			return nil // a reload is on its way already
		}
		if msg.err == nil && !p.loaded {
			p.headTotal = msg.total
			p.setKeySet(keyset.Of(msg.keys))
		}
		return tea.Batch(p.reload(), p.askColumns()) // the whole listing; it reports errors, if any
	case keysLoadedMsg:
		if msg.seq != p.loadSeq {
			return nil // a newer load is on its way
		}
		p.headTotal = 0
		p.loadErr = msg.err
		if msg.err != nil {
			return ui.Failed("load keys", msg.err)
		}
		p.loaded = true
		if msg.set == nil {
			msg.set = keyset.Of(msg.keys)
		}
		p.setKeySet(msg.set)
		return p.askColumns()
	case ui.DataChangedMsg:
		return p.reload()
	case tea.KeyPressMsg:
		return p.handleKey(msg)
	case tea.PasteMsg:
		return p.forwardInput(msg)
	}
	if cmd, ok := p.reviewResult(msg); ok {
		return cmd
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
	case p.ask != nil && p.ask.TakesText():
		return p.ask.Forward(msg)
	case p.pal != nil:
		return p.pal.Forward(msg)
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
	if p.pal != nil {
		return p.paletteKey(msg)
	}
	if p.chooser != nil {
		return p.chooserKey(msg)
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

// ShortHelp is the footer's one line for the current mode.
func (p *keysPage) ShortHelp() []key.Binding {
	km := p.km
	if p.ask != nil {
		return p.ask.Help()
	}
	if p.pal != nil {
		return p.pal.Help()
	}
	if p.chooser != nil {
		return p.chooser.help()
	}
	switch p.mode {
	case modeFilter:
		return []key.Binding{ui.WithHelp(km.Accept, "enter", "keep filter"), ui.WithHelp(km.Cancel, "esc", "clear filter")}
	case modeForm:
		return p.formHelp()
	case modeCreated:
		return p.createdHelp()
	case modeSaved:
		return p.savedHelp()
	}
	return p.tableShortHelp()
}

// FullHelp is every live binding, by column.
func (p *keysPage) FullHelp() [][]key.Binding {
	if p.Capturing() {
		return [][]key.Binding{p.ShortHelp()}
	}
	return p.tableFullHelp()
}

// answer routes a key to the open question and closes it when answered.
func (p *keysPage) answer(msg tea.KeyPressMsg) tea.Cmd {
	q := p.ask
	done, cmd := q.Update(msg)
	if done && p.ask == q {
		p.ask = nil
	}
	return cmd
}
