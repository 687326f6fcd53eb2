// Package table is the dashboard's table: state plus a pure renderer (k9s). Pages keep the
// rows (as an index slice into what they loaded), the cursor and the scroll offset; Render
// draws only the rows that fit, so drawing costs the same for a thousand rows as for a
// million. Columns lay themselves out by priority and share of spare width.
package table

import (
	"strings"

	"charm.land/lipgloss/v2"

	"provkeys/ui/theme"
)

// Column describes one table Column.
type Column struct {
	Title string
	Min   int // width it needs
	Grow  int // share of spare width; 0 keeps it at min
	Opt   int // 0: always shown; otherwise shown when the width allows, lowest first
}

// gutter is the cursor marker, the mark (✓ or a space), the expansion glyph and a space.
const (
	gutter = 4
	colSep = 2
)

// layoutColumns returns each column's width for a table width; 0 hides a column.
func layoutColumns(cols []Column, width int) []int {
	widths := make([]int, len(cols))
	used := gutter
	for i, c := range cols {
		if c.Opt == 0 {
			widths[i] = c.Min
			used += c.Min + colSep
		}
	}
	used -= colSep
	// Optional columns join in priority order while they fit.
	for prio := 1; prio <= len(cols); prio++ {
		for i, c := range cols {
			if c.Opt == prio && used+colSep+c.Min <= width {
				widths[i] = c.Min
				used += colSep + c.Min
			}
		}
	}
	spare, weight := width-used, 0
	for i, c := range cols {
		if widths[i] > 0 {
			weight += c.Grow
		}
	}
	if spare > 0 && weight > 0 {
		given := 0
		last := -1
		for i, c := range cols {
			if widths[i] > 0 && c.Grow > 0 {
				add := spare * c.Grow / weight
				widths[i] += add
				given += add
				last = i
			}
		}
		widths[last] += spare - given
	}
	return widths
}

// MarkGlyph shows a row marked for a bulk action, so marks read without colour.
const MarkGlyph = "✓"

// View is everything renderTable needs. The funcs are called only for drawn rows.
type View struct {
	Cols     []Column
	N        int // rows in the view
	Cursor   int // row under the cursor; -1 when none
	Top      int // first row drawn
	SortCol  int // -1: no sort indicator
	SortDesc bool
	Cell     func(row, col int) string                 // sanitized plain text
	Style    func(row, col int) (lipgloss.Style, bool) // optional per-cell style
	Paint    func(row, col int) (theme.Paint, bool)    // the same, cheaper; wins over style
	RowPaint *theme.Paint                              // styles.Row as a paint, when set
	Glyph    func(row int) string                      // one cell: expansion state
	Mark     func(row int) bool                        // marked for a bulk action: "✓" beside the cursor marker
	Detail   func(row, width int) []string             // lines under an expanded row, or nil
	Extra    func(row, width int) int                  // len(detail) without drawing; optional
}

// rowHeight is how many lines row i takes at width. Scrolling asks this of up to a screen
// of rows, so it counts lines (extra) rather than drawing them when it can.
func (t View) rowHeight(i, width int) int {
	switch {
	case t.Extra != nil:
		return 1 + t.Extra(i, width)
	case t.Detail != nil:
		return 1 + len(t.Detail(i, width))
	}
	return 1
}

// AdjustTop returns the first row to draw so that the cursor row is on screen, moving the
// old top as little as possible. It looks at no more rows than fit on the screen.
func AdjustTop(t View, width, height int) int {
	top := t.Top
	if t.N == 0 || height <= 0 {
		return 0
	}
	top = min(max(top, 0), t.N-1)
	if t.Cursor < 0 {
		return top
	}
	if t.Cursor < top {
		return t.Cursor
	}
	// The smallest top that still shows the cursor row whole (or at least its first line,
	// when it is taller than the screen): walk up from the cursor, a screen at most.
	fit, lines := t.Cursor, 0
	for i := t.Cursor; i >= 0; i-- {
		lines += t.rowHeight(i, width)
		if lines > height && i < t.Cursor {
			break
		}
		fit = i
	}
	return max(top, fit)
}

// Render draws the header and the rows that fit in height lines.
func Render(t View, width, height int, sty *theme.Styles) string {
	if height <= 0 || width <= 0 {
		return ""
	}
	widths := layoutColumns(t.Cols, width)
	lines := make([]string, 0, height)
	lines = append(lines, theme.FitLine(sty.Header.Render(headerLine(t, widths)), width))
	top := AdjustTop(t, width, height-1)
	for i := top; i < t.N && len(lines) < height; i++ {
		lines = append(lines, renderRow(t, i, widths, width, sty))
		if t.Detail != nil {
			for _, d := range t.Detail(i, width) {
				if len(lines) >= height {
					break
				}
				lines = append(lines, theme.FitLine(d, width))
			}
		}
	}
	return strings.Join(lines, "\n")
}

func headerLine(t View, widths []int) string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", gutter))
	first := true
	for i, c := range t.Cols {
		if widths[i] == 0 {
			continue
		}
		if !first {
			b.WriteString(strings.Repeat(" ", colSep))
		}
		first = false
		title := c.Title
		if i == t.SortCol {
			if t.SortDesc {
				title += " ▼"
			} else {
				title += " ▲"
			}
		}
		b.WriteString(theme.Pad(title, widths[i]))
	}
	return b.String()
}

// renderRow draws one row. The cursor row is marked with "›" as well as highlighted, and is
// drawn in one style so cell colours don't break its background.
func renderRow(t View, i int, widths []int, width int, sty *theme.Styles) string {
	selected := i == t.Cursor
	marker := "  "
	if selected {
		marker = "› "
	}
	if t.Mark != nil && t.Mark(i) {
		marker = marker[:len(marker)-1] + MarkGlyph
	}
	glyph := " "
	if t.Glyph != nil {
		glyph = t.Glyph(i)
	}
	var b strings.Builder
	b.WriteString(marker + glyph + " ")
	first := true
	for c := range t.Cols {
		if widths[c] == 0 {
			continue
		}
		if !first {
			b.WriteString(strings.Repeat(" ", colSep))
		}
		first = false
		text := theme.Pad(t.Cell(i, c), widths[c])
		switch {
		case selected:
		case t.Paint != nil:
			if p, ok := t.Paint(i, c); ok {
				text = p.Apply(text)
			}
		case t.Style != nil:
			if s, ok := t.Style(i, c); ok {
				text = s.Render(text)
			}
		}
		b.WriteString(text)
	}
	if selected {
		return sty.Selected.Render(theme.Pad(b.String(), width))
	}
	if t.RowPaint != nil {
		return t.RowPaint.Apply(theme.FitLine(b.String(), width))
	}
	return sty.Row.Render(theme.FitLine(b.String(), width))
}
