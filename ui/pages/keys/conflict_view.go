package keys

import (
	"errors"
	"provkeys/ui"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"provkeys/model"
	"provkeys/ui/theme"
)

// conflictRow is one field they changed: its value now in the store and in the operator's
// form, already sanitized. mark says how the operator's value relates: "⚠" changed too and
// differently, "=" the same as theirs, "" left as it was (an overwrite puts it back).
type conflictRow struct {
	id, label     string // id is the form field, for keep editing
	theirs, yours string
	mark          string
}

// conflictField is one field the edit form offers: a value to compare (names and groups
// compare as the store does, without case or order) and the words to show.
type conflictField struct {
	id, label string
	value     func(in model.KeyInput) string
	show      func(in model.KeyInput) string
}

// conflictFields are the edit form's fields, top to bottom.
func conflictFields(now time.Time) []conflictField {
	text := func(s string) string { return ui.OrDash(model.Sanitize(s)) }
	flag := func(v bool) string { return strconv.FormatBool(v) }
	groups := func(in model.KeyInput) string {
		g := make([]string, len(in.Groups))
		for i, n := range in.Groups {
			g[i] = strings.ToLower(n)
		}
		slices.Sort(g)
		return strings.Join(g, "\x00")
	}
	expiry := func(in model.KeyInput) string {
		if in.ExpiresAt.IsZero() {
			return "never"
		}
		return ui.Stamp(in.ExpiresAt, now)
	}
	return []conflictField{
		{"name", "Name", func(in model.KeyInput) string { return in.Name },
			func(in model.KeyInput) string { return text(in.Name) }},
		{"groups", "Machine groups", groups,
			func(in model.KeyInput) string { return text(strings.Join(in.Groups, ", ")) }},
		{"cert", "Signing certificate", func(in model.KeyInput) string { return strings.ToLower(in.Cert) },
			func(in model.KeyInput) string { return text(in.Cert) }},
		{"enabled", "Status", func(in model.KeyInput) string { return flag(in.Enabled) },
			func(in model.KeyInput) string { return onOff(in.Enabled, "● Enabled", "○ Disabled") }},
		{"reenroll", "Allow re-enrollment", func(in model.KeyInput) string { return flag(in.AllowReenroll) },
			func(in model.KeyInput) string { return yesNo(in.AllowReenroll, "yes", "no") }},
		{"exportable", "View/Export", func(in model.KeyInput) string { return flag(in.Exportable) },
			func(in model.KeyInput) string { return yesNo(in.Exportable, "on", "off (erased)") }},
		{"description", "Description", func(in model.KeyInput) string { return in.Description },
			func(in model.KeyInput) string { return text(in.Description) }},
		{"maxUsage", "Max usage", func(in model.KeyInput) string { return strconv.FormatInt(in.MaxUsage, 10) },
			func(in model.KeyInput) string {
				if in.MaxUsage == 0 {
					return "0 (no limit)"
				}
				return strconv.FormatInt(in.MaxUsage, 10)
			}},
		{"expiry", "Expires", func(in model.KeyInput) string {
			if in.ExpiresAt.IsZero() {
				return ""
			}
			return strconv.FormatInt(in.ExpiresAt.UnixMicro(), 10)
		}, expiry},
	}
}

// newConflictDialog compares the version the form started from (base), the one in the store
// (theirs) and the operator's input. err is the store's conflict: it names who and when if
// theirs doesn't.
func newConflictDialog(e *ui.Env, base, theirs model.Key, in model.KeyInput, err error) *conflictDialog {
	c := &conflictDialog{base: base, theirs: theirs, in: in, name: model.Sanitize(base.Name), km: defaultConflictKeyMap()}
	c.km.Overwrite.SetEnabled(e.Can(model.ActionOverwrite))
	by, at := theirs.UpdatedBy, theirs.UpdatedAt
	var ce *model.ConflictError
	if errors.As(err, &ce) && by == "" {
		by, at = ce.By, ce.At
	}
	if c.by = model.Sanitize(by); c.by == "" {
		c.by = "someone else"
	}
	now := e.Now()
	switch {
	case at.IsZero():
		c.when = "a moment ago"
	case at.In(now.Location()).Format(time.DateOnly) == now.Format(time.DateOnly):
		c.when = "at " + at.In(now.Location()).Format(time.TimeOnly)
	default:
		c.when = "at " + ui.Stamp(at, now)
	}
	was, now2, mine := base.Input(), theirs.Input(), c.overwriteInput()
	for _, f := range conflictFields(now) {
		b, t, y := f.value(was), f.value(now2), f.value(mine)
		switch {
		case t != b:
			r := conflictRow{id: f.id, label: f.label, theirs: f.show(now2), yours: f.show(mine)}
			if y == t {
				r.mark = "="
			} else if y != b {
				r.mark = "⚠"
			}
			c.rows = append(c.rows, r)
		case y != b:
			c.mine = append(c.mine, f.label)
		}
	}
	return c
}

