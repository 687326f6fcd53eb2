package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/listpage"
	"provkeys/ui/components/table"
	"provkeys/ui/theme"
)

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
