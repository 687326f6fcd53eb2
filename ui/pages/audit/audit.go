// Package audit is the dashboard's Audit page, a read-only listpage.Spec.
package audit

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
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
	"provkeys/ui/components/table"
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

// Columns of the Audit table.
const (
	acolAt = iota
	acolActor
	acolAction
	acolObject
	acolResult
)

// auditShortAt is the width below which the time drops its year and seconds, so the other
// columns keep their room.
const auditShortAt = 76

var auditColumns = []table.Column{
	acolAt:     {Title: "AT", Min: 19},
	acolActor:  {Title: "ACTOR", Min: 10, Grow: 1},
	acolAction: {Title: "ACTION", Min: 9},
	acolObject: {Title: "OBJECT", Min: 16, Grow: 2},
	acolResult: {Title: "RESULT", Min: 8, Grow: 3, Opt: 1},
}

// auditColumnsAt is the table's columns at width: below auditShortAt the time drops its
// year and seconds.
func auditColumnsAt(width int) []table.Column {
	if width >= auditShortAt {
		return auditColumns
	}
	cols := slices.Clone(auditColumns)
	cols[acolAt].Min = len(auditShortLayout)
	return cols
}

// The time's layouts, wide and narrow.
const (
	auditLayout      = "2006-01-02 15:04:05"
	auditShortLayout = "01-02 15:04"
)

// auditCell is one cell of the table at the page's width.
func auditCell(r *auditRow, c int, now time.Time, width int) string {
	switch c {
	case acolAt:
		if width < auditShortAt {
			return r.ev.At.In(now.Location()).Format(auditShortLayout)
		}
		return r.ev.At.In(now.Location()).Format(auditLayout)
	case acolActor:
		return ui.OrDash(r.actor)
	case acolAction:
		return r.action
	case acolObject:
		return r.object
	case acolResult:
		return r.result
	}
	return ""
}

// auditStyle fades the time and marks the result.
func auditStyle(r *auditRow, c int, sty *theme.Styles) (lipgloss.Style, bool) {
	switch c {
	case acolAt:
		return sty.Faint, true
	case acolResult:
		if auditOK(r.ev.Result) {
			return sty.Success, true
		}
		return sty.Error, true
	}
	return lipgloss.Style{}, false
}

func auditOK(result string) bool { return result == "" || result == "ok" }

// auditResult marks success and failure with a glyph, so it reads without colour; result
// is already sanitized.
func auditResult(result string) string {
	if auditOK(result) {
		return "✓ ok"
	}
	return "✗ " + result
}

// detailLines draws an expanded event, at most a screenful: role, remote address, the full
// time and result, then the old and new values one field a line.
func (p *auditPage) detailLines(r *auditRow, width int) []string {
	sty, ev := &p.Env.Styles, &r.ev
	remote := r.remote
	if remote == "" {
		remote = "local (on the machine provkeys runs on)"
	}
	object := r.object
	if ev.ObjectID != 0 {
		object += fmt.Sprintf("  (id %d)", ev.ObjectID)
	}
	items := []listpage.Detail{
		{Label: "At", Value: ev.At.In(p.Env.Now().Location()).Format("2006-01-02 15:04:05.000 MST"), Half: true},
		{Label: "Role", Value: ui.OrDash(r.role), Half: true},
		{Label: "Remote", Value: remote, Half: true},
		{Label: "Object", Value: object, Half: true},
		{Label: "Result", Value: r.result, Wrap: true},
	}
	items = append(items, r.values...)
	lines := listpage.DetailLines(items, width, sty)
	if room := max(3, p.List.TableHeight()-2); len(lines) > room {
		more := len(lines) - room + 1
		lines = append(lines[:room-1], listpage.DetailIndent+sty.Faint.Render(
			fmt.Sprintf("… %d more line(s); a taller terminal shows them", more)))
	}
	return lines
}

// auditValues lays out the old and new values, one top-level field a line: a changed field
// as "old → new", an unchanged one once. Values that are not JSON objects are shown as
// indented JSON, or as they are. Every line is sanitized.
func auditValues(oldJSON, newJSON string, sty *theme.Styles) []listpage.Detail {
	oldF, oldOK := auditFields(oldJSON)
	newF, newOK := auditFields(newJSON)
	switch {
	case oldJSON == "" && newJSON == "":
		return []listpage.Detail{{Label: "Values", Value: "— (none recorded)"}}
	case oldOK && newOK && oldJSON != "" && newJSON != "":
		return []listpage.Detail{{Label: "Old → new", Lines: auditDiff(oldF, newF, sty)}}
	}
	var out []listpage.Detail
	for _, v := range []struct {
		label, raw string
		fields     []auditField
		ok         bool
	}{{"Old", oldJSON, oldF, oldOK}, {"New", newJSON, newF, newOK}} {
		switch {
		case v.raw == "":
		case v.ok:
			out = append(out, listpage.Detail{Label: v.label, Lines: auditDiff(v.fields, v.fields, sty)})
		default:
			out = append(out, listpage.Detail{Label: v.label, Lines: prettyJSONLines(v.raw)})
		}
	}
	return out
}

// maxAuditFields is more top-level fields than any value the store records has.
const maxAuditFields = 64

// auditField is one top-level field of a JSON object, its value compact JSON.
type auditField struct{ name, value string }

// auditFields reads a JSON object's fields in their order; ok is false for anything else.
// The empty string is an object with no fields.
func auditFields(s string) (fields []auditField, ok bool) {
	if strings.TrimSpace(s) == "" {
		return nil, true
	}
	dec := json.NewDecoder(strings.NewReader(s))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	for dec.More() {
		t, err := dec.Token()
		name, isStr := t.(string)
		if err != nil || !isStr {
			return nil, false
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, false
		}
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			return nil, false
		}
		fields = append(fields, auditField{name: model.Sanitize(name), value: model.Sanitize(b.String())})
		if len(fields) > maxAuditFields {
			return nil, false // not the store's: show it as text
		}
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, false
	}
	return fields, true
}

// auditDiff is one line per field of old and new, in old's order then new's additions.
func auditDiff(old, new []auditField, sty *theme.Styles) []string {
	nameW := 0
	for _, f := range append(old[:len(old):len(old)], new...) {
		nameW = max(nameW, len([]rune(f.name)))
	}
	nameW = min(nameW, 22)
	find := func(fs []auditField, name string) (string, bool) {
		for _, f := range fs {
			if f.name == name {
				return f.value, true
			}
		}
		return "", false
	}
	var lines []string
	seen := map[string]bool{}
	add := func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		o, inOld := find(old, name)
		n, inNew := find(new, name)
		label := sty.Label.Render(theme.Pad(name, nameW) + "  ")
		switch {
		case inOld && inNew && o == n:
			lines = append(lines, label+sty.Detail.Render(o))
		case inOld && inNew:
			lines = append(lines, label+sty.Warn.Render(o+" → "+n))
		case inOld:
			lines = append(lines, label+sty.Warn.Render(o+" → (removed)"))
		default:
			lines = append(lines, label+sty.Warn.Render("(none) → "+n))
		}
	}
	for _, f := range old {
		add(f.name)
	}
	for _, f := range new {
		add(f.name)
	}
	if len(lines) == 0 {
		lines = append(lines, sty.Detail.Render("{}"))
	}
	return lines
}

// prettyJSONLines indents JSON that is not an object, or shows the text as it is.
func prettyJSONLines(s string) []string {
	var b bytes.Buffer
	if err := json.Indent(&b, []byte(s), "", "  "); err == nil {
		s = b.String()
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = model.Sanitize(l)
	}
	return lines
}
