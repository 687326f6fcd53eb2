package ui

import (
	"context"
	"errors"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"provkeys/model"
)

// groupsPage is the Machine Groups view: list, filter, add, edit, toggle and delete groups.
type groupsPage struct {
	env  *env
	km   listKeyMap
	list listPane[groupRow]
	ask  *question // the delete confirmation

	form    *objForm
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
	p := &groupsPage{env: e, km: defaultListKeyMap()}
	p.list = newListPane(func(r *groupRow) int64 { return r.g.ID },
		func(r *groupRow) string { return r.name + "\n" + r.desc },
		"filter by name or description…")
	p.sync()
	return p
}

// Title is the tab caption.
func (p *groupsPage) Title() string { return "Machine Groups" }

// Init loads the groups.
func (p *groupsPage) Init() tea.Cmd { return p.reload() }

func (p *groupsPage) reload() tea.Cmd {
	p.list.seq++
	seq, st := p.list.seq, p.env.store
	return withStore(func(ctx context.Context) tea.Msg {
		gs, err := st.ListGroups(ctx)
		return groupsLoadedMsg{seq: seq, groups: gs, err: err}
	})
}

// Capturing is true while the filter bar, the form or the confirmation takes the keys.
func (p *groupsPage) Capturing() bool { return p.ask != nil || p.form != nil || p.list.typing }

// Update handles one message, then re-derives the live bindings and the scroll position.
func (p *groupsPage) Update(msg tea.Msg) tea.Cmd {
	msg, ok := cleanInput(msg)
	if !ok {
		return nil
	}
	cmd := p.update(msg)
	p.sync()
	p.list.fixTop(p.tableView())
	return cmd
}

func (p *groupsPage) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case pageSizeMsg:
		p.list.width, p.list.height = msg.width, msg.height
		if p.form != nil {
			p.form.resizeTo(msg.width, msg.height)
		}
		return nil
	case groupsLoadedMsg:
		if msg.seq != p.list.seq {
			return nil // a newer load is on its way
		}
		if msg.err != nil {
			p.list.loadErr = msg.err
			return failed("load machine groups", msg.err)
		}
		rows := make([]groupRow, len(msg.groups))
		for i, g := range msg.groups {
			rows[i] = newGroupRow(g)
		}
		p.list.setItems(rows)
		return nil
	case dataChangedMsg:
		return p.reload()
	case objectChangedMsg:
		if msg.page != groupsPageID {
			return nil
		}
		if cmd, ok := inUseRefusal("machine group "+msg.name, msg.err); ok {
			return tea.Batch(cmd, p.reload())
		}
		if msg.err != nil {
			return tea.Batch(failed(changeVerb(msg.verb)+" machine group "+msg.name, msg.err), p.reloadOnStale(msg.err))
		}
		return tea.Batch(okf("%s machine group %s.", capitalize(msg.verb), msg.name), p.reload())
	case groupSavedMsg:
		return p.saved(msg)
	case tea.KeyPressMsg:
		return p.handleKey(msg)
	}
	return p.forwardInput(msg)
}

// forwardInput hands other messages (blinks, pastes, huh's own) to what takes input now.
func (p *groupsPage) forwardInput(msg tea.Msg) tea.Cmd {
	switch {
	case p.form != nil:
		return p.updateForm(msg)
	case p.list.typing:
		return p.list.updateFilter(msg)
	}
	return nil
}

func (p *groupsPage) reloadOnStale(err error) tea.Cmd {
	if errors.Is(err, model.ErrConflict) || errors.Is(err, model.ErrNotFound) || errors.Is(err, model.ErrInUse) {
		return p.reload()
	}
	return nil
}

func (p *groupsPage) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case p.ask != nil:
		q := p.ask
		done, cmd := q.update(msg, defaultKeysKeyMap())
		if done && p.ask == q {
			p.ask = nil
		}
		return cmd
	case p.form != nil && p.form.saving:
		return nil // wait for the store's answer
	case p.form != nil:
		if msg.String() == "esc" {
			return p.closeForm()
		}
		return p.updateForm(msg)
	case p.list.typing:
		return p.list.filterKey(msg, &p.km)
	}
	if cmd, ok := p.list.tableKey(msg, &p.km); ok {
		return cmd
	}
	km := &p.km
	switch {
	case key.Matches(msg, km.Reload):
		return tea.Batch(p.reload(), statusf("Reloading machine groups…"))
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
	case add && !p.env.can(model.ActionCreate),
		(pressed(msg, km.Edit) || pressed(msg, km.Toggle)) && !p.env.can(model.ActionUpdate),
		pressed(msg, km.Delete) && !p.env.can(model.ActionDelete):
		return readOnly(p.env, "machine groups")
	case change:
		return setStatus(statusErr, "No machine group selected.")
	}
	return nil
}

// sync enables exactly the bindings whose action can happen now.
func (p *groupsPage) sync() {
	km := &p.km
	_, has := p.list.current()
	table := p.ask == nil && p.form == nil && !p.list.typing
	km.syncList(table, has, p.list.expandAll)
	km.Add.SetEnabled(table && p.env.can(model.ActionCreate))
	km.Edit.SetEnabled(table && has && p.env.can(model.ActionUpdate))
	km.Toggle.SetEnabled(table && has && p.env.can(model.ActionUpdate))
	km.Delete.SetEnabled(table && has && p.env.can(model.ActionDelete))
	km.Import.SetEnabled(false)
}

// ShortHelp is the footer's one line for what has focus.
func (p *groupsPage) ShortHelp() []key.Binding {
	km := &p.km
	switch {
	case p.ask != nil:
		return p.ask.help(defaultKeysKeyMap())
	case p.form != nil:
		return km.formHelp()
	case p.list.typing:
		return km.filterHelp()
	}
	return []key.Binding{km.Filter, km.Expand, km.Add, km.Edit, km.Toggle, km.Delete}
}

// FullHelp is every live binding, by column.
func (p *groupsPage) FullHelp() [][]key.Binding {
	if p.Capturing() {
		return [][]key.Binding{p.ShortHelp()}
	}
	km := &p.km
	return append(km.tableHelp(), []key.Binding{km.Add, km.Edit, km.Toggle, km.Delete})
}