// overwriteInput is what "overwrite" saves: the operator's input, except that View/Export
// stays off when they turned it off, since the key material is erased for good and the store
// refuses to turn it back on (the dialog shows "off" as the operator's value then).
func (c *conflictDialog) overwriteInput() model.KeyInput {
	in := c.in
	in.Exportable = in.Exportable && c.theirs.Exportable
	return in
}

// firstClash is the form field to put the operator back on: the first both of them changed,
// else the first they changed.
func (c *conflictDialog) firstClash() string {
	for _, r := range c.rows {
		if r.mark == "⚠" {
			return r.id
		}
	}
	if len(c.rows) > 0 {
		return c.rows[0].id
	}
	return "name"
}

// View draws the dialog into width×height: who changed the key and when, the table of what
// they changed, and the choices. Blank lines go first when the screen is short.
func (c *conflictDialog) View(width, height int) string {
	sty := &c.p.env.Styles
	wrap := func(s string) []string { return strings.Split(ansi.Wordwrap(s, max(20, width-2), " "), "\n") }
	lines := []string{sty.Header.Render("Edit key " + c.name + " · Changed while you were editing"), ""}
	for _, l := range wrap("⚠ " + c.name + " was changed by " + c.by + " " + c.when + " while you were editing.") {
		lines = append(lines, sty.Warn.Render(l))
	}
	lines = append(lines, "")
	lines = append(lines, c.table(width, sty)...)
	lines = append(lines, "")
	var legend []string
	if c.has("⚠") {
		legend = append(legend, "⚠ you changed it too")
	}
	if c.has("=") {
		legend = append(legend, "= same as theirs")
	}
	if c.has("") {
		legend = append(legend, "no mark: you left it; overwrite undoes their change")
	}
	var notes []string
	if len(legend) > 0 {
		notes = append(notes, wrap(strings.Join(legend, " · "))...)
	}
	if len(c.mine) > 0 {
		notes = append(notes, wrap("You also changed "+strings.Join(c.mine, ", ")+"; they didn't.")...)
	}
	for _, l := range notes {
		lines = append(lines, sty.Faint.Render(l))
	}
	if len(notes) > 0 {
		lines = append(lines, "")
	}
	var choice string
	switch c.busy {
	case conflictSaving:
		choice = "Saving over " + c.by + "'s change…"
	case conflictReloading:
		choice = "Reloading…"
	default:
		choice = "Press r to reload theirs (your input is discarded), o to overwrite with yours, esc or c to keep editing."
	}
	for _, l := range wrap(choice) {
		lines = append(lines, sty.Faint.Render(l))
	}
	if len(lines) > height {
		lines = slices.DeleteFunc(lines, func(l string) bool { return l == "" })
	}
	return strings.Join(lines, "\n")
}

// table is the per-field comparison, or a sentence when none of the form's fields differ
// (their change was to something the form doesn't edit, such as the usage count).
func (c *conflictDialog) table(width int, sty *theme.Styles) []string {
	if len(c.rows) == 0 {
		return []string{"  " + sty.Detail.Render("Their change left every field of this form as you first saw it.")}
	}
	const labelW = 21
	rest := max(10, width-4-labelW)
	tw := (rest - 2) / 2
	yw := rest - 2 - tw
	out := []string{"    " + sty.Header.Render(theme.Pad("Field", labelW)+theme.Pad("Theirs (stored now)", tw)+"  "+"Yours")}
	for _, r := range c.rows {
		mark := "  "
		if r.mark != "" {
			mark = sty.Warn.Render(r.mark) + " "
		}
		out = append(out, "  "+mark+sty.Label.Render(theme.Pad(r.label, labelW))+
			sty.Detail.Render(theme.Pad(r.theirs, tw))+"  "+sty.Detail.Render(theme.FitLine(r.yours, yw)))
	}
	return out
}

// has reports whether any row carries mark.
func (c *conflictDialog) has(mark string) bool {
	return slices.ContainsFunc(c.rows, func(r conflictRow) bool { return r.mark == mark })
}
