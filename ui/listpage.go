package ui

import (
	"context"
	"errors"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"provkeys/model"
	"provkeys/ui/components/confirm"
	"provkeys/ui/components/table"
	"provkeys/ui/theme"
)

// listPage is the one list page: Machine Groups, Certificates and Audit (and the coming
// Machines view) are each a listSpec embedded in it, as gh-dash's sections embed one base.
// Loading, reloading on a change, the filter bar, the cursor, expanded rows, the confirm
// question, the form's plumbing, the footer and the view are written here once; a page adds
// only its rows, its columns and its own actions.
type listPage[S, T any] struct {
	env  *env
	spec listSpec[S, T]
	km   listKeyMap
	list listPane[T]
	ask  *confirm.Question // a y/n question over the bar (delete)
	form *objForm          // the page's form, when open
}

// listSpec configures a listPage. S is what the store lists, T the row drawn for it.
type listSpec[S, T any] struct {
	title       string        // the tab caption
	plural      string        // "machine groups": in notices and failures
	barNoun     func() string // "groups": in the bar's "N of M groups"
	placeholder string        // the filter bar's hint
	reloading   string        // the status while ctrl+r reloads

	load func(s Store, ctx context.Context) ([]S, error) // a method expression: Store.ListGroups
	// rows builds the display rows once per load, sanitized and clipped.
	rows func(items []S) []T
	id   func(*T) int64
	text func(*T) string // what the filter looks in
	// followTop keeps a cursor at the top on the newest row after a reload (tail -f).
	followTop bool

	columns func(width int) []table.Column
	cell    func(r *T, col int, now time.Time) string
	style   func(r *T, col int, now time.Time) (lipgloss.Style, bool)
	detail  func(r *T, width int) []string
	empty   func() string // the notice when there is nothing at all

	// changes, when set, is how objectChangedMsg results for this page are worded and when
	// they reload; nil for a read-only page.
	changes *listChanges

	// actions are the page's own: what it offers besides moving, filtering and reloading.
	actions listActions
	// forms, when set, is the page's form: a read-only page has none.
	forms listForms
}

// listActions is what a list page offers of its own: enable sets the bindings of the
// actions that can happen now, act runs a key the list did not take (or says why it did
// nothing), short and full are the actions' help for the footer and the full help.
type listActions interface {
	enable(km *listKeyMap, table, has bool)
	act(msg tea.KeyPressMsg) tea.Cmd
	short(km *listKeyMap) []key.Binding
	full(km *listKeyMap) []key.Binding
}

// listForms is a list page's form: result takes the page's own results (a save, an
// import; ok is false for other messages), updateForm feeds the open form, closeForm
// answers esc on it.
type listForms interface {
	result(msg tea.Msg) (tea.Cmd, bool)
	updateForm(msg tea.Msg) tea.Cmd
	closeForm() tea.Cmd
}

// listChanges words a change's result: object names the kind ("machine group"); stale lists
// the errors after which the list is reloaded, since it no longer shows the store.
type listChanges struct {
	pageID string
	object string
	stale  []error
}

// listLoadedMsg is a list page's load result; seq drops stale loads.
type listLoadedMsg[S any] struct {
	seq   int
	items []S
	err   error
}

// newListPage builds the page from spec.
func newListPage[S, T any](e *env, spec listSpec[S, T]) listPage[S, T] {
	return listPage[S, T]{env: e, spec: spec, km: defaultListKeyMap(),
		list: newListPane(spec.id, spec.text, spec.placeholder)}
}

// Title is the tab caption.
func (p *listPage[S, T]) Title() string { return p.spec.title }

// Init loads the list.
func (p *listPage[S, T]) Init() tea.Cmd { return p.reload() }

// reload starts a load; a result older than the latest request is dropped.
func (p *listPage[S, T]) reload() tea.Cmd {
	p.list.seq++
	seq, store, load := p.list.seq, p.env.store, p.spec.load
	return withStore(func(ctx context.Context) tea.Msg {
		items, err := load(store, ctx)
		return listLoadedMsg[S]{seq: seq, items: items, err: err}
	})
}

// Capturing is true while the filter bar, the form or the confirmation takes the keys.
func (p *listPage[S, T]) Capturing() bool { return p.ask != nil || p.form != nil || p.list.typing }

// Update handles one message, then re-derives the live bindings and the scroll position.
func (p *listPage[S, T]) Update(msg tea.Msg) tea.Cmd {
	msg, ok := cleanInput(msg)
	if !ok {
		return nil
	}
	cmd := p.update(msg)
	p.sync()
	p.list.fixTop(p.tableView())
	return cmd
}

func (p *listPage[S, T]) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case pageSizeMsg:
		p.list.width, p.list.height = msg.width, msg.height
		if p.form != nil {
			p.form.resizeTo(msg.width, msg.height)
		}
		return nil
	case listLoadedMsg[S]:
		return p.loaded(msg)
	case dataChangedMsg:
		return p.reload()
	case objectChangedMsg:
		return p.changed(msg)
	case tea.KeyPressMsg:
		return p.handleKey(msg)
	}
	if p.spec.forms != nil {
		if cmd, ok := p.spec.forms.result(msg); ok {
			return cmd
		}
	}
	switch {
	case p.form != nil:
		return p.spec.forms.updateForm(msg)
	case p.list.typing:
		return p.list.updateFilter(msg)
	}
	return nil
}

