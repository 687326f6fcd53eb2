package keys

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
)

// Marks are the keys picked for a bulk action (DESIGN.md §10): kept by key id, so they
// survive filtering, sorting and live reloads; a key that is gone from the store drops out
// of them on the next reload.

// reviewKeyMap is the Keys table's review bindings: marks, the palette, the hygiene jumps.
type reviewKeyMap struct {
	Mark, MarkAll, Escape, Palette key.Binding
	Jump                           [len(hygieneParts)]key.Binding
}

func defaultReviewKeyMap() reviewKeyMap {
	km := reviewKeyMap{
		Mark:    key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "mark")),
		MarkAll: key.NewBinding(key.WithKeys("ctrl+a"), key.WithHelp("ctrl+a", "mark all shown")),
		Escape:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear marks")),
		Palette: key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "commands")),
	}
	for i, h := range hygieneParts {
		n := string(rune('1' + i))
		km.Jump[i] = key.NewBinding(key.WithKeys(n), key.WithHelp(n, h.short))
	}
	return km
}

// marked reports whether the key with id is marked.
func (p *keysPage) marked(id int64) bool { _, ok := p.marks[id]; return ok }

// toggleMark marks or unmarks the cursor's key and moves down, as in k9s and mutt.
func (p *keysPage) toggleMark() tea.Cmd {
	r, ok := p.current()
	if !ok {
		return nil
	}
	if p.marked(r.k.ID) {
		delete(p.marks, r.k.ID)
	} else {
		p.marks[r.k.ID] = struct{}{}
	}
	p.moveBy(1)
	return nil
}

// markAll marks every key the filter shows.
func (p *keysPage) markAll() tea.Cmd {
	for _, i := range p.view {
		p.marks[p.set.Table.ID(int(i))] = struct{}{}
	}
	return ui.Statusf("Marked %s; esc clears the marks.", ui.Plural(len(p.view), "key"))
}

// escape clears the marks first, then the applied filter (k9s, lazygit and less do).
func (p *keysPage) escape() tea.Cmd {
	switch {
	case len(p.marks) > 0:
		n := len(p.marks)
		clear(p.marks)
		return ui.Statusf("Cleared %s.", ui.Plural(n, "mark"))
	case p.filter.Value() != "":
		p.setFilter("")
		return ui.Statusf("Cleared the filter.")
	}
	return nil
}

// escapeCheck enables esc while there is something for it to clear, and words its help.
func (p *keysPage) escapeCheck() (bool, string) {
	switch {
	case len(p.marks) > 0:
		p.rk.Escape.SetHelp("esc", "clear marks")
		return true, ""
	case p.filter.Value() != "":
		p.rk.Escape.SetHelp("esc", "clear filter")
		return true, ""
	}
	return false, ""
}

// pruneMarks drops the marks of keys no longer loaded: one pass over the table, and only
// when something is marked.
func (p *keysPage) pruneMarks() {
	if len(p.marks) == 0 || p.set.Len() == 0 {
		clear(p.marks)
		return
	}
	kept := make(map[int64]struct{}, len(p.marks))
	t := p.set.Table
	for i := range t.Len() {
		if id := t.ID(i); p.marked(id) {
			kept[id] = struct{}{}
		}
	}
	p.marks = kept
}

// markedKeys is every marked key as the table has it, in name order of the table: one pass.
func (p *keysPage) markedKeys() []model.Key {
	if len(p.marks) == 0 {
		return nil
	}
	t := p.set.Table
	out := make([]model.Key, 0, len(p.marks))
	for i := range t.Len() {
		if p.marked(t.ID(i)) {
			out = append(out, t.Key(i))
		}
	}
	return out
}

// targets is what an action acts on: the marked keys, or else the key under the cursor.
func (p *keysPage) targets() []model.Key {
	if ks := p.markedKeys(); len(ks) > 0 {
		return ks
	}
	if r, ok := p.current(); ok {
		return []model.Key{r.k}
	}
	return nil
}
