// Package listpage is the one list page: a page that lists what the store has (Machine
// Groups, Certificates, Audit, and the coming Machines) is a Spec embedded in Page, with the
// loading, filter bar, cursor, expanded rows, confirm question, form plumbing and view
// written here once.
package listpage

import (
	"context"
	"errors"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/confirm"
	"provkeys/ui/components/form"
	"provkeys/ui/components/table"
	"provkeys/ui/theme"
)

// listPage is the one list page: Machine Groups, Certificates and Audit (and the coming
// Machines view) are each a listSpec embedded in it, as gh-dash's sections embed one base.
// Loading, reloading on a change, the filter bar, the cursor, expanded rows, the confirm
// question, the form's plumbing, the footer and the view are written here once; a page adds
// only its rows, its columns and its own actions.
type Page[S, T any] struct {
	Env  *ui.Env
	spec Spec[S, T]
	Km   KeyMap
	List listPane[T]
	Ask  *confirm.Question // a y/n question over the bar (delete)
	Form *form.Form        // the page's form, when open
	pal  *commandPalette   // the command palette, when open
	// recent are the palette's commands, most recently used first.
	recent []string

	rowStatus ui.RowStatus // the status line's message about one row (RowStatus)
}

// listSpec configures a listPage. S is what the store lists, T the row drawn for it.
type Spec[S, T any] struct {
	Title       string        // the tab caption
	Plural      string        // "machine groups": in notices and failures
	BarNoun     func() string // "groups": in the bar's "N of M groups"
	Placeholder string        // the filter bar's hint
	Reloading   string        // the status while ctrl+r reloads

	Load func(s ui.Store, ctx context.Context) ([]S, error) // a method expression: Store.ListGroups
	// Rows builds the display rows once per load, sanitized and clipped.
	Rows func(items []S) []T
	ID   func(*T) int64
	Text func(*T) string // what the filter looks in
	// Match, when set, makes the filter bar a language instead of plain words: it compiles
	// the bar's text into a test of a row, or an error naming the term that does not parse
	// (shown in the bar while the last good test stays).
	Match func(expr string) (func(*T) bool, error)
	// FollowTop keeps a cursor at the top on the newest row after a reload (tail -f).
	FollowTop bool

	Columns func(width int) []table.Column
	Cell    func(r *T, col int, now time.Time) string
	Style   func(r *T, col int, now time.Time) (lipgloss.Style, bool)
	Detail  func(r *T, width int) []string
	Empty   func() string // the notice when there is nothing at all

	// Changes, when set, is how ChangedMsg results for this page are worded and when
	// they reload; nil for a read-only page.
	Changes *Changes

	// Actions are the page's own: what it offers besides moving, filtering and reloading.
	Actions Actions
	// Own, when set, lists those actions as data, for the Enable and Act every Page has (a
	// page that embeds Page uses them unless it defines its own); NoRow is Act's refusal
	// when an action needs a row and there is none.
	Own   func() []Action
	NoRow string
	// Forms, when set, is the page's form: a read-only page has none.
	Forms Forms
	// Commands, when set, are the page's palette commands (":"), listed as returned.
	Commands func() []Command
}

// Actions is what a list page offers of its own: enable sets the bindings of the
// actions that can happen now, act runs a key the list did not take (or says why it did
// nothing), short and full are the actions' help for the footer and the full help.
type Actions interface {
	Enable(km *KeyMap, table, has bool)
	Act(msg tea.KeyPressMsg) tea.Cmd
	Short(km *KeyMap) []key.Binding
	Full(km *KeyMap) []key.Binding
}

// Forms is a list page's form: result takes the page's own results (a save, an
// import; ok is false for other messages), updateForm feeds the open form, closeForm
// answers esc on it.
type Forms interface {
	Result(msg tea.Msg) (tea.Cmd, bool)
	UpdateForm(msg tea.Msg) tea.Cmd
	CloseForm() tea.Cmd
}

// listChanges words a change's result: object names the kind ("machine group"); stale lists
// the errors after which the list is reloaded, since it no longer shows the store.
type Changes struct {
	PageID string
	Object string
	Stale  []error
}

// listLoadedMsg is a list page's load result; seq drops stale loads.
type LoadedMsg[S any] struct {
	Seq   int
	Items []S
	Err   error
}

