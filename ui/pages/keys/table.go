package keys

import (
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"provkeys/keyformat"
	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/table"
	"provkeys/ui/keyset"
	"provkeys/ui/pages/keys/columns"
	"provkeys/ui/theme"
)

// keyRow is one key with its display strings, materialized from the keySet for what needs
// a whole key: the row under the cursor, an expanded row.
type keyRow struct {
	k      model.Key
	name   string // sanitized
	groups string // sanitized, joined with ", "
}

// rowOf materializes key i of set for what needs a whole key: the cursor row, an expanded row.
func rowOf(set *keyset.Set, i int) *keyRow {
	return &keyRow{k: set.Table.Key(i), name: set.Name(i), groups: set.GroupText(i)}
}

// setKeys replaces the loaded keys (tests and stores without ListKeyTable).
func (p *keysPage) setKeys(keys []model.Key) { p.setKeySet(keyset.Of(keys)) }

// setKeySet replaces the loaded keys and re-derives the view, keeping cursor and expansions.
func (p *keysPage) setKeySet(set *keyset.Set) {
	p.set, p.cur = set, nil
	if p.revealID != 0 && set.IndexOf(p.revealID) < 0 {
		p.hideReveal()
	}
	p.cursorPos = -1
	p.pruneMarks()
	p.countHygiene()
	p.rebuild()
}

// rebuild filters and sorts the loaded keys into view and puts the cursor back on its key.
// It runs in Update only: View never touches every row. The cost is one pass over a shared
// sort order, plus the filter's search when the filter changed (package keyset).
func (p *keysPage) rebuild() {
	set := p.set
	if set.Len() == 0 {
		p.view = p.view[:0]
		p.restoreCursor()
		return
	}
	now := p.env.Now()
	order := set.Order(columns.SortBy[p.sortCol], now)
	var hits []uint64
	if strings.TrimSpace(p.active.Expr) != "" {
		hits = p.filters.Hits(set, p.active, now)
	}
	if hits == nil && !p.sortDesc {
		p.view = order // shared and read-only: nothing writes to p.view in place
		p.restoreCursor()
		return
	}
	p.view = viewOf(order, hits, p.sortDesc, set.InTableOrder(columns.SortBy[p.sortCol]), p.viewBuf[:0])
	p.viewBuf = p.view
	p.restoreCursor()
}

// viewOf appends to dst the positions of order (reversed when desc) whose bit is set in hits
// (every one when hits is nil). inTableOrder says order is 0, 1, 2 …: then the hits' set bits,
// in turn, are the answer, and a narrow filter over a million keys costs the bitmap's 15,625
// words instead of a million lookups.
func viewOf(order []int32, hits []uint64, desc, inTableOrder bool, dst []int32) []int32 {
	if cap(dst) < len(order) && hits == nil {
		dst = make([]int32, 0, len(order))
	}
	if hits != nil && !desc && inTableOrder {
		for w, word := range hits {
			for word != 0 {
				dst = append(dst, int32(w*64+bits.TrailingZeros64(word)))
				word &= word - 1
			}
		}
		return dst
	}
	for j := range order {
		if desc {
			j = len(order) - 1 - j
		}
		i := order[j]
		if hits == nil || hits[i/64]&(1<<(i%64)) != 0 {
			dst = append(dst, i)
		}
	}
	return dst
}

// restoreCursor finds the cursor's key in the new view; if it is gone, the cursor stays at
// the same position (clamped) and adopts the key found there.
func (p *keysPage) restoreCursor() {
	p.cur = nil
	if len(p.view) == 0 {
		p.cursor, p.top = -1, 0
		return
	}
	if p.cursorID != 0 {
		pos := p.cursorPos
		if pos < 0 || pos >= p.set.Len() || p.set.Table.ID(pos) != p.cursorID {
			pos = p.set.IndexOf(p.cursorID) // after a reload: find the key by id
		}
		if pos >= 0 {
			if i := slices.Index(p.view, int32(pos)); i >= 0 {
				p.cursor, p.cursorPos = i, pos
				p.fixTop()
				return
			}
		}
	}
	p.moveTo(min(max(p.cursor, 0), len(p.view)-1))
}

// current is the row under the cursor, materialized once per cursor position.
func (p *keysPage) current() (*keyRow, bool) {
	if p.cursor < 0 || p.cursor >= len(p.view) {
		return &keyRow{}, false
	}
	if p.cur == nil {
		p.cur = rowOf(p.set, int(p.view[p.cursor]))
	}
	return p.cur, true
}

