package ui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"provkeys/keyformat"
	"provkeys/model"
)

// keyRow is one loaded key with its display strings sanitized once, at load time.
type keyRow struct {
	k       model.Key
	name    string // sanitized
	groups  string // sanitized, joined with ", "
	lname   string // lower case, for sorting
	lgroups string
}

// Table columns of the Keys view; the order is also the order "s" cycles through.
const (
	colName = iota
	colGroups
	colStatus
	colFingerprint
	colUsage
	colUpdated
)

var keyColumns = []column{
	colName:        {title: "NAME", min: 16, grow: 1},
	colGroups:      {title: "MACHINE GROUP(S)", min: 14, grow: 1},
	colStatus:      {title: "STATUS", min: 11},
	colFingerprint: {title: "FINGERPRINT", min: 12, opt: 1},
	colUsage:       {title: "USAGE", min: 9, opt: 2},
	colUpdated:     {title: "UPDATED", min: 10, opt: 3},
}

// setKeys replaces the loaded keys and re-derives the view, keeping cursor and expansions.
func (p *keysPage) setKeys(keys []model.Key) {
	rows := make([]keyRow, len(keys))
	for i, k := range keys {
		g := model.Sanitize(strings.Join(k.GroupNames(), ", "))
		n := model.Sanitize(k.Name)
		rows[i] = keyRow{k: k, name: n, groups: g, lname: strings.ToLower(n), lgroups: strings.ToLower(g)}
	}
	p.rows = rows
	if p.revealID != 0 && !slices.ContainsFunc(rows, func(r keyRow) bool { return r.k.ID == p.revealID }) {
		p.hideReveal()
	}
	p.rebuild()
}

// rebuild filters and sorts the loaded keys into view and puts the cursor back on its key.
// It runs in Update only: View never touches every row.
func (p *keysPage) rebuild() {
	now := p.env.now()
	view := p.view[:0]
	filtering := strings.TrimSpace(p.active.Expr) != ""
	for i := range p.rows {
		if !filtering || p.active.Match(p.rows[i].k, now) {
			view = append(view, i)
		}
	}
	rows, col, desc := p.rows, p.sortCol, p.sortDesc
	slices.SortStableFunc(view, func(a, b int) int {
		c := compareRows(&rows[a], &rows[b], col, now)
		if c == 0 {
			c = cmp.Compare(rows[a].lname, rows[b].lname)
		}
		if desc {
			return -c
		}
		return c
	})
	p.view = view
	p.restoreCursor()
}

func compareRows(a, b *keyRow, col int, now time.Time) int {
	switch col {
	case colGroups:
		return cmp.Compare(a.lgroups, b.lgroups)
	case colStatus:
		return cmp.Compare(a.k.State(now), b.k.State(now))
	case colFingerprint:
		return cmp.Compare(a.k.Fingerprint, b.k.Fingerprint)
	case colUsage:
		if c := cmp.Compare(a.k.UsageCount, b.k.UsageCount); c != 0 {
			return c
		}
		return cmp.Compare(a.k.MaxUsage, b.k.MaxUsage)
	case colUpdated:
		return a.k.UpdatedAt.Compare(b.k.UpdatedAt)
	}
	return cmp.Compare(a.lname, b.lname)
}

// restoreCursor finds the cursor's key in the new view; if it is gone, the cursor stays at
// the same position (clamped) and adopts the key found there.
func (p *keysPage) restoreCursor() {
	if len(p.view) == 0 {
		p.cursor, p.top = -1, 0
		return
	}
	if p.cursorID != 0 {
		if i := slices.IndexFunc(p.view, func(ri int) bool { return p.rows[ri].k.ID == p.cursorID }); i >= 0 {
			p.cursor = i
			p.fixTop()
			return
		}
	}
	p.moveTo(min(max(p.cursor, 0), len(p.view)-1))
}

// current is the row under the cursor.
func (p *keysPage) current() (*keyRow, bool) {
	if p.cursor < 0 || p.cursor >= len(p.view) {
		return &keyRow{}, false
	}
	return &p.rows[p.view[p.cursor]], true
}