// newListPage builds the page from spec.
func New[S, T any](e *ui.Env, spec Spec[S, T]) Page[S, T] {
	p := Page[S, T]{Env: e, spec: spec, Km: DefaultKeyMap(),
		List: newListPane(spec.ID, spec.Text, spec.Placeholder)}
	p.List.compile = spec.Match
	return p
}

// Title is the tab caption.
func (p *Page[S, T]) Title() string { return p.spec.Title }

// Init loads the list.
func (p *Page[S, T]) Init() tea.Cmd { return p.Reload() }

// reload starts a load; a result older than the latest request is dropped.
func (p *Page[S, T]) Reload() tea.Cmd {
	p.List.Seq++
	seq, store, load := p.List.Seq, p.Env.Store, p.spec.Load
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		items, err := load(store, ctx)
		return LoadedMsg[S]{Seq: seq, Items: items, Err: err}
	})
}

// Capturing is true while the filter bar, the form or the confirmation takes the keys.
func (p *Page[S, T]) Capturing() bool {
	return p.Ask != nil || p.Form != nil || p.List.typing || p.pal != nil
}

// Update handles one message, then re-derives the live bindings and the scroll position.
func (p *Page[S, T]) Update(msg tea.Msg) tea.Cmd {
	msg, ok := ui.CleanInput(msg)
	if !ok {
		return nil
	}
	cmd := p.update(msg)
	p.Sync()
	p.List.fixTop(p.tableView())
	if clear := p.rowStatus.Follow(p.cursorRow()); clear != nil {
		cmd = tea.Batch(cmd, clear)
	}
	return cmd
}

func (p *Page[S, T]) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case ui.PageSizeMsg:
		p.List.Width, p.List.Height = msg.Width, msg.Height
		if p.Form != nil {
			p.Form.ResizeTo(msg.Width, msg.Height)
		}
		return nil
	case LoadedMsg[S]:
		return p.loaded(msg)
	case ui.DataChangedMsg:
		return p.Reload()
	case ui.OpenMsg:
		if msg.Page == p.spec.Title {
			p.List.typing = false
			p.List.filter.Blur()
			p.List.filter.SetValue(msg.Filter)
			p.List.rebuild()
		}
		return nil
	case ChangedMsg:
		return p.changed(msg)
	case tea.KeyPressMsg:
		return p.handleKey(msg)
	}
	if p.spec.Forms != nil {
		if cmd, ok := p.spec.Forms.Result(msg); ok {
			return cmd
		}
	}
	switch {
	case p.pal != nil:
		return p.pal.m.Forward(msg)
	case p.Form != nil:
		return p.spec.Forms.UpdateForm(msg)
	case p.List.typing:
		return p.List.updateFilter(msg)
	}
	return nil
}

func (p *Page[S, T]) loaded(msg LoadedMsg[S]) tea.Cmd {
	if msg.Seq != p.List.Seq {
		return nil // a newer load is on its way
	}
	if msg.Err != nil {
		p.List.loadErr = msg.Err
		return ui.Failed("load "+p.spec.Plural, msg.Err)
	}
	if p.spec.FollowTop && p.List.cursor <= 0 {
		p.List.CursorID = 0 // at the top it follows the newest row, as tail -f does
	}
	p.List.setItems(p.spec.Rows(msg.Items))
	return nil
}

// changed reports a change this page made, and reloads.
func (p *Page[S, T]) changed(msg ChangedMsg) tea.Cmd {
	c := p.spec.Changes
	if c == nil || msg.Page != c.PageID {
		return nil
	}
	what := c.Object + " " + msg.Name
	if cmd, ok := ui.InUseRefusal(what, msg.Err); ok {
		return tea.Batch(cmd, p.Reload())
	}
	if msg.Err != nil {
		var reload tea.Cmd
		for _, e := range c.Stale {
			if errors.Is(msg.Err, e) {
				reload = p.Reload()
				break
			}
		}
		return tea.Batch(ui.Failed(ui.ChangeVerb(msg.Verb)+" "+what, msg.Err), reload)
	}
	return tea.Batch(ui.Okf("%s %s.", ui.Capitalize(msg.Verb), what), p.Reload())
}

