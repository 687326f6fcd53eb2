package ui

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"provkeys/model"
	"provkeys/ui/components/table"
)

// groupsPage is the Machine Groups view: list, filter, add, edit, toggle and delete groups.
type groupsPage struct {
	listPage[model.Group, groupRow]
	values  *groupValues
	editing *model.Group // the group being edited, at the version the form started from
}

// groupRow is a loaded group with its display strings sanitized and clipped once, at load
// time, so drawing a frame never re-measures what another process wrote.
type groupRow struct {
	g                                model.Group
	name, desc, createdBy, updatedBy string
}

func newGroupRow(g model.Group) groupRow {
	return groupRow{g: g, name: clipText(g.Name, clipName), desc: clipText(g.Description, clipNote),
		createdBy: clipText(g.CreatedBy, clipName), updatedBy: clipText(g.UpdatedBy, clipName)}
}

// groupsPageID tags objectChangedMsg results so only this page reports and reloads.
const groupsPageID = "groups"

func newGroupsPage(e *env) page {
	p := &groupsPage{}
	p.listPage = newListPage(e, listSpec[model.Group, groupRow]{
		title: "Machine Groups", plural: "machine groups", barNoun: func() string { return "groups" },
		placeholder: "filter by name or description…", reloading: "Reloading machine groups…",
		load: Store.ListGroups,
		rows: func(gs []model.Group) []groupRow { return mapRows(gs, newGroupRow) },
		id:   func(r *groupRow) int64 { return r.g.ID },
		text: func(r *groupRow) string { return r.name + "\n" + r.desc },

		columns: func(int) []table.Column { return groupColumns },
		cell:    groupCell,
		style:   func(r *groupRow, c int, _ time.Time) (lipgloss.Style, bool) { return groupStyle(r, c, &e.styles) },
		detail:  p.detailLines,
		empty:   p.empty,
		changes: &listChanges{pageID: groupsPageID, object: "machine group",
			stale: []error{model.ErrConflict, model.ErrNotFound, model.ErrInUse}},

		actions: p, forms: p,
	})
	p.sync()
	return p
}

// mapRows builds a row per loaded item.
func mapRows[S, T any](items []S, row func(S) T) []T {
	rows := make([]T, len(items))
	for i, it := range items {
		rows[i] = row(it)
	}
	return rows
}

func (p *groupsPage) short(km *listKeyMap) []key.Binding {
	return []key.Binding{km.Filter, km.Expand, km.Add, km.Edit, km.Toggle, km.Delete}
}

func (p *groupsPage) full(km *listKeyMap) []key.Binding {
	return []key.Binding{km.Add, km.Edit, km.Toggle, km.Delete}
}

func (p *groupsPage) result(msg tea.Msg) (tea.Cmd, bool) {
	if msg, ok := msg.(groupSavedMsg); ok {
		return p.saved(msg), true
	}
	return nil, false
}

// act runs the page's own actions, or says why a key that names one did nothing.
func (p *groupsPage) act(msg tea.KeyPressMsg) tea.Cmd {
	km := &p.km
	switch {
	case key.Matches(msg, km.Add):
		return p.openForm(nil)
	case key.Matches(msg, km.Edit):
		if r, ok := p.list.current(); ok {
			return p.openForm(&r.g)
		}
	case key.Matches(msg, km.Toggle):
		return p.toggle()
	case key.Matches(msg, km.Delete):
		return p.askDelete()
	}
	return p.refusal(msg)
}

// refusal explains why a key that names an action did nothing.
func (p *groupsPage) refusal(msg tea.KeyPressMsg) tea.Cmd {
	km := defaultListKeyMap()
	add, change := pressed(msg, km.Add), pressed(msg, km.Edit) || pressed(msg, km.Toggle) || pressed(msg, km.Delete)
	switch {
	case !add && !change:
		return nil
	case add && !p.can(model.ActionCreate),
		(pressed(msg, km.Edit) || pressed(msg, km.Toggle)) && !p.can(model.ActionUpdate),
		pressed(msg, km.Delete) && !p.can(model.ActionDelete):
		return p.readOnly()
	case change:
		return setStatus(statusErr, "No machine group selected.")
	}
	return nil
}

// enable turns on the actions that can happen now.
func (p *groupsPage) enable(km *listKeyMap, table, has bool) {
	km.Add.SetEnabled(table && p.can(model.ActionCreate))
	km.Edit.SetEnabled(table && has && p.can(model.ActionUpdate))
	km.Toggle.SetEnabled(table && has && p.can(model.ActionUpdate))
	km.Delete.SetEnabled(table && has && p.can(model.ActionDelete))
}

func (p *groupsPage) empty() string {
	if !p.can(model.ActionCreate) {
		return "No machine groups yet. An admin can add one, or run `provkeys demo` to load sample data."
	}
	return "No machine groups yet. Press n to add one; keys join a group when you create or edit them."
}
