package keys

import (
	"context"
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/confirm"
)

// The saved-filters list (F) lists the built-in review filters first (model.BuiltinFilters:
// marked built-in, never deleted nor overwritten), then the operator's saved ones, and opens
// on the filter applied now when it is one of them.

// listed shows the built-in filters and stored ones, with the cursor on the filter the bar
// holds (the first match), or on the one just saved, else where it was.
func (sp *savedPanel) listed(stored []model.SavedFilter) {
	sp.filters = append(model.BuiltinFilters(), stored...)
	if sp.saved != "" {
		if i := slices.IndexFunc(sp.filters, func(f model.SavedFilter) bool { return strings.EqualFold(f.Name, sp.saved) }); i >= 0 {
			sp.cursor = i
		}
		sp.saved = ""
	} else if !sp.loaded {
		applied := strings.TrimSpace(sp.p.filter.Value())
		if i := slices.IndexFunc(sp.filters, func(f model.SavedFilter) bool { return f.Expr == applied }); applied != "" && i >= 0 {
			sp.cursor = i
		}
	}
	sp.loaded = true
	sp.cursor = min(sp.cursor, max(0, len(sp.filters)-1))
}

// save stores expr under name: a built-in filter's name is refused, and a saved filter of
// that name is replaced only after y.
func (sp *savedPanel) save(name, expr string) tea.Cmd {
	p, st := sp.p, sp.p.env.Store
	name = strings.TrimSpace(name)
	shown := model.Sanitize(name)
	if name == "" {
		return ui.Statusf("Not saved: a saved filter needs a name.")
	}
	store := func() tea.Cmd {
		return ui.WithStore(func(ctx context.Context) tea.Msg {
			_, err := st.SaveFilter(ctx, name, expr)
			return filterChangedMsg{verb: "saved", name: shown, stored: name, err: err}
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
	p.ask(confirm.New(fmt.Sprintf("Replace saved filter %s (%s) with %s?", model.Sanitize(old.Name), model.Sanitize(old.Expr), model.Sanitize(expr)),
		store, func() tea.Cmd { return ui.Statusf("Kept filter %s as it was.", model.Sanitize(old.Name)) }))
	return nil
}
