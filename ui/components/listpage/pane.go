package listpage

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/form"
	"provkeys/ui/components/table"
	"provkeys/ui/theme"
)

// listPane is the table state the Machine Groups, Certificates and Audit views share (the
// Keys view has its own, with sorting and the filter language): the loaded items, the view
// the filter bar leaves, a cursor and expanded rows kept by id so they survive filtering and
// reloads, and the bar itself. The filter is plain text: every word must appear, in any
// case, in the text the page says an item is found by.
type listPane[T any] struct {
	Items  []T
	search []string // per item: the lower-case text the filter looks in
	View   []int    // indices into items, in display order
	ID     func(*T) int64
	Text   func(*T) string // sanitized text the filter looks in

	Loaded  bool
	loadErr error
	Seq     int

	cursor    int // position in view; -1 when the view is empty
	CursorID  int64
	top       int
	expanded  map[int64]bool
	expandAll bool

	filter textinput.Model
	typing bool // the bar has focus
	// compile, when set, turns the bar's text into a test of an item (a filter language);
	// keep is its last good test, and filterErr names the term that does not parse.
	compile   func(expr string) (func(*T) bool, error)
	keep      func(*T) bool
	filterErr string

	Width, Height int // the page's size
}

func newListPane[T any](id func(*T) int64, text func(*T) string, placeholder string) listPane[T] {
	ti := textinput.New()
	ti.CharLimit = theme.MaxTyped
	ti.Prompt = "/ "
	ti.Placeholder = placeholder
	return listPane[T]{ID: id, Text: text, filter: ti, expanded: map[int64]bool{}, cursor: -1}
}

// setItems replaces the loaded items, keeping the cursor and expansions on their ids.
func (l *listPane[T]) setItems(items []T) {
	l.Items, l.Loaded, l.loadErr = items, true, nil
	l.search = make([]string, len(items))
	for i := range items {
		l.search[i] = strings.ToLower(l.Text(&items[i]))
	}
	l.rebuild()
}

// rebuild applies the filter and puts the cursor back on its item. With a filter language,
// a bar that does not parse is explained and the last good result stays on screen.
func (l *listPane[T]) rebuild() {
	expr := model.Sanitize(l.filter.Value())
	words := strings.Fields(strings.ToLower(expr))
	match := func(i int) bool { return matchesAll(l.search[i], words) }
	if l.compile != nil {
		keep, err := l.compile(expr)
		if l.filterErr = ""; err != nil {
			l.filterErr = form.Bare(err).Error()
		} else {
			l.keep = keep
		}
		match = func(i int) bool { return l.keep == nil || l.keep(&l.Items[i]) }
	}
	view := l.View[:0]
	for i := range l.search {
		if match(i) {
			view = append(view, i)
		}
	}
	l.View = view
	if len(view) == 0 {
		l.cursor, l.top = -1, 0
		return
	}
	if l.CursorID != 0 {
		if i := slices.IndexFunc(view, func(ii int) bool { return l.ID(&l.Items[ii]) == l.CursorID }); i >= 0 {
			l.cursor = i
			return
		}
	}
	l.moveTo(max(l.cursor, 0))
}

func matchesAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// current is the item under the cursor.
func (l *listPane[T]) Current() (*T, bool) {
	if l.cursor < 0 || l.cursor >= len(l.View) {
		return nil, false
	}
	return &l.Items[l.View[l.cursor]], true
}

// at is the item at view position i.
func (l *listPane[T]) at(i int) *T { return &l.Items[l.View[i]] }

func (l *listPane[T]) moveTo(i int) {
	if len(l.View) == 0 {
		l.cursor = -1
		return
	}
	l.cursor = min(max(i, 0), len(l.View)-1)
	l.CursorID = l.ID(l.at(l.cursor))
}

func (l *listPane[T]) isExpanded(id int64) bool {
	if v, ok := l.expanded[id]; ok {
		return v
	}
	return l.expandAll
}

// tableHeight is the table's lines: the page less its bar.
func (l *listPane[T]) TableHeight() int { return max(0, l.Height-1) }

