// Package savedfilters is the Keys page's saved-filters list (F): the built-in review filters
// first (model.BuiltinFilters: marked built-in, never deleted nor overwritten), then the
// operator's saved ones, opening on the filter applied now when it is one of them. The page
// opens it with Hooks: the filter in its bar, how to apply one, and how to ask a question.
package savedfilters

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/confirm"
	"provkeys/ui/theme"
)

// listed shows the built-in filters and stored ones, with the cursor on the filter the bar
// holds (the first match), or on the one just saved, else where it was.
func (sp *Panel) listed(stored []model.SavedFilter) {
	sp.filters = append(model.BuiltinFilters(), stored...)
	if sp.saved != "" {
		if i := slices.IndexFunc(sp.filters, func(f model.SavedFilter) bool { return strings.EqualFold(f.Name, sp.saved) }); i >= 0 {
			sp.cursor = i
		}
		sp.saved = ""
	} else if !sp.loaded {
		applied, _ := sp.h.Filter()
		if i := slices.IndexFunc(sp.filters, func(f model.SavedFilter) bool { return f.Expr == applied }); applied != "" && i >= 0 {
			sp.cursor = i
		}
	}
	sp.loaded = true
	sp.cursor = min(sp.cursor, max(0, len(sp.filters)-1))
}

// save stores expr under name: a built-in filter's name is refused, and a saved filter of
// that name is replaced only after y.
func (sp *Panel) save(name, expr string) tea.Cmd {
	st := sp.env.Store
	name = strings.TrimSpace(name)
	shown := model.Sanitize(name)
	if name == "" {
		return ui.Statusf("Not saved: a saved filter needs a name.")
	}
	store := func() tea.Cmd {
		return ui.WithStore(func(ctx context.Context) tea.Msg {
			_, err := st.SaveFilter(ctx, name, expr)
			return ChangedMsg{verb: "saved", name: shown, stored: name, err: err}
		})
	}
	i := slices.IndexFunc(sp.filters, func(f model.SavedFilter) bool { return strings.EqualFold(f.Name, name) })
	switch {
	case i < 0:
		return store()
	case sp.filters[i].Builtin():
		return ui.SetStatus(ui.StatusErr, fmt.Sprintf("%s is a built-in filter: save yours under another name.", model.Sanitize(sp.filters[i].Name)))
	}
	old := sp.filters[i]
	sp.h.Ask(confirm.New(fmt.Sprintf("Replace saved filter %s (%s) with %s?", model.Sanitize(old.Name), model.Sanitize(old.Expr), model.Sanitize(expr)),
		store, func() tea.Cmd { return ui.Statusf("Kept filter %s as it was.", model.Sanitize(old.Name)) }))
	return nil
}

// Panel is the list of saved filters.
type Panel struct {
	env     *ui.Env
	h       Hooks
	km      KeyMap
	filters []model.SavedFilter
	cursor  int
	loaded  bool
	// saved is the name just saved: the next listing puts the cursor on it.
	saved string
}

// Hooks is what the list asks of the page.
type Hooks struct {
	// Filter is the filter in the page's bar, trimmed, and whether it parses.
	Filter func() (expr string, works bool)
	// Apply puts expr in the bar and filters with it.
	Apply func(expr string)
	// Ask puts a question or prompt on top of the list.
	Ask func(q *confirm.Question)
	// Keys are the page's bindings the list shares.
	Keys KeyMap
}

// KeyMap is the list's bindings: the page's (moving, closing, and F that opened the list)
// and its own (Apply, Save, Delete).
type KeyMap struct {
	Up, Down, Close, Open key.Binding
	Apply, Save, Delete   key.Binding
}

// Open is the list, loading from the store.
func Open(e *ui.Env, h Hooks) (*Panel, tea.Cmd) {
	km := h.Keys
	km.Apply = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply"))
	km.Save = key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "save current"))
	km.Delete = key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "delete"))
	return &Panel{env: e, h: h, km: km}, loadFilters(e.Store)
}

// Filters are the filters listed, built-in ones first.
func (sp *Panel) Filters() []model.SavedFilter { return sp.filters }

// Cursor is the index in Filters of the filter under the cursor.
func (sp *Panel) Cursor() int { return sp.cursor }

func loadFilters(st ui.Store) tea.Cmd {
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		fs, err := st.ListFilters(ctx)
		return LoadedMsg{filters: fs, err: err}
	})
}

