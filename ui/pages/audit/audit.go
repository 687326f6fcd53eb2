// Package audit is the dashboard's Audit page, a read-only listpage.Spec.
package audit

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/listpage"
	"provkeys/ui/theme"
)

// auditLimit is how many of the newest events the Audit view loads.
const auditLimit = 1000

// auditPage is the Audit view: the newest events first, scrolled, filtered and expanded.
// It is read-only: the trail is append-only and nobody edits it from here.
type auditPage struct {
	listpage.Page[model.AuditEvent, auditRow]
}

// auditRow is a loaded event with its display strings sanitized and clipped, and its old
// and new values laid out, once at load time.
type auditRow struct {
	ev                                          model.AuditEvent
	actor, action, object, result, role, remote string
	values                                      []listpage.Detail
	words                                       model.AuditWords // lower-case, for the filter
}

// clipJSON bounds the old and new values that are parsed and laid out; the store's are a
// few hundred bytes.
const clipJSON = 16 << 10

func newAuditRow(ev model.AuditEvent, sty *theme.Styles) auditRow {
	name := ui.ClipText(ev.ObjectName, ui.ClipName)
	if name == "" && ev.ObjectID != 0 {
		name = fmt.Sprintf("#%d", ev.ObjectID)
	}
	r := auditRow{
		ev: ev, actor: ui.ClipText(ev.Actor, ui.ClipName), action: ui.ClipText(string(ev.Action), ui.ClipName),
		object: strings.TrimSpace(ui.ClipText(string(ev.ObjectType), ui.ClipName) + " " + name),
		result: auditResult(ui.ClipText(ev.Result, ui.ClipNote)), role: ui.ClipText(string(ev.Role), ui.ClipName),
		remote: ui.ClipText(ev.Remote, ui.ClipName),
		values: auditValues(clipRaw(ev.Old, clipJSON), clipRaw(ev.New, clipJSON), sty),
	}
	r.words = model.AuditWords{Actor: strings.ToLower(r.actor), Action: strings.ToLower(r.action),
		Object: strings.ToLower(r.object), Result: strings.ToLower(ui.ClipText(ev.Result, ui.ClipNote))}
	return r
}

// matchAudit compiles the filter bar's text (model.ParseAuditFilter) into a test of a row.
func matchAudit(expr string) (func(*auditRow) bool, error) {
	f, err := model.ParseAuditFilter(expr)
	if err != nil {
		return nil, err
	}
	return func(r *auditRow) bool { return f.Match(&r.words) }, nil
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

func New(e *ui.Env) ui.Page {
	p := &auditPage{}
	p.Page = listpage.New(e, listpage.Spec[model.AuditEvent, auditRow]{
		Title: "Audit", Plural: "events", BarNoun: p.barNoun,
		Placeholder: "filter: words, actor:, action:, object:, result: (? lists them)", Reloading: "Reloading the audit trail…",
		Load:  func(s ui.Store, ctx context.Context) ([]model.AuditEvent, error) { return s.ListAudit(ctx, auditLimit) },
		Rows:  func(evs []model.AuditEvent) []auditRow { return newAuditRows(evs, &e.Styles) },
		ID:    func(r *auditRow) int64 { return r.ev.ID },
		Text:  func(r *auditRow) string { return strings.Join([]string{r.actor, r.action, r.object, r.result}, "\n") },
		Match: matchAudit,
		// At the top, the cursor follows the newest event after a reload, as tail -f does.
		FollowTop: true,

		Columns: auditColumnsAt,
		Cell:    func(r *auditRow, c int, now time.Time) string { return auditCell(r, c, now, p.List.Width) },
		Style:   func(r *auditRow, c int, _ time.Time) (lipgloss.Style, bool) { return auditStyle(r, c, &e.Styles) },
		Detail:  p.detailLines,
		Empty: func() string {
			return "Nothing recorded yet. Every change, export and refused attempt will be listed here, newest first."
		},
		Actions:  p,
		Commands: p.commands,
	})
	p.Sync()
	return p
}

// newAuditRows lays out the events newest first, whatever order the store used; ids break
// ties within a microsecond.
func newAuditRows(events []model.AuditEvent, sty *theme.Styles) []auditRow {
	evs := slices.Clone(events)
	slices.SortStableFunc(evs, func(a, b model.AuditEvent) int {
		if c := b.At.Compare(a.At); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	rows := make([]auditRow, len(evs))
	for i, ev := range evs {
		rows[i] = newAuditRow(ev, sty)
	}
	return rows
}

// barNoun counts events, and says when only the newest are loaded.
func (p *auditPage) barNoun() string {
	if len(p.List.Items) >= auditLimit {
		return fmt.Sprintf("events (the newest %d)", auditLimit)
	}
	return "events"
}

// enable: the trail offers nothing of its own.
func (p *auditPage) Enable(*listpage.KeyMap, bool, bool) {}

func (p *auditPage) Short(km *listpage.KeyMap) []key.Binding {
	return []key.Binding{km.Filter, km.Expand, km.Palette, km.Bottom} // ctrl+r is in the full help
}

// Full is the palette and the filter's terms: ? lists them, as the bar's hint says.
func (p *auditPage) Full(km *listpage.KeyMap) []key.Binding {
	return append([]key.Binding{km.Palette}, filterTerms...)
}

// filterTerms are the Audit filter's terms as help entries; a term is typed into the bar,
// never pressed, so no key press matches one.
var filterTerms = []key.Binding{
	key.NewBinding(key.WithKeys("actor:"), key.WithHelp("actor:NAME", "who did it")),
	key.NewBinding(key.WithKeys("action:"), key.WithHelp("action:export", "what was done")),
	key.NewBinding(key.WithKeys("object:"), key.WithHelp("object:key", "type and name")),
	key.NewBinding(key.WithKeys("result:"), key.WithHelp("result:ok|refused", "or its text")),
	key.NewBinding(key.WithKeys("-term"), key.WithHelp("-term", "not")),
	key.NewBinding(key.WithKeys("a|b"), key.WithHelp("a|b", "either")),
}

// act says that the trail cannot be changed, when a key that changes things is pressed.
func (p *auditPage) Act(msg tea.KeyPressMsg) tea.Cmd {
	km := listpage.DefaultKeyMap()
	if ui.Pressed(msg, km.Add) || ui.Pressed(msg, km.Edit) || ui.Pressed(msg, km.Delete) || ui.Pressed(msg, km.Toggle) {
		return ui.Statusf("The audit trail is read-only: every change is recorded, none can be edited.")
	}
	return nil
}