// pageRows is how far pgdown moves.
func (l *listPane[T]) pageRows() int { return max(1, l.TableHeight()-1) }

// fixTop keeps the cursor row on screen after a move, an expansion, a reload or a resize.
func (l *listPane[T]) fixTop(t table.View) {
	l.top = table.AdjustTop(t, l.Width, l.TableHeight()-1)
}

// tableKey applies the movement and expansion keys; ok is false for any other key.
func (l *listPane[T]) tableKey(msg tea.KeyPressMsg, km *KeyMap) (tea.Cmd, bool) {
	switch {
	case key.Matches(msg, km.Up):
		l.moveTo(l.cursor - 1)
	case key.Matches(msg, km.Down):
		l.moveTo(l.cursor + 1)
	case key.Matches(msg, km.Top):
		l.moveTo(0)
	case key.Matches(msg, km.Bottom):
		l.moveTo(len(l.View) - 1)
	case key.Matches(msg, km.PageDown):
		l.moveTo(l.cursor + l.pageRows())
	case key.Matches(msg, km.PageUp):
		l.moveTo(l.cursor - l.pageRows())
	case key.Matches(msg, km.HalfDown):
		l.moveTo(l.cursor + max(1, l.pageRows()/2))
	case key.Matches(msg, km.HalfUp):
		l.moveTo(l.cursor - max(1, l.pageRows()/2))
	case key.Matches(msg, km.Expand):
		if it, ok := l.Current(); ok {
			id := l.ID(it)
			l.expanded[id] = !l.isExpanded(id)
		}
	case key.Matches(msg, km.Collapse):
		if it, ok := l.Current(); ok {
			l.expanded[l.ID(it)] = false
		}
	case key.Matches(msg, km.ExpandAll):
		l.expandAll = !l.expandAll
		clear(l.expanded)
	case key.Matches(msg, km.Filter):
		l.typing = true
		l.filter.CursorEnd()
		return l.filter.Focus(), true
	default:
		return nil, false
	}
	return nil, true
}

// filterKey handles a key while the bar has focus: enter keeps the filter, esc clears it,
// anything else is typed (so "q" is a letter here, not quit).
func (l *listPane[T]) filterKey(msg tea.KeyPressMsg, km *KeyMap) tea.Cmd {
	return ui.FilterKey(msg, km.Accept, km.Cancel, &l.filter, func() { l.typing = false }, l.rebuild)
}

// updateFilter types into the bar and filters the loaded items on every change.
func (l *listPane[T]) updateFilter(msg tea.Msg) tea.Cmd {
	return ui.TypeInto(&l.filter, msg, l.rebuild)
}

// barLine is the filter bar with "N of M <noun>" on the right.
func (l *listPane[T]) barLine(width int, noun string, sty *theme.Styles) string {
	right := fmt.Sprintf("%d of %d %s", len(l.View), len(l.Items), noun)
	return ui.FilterBar(width, &l.filter, l.typing, l.filterErr, right, sty)
}

// notice is the body shown instead of the table while loading, after a failed load, or when
// there is nothing to show. ok is false when the table should be drawn.
func (l *listPane[T]) notice(width int, plural, empty string, sty *theme.Styles) (string, bool) {
	wrap := func(s string) string { return ansi.Wordwrap(s, max(10, width-4), " ") }
	switch {
	case l.loadErr != nil && !l.Loaded:
		return sty.Error.Render("✗ Couldn't load "+plural+": "+model.Sanitize(ui.PlainError(l.loadErr))) +
			"\n" + sty.Faint.Render("Press ctrl+r to try again."), true
	case !l.Loaded:
		return sty.Faint.Render("Loading " + plural + "…"), true
	case len(l.Items) == 0:
		return "\n" + ui.IndentLines(sty.EmptyNotice.Render(wrap(empty)), "  "), true
	case len(l.View) == 0:
		msg := fmt.Sprintf("No %s match %q. Press / to change the filter, or / then esc to clear it.",
			plural, model.Sanitize(l.filter.Value()))
		return "\n" + ui.IndentLines(sty.EmptyNotice.Render(wrap(msg)), "  "), true
	}
	return "", false
}
