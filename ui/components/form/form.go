// Package form is the dashboard's generic form on huh: Kit builds fields whose validation
// errors stay under them, and Form is a titled form that a list page opens, saves and
// reopens with the store's refusal under its field.
package form

import (
	"errors"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/charmbracelet/x/ansi"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/theme"
)

// Form is a one-page form on the shared Kit, for the Machine Groups view (add,
// edit) and the Certificates view (import). enter on the last field submits; a
// *model.ValidationError from the store goes under the field it names, with the form open.
type Form struct {
	Kit
	title      string
	hint       string                   // one faint line under the form
	makeFields func(k *Kit) []huh.Field // makes the fields with the kit's makers
	first      string                   // id of the first field: where other errors land
	Saving     bool
}

// New builds the form titled title, with hint under it and first as the field that other
// errors land on; makeFields makes the fields with the kit's makers.
func New(e *ui.Env, title, hint, first string, w, h int, makeFields func(k *Kit) []huh.Field) *Form {
	f := &Form{Kit: NewKit(e, w, objFormHeight(h)), title: title, hint: hint, makeFields: makeFields, first: first}
	f.build()
	return f
}

// objFormHeight leaves room for the hint line.
func objFormHeight(h int) int { return h - 2 }

// build (re)creates the huh form from the values; store errors show on their fields.
func (f *Form) build() {
	f.Reset()
	f.Finish(huh.NewGroup(f.makeFields(&f.Kit)...).Title(f.title))
}

// ResizeTo fits the form and its hint into w×h.
func (f *Form) ResizeTo(w, h int) { f.Resize(w, objFormHeight(h)) }

// Step feeds huh; done is true once the last field was submitted.
func (f *Form) Step(msg tea.Msg) (cmd tea.Cmd, done bool) {
	if f.Saving {
		return nil, false
	}
	cmd = f.Update(msg)
	return cmd, f.Form.State == huh.StateCompleted
}

// Fail reopens the form on field id with msg under it.
func (f *Form) Fail(id, msg string) tea.Cmd {
	f.Saving = false
	id = f.SetError(id, f.first, msg)
	f.build()
	return tea.Batch(f.Form.Init(), f.JumpTo(id))
}

// Reopen makes a submitted form editable again after an error that belongs to no field
// (shown in the status line instead).
func (f *Form) Reopen() tea.Cmd {
	f.Saving = false
	f.build()
	return f.Form.Init()
}

// View is the form and its hint, or "Saving…".
func (f *Form) View(sty *theme.Styles) string {
	hint := f.hint
	if f.Saving {
		hint = "Saving…"
	}
	// huh pads the form to its height; the hint goes right under the last field instead.
	lines := strings.Split(f.Form.View(), "\n")
	for len(lines) > 1 && strings.TrimSpace(ansi.Strip(lines[len(lines)-1])) == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n") + "\n\n" + sty.Faint.Render(hint)
}

// StoreFieldErr reports the form field a store error belongs to and its message: a
// validation error names its field (mapped by fieldOf), a duplicate name goes under the
// name. ok is false for errors that belong in the status line.
func StoreFieldErr(err error, fieldOf func(string) string) (id, msg string, ok bool) {
	var ve *model.ValidationError
	switch {
	case errors.As(err, &ve):
		return fieldOf(ve.Field), ve.Msg, true
	case errors.Is(err, model.ErrDuplicate):
		return "name", "that name is already taken", true
	}
	return "", "", false
}
