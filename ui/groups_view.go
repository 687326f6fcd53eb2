package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"provkeys/ui/components/table"
	"provkeys/ui/theme"
)

// Columns of the Machine Groups table.
const (
	gcolName = iota
	gcolStatus
	gcolKeys
	gcolDescription
	gcolUpdated
)

var groupColumns = []table.Column{
	gcolName:        {Title: "NAME", Min: 16, Grow: 2},
	gcolStatus:      {Title: "STATUS", Min: 10},
	gcolKeys:        {Title: "KEYS", Min: 5},
	gcolDescription: {Title: "DESCRIPTION", Min: 12, Grow: 3, Opt: 1},
	gcolUpdated:     {Title: "UPDATED", Min: 10, Opt: 2},
}

// groupCell is one cell of the table.
func groupCell(r *groupRow, c int, now time.Time) string {
	switch c {
	case gcolName:
		return r.name
	case gcolStatus:
		return groupStatus(r.g.Enabled)
	case gcolKeys:
		return fmt.Sprint(r.g.KeyCount)
	case gcolDescription:
		return orDash(r.desc)
	case gcolUpdated:
		return ago(r.g.UpdatedAt, now)
	}
	return ""
}

// groupStyle colours the status and fades the description and the time.
func groupStyle(r *groupRow, c int, sty *theme.Styles) (lipgloss.Style, bool) {
	switch c {
	case gcolStatus:
		if r.g.Enabled {
			return sty.Enabled, true
		}
		return sty.Disabled, true
	case gcolDescription, gcolUpdated:
		return sty.Faint, true
	}
	return lipgloss.Style{}, false
}

// groupStatus pairs the state with a glyph, so it reads without colour.
func groupStatus(enabled bool) string {
	if enabled {
		return "● Enabled"
	}
	return "○ Disabled"
}

// detailLines draws an expanded group.
func (p *groupsPage) detailLines(r *groupRow, width int) []string {
	now, g := p.env.now(), &r.g
	uses := "no keys use it (it can be deleted)"
	if g.KeyCount > 0 {
		uses = fmt.Sprintf("%d key(s) use it", g.KeyCount)
	}
	return objDetailLines([]objDetail{
		{label: "Description", value: orDash(r.desc), wrap: true},
		{label: "Status", value: groupStatus(g.Enabled), half: true},
		{label: "Keys", value: uses, half: true},
		{label: "Created", value: stamp(g.CreatedAt, now) + " by " + orDash(r.createdBy), half: true},
		{label: "Updated", value: stamp(g.UpdatedAt, now) + " by " + orDash(r.updatedBy), half: true},
		{label: "ID", value: fmt.Sprintf("%d (version %d)", g.ID, g.Version)},
	}, width, &p.env.styles)
}

// objDetail is one labelled, sanitized value of an expanded row in the Machine Groups,
// Certificates and Audit views. Half items pair up on wide screens; a wrap item takes as
// many lines as its text needs; lines, when set, are drawn under the label as they are.
type objDetail struct {
	label, value string
	half, wrap   bool
	lines        []string
}

// detailIndent lines expanded values up under the table's first column.
const (
	detailIndent = "      "
	detailLabelW = 14
	maxWrapLines = 8 // a wrapped value shows no more than this, ending in "…"
)

// objDetailLines lays out items under an expanded row.
func objDetailLines(items []objDetail, width int, sty *theme.Styles) []string {
	inner := max(10, width-len(detailIndent))
	line := func(label, value string, w int) string {
		return sty.Label.Render(theme.Pad(label, detailLabelW)) + sty.Detail.Render(theme.Pad(value, max(1, w-detailLabelW)))
	}
	var out []string
	wide := inner >= 96
	for i := 0; i < len(items); i++ {
		it := items[i]
		switch {
		case it.lines != nil:
			for j, l := range it.lines {
				label := it.label
				if j > 0 {
					label = ""
				}
				out = append(out, detailIndent+sty.Label.Render(theme.Pad(label, detailLabelW))+l)
			}
		case it.wrap:
			ww := max(1, inner-detailLabelW)
			wrapped := strings.Split(ansi.Wrap(it.value, ww, " "), "\n")
			if len(wrapped) > maxWrapLines {
				wrapped = wrapped[:maxWrapLines]
				wrapped[maxWrapLines-1] = ansi.Truncate(wrapped[maxWrapLines-1], ww-1, "") + "…"
			}
			for j, l := range wrapped {
				label := it.label
				if j > 0 {
					label = ""
				}
				out = append(out, detailIndent+line(label, l, inner))
			}
		case wide && it.half && i+1 < len(items) && items[i+1].half:
			nx, half := items[i+1], inner/2
			out = append(out, detailIndent+line(it.label, it.value, half)+line(nx.label, nx.value, inner-half))
			i++
		default:
			out = append(out, detailIndent+line(it.label, it.value, inner))
		}
	}
	return out
}
