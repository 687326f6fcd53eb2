package ui

import tea "charm.land/bubbletea/v2"

// RowStatus is a status-line message about one row of a page (a refusal about it, say): the
// page takes it off the line as soon as its cursor leaves that row, so no message outlives
// its subject. The Keys page and every list page keep one, and call Follow after each
// message they handle.
type RowStatus struct {
	id   int64
	text string
}

// Show shows text about row id (0 is no row: then it is an ordinary message that clears
// itself in time).
func (r *RowStatus) Show(id int64, kind StatusKind, text string) tea.Cmd {
	r.id, r.text = id, text
	return SetStatus(kind, text)
}

// Follow takes the message off the status line once the cursor, now on row cursor, left the
// row it is about; it is nil until then.
func (r *RowStatus) Follow(cursor int64) tea.Cmd {
	if r.id == 0 || r.id == cursor {
		return nil
	}
	text := r.text
	r.id, r.text = 0, ""
	return func() tea.Msg { return ClearStatusMsg{Text: text} }
}