func (p *keysPage) moveBy(d int) { p.moveTo(p.cursor + d) }

// moveTo puts the cursor on view position i; moving off a revealed key hides it again.
func (p *keysPage) moveTo(i int) {
	if len(p.view) == 0 {
		p.cursor = -1
		return
	}
	p.cursor = min(max(i, 0), len(p.view)-1)
	p.cursorID = p.rows[p.view[p.cursor]].k.ID
	if p.revealID != 0 && p.revealID != p.cursorID {
		p.hideReveal()
	}
	p.fixTop()
}

func (p *keysPage) isExpanded(id int64) bool {
	if v, ok := p.expanded[id]; ok {
		return v
	}
	return p.expandAll
}

// pageRows is how many rows pgdown moves: the lines under the header.
func (p *keysPage) pageRows() int { return max(1, p.tableHeight()-1) }

// tableHeight is the table's lines: the page less its bar.
func (p *keysPage) tableHeight() int { return max(0, p.height-1) }

// fixTop keeps the cursor row on screen after a move, an expansion or a resize.
func (p *keysPage) fixTop() {
	p.top = adjustTop(p.tableView(), p.width, p.tableHeight()-1)
}

// tableView describes the visible table; its funcs look only at the rows being drawn.
func (p *keysPage) tableView() tableView {
	st := &p.env.styles
	now := p.env.now()
	return tableView{
		cols: keyColumns, n: len(p.view), cursor: p.cursor, top: p.top,
		sortCol: p.sortCol, sortDesc: p.sortDesc,
		cell: func(i, c int) string { return p.cell(&p.rows[p.view[i]], c, now) },
		style: func(i, c int) (lipgloss.Style, bool) {
			if c != colStatus {
				return lipgloss.Style{}, false
			}
			return stateStyle(st, p.rows[p.view[i]].k.State(now)), true
		},
		glyph: func(i int) string {
			if p.isExpanded(p.rows[p.view[i]].k.ID) {
				return "▾"
			}
			return "▸"
		},
		detail: func(i, width int) []string {
			r := &p.rows[p.view[i]]
			if !p.isExpanded(r.k.ID) {
				return nil
			}
			return p.detailLines(r, width, now)
		},
		extra: func(i, width int) int {
			r := &p.rows[p.view[i]]
			if !p.isExpanded(r.k.ID) {
				return 0
			}
			return p.detailCount(r, width)
		},
	}
}

func (p *keysPage) cell(r *keyRow, c int, now time.Time) string {
	k := &r.k
	switch c {
	case colName:
		return r.name
	case colGroups:
		return r.groups
	case colStatus:
		return stateLabel(k.State(now))
	case colFingerprint:
		return model.Sanitize(keyformat.ShortFingerprint(k.Fingerprint))
	case colUsage:
		if k.MaxUsage <= 0 {
			return fmt.Sprintf("%d/∞", k.UsageCount)
		}
		return fmt.Sprintf("%d/%d", k.UsageCount, k.MaxUsage)
	case colUpdated:
		return ago(k.UpdatedAt, now)
	}
	return ""
}

// stateLabel pairs each state with a glyph so it reads without colour.
func stateLabel(s model.KeyState) string {
	switch s {
	case model.StateDisabled:
		return "○ Disabled"
	case model.StateExpired:
		return "✕ Expired"
	case model.StateExhausted:
		return "◐ Exhausted"
	}
	return "● Enabled"
}

func stateStyle(st *styles, s model.KeyState) lipgloss.Style {
	switch s {
	case model.StateDisabled:
		return st.Disabled
	case model.StateExpired, model.StateExhausted:
		return st.Warn
	}
	return st.Enabled
}

// ago is a short relative time for the Updated column.
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	case d < 30*24*time.Hour:
		return fmt.Sprintf("%dd ago", int(d.Hours()/24))
	}
	return t.In(now.Location()).Format("2006-01-02")
}

// stamp is an absolute time in the clock's location.
func stamp(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(now.Location()).Format("2006-01-02 15:04")
}
