// Package groups is the dashboard's Machine Groups page, a listpage.Spec with a form.
package groups

import (
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/listpage"
	"provkeys/ui/components/table"
	"provkeys/ui/theme"
)

// groupsPage is the Machine Groups view: list, filter, add, edit, toggle and delete groups.
type groupsPage struct {
	listpage.Page[model.Group, groupRow]
	values   *groupValues
	editing  *model.Group   // the group being edited, at the version the form started from
	conflict *groupConflict // over the edit form when its save met a newer version
}

// groupRow is a loaded group with its display strings sanitized and clipped once, at load
// time, so drawing a frame never re-measures what another process wrote.
type groupRow struct {
	g                                model.Group
	name, desc, createdBy, updatedBy string
}

func newGroupRow(g model.Group) groupRow {
	return groupRow{g: g, name: ui.ClipText(g.Name, ui.ClipName), desc: ui.ClipText(g.Description, ui.ClipNote),
		createdBy: ui.ClipText(g.CreatedBy, ui.ClipName), updatedBy: ui.ClipText(g.UpdatedBy, ui.ClipName)}
}

// groupsPageID tags objectChangedMsg results so only this page reports and reloads.
const groupsPageID = "groups"

func New(e *ui.Env) ui.Page {
	p := &groupsPage{}
	p.Page = listpage.New(e, listpage.Spec[model.Group, groupRow]{
		Title: "Machine Groups", Plural: "machine groups", BarNoun: func() string { return "groups" },
		Placeholder: "filter by name or description…", Reloading: "Reloading machine groups…",
		Load: ui.Store.ListGroups,
		Rows: func(gs []model.Group) []groupRow { return listpage.MapRows(gs, newGroupRow) },
		ID:   func(r *groupRow) int64 { return r.g.ID },
		Text: func(r *groupRow) string { return r.name + "\n" + r.desc },

		Columns: func(int) []table.Column { return groupColumns },
		Cell:    groupCell,
		Style:   func(r *groupRow, c int, _ time.Time) (lipgloss.Style, bool) { return groupStyle(r, c, &e.Styles) },
		Detail:  p.detailLines,
		Empty:   p.empty,
		Changes: &listpage.Changes{PageID: groupsPageID, Object: "machine group",
			Stale: []error{model.ErrConflict, model.ErrNotFound, model.ErrInUse}},

		Actions: p, Forms: p, Own: p.actions, NoRow: "No machine group selected.",
	})
	p.Sync()
	return p
}

func (p *groupsPage) Short(km *listpage.KeyMap) []key.Binding {
	return []key.Binding{km.Filter, km.Expand, km.Add, km.Edit, km.Toggle, km.Delete, km.Uses}
}

func (p *groupsPage) Full(km *listpage.KeyMap) []key.Binding {
	return []key.Binding{km.Uses, km.Add, km.Edit, km.Toggle, km.Delete}
}

func (p *groupsPage) Result(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case groupSavedMsg:
		return p.saved(msg), true
	case groupConflictMsg:
		return p.openConflict(msg), true
	}
	return nil, false
}

// actions are the page's own: add, edit, toggle and delete.
func (p *groupsPage) actions() []listpage.Action {
	km := &p.Km
	return []listpage.Action{
		{Key: &km.Add, Needs: model.ActionCreate, Run: func() tea.Cmd { return p.openForm(nil) }},
		{Key: &km.Edit, Needs: model.ActionUpdate, Row: true, Run: func() tea.Cmd {
			r, _ := p.List.Current()
			return p.openForm(&r.g)
		}},
		{Key: &km.Toggle, Needs: model.ActionUpdate, Row: true, Run: p.toggle},
		{Key: &km.Delete, Needs: model.ActionDelete, Row: true, Run: p.askDelete},
		{Key: &km.Uses, Needs: model.ActionRead, Row: true, Run: p.showKeys},
	}
}

func (p *groupsPage) empty() string {
	if !p.Can(model.ActionCreate) {
		return "No machine groups yet. An admin can add one, or run `provkeys demo` to load sample data."
	}
	return "No machine groups yet. Press n to add one; keys join a group when you create or edit them."
}

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
