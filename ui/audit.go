package ui

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui/theme"
)

// auditLimit is how many of the newest events the Audit view loads.
const auditLimit = 1000

// auditPage is the Audit view: the newest events first, scrolled, filtered and expanded.
// It is read-only: the trail is append-only and nobody edits it from here.
type auditPage struct {
	env  *env
	km   listKeyMap
	list listPane[auditRow]
}

// auditRow is a loaded event with its display strings sanitized and clipped, and its old
// and new values laid out, once at load time.
type auditRow struct {
	ev                                          model.AuditEvent
	actor, action, object, result, role, remote string
	values                                      []objDetail
}

// clipJSON bounds the old and new values that are parsed and laid out; the store's are a
// few hundred bytes.
const clipJSON = 16 << 10

func newAuditRow(ev model.AuditEvent, sty *theme.Styles) auditRow {
	name := clipText(ev.ObjectName, clipName)
	if name == "" && ev.ObjectID != 0 {
		name = fmt.Sprintf("#%d", ev.ObjectID)
	}
	return auditRow{
		ev: ev, actor: clipText(ev.Actor, clipName), action: clipText(string(ev.Action), clipName),
		object: strings.TrimSpace(clipText(string(ev.ObjectType), clipName) + " " + name),
		result: auditResult(clipText(ev.Result, clipNote)), role: clipText(string(ev.Role), clipName),
		remote: clipText(ev.Remote, clipName),
		values: auditValues(clipRaw(ev.Old, clipJSON), clipRaw(ev.New, clipJSON), sty),
	}
}

// clipRaw cuts s to at most n bytes, on a rune boundary, before it is parsed.
func clipRaw(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func newAuditPage(e *env) page {
	p := &auditPage{env: e, km: defaultListKeyMap()}
	p.list = newListPane(func(r *auditRow) int64 { return r.ev.ID },
		func(r *auditRow) string { return strings.Join([]string{r.actor, r.action, r.object, r.result}, "\n") },
		"filter by actor, action, object or result…")
	p.sync()
	return p
}

// Title is the tab caption.
func (p *auditPage) Title() string { return "Audit" }

// Init loads the newest events.
func (p *auditPage) Init() tea.Cmd { return p.reload() }

func (p *auditPage) reload() tea.Cmd {
	p.list.seq++
	seq, st := p.list.seq, p.env.store
	return withStore(func(ctx context.Context) tea.Msg {
		evs, err := st.ListAudit(ctx, auditLimit)
		return auditLoadedMsg{seq: seq, events: evs, err: err}
	})
}

// Capturing is true while the filter bar has focus.
func (p *auditPage) Capturing() bool { return p.list.typing }

// Update handles one message, then re-derives the live bindings and the scroll position.
func (p *auditPage) Update(msg tea.Msg) tea.Cmd {
	msg, ok := cleanInput(msg)
	if !ok {
		return nil
	}
	cmd := p.update(msg)
	p.sync()
	p.list.fixTop(p.tableView())
	return cmd
}

func (p *auditPage) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case pageSizeMsg:
		p.list.width, p.list.height = msg.width, msg.height
		return nil
	case auditLoadedMsg:
		if msg.seq != p.list.seq {
			return nil
		}
		if msg.err != nil {
			p.list.loadErr = msg.err
			return failed("load the audit trail", msg.err)
		}
		evs := slices.Clone(msg.events)
		// Newest first, whatever order the store used; ids break ties within a microsecond.
		slices.SortStableFunc(evs, func(a, b model.AuditEvent) int {
			if c := b.At.Compare(a.At); c != 0 {
				return c
			}
			return cmp.Compare(b.ID, a.ID)
		})
		if p.list.cursor <= 0 {
			p.list.cursorID = 0 // at the top it follows the newest event, as tail -f does
		}
		rows := make([]auditRow, len(evs))
		for i, ev := range evs {
			rows[i] = newAuditRow(ev, &p.env.styles)
		}
		p.list.setItems(rows)
		return nil
	case dataChangedMsg:
		return p.reload()
	case tea.KeyPressMsg:
		return p.handleKey(msg)
	}
	if p.list.typing {
		return p.list.updateFilter(msg)
	}
	return nil
}

func (p *auditPage) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if p.list.typing {
		return p.list.filterKey(msg, &p.km)
	}
	if cmd, ok := p.list.tableKey(msg, &p.km); ok {
		return cmd
	}
	km := defaultListKeyMap()
	switch {
	case key.Matches(msg, p.km.Reload):
		return tea.Batch(p.reload(), statusf("Reloading the audit trail…"))
	case pressed(msg, km.Add), pressed(msg, km.Edit), pressed(msg, km.Delete), pressed(msg, km.Toggle):
		return statusf("The audit trail is read-only: every change is recorded, none can be edited.")
	}
	return nil
}

// sync enables exactly the bindings whose action can happen now.
func (p *auditPage) sync() {
	km := &p.km
	_, has := p.list.current()
	km.syncList(!p.list.typing, has, p.list.expandAll)
	for _, b := range []*key.Binding{&km.Add, &km.Edit, &km.Toggle, &km.Delete, &km.Import} {
		b.SetEnabled(false)
	}
}

// ShortHelp is the footer's one line for what has focus.
func (p *auditPage) ShortHelp() []key.Binding {
	km := &p.km
	if p.list.typing {
		return km.filterHelp()
	}
	return []key.Binding{km.Filter, km.Expand, km.Bottom, km.Reload}
}

// FullHelp is every live binding, by column.
func (p *auditPage) FullHelp() [][]key.Binding {
	if p.list.typing {
		return [][]key.Binding{p.ShortHelp()}
	}
	return p.km.tableHelp()
}
