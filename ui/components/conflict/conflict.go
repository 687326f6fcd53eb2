// Package conflict is the dialog an edit form shows when its save meets a newer version of
// what it edits (someone else saved while the operator was typing): who changed it and when,
// field by field what they changed next to what the operator has, and three choices —
// reload theirs, overwrite with mine (audited as an overwrite), or keep editing. The
// operator's input is never thrown away silently. A page gives the fields its form edits and
// the three versions; the dialog compares, draws and reads the keys.
package conflict

import (
	"errors"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/theme"
)

// Field is one field an edit form offers, for input type I: Value is what is compared (as
// the store compares it: names without case, groups without order), Show the words drawn.
type Field[I any] struct {
	ID, Label string // ID is the form's field, for keep editing
	Value     func(in I) string
	Show      func(in I) string
}

// Row is one field they changed: its value now in the store and in the operator's form,
// already sanitized. Mark says how the operator's value relates: "⚠" changed too and
// differently, "=" the same as theirs, "" left as it was (an overwrite puts it back).
type Row struct {
	ID, Label     string
	Theirs, Yours string
	Mark          string
}

// KeyMap is the dialog's bindings; they are also its help.
type KeyMap struct {
	Reload, Overwrite, Cancel key.Binding
}

// DefaultKeyMap is r, o and esc/c.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Reload:    key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reload theirs")),
		Overwrite: key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "overwrite with yours")),
		Cancel:    key.NewBinding(key.WithKeys("esc", "c"), key.WithHelp("esc/c", "keep editing")),
	}
}

// Busy is what the dialog waits for; while it waits, keys do nothing.
type Busy int

// What the dialog can wait for.
const (
	Idle Busy = iota
	Reloading
	Saving
)

// Choice is what a key pressed in the dialog asks for.
type Choice int

// The operator's choices; None for a key that chooses nothing (or while the dialog waits).
const (
	None Choice = iota
	Reload
	Overwrite
	Cancel
)

// Dialog is the open dialog: what it compares, already in words, and what it waits for.
type Dialog struct {
	Object string // "key", "machine group": in the title and the sentences
	Name   string // the edited object's name as the form started, sanitized
	By     string // who made theirs, sanitized
	When   string // when they saved, as the dialog says it
	Rows   []Row  // the fields they changed
	Mine   []string
	Busy   Busy
	Km     KeyMap
}

// New compares the version the form started from (base), the one in the store (theirs) and
// what the operator would save (yours), field by field. by and at say who saved theirs and
// when; when by is empty, err (the store's *model.ConflictError) names them.
func New[I any](e *ui.Env, object, name string, fields []Field[I], base, theirs, yours I, by string, at time.Time, err error) *Dialog {
	d := &Dialog{Object: object, Name: model.Sanitize(name), Km: DefaultKeyMap()}
	d.Km.Overwrite.SetEnabled(e.Can(model.ActionOverwrite))
	var ce *model.ConflictError
	if errors.As(err, &ce) && by == "" {
		by, at = ce.By, ce.At
	}
	if d.By = model.Sanitize(by); d.By == "" {
		d.By = "someone else"
	}
	now := e.Now()
	switch {
	case at.IsZero():
		d.When = "a moment ago"
	case at.In(now.Location()).Format(time.DateOnly) == now.Format(time.DateOnly):
		d.When = "at " + at.In(now.Location()).Format(time.TimeOnly)
	default:
		d.When = "at " + ui.Stamp(at, now)
	}
	for _, f := range fields {
		b, t, y := f.Value(base), f.Value(theirs), f.Value(yours)
		switch {
		case t != b:
			r := Row{ID: f.ID, Label: f.Label, Theirs: f.Show(theirs), Yours: f.Show(yours)}
			if y == t {
				r.Mark = "="
			} else if y != b {
				r.Mark = "⚠"
			}
			d.Rows = append(d.Rows, r)
		case y != b:
			d.Mine = append(d.Mine, f.Label)
		}
	}
	return d
}

// Opened is the status when the dialog opens.
func (d *Dialog) Opened() tea.Cmd {
	return ui.SetStatus(ui.StatusErr, "Couldn't save "+d.Object+" "+d.Name+": "+d.By+" changed it while you were editing.")
}

