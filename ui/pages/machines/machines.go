// Package machines is the dashboard's Machines page, a listpage.Spec: every machine that
// enrolled with a key, newest first, its certificate's status, and revoke.
package machines

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/confirm"
	"provkeys/ui/components/listpage"
	"provkeys/ui/components/table"
	"provkeys/ui/theme"
)

// pageID tags this page's change results so only it reports and reloads.
const pageID = "machines"

// machinesPage is the Machines view: list, filter, expand and revoke.
type machinesPage struct {
	listpage.Page[model.Machine, machineRow]
}

// machineRow is a loaded machine with its display strings sanitized and clipped once.
type machineRow struct {
	m                                    model.Machine
	name, key, groups, ca, remote, state string
}

func newMachineRow(m model.Machine) machineRow {
	groups := make([]string, len(m.Groups))
	for i, g := range m.Groups {
		groups[i] = ui.ClipText(g, ui.ClipName)
	}
	state := "active"
	if !m.Active() {
		state = "revoked"
	}
	return machineRow{m: m, name: ui.ClipText(m.Name, ui.ClipName), key: ui.ClipText(m.KeyName, ui.ClipName),
		groups: strings.Join(groups, ", "), ca: ui.ClipText(m.CertName, ui.ClipName),
		remote: ui.ClipText(m.Remote, ui.ClipName), state: state}
}

// New is the Machines page.
func New(e *ui.Env) ui.Page {
	p := &machinesPage{}
	p.Page = listpage.New(e, listpage.Spec[model.Machine, machineRow]{
		Title: "Machines", Plural: "machines", BarNoun: func() string { return "machines" },
		Placeholder: "filter by machine, key, group, status or address…", Reloading: "Reloading machines…",
		Load: func(s ui.Store, ctx context.Context) ([]model.Machine, error) { return s.ListMachines(ctx, 0) },
		Rows: func(ms []model.Machine) []machineRow { return listpage.MapRows(ms, newMachineRow) },
		ID:   func(r *machineRow) int64 { return r.m.ID },
		Text: func(r *machineRow) string {
			return strings.Join([]string{r.name, r.key, r.groups, r.state, r.remote}, "\n")
		},
		FollowTop: true,

		Columns: func(int) []table.Column { return columns },
		Cell:    cell,
		Style:   func(r *machineRow, c int, now time.Time) (lipgloss.Style, bool) { return style(r, c, now, &e.Styles) },
		Detail:  p.detailLines,
		Empty: func() string {
			return "No machine has enrolled yet. Machines enroll over HTTPS with a key (provkeys enroll, or curl; see the README)."
		},
		Changes: &listpage.Changes{PageID: pageID, Object: "machine", Stale: []error{model.ErrNotFound}},
		Actions: p,
	})
	p.Sync()
	return p
}

// Columns of the table.
const (
	colName = iota
	colKey
	colGroups
	colEnrolled
	colExpires
	colStatus
	colFrom
)

var columns = []table.Column{
	colName:     {Title: "MACHINE", Min: 10, Grow: 2},
	colKey:      {Title: "KEY", Min: 8, Grow: 2},
	colGroups:   {Title: "GROUPS", Min: 8, Grow: 1, Opt: 2},
	colEnrolled: {Title: "ENROLLED", Min: 16},
	colExpires:  {Title: "CERT EXPIRES", Min: 12, Opt: 1},
	colStatus:   {Title: "STATUS", Min: 7},
	colFrom:     {Title: "FROM", Min: 10, Grow: 1, Opt: 3},
}

const stampLayout = "2006-01-02 15:04"

func cell(r *machineRow, c int, now time.Time) string {
	switch c {
	case colName:
		return r.name
	case colKey:
		return ui.OrDash(r.key)
	case colGroups:
		return ui.OrDash(r.groups)
	case colEnrolled:
		return r.m.EnrolledAt.In(now.Location()).Format(stampLayout)
	case colExpires:
		return r.m.NotAfter.In(now.Location()).Format("2006-01-02")
	case colStatus:
		return r.state
	case colFrom:
		return ui.OrDash(r.remote)
	}
	return ""
}