func (p *keysPage) moveBy(d int) { p.moveTo(p.cursor + d) }

// moveTo puts the cursor on view position i; moving off a revealed key hides it again.
func (p *keysPage) moveTo(i int) {
	if len(p.view) == 0 {
		p.cursor = -1
		return
	}
	p.cursor = min(max(i, 0), len(p.view)-1)
	p.cursorPos = int(p.view[p.cursor])
	p.cursorID = p.set.Table.ID(p.cursorPos)
	p.cur = nil
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
func (p *keysPage) tableHeight() int { return max(0, p.height-1-p.summaryLines()) }

// fixTop keeps the cursor row on screen after a move, an expansion or a resize.
func (p *keysPage) fixTop() {
	p.top = table.AdjustTop(p.tableView(), p.width, p.tableHeight()-1)
}

// tableView describes the visible table; its funcs look only at the rows being drawn.
func (p *keysPage) tableView() table.View {
	sty := &p.env.Styles
	now := p.env.Now()
	set := p.set
	pos := func(i int) int { return int(p.view[i]) }
	shown := p.cols.Shown()
	return table.View{
		Cols: p.cols.Table(), N: len(p.view), Cursor: p.cursor, Top: p.top,
		SortCol: p.cols.Index(p.sortCol), SortDesc: p.sortDesc,
		Cell: func(i, c int) string { return p.cell(pos(i), shown[c], now) },
		Style: func(i, c int) (lipgloss.Style, bool) {
			if shown[c] != columns.Status {
				return lipgloss.Style{}, false
			}
			return stateStyle(sty, set.Table.State(pos(i), now)), true
		},
		Paint: func(i, c int) (theme.Paint, bool) {
			if shown[c] != columns.Status {
				return theme.Paint{}, false
			}
			return p.paints.state[set.Table.State(pos(i), now)], true
		},
		RowPaint: &p.paints.row,
		Mark:     p.markOf(pos),
		Glyph: func(i int) string {
			if p.isExpanded(set.Table.ID(pos(i))) {
				return "▾"
			}
			return "▸"
		},
		Detail: func(i, width int) []string {
			if !p.isExpanded(set.Table.ID(pos(i))) {
				return nil
			}
			return p.detailLines(p.rowAt(i), width, now)
		},
		Extra: func(i, width int) int {
			if !p.isExpanded(set.Table.ID(pos(i))) {
				return 0
			}
			return p.detailCount(p.rowAt(i), width)
		},
	}
}

// keyPaints are the table's styles as paints, made once per page.
type keyPaints struct {
	row   theme.Paint
	state [4]theme.Paint // by model.KeyState
}

func newKeyPaints(sty *theme.Styles) keyPaints {
	kp := keyPaints{row: theme.PaintOf(sty.Row)}
	for s := model.StateEnabled; s <= model.StateExhausted; s++ {
		kp.state[s] = theme.PaintOf(stateStyle(sty, s))
	}
	return kp
}

// rowAt is view row i as a whole key: the cursor's is kept, others are built when drawn.
func (p *keysPage) rowAt(i int) *keyRow {
	if i == p.cursor {
		r, _ := p.current()
		return r
	}
	return rowOf(p.set, int(p.view[i]))
}

// cell is one table cell of key i of the keySet, read from the table without building the key.
func (p *keysPage) cell(i, c int, now time.Time) string {
	t := p.set.Table
	switch c {
	case columns.Name:
		return p.set.Name(i)
	case columns.Groups:
		return p.set.GroupText(i)
	case columns.Status:
		return stateLabel(t.State(i, now))
	case columns.Fingerprint:
		return model.Sanitize(keyformat.ShortFingerprint(t.Fingerprint(i)))
	case columns.Usage:
		n, limit := t.Usage(i)
		if limit <= 0 {
			return strconv.FormatInt(n, 10) + "/∞"
		}
		return strconv.FormatInt(n, 10) + "/" + strconv.FormatInt(limit, 10)
	case columns.Updated:
		return ui.Stamp(time.UnixMicro(t.UpdatedMicros(i)).UTC(), now)
	}
	return p.chosenCell(i, c, now)
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

func stateStyle(sty *theme.Styles, s model.KeyState) lipgloss.Style {
	switch s {
	case model.StateDisabled:
		return sty.Disabled
	case model.StateExpired, model.StateExhausted:
		return sty.Warn
	}
	return sty.Enabled
}
