package ui

import (
	"strings"

	"charm.land/lipgloss/v2"

	"provkeys/ui/theme"
)

// The table is state plus a pure renderer. Pages keep the rows (as an index slice into what
// they loaded), the cursor and the scroll offset; renderTable draws only the rows that fit,
// so drawing costs the same for a thousand rows as for a million.

// column describes one table column.
type column struct {
	title string
	min   int // width it needs
	grow  int // share of spare width; 0 keeps it at min
	opt   int // 0: always shown; otherwise shown when the width allows, lowest first
}

// gutter is the cursor marker, a space, the expansion glyph and a space.
const (
	gutter = 4
	colSep = 2
)

// layoutColumns returns each column's width for a table width; 0 hides a column.
func layoutColumns(cols []column, width int) []int {
	widths := make([]int, len(cols))
	used := gutter
	for i, c := range cols {
		if c.opt == 0 {
			widths[i] = c.min
			used += c.min + colSep
		}
	}
	used -= colSep
	// Optional columns join in priority order while they fit.
	for prio := 1; prio <= len(cols); prio++ {
		for i, c := range cols {
			if c.opt == prio && used+colSep+c.min <= width {
				widths[i] = c.min
				used += colSep + c.min
			}
		}
	}
	spare, weight := width-used, 0
	for i, c := range cols {
		if widths[i] > 0 {
			weight += c.grow
		}
	}
	if spare > 0 && weight > 0 {
		given := 0
		last := -1
		for i, c := range cols {
			if widths[i] > 0 && c.grow > 0 {
				add := spare * c.grow / weight
				widths[i] += add
				given += add
				last = i
			}
		}
		widths[last] += spare - given
	}
	return widths
}

// tableView is everything renderTable needs. The funcs are called only for drawn rows.
type tableView struct {
	cols     []column
	n        int // rows in the view
	cursor   int // row under the cursor; -1 when none
	top      int // first row drawn
	sortCol  int // -1: no sort indicator
	sortDesc bool
	cell     func(row, col int) string                 // sanitized plain text
	style    func(row, col int) (lipgloss.Style, bool) // optional per-cell style
	paint    func(row, col int) (theme.Paint, bool)    // the same, cheaper; wins over style
	rowPaint *theme.Paint                              // styles.Row as a paint, when set
	glyph    func(row int) string                      // one cell: expansion state
	detail   func(row, width int) []string             // lines under an expanded row, or nil
	extra    func(row, width int) int                  // len(detail) without drawing; optional
}

// rowHeight is how many lines row i takes at width. Scrolling asks this of up to a screen
// of rows, so it counts lines (extra) rather than drawing them when it can.
func (t tableView) rowHeight(i, width int) int {
	switch {
	case t.extra != nil:
		return 1 + t.extra(i, width)
	case t.detail != nil:
		return 1 + len(t.detail(i, width))
	}
	return 1
}

// adjustTop returns the first row to draw so that the cursor row is on screen, moving the
// old top as little as possible. It looks at no more rows than fit on the screen.
func adjustTop(t tableView, width, height int) int {
	top := t.top
	if t.n == 0 || height <= 0 {
		return 0
	}
	top = min(max(top, 0), t.n-1)
	if t.cursor < 0 {
		return top
	}
	if t.cursor < top {
		return t.cursor
	}
	// The smallest top that still shows the cursor row whole (or at least its first line,
	// when it is taller than the screen): walk up from the cursor, a screen at most.
	fit, lines := t.cursor, 0
	for i := t.cursor; i >= 0; i-- {
		lines += t.rowHeight(i, width)
		if lines > height && i < t.cursor {
			break
		}
		fit = i
	}
	return max(top, fit)
}

// renderTable draws the header and the rows that fit in height lines.
func renderTable(t tableView, width, height int, sty *theme.Styles) string {
	if height <= 0 || width <= 0 {
		return ""
	}
	widths := layoutColumns(t.cols, width)
	lines := make([]string, 0, height)
	lines = append(lines, theme.FitLine(sty.Header.Render(headerLine(t, widths)), width))
	top := adjustTop(t, width, height-1)
	for i := top; i < t.n && len(lines) < height; i++ {
		lines = append(lines, renderRow(t, i, widths, width, sty))
		if t.detail != nil {
			for _, d := range t.detail(i, width) {
				if len(lines) >= height {
					break
				}
				lines = append(lines, theme.FitLine(d, width))
			}
		}
	}
	return strings.Join(lines, "\n")
}

func headerLine(t tableView, widths []int) string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", gutter))
	first := true
	for i, c := range t.cols {
		if widths[i] == 0 {
			continue
		}
		if !first {
			b.WriteString(strings.Repeat(" ", colSep))
		}
		first = false
		title := c.title
		if i == t.sortCol {
			if t.sortDesc {
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
func renderRow(t tableView, i int, widths []int, width int, sty *theme.Styles) string {
	selected := i == t.cursor
	marker := "  "
	if selected {
		marker = "› "
	}
	glyph := " "
	if t.glyph != nil {
		glyph = t.glyph(i)
	}
	var b strings.Builder
	b.WriteString(marker + glyph + " ")
	first := true
	for c := range t.cols {
		if widths[c] == 0 {
			continue
		}
		if !first {
			b.WriteString(strings.Repeat(" ", colSep))
		}
		first = false
		text := theme.Pad(t.cell(i, c), widths[c])
		switch {
		case selected:
		case t.paint != nil:
			if p, ok := t.paint(i, c); ok {
				text = p.Apply(text)
			}
		case t.style != nil:
			if s, ok := t.style(i, c); ok {
				text = s.Render(text)
			}
		}
		b.WriteString(text)
	}
	if selected {
		return sty.Selected.Render(theme.Pad(b.String(), width))
	}
	if t.rowPaint != nil {
		return t.rowPaint.Apply(theme.FitLine(b.String(), width))
	}
	return sty.Row.Render(theme.FitLine(b.String(), width))
}
