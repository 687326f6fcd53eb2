package listpage

import (
	tea "charm.land/bubbletea/v2"

	"provkeys/ui"
)

// RowStatus shows text about the row under the cursor (a refusal, a kept row): it goes off
// the status line as soon as the cursor leaves that row, as on the Keys page.
func (p *Page[S, T]) RowStatus(kind ui.StatusKind, text string) tea.Cmd {
	return p.rowStatus.Show(p.cursorRow(), kind, text)
}

// cursorRow is the id of the row under the cursor, or 0.
func (p *Page[S, T]) cursorRow() int64 {
	if r, ok := p.List.Current(); ok {
		return p.List.ID(r)
	}
	return 0
}