func (p *listPage[S, T]) loaded(msg listLoadedMsg[S]) tea.Cmd {
	if msg.seq != p.list.seq {
		return nil // a newer load is on its way
	}
	if msg.err != nil {
		p.list.loadErr = msg.err
		return failed("load "+p.spec.plural, msg.err)
	}
	if p.spec.followTop && p.list.cursor <= 0 {
		p.list.cursorID = 0 // at the top it follows the newest row, as tail -f does
	}
	p.list.setItems(p.spec.rows(msg.items))
	return nil
}

// changed reports a change this page made, and reloads.
func (p *listPage[S, T]) changed(msg objectChangedMsg) tea.Cmd {
	c := p.spec.changes
	if c == nil || msg.page != c.pageID {
		return nil
	}
	what := c.object + " " + msg.name
	if cmd, ok := inUseRefusal(what, msg.err); ok {
		return tea.Batch(cmd, p.reload())
	}
	if msg.err != nil {
		var reload tea.Cmd
		for _, e := range c.stale {
			if errors.Is(msg.err, e) {
				reload = p.reload()
				break
			}
		}
		return tea.Batch(failed(changeVerb(msg.verb)+" "+what, msg.err), reload)
	}
	return tea.Batch(okf("%s %s.", capitalize(msg.verb), what), p.reload())
}

func (p *listPage[S, T]) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case p.ask != nil:
		q := p.ask
		done, cmd := q.Update(msg)
		if done && p.ask == q {
			p.ask = nil
		}
		return cmd
	case p.form != nil && p.form.saving:
		return nil // wait for the store's answer
	case p.form != nil:
		if msg.String() == "esc" {
			return p.spec.forms.closeForm()
		}
		return p.spec.forms.updateForm(msg)
	case p.list.typing:
		return p.list.filterKey(msg, &p.km)
	}
	if cmd, ok := p.list.tableKey(msg, &p.km); ok {
		return cmd
	}
	if key.Matches(msg, p.km.Reload) {
		return tea.Batch(p.reload(), statusf("%s", p.spec.reloading))
	}
	return p.spec.actions.act(msg)
}

// sync enables exactly the bindings whose action can happen now.
func (p *listPage[S, T]) sync() {
	km := &p.km
	_, has := p.list.current()
	table := p.ask == nil && p.form == nil && !p.list.typing
	km.syncList(table, has, p.list.expandAll)
	for _, b := range []*key.Binding{&km.Add, &km.Edit, &km.Toggle, &km.Delete, &km.Import} {
		b.SetEnabled(false)
	}
	p.spec.actions.enable(km, table, has)
}

// ShortHelp is the footer's one line for what has focus.
func (p *listPage[S, T]) ShortHelp() []key.Binding {
	km := &p.km
	switch {
	case p.ask != nil:
		return p.ask.Help()
	case p.form != nil:
		return km.formHelp()
	case p.list.typing:
		return km.filterHelp()
	}
	return p.spec.actions.short(km)
}

// FullHelp is every live binding, by column.
func (p *listPage[S, T]) FullHelp() [][]key.Binding {
	if p.Capturing() {
		return [][]key.Binding{p.ShortHelp()}
	}
	cols := p.km.tableHelp()
	if full := p.spec.actions.full(&p.km); len(full) > 0 {
		cols = append(cols, full)
	}
	return cols
}

// View draws the bar (or the open question) and the table, the form or a notice.
func (p *listPage[S, T]) View(width, height int) string {
	if width <= 0 || height <= 0 {
		return ""
	}
	sty := &p.env.styles
	if p.form != nil {
		return theme.FitBlock(p.form.view(sty), width, height)
	}
	bar := p.list.barLine(width, p.spec.barNoun(), sty)
	if p.ask != nil {
		bar = p.ask.View(width, sty)
	}
	body, ok := p.list.notice(width, p.spec.plural, p.spec.empty(), sty)
	if !ok {
		body = table.Render(p.tableView(), width, height-1, sty)
	}
	return bar + "\n" + theme.FitBlock(body, width, height-1)
}

// tableView describes the visible table; its funcs look only at the rows being drawn.
func (p *listPage[S, T]) tableView() table.View {
	now := p.env.now()
	l, spec := &p.list, &p.spec
	t := table.View{
		Cols: spec.columns(l.width), N: len(l.view), Cursor: l.cursor, Top: l.top, SortCol: -1,
		Cell:  func(i, c int) string { return spec.cell(l.at(i), c, now) },
		Glyph: func(i int) string { return expandGlyph(l.isExpanded(spec.id(l.at(i)))) },
		Detail: func(i, width int) []string {
			r := l.at(i)
			if !l.isExpanded(spec.id(r)) {
				return nil
			}
			return spec.detail(r, width)
		},
	}
	if spec.style != nil {
		t.Style = func(i, c int) (lipgloss.Style, bool) { return spec.style(l.at(i), c, now) }
	}
	return t
}

// readOnlyRefusal is the status for a viewer who pressed a key that changes something.
func (p *listPage[S, T]) readOnly() tea.Cmd { return readOnly(p.env, p.spec.plural) }

// can reports whether the actor's role allows a.
func (p *listPage[S, T]) can(a model.Action) bool { return p.env.can(a) }