// style marks the status, and an active certificate past its expiry.
func style(r *machineRow, c int, now time.Time, sty *theme.Styles) (lipgloss.Style, bool) {
	switch c {
	case colStatus:
		if r.m.Active() {
			return sty.Success, true
		}
		return sty.Error, true
	case colExpires:
		if r.m.Active() && !now.Before(r.m.NotAfter) {
			return sty.Error, true
		}
		return sty.Faint, true
	case colEnrolled:
		return sty.Faint, true
	}
	return lipgloss.Style{}, false
}

func (p *machinesPage) detailLines(r *machineRow, width int) []string {
	now, m := p.Env.Now(), &r.m
	status := "active"
	if !m.Active() {
		status = "revoked " + ui.Stamp(m.RevokedAt, now) + " (on the CRL of " + ui.OrDash(r.ca) + ")"
	}
	use := "took one use of the key"
	if !m.UsedUse {
		use = "a re-enrollment: no use taken"
	}
	return listpage.DetailLines([]listpage.Detail{
		{Label: "Status", Value: status, Half: true},
		{Label: "Signed by", Value: ui.OrDash(r.ca), Half: true},
		{Label: "Serial", Value: m.Serial, Half: true},
		{Label: "Expires", Value: ui.Stamp(m.NotAfter, now), Half: true},
		{Label: "Enrolled", Value: ui.Stamp(m.EnrolledAt, now) + " from " + ui.OrDash(r.remote), Half: true},
		{Label: "Key", Value: ui.OrDash(r.key) + ", " + use, Half: true},
		{Label: "Groups", Value: ui.OrDash(r.groups), Wrap: true},
		{Label: "ID", Value: fmt.Sprintf("%d", m.ID)},
	}, width, &p.Env.Styles)
}

// revokeBinding is d, "revoke": the list's delete key, since revoking is what removes a
// machine's trust.
func revokeBinding(km *listpage.KeyMap) key.Binding { return ui.WithHelp(km.Delete, "d", "revoke") }

func (p *machinesPage) Enable(km *listpage.KeyMap, table, has bool) {
	r, ok := p.List.Current()
	km.Delete = revokeBinding(km)
	km.Delete.SetEnabled(table && has && ok && r.m.Active() && p.Can(model.ActionRevoke))
}

func (p *machinesPage) Short(km *listpage.KeyMap) []key.Binding {
	return []key.Binding{km.Filter, km.Expand, km.Delete, km.Reload}
}

func (p *machinesPage) Full(km *listpage.KeyMap) []key.Binding { return []key.Binding{km.Delete} }

// Act revokes on d, or says why it did nothing.
func (p *machinesPage) Act(msg tea.KeyPressMsg) tea.Cmd {
	if !ui.Pressed(msg, listpage.DefaultKeyMap().Delete) {
		return nil
	}
	r, ok := p.List.Current()
	switch {
	case !p.Can(model.ActionRevoke):
		return p.ReadOnly()
	case !ok:
		return ui.SetStatus(ui.StatusErr, "No machine selected.")
	case !r.m.Active():
		return p.RowStatus(ui.StatusInfo, "Machine "+r.name+" is already revoked.")
	}
	st, id, name := p.Env.Store, r.m.ID, r.name
	text := fmt.Sprintf("Revoke machine %s (key %s, serial %s)? Its certificate goes on the CRL.", name, ui.OrDash(r.key), r.m.Serial)
	p.Ask = confirm.New(text, func() tea.Cmd {
		return ui.WithStore(func(ctx context.Context) tea.Msg {
			_, err := st.RevokeMachine(ctx, id)
			return listpage.ChangedMsg{Page: pageID, Verb: "revoked", Name: name, Err: err}
		})
	}, func() tea.Cmd { return p.RowStatus(ui.StatusInfo, "Kept machine "+name+".") })
	return nil
}