// Key reads a key: reload and overwrite mark the dialog busy until the page's answer comes.
func (d *Dialog) Key(msg tea.KeyPressMsg) Choice {
	if d.Busy != Idle {
		return None // wait for the store's answer
	}
	switch {
	case key.Matches(msg, d.Km.Reload):
		d.Busy = Reloading // the dialog says so; a status here could land after the result's
		return Reload
	case key.Matches(msg, d.Km.Overwrite):
		d.Busy = Saving
		return Overwrite
	case key.Matches(msg, d.Km.Cancel):
		return Cancel
	}
	return None
}

// Help is the footer while the dialog is open: nothing while it waits.
func (d *Dialog) Help() []key.Binding {
	if d.Busy != Idle {
		return nil
	}
	return []key.Binding{d.Km.Reload, d.Km.Overwrite, d.Km.Cancel}
}

// FirstClash is the form field to put the operator back on: the first both of them changed,
// else the first they changed, else first.
func (d *Dialog) FirstClash(first string) string {
	for _, r := range d.Rows {
		if r.Mark == "⚠" {
			return r.ID
		}
	}
	if len(d.Rows) > 0 {
		return d.Rows[0].ID
	}
	return first
}

// View draws the dialog into width×height: who changed it and when, the table of what they
// changed, and the choices. Blank lines go first when the screen is short.
func (d *Dialog) View(width, height int, sty *theme.Styles) string {
	wrap := func(s string) []string { return strings.Split(ansi.Wordwrap(s, max(20, width-2), " "), "\n") }
	lines := []string{sty.Header.Render("Edit " + d.Object + " " + d.Name + " · Changed while you were editing"), ""}
	for _, l := range wrap("⚠ " + d.Name + " was changed by " + d.By + " " + d.When + " while you were editing.") {
		lines = append(lines, sty.Warn.Render(l))
	}
	lines = append(lines, "")
	lines = append(lines, d.table(width, sty)...)
	lines = append(lines, "")
	var legend []string
	if d.has("⚠") {
		legend = append(legend, "⚠ you changed it too")
	}
	if d.has("=") {
		legend = append(legend, "= same as theirs")
	}
	if d.has("") {
		legend = append(legend, "no mark: you left it; overwrite undoes their change")
	}
	var notes []string
	if len(legend) > 0 {
		notes = append(notes, wrap(strings.Join(legend, " · "))...)
	}
	if len(d.Mine) > 0 {
		notes = append(notes, wrap("You also changed "+strings.Join(d.Mine, ", ")+"; they didn't.")...)
	}
	for _, l := range notes {
		lines = append(lines, sty.Faint.Render(l))
	}
	if len(notes) > 0 {
		lines = append(lines, "")
	}
	var choice string
	switch d.Busy {
	case Saving:
		choice = "Saving over " + d.By + "'s change…"
	case Reloading:
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
// (their change was to something the form doesn't edit, such as a key's usage count).
func (d *Dialog) table(width int, sty *theme.Styles) []string {
	if len(d.Rows) == 0 {
		return []string{"  " + sty.Detail.Render("Their change left every field of this form as you first saw it.")}
	}
	const labelW = 21
	rest := max(10, width-4-labelW)
	tw := (rest - 2) / 2
	yw := rest - 2 - tw
	out := []string{"    " + sty.Header.Render(theme.Pad("Field", labelW)+theme.Pad("Theirs (stored now)", tw)+"  "+"Yours")}
	for _, r := range d.Rows {
		mark := "  "
		if r.Mark != "" {
			mark = sty.Warn.Render(r.Mark) + " "
		}
		out = append(out, "  "+mark+sty.Label.Render(theme.Pad(r.Label, labelW))+
			sty.Detail.Render(theme.Pad(r.Theirs, tw))+"  "+sty.Detail.Render(theme.FitLine(r.Yours, yw)))
	}
	return out
}

// has reports whether any row carries mark.
func (d *Dialog) has(mark string) bool {
	return slices.ContainsFunc(d.Rows, func(r Row) bool { return r.Mark == mark })
}
