package ui

import (
	"context"
	"errors"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/charmbracelet/x/ansi"

	"provkeys/model"
	"provkeys/ui/theme"
)

// objForm is a one-page form on the shared formKit, for the Machine Groups view (add,
// edit) and the Certificates view (import). enter on the last field submits; a
// *model.ValidationError from the store goes under the field it names, with the form open.
type objForm struct {
	formKit
	title      string
	hint       string                       // one faint line under the form
	makeFields func(k *formKit) []huh.Field // makes the fields with the kit's makers
	first      string                       // id of the first field: where other errors land
	saving     bool
}

func newObjForm(e *env, title, hint, first string, w, h int, makeFields func(k *formKit) []huh.Field) *objForm {
	f := &objForm{formKit: newFormKit(e, w, objFormHeight(h)), title: title, hint: hint, makeFields: makeFields, first: first}
	f.build()
	return f
}

// objFormHeight leaves room for the hint line.
func objFormHeight(h int) int { return h - 2 }

// build (re)creates the huh form from the values; store errors show on their fields.
func (f *objForm) build() {
	f.reset()
	f.finish(huh.NewGroup(f.makeFields(&f.formKit)...).Title(f.title))
}

func (f *objForm) resizeTo(w, h int) { f.resize(w, objFormHeight(h)) }

// step feeds huh; done is true once the last field was submitted.
func (f *objForm) step(msg tea.Msg) (cmd tea.Cmd, done bool) {
	if f.saving {
		return nil, false
	}
	cmd = f.update(msg)
	return cmd, f.form.State == huh.StateCompleted
}

// fail reopens the form on field id with msg under it.
func (f *objForm) fail(id, msg string) tea.Cmd {
	f.saving = false
	id = f.setError(id, f.first, msg)
	f.build()
	return tea.Batch(f.form.Init(), f.jumpTo(id))
}

// reopen makes a submitted form editable again after an error that belongs to no field
// (shown in the status line instead).
func (f *objForm) reopen() tea.Cmd {
	f.saving = false
	f.build()
	return f.form.Init()
}

// view is the form and its hint, or "Saving…".
func (f *objForm) view(sty *theme.Styles) string {
	hint := f.hint
	if f.saving {
		hint = "Saving…"
	}
	// huh pads the form to its height; the hint goes right under the last field instead.
	lines := strings.Split(f.form.View(), "\n")
	for len(lines) > 1 && strings.TrimSpace(ansi.Strip(lines[len(lines)-1])) == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n") + "\n\n" + sty.Faint.Render(hint)
}

// storeFieldErr reports the form field a store error belongs to and its message: a
// validation error names its field (mapped by fieldOf), a duplicate name goes under the
// name. ok is false for errors that belong in the status line.
func storeFieldErr(err error, fieldOf func(string) string) (id, msg string, ok bool) {
	var ve *model.ValidationError
	switch {
	case errors.As(err, &ve):
		return fieldOf(ve.Field), ve.Msg, true
	case errors.Is(err, model.ErrDuplicate):
		return "name", "that name is already taken", true
	}
	return "", "", false
}

// groupValues is what the machine group form fills in.
type groupValues struct {
	name, description string
	enabled           bool
}

// newGroupForm opens the add form (g nil) or the edit form for g.
func newGroupForm(e *env, g *model.Group, w, h int) (*objForm, *groupValues) {
	v := &groupValues{enabled: true}
	title := "Add machine group"
	if g != nil {
		// Sanitized: huh draws a value as it is, and the store refuses unsafe text anyway.
		v.name, v.description, v.enabled = model.Sanitize(g.Name), model.Sanitize(g.Description), g.Enabled
		title = "Edit machine group " + model.Sanitize(g.Name)
	}
	f := newObjForm(e, title, "enter on the last field saves · esc cancels, nothing is saved", "name", w, h,
		func(k *formKit) []huh.Field {
			return []huh.Field{
				k.input("name", "Name", "Letters A–Z, digits, spaces, “.”, “-” and “_”.", &v.name, validName, 0),
				k.input("description", "Description", "Optional.", &v.description, validDescription, 0),
				k.toggle("enabled", "Status", "", "Enabled", "Disabled", &v.enabled, 0),
			}
		})
	return f, v
}

// input is what the store takes.
func (v *groupValues) input() model.GroupInput {
	return model.GroupInput{Name: v.name, Description: strings.TrimSpace(v.description), Enabled: v.enabled}
}

// groupFormField maps a store validation error's field to the form's.
func groupFormField(field string) string {
	if field == model.FieldDescription {
		return "description"
	}
	return "name"
}

// groupSavedMsg is the result of the machine group form's save.
type groupSavedMsg struct {
	group model.Group
	edit  bool
	err   error
}

// saveGroup creates a group, or updates group id at version.
func saveGroup(st Store, edit bool, id, version int64, in model.GroupInput) tea.Cmd {
	return withStore(func(ctx context.Context) tea.Msg {
		var g model.Group
		var err error
		if edit {
			g, err = st.UpdateGroup(ctx, id, version, in)
		} else {
			g, err = st.CreateGroup(ctx, in)
		}
		return groupSavedMsg{group: g, edit: edit, err: err}
	})
}
