package groups

import (
	"fmt"
	"time"

	"charm.land/lipgloss/v2"

	"provkeys/ui"
	"provkeys/ui/components/listpage"
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
	gcolUpdated:     {Title: "UPDATED", Min: 16, Opt: 2},
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
		return ui.OrDash(r.desc)
	case gcolUpdated:
		return ui.Stamp(r.g.UpdatedAt, now)
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
	now, g := p.Env.Now(), &r.g
	uses := "no keys use it (it can be deleted)"
	if g.KeyCount > 0 {
		uses = fmt.Sprintf("%d key(s) use it · K lists them", g.KeyCount)
	}
	return listpage.DetailLines([]listpage.Detail{
		{Label: "Description", Value: ui.OrDash(r.desc), Wrap: true},
		{Label: "Status", Value: groupStatus(g.Enabled), Half: true},
		{Label: "Keys", Value: uses, Half: true},
		{Label: "Created", Value: ui.Stamp(g.CreatedAt, now) + " by " + ui.OrDash(r.createdBy), Half: true},
		{Label: "Updated", Value: ui.Stamp(g.UpdatedAt, now) + " by " + ui.OrDash(r.updatedBy), Half: true},
		{Label: "ID", Value: fmt.Sprintf("%d (version %d)", g.ID, g.Version)},
	}, width, &p.Env.Styles)
}