// Result applies a load, save or delete of saved filters: to the list, when it is open (sp
// not nil), and to the status line.
func (sp *Panel) Result(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case LoadedMsg:
		if msg.err != nil {
			return ui.Failed("load saved filters", msg.err)
		}
		if sp != nil {
			sp.listed(msg.filters)
		}
	case ChangedMsg:
		if msg.err != nil {
			return ui.Failed(ui.ChangeVerb(msg.verb)+" filter "+msg.name, msg.err)
		}
		cmd := ui.Okf("%s filter %s.", ui.Capitalize(msg.verb), msg.name)
		if sp != nil {
			if msg.verb == "saved" {
				sp.saved = msg.stored
			}
			return tea.Batch(cmd, loadFilters(sp.env.Store))
		}
		return cmd
	}
	return nil
}

// Update handles keys in the saved-filters list: enter applies, s saves the current filter
// under a name, d deletes (after y), esc closes.
func (sp *Panel) Update(m tea.Msg) (bool, tea.Cmd) {
	msg, isKey := m.(tea.KeyPressMsg)
	if !isKey {
		return false, nil
	}
	e, km := sp.env, &sp.km
	switch {
	case key.Matches(msg, km.Close), key.Matches(msg, km.Open):
		return true, nil
	case key.Matches(msg, km.Up):
		sp.cursor = max(0, sp.cursor-1)
	case key.Matches(msg, km.Down):
		sp.cursor = min(max(0, len(sp.filters)-1), sp.cursor+1)
	case key.Matches(msg, km.Apply):
		if sp.cursor < len(sp.filters) {
			f := sp.filters[sp.cursor]
			sp.h.Apply(f.Expr)
			return true, ui.Statusf("Applied filter %s.", model.Sanitize(f.Name))
		}
	case key.Matches(msg, km.Save):
		if !e.Can(model.ActionCreate) {
			return false, ui.SetStatus(ui.StatusErr, "Read-only: your role can't save filters.")
		}
		expr, works := sp.h.Filter()
		if expr == "" || !works {
			return false, ui.SetStatus(ui.StatusErr, "Type a filter that works first (/), then save it here.")
		}
		q, cmd := confirm.NewPrompt("Save filter \""+model.Sanitize(expr)+"\" as:", "", func(name string) tea.Cmd {
			return sp.save(name, expr)
		}, nil)
		sp.h.Ask(q)
		return false, cmd
	case key.Matches(msg, km.Delete):
		if !e.Can(model.ActionDelete) {
			return false, ui.SetStatus(ui.StatusErr, "Read-only: your role can't delete filters.")
		}
		if sp.cursor < len(sp.filters) {
			f, st := sp.filters[sp.cursor], e.Store
			name := model.Sanitize(f.Name)
			if f.Builtin() {
				return false, ui.SetStatus(ui.StatusErr, name+" is a built-in filter: it cannot be deleted.")
			}
			sp.h.Ask(confirm.New("Delete saved filter "+name+"?", func() tea.Cmd {
				return ui.WithStore(func(ctx context.Context) tea.Msg {
					return ChangedMsg{verb: "deleted", name: name, err: st.DeleteFilter(ctx, f.ID)}
				})
			}, nil))
		}
	}
	return false, nil
}

func (sp *Panel) Help() []key.Binding {
	km := &sp.km
	h := []key.Binding{ui.WithHelp(km.Apply, "enter", "apply")}
	if sp.env.Can(model.ActionCreate) {
		h = append(h, ui.WithHelp(km.Save, "s", "save current filter"), ui.WithHelp(km.Delete, "d", "delete"))
	}
	return append(h, ui.WithHelp(km.Up, "↑/k", "up"), ui.WithHelp(km.Down, "↓/j", "down"), ui.WithHelp(km.Close, "esc", "close"))
}

// View lists the saved filters, cursor first on screen.
func (sp *Panel) View(width, height int) string {
	sty := &sp.env.Styles
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

// LoadedMsg is the list of saved filters.
type LoadedMsg struct {
	filters []model.SavedFilter
	err     error
}

// ChangedMsg is the result of saving or deleting a saved filter.
type ChangedMsg struct {
	verb   string
	name   string // sanitized, for the status line
	stored string // the name as saved, for the cursor
	err    error
}
