// Package keys is the dashboard's Keys page: the table of keys with the filter language,
// marks and the palette, copy, reveal and download. Its parts that stand alone are packages
// below it, which never import it: keyform (the add wizard, edit form, conflict dialog and
// created-key screen), columns, savedfilters, activity, bulk, reveal and downloads.
package keys

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/keyset"
	"provkeys/ui/pages/keys/activity"
	"provkeys/ui/pages/keys/keyform"
	"provkeys/ui/theme"
)

// keysPage is the Keys view: the reference page of DESIGN.md §1.
type keysPage struct {
	env     *ui.Env
	km      keysKeyMap
	actions keyActions // the table's actions, each defined once (keysbindings.go)

	// stack is what is on top of the table, bottom first: the one record of it (overlay.go).
	stack []overlay

	set     *keyset.Set // every loaded key, shared (package keyset)
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

	// rowStatus is the status line's message about the row under the cursor (a refusal),
	// taken off the line when the cursor leaves that row.
	rowStatus ui.RowStatus

	revealID     int64
	revealSecret string
	revealToken  int

	review // marks, the palette, the hygiene summary, columns (review.go)

	activity activity.Cache // expanded keys' last enrollment and chart

	width, height int
}

// New is the Keys page on e; Init loads the keys.
func New(e *ui.Env) *keysPage {
	ti := theme.SteadyInput()
	ti.Prompt = "/ "
	ti.Placeholder = "filter…  (name:, group:, cert:, status:, reenroll:, export:, used:, machine:)"
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
func (p *keysPage) Capturing() bool { return p.onTop() != nil }

// Update handles one message and then re-derives which bindings are live.
func (p *keysPage) Update(msg tea.Msg) tea.Cmd {
	if p.activity.Note(msg) {
		return nil
	}
	cmd := p.update(msg)
	p.syncKeys()
	cmd = tea.Batch(cmd, p.wantActivity())
	if clear := p.rowStatus.Follow(p.cursorID); clear != nil {
		cmd = tea.Batch(cmd, clear)
	}
	return cmd
}

// rowRefusal shows why an action on the row under the cursor cannot happen, until the
// cursor leaves that row.
func (p *keysPage) rowRefusal(why string) tea.Cmd {
	var id int64
	if _, has := p.current(); has {
		id = p.cursorID
	}
	return p.rowStatus.Show(id, ui.StatusErr, why)
}

func (p *keysPage) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case ui.ActorChangedMsg:
		p.hideReveal()
		return nil
	case ui.PageSizeMsg:
		p.width, p.height = msg.Width, msg.Height
		p.fixTop()
		if f, ok := find[*keyform.Form](p); ok {
			f.Resize(p.width, p.height-1)
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
		return tea.Batch(p.askColumns(), p.askMachineCounts())
	case ui.DataChangedMsg:
		return p.reload()
	case tea.KeyPressMsg:
		if o := p.onTop(); o != nil {
			return p.route(o, msg)
		}
		return p.tableKey(msg)
	}
	if cmd, ok := p.reviewResult(msg); ok {
		return cmd
	}
	if cmd, ok := p.handleResult(msg); ok {
		return cmd
	}
	// Everything else (a paste, a cursor blink, huh's own messages) is input for the top.
	if o := p.onTop(); o != nil {
		return p.route(o, msg)
	}
	return nil
}

// ShortHelp is the footer's one line: the top overlay's, else the table's.
func (p *keysPage) ShortHelp() []key.Binding {
	if o := p.onTop(); o != nil {
		return o.Help()
	}
	return p.tableShortHelp()
}

// FullHelp is every live binding, by column.
func (p *keysPage) FullHelp() [][]key.Binding {
	if o := p.onTop(); o != nil {
		return [][]key.Binding{o.Help()}
	}
	return p.tableFullHelp()
}