func (p *Page[S, T]) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case p.pal != nil:
		return p.paletteKey(msg)
	case p.Ask != nil:
		q := p.Ask
		done, cmd := q.Update(msg)
		if done && p.Ask == q {
			p.Ask = nil
		}
		return cmd
	case p.Form != nil && p.Form.Saving:
		return nil // wait for the store's answer
	case p.Form != nil:
		if msg.String() == "esc" {
			return p.spec.Forms.CloseForm()
		}
		return p.spec.Forms.UpdateForm(msg)
	case p.List.typing:
		return p.List.filterKey(msg, &p.Km)
	}
	if cmd, ok := p.List.tableKey(msg, &p.Km); ok {
		return cmd
	}
	if key.Matches(msg, p.Km.Reload) {
		return tea.Batch(p.Reload(), ui.Statusf("%s", p.spec.Reloading))
	}
	if key.Matches(msg, p.Km.Palette) {
		return p.openPalette()
	}
	return p.spec.Actions.Act(msg)
}

// sync enables exactly the bindings whose action can happen now.
func (p *Page[S, T]) Sync() {
	km := &p.Km
	_, has := p.List.Current()
	table := p.Ask == nil && p.Form == nil && !p.List.typing && p.pal == nil
	km.syncList(table, has, p.List.expandAll)
	km.Palette.SetEnabled(table && p.spec.Commands != nil)
	for _, b := range []*key.Binding{&km.Add, &km.Edit, &km.Toggle, &km.Delete, &km.Import, &km.Uses} {
		b.SetEnabled(false)
	}
	p.spec.Actions.Enable(km, table, has)
}

// ShortHelp is the footer's one line for what has focus.
func (p *Page[S, T]) ShortHelp() []key.Binding {
	km := &p.Km
	switch {
	case p.pal != nil:
		return p.pal.m.Help()
	case p.Ask != nil:
		return p.Ask.Help()
	case p.Form != nil:
		return km.formHelp(p.Form.FieldHelp())
	case p.List.typing:
		return km.filterHelp()
	}
	return p.spec.Actions.Short(km)
}

// FullHelp is every live binding, by column.
func (p *Page[S, T]) FullHelp() [][]key.Binding {
	if p.Capturing() {
		return [][]key.Binding{p.ShortHelp()}
	}
	cols := p.Km.tableHelp()
	if full := p.spec.Actions.Full(&p.Km); len(full) > 0 {
		cols = append(cols, full)
	}
	return cols
}

// View draws the bar (or the open question) and the table, the form or a notice.
func (p *Page[S, T]) View(width, height int) string {
	if width <= 0 || height <= 0 {
		return ""
	}
	sty := &p.Env.Styles
	if p.Form != nil {
		return theme.FitBlock(p.Form.View(sty), width, height)
	}
	bar := p.List.barLine(width, p.spec.BarNoun(), sty)
	if p.Ask != nil {
		bar = p.Ask.View(width, sty)
	}
	body, ok := p.List.notice(width, p.spec.Plural, p.spec.Empty(), sty)
	if p.pal != nil {
		body, ok = p.pal.m.View(width, height-1, sty), true
	}
	if !ok {
		body = table.Render(p.tableView(), width, height-1, sty)
	}
	return bar + "\n" + theme.FitBlock(body, width, height-1)
}

// tableView describes the visible table; its funcs look only at the rows being drawn.
func (p *Page[S, T]) tableView() table.View {
	now := p.Env.Now()
	l, spec := &p.List, &p.spec
	t := table.View{
		Cols: spec.Columns(l.Width), N: len(l.View), Cursor: l.cursor, Top: l.top, SortCol: -1,
		Cell:  func(i, c int) string { return spec.Cell(l.at(i), c, now) },
		Glyph: func(i int) string { return ui.ExpandGlyph(l.isExpanded(spec.ID(l.at(i)))) },
		Detail: func(i, width int) []string {
			r := l.at(i)
			if !l.isExpanded(spec.ID(r)) {
				return nil
			}
			return spec.Detail(r, width)
		},
	}
	if spec.Style != nil {
		t.Style = func(i, c int) (lipgloss.Style, bool) { return spec.Style(l.at(i), c, now) }
	}
	return t
}

// readOnlyRefusal is the status for a viewer who pressed a key that changes something.
func (p *Page[S, T]) ReadOnly() tea.Cmd { return ui.ReadOnly(p.Env, p.spec.Plural) }

// can reports whether the actor's role allows a.
func (p *Page[S, T]) Can(a model.Action) bool { return p.Env.Can(a) }
