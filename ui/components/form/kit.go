package form

import (
	"errors"
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/theme"
)

// Kit is what every form of the dashboard shares: a huh form built from fields the kit
// remembers, so a validation error — huh's own check or the store's — can be shown right
// under its field's title, and the focus moved to it. huh's fields are pointers, and the
// values they edit live on the heap behind pointers too (REFERENCE.md: huh's stale-copy trap).
type Kit struct {
	Env    *ui.Env
	Form   *huh.Form
	Fields map[string]FormField
	errs   map[string]fieldErr // errors the store returned, by field id
	shown  map[string]string   // the description each field shows now
	width  int
	height int
}

// fieldErr is a validation error the store returned for a field, and the value it refused:
// the message goes away once the value changes.
type fieldErr struct{ msg, value string }

// FormField is where a field sits and how to show an error on it.
type FormField struct {
	Field   huh.Field
	Group   int          // which page of the form
	Desc    string       // its usual description
	SetDesc func(string) // replaces the description
	Value   func() string
	check   func() error // the field's rule, checked before the focus moves on
	confirm func(bool)   // a yes/no field's setter, for y and n
	settle  func()       // takes the value under a select's cursor, as huh does on enter
	live    func() error // checked on every key, shown while the operator types (Live)
}

// NewKit is an empty kit for a form of w×h on e; Finish builds the form.
func NewKit(e *ui.Env, w, h int) Kit {
	return Kit{Env: e, errs: map[string]fieldErr{}, width: w, height: h}
}

// formKeyMap is huh's keymap without select filtering, so "/" and esc keep their meaning.
func formKeyMap() *huh.KeyMap {
	km := huh.NewDefaultKeyMap()
	km.Select.Filter.SetEnabled(false)
	km.MultiSelect.Filter.SetEnabled(false)
	km.Quit = key.NewBinding(key.WithKeys("ctrl+c"))
	focusKeyMap(km)
	return km
}

// Reset forgets the fields before a (re)build.
func (k *Kit) Reset() {
	k.Fields, k.shown = map[string]FormField{}, map[string]string{}
}

// Finish builds the huh form from groups made with the kit's field makers.
func (k *Kit) Finish(groups ...*huh.Group) {
	k.Form = huh.NewForm(groups...).
		WithTheme(k.Env.Styles.FormTheme).
		WithKeyMap(formKeyMap()).
		WithShowHelp(false).   // the dashboard's footer shows the keys
		WithShowErrors(false). // shown under each field instead (showErrors)
		WithWidth(max(20, k.width)).
		WithHeight(max(4, k.height))
	for id, fld := range k.Fields {
		k.shown[id] = fld.Desc
	}
	k.showErrors()
	k.refresh()
}

func (k *Kit) errText(msg string) string {
	return k.Env.Styles.Error.Render("✗ " + model.Sanitize(msg))
}

// Resize fits the form to the page.
func (k *Kit) Resize(w, h int) {
	k.width, k.height = w, h
	if k.Form != nil {
		k.Form.WithWidth(max(20, w)).WithHeight(max(4, h))
	}
}

// Input makes a text field and records where it sits.
func (k *Kit) Input(id, title, desc string, val *string, valid func(string) error, group int) *huh.Input {
	in := huh.NewInput().Key(id).Title(title).Description(desc).Value(val).Validate(valid).CharLimit(theme.MaxTyped)
	k.Fields[id] = FormField{Field: in, Group: group, Desc: desc,
		SetDesc: func(s string) { in.Description(s) }, Value: func() string { return *val },
		check: func() error { return checkWith(valid, *val) }}
	return in
}

// Text makes a multi-line field (huh's, on bubbles' textarea) of lines rows for text that
// is pasted rather than typed. enter moves on; alt+enter or ctrl+j starts a new line. The
// external editor (ctrl+e) is off: over SSH it would run on the server.
func (k *Kit) Text(id, title, desc string, val *string, valid func(string) error, lines, limit, group int) *huh.Text {
	t := huh.NewText().Key(id).Title(title).Description(desc).Value(val).Validate(valid).
		Lines(lines).CharLimit(limit).ExternalEditor(false).ShowLineNumbers(false)
	k.Fields[id] = FormField{Field: t, Group: group, Desc: desc,
		SetDesc: func(s string) { t.Description(s) }, Value: func() string { return *val },
		check: func() error { return checkWith(valid, *val) }}
	return t
}

// Toggle makes a yes/no field with words on its buttons. Without a description it sits on
// one line, its buttons aligned with the other toggles'.
func (k *Kit) Toggle(id, title, desc, yes, no string, val *bool, group int) *huh.Confirm {
	c := huh.NewConfirm().Key(id).Affirmative(yes).Negative(no).Value(val).WithButtonAlignment(lipgloss.Left)
	if desc == "" {
		c.Title(theme.Pad(title, 22)).Inline(true)
	} else {
		c.Title(title).Description(desc)
	}
	k.Fields[id] = FormField{Field: c, Group: group, Desc: desc,
		SetDesc: func(s string) { c.Description(s) }, Value: func() string { return strconv.FormatBool(*val) },
		confirm: func(v bool) { *val = v }}
	return c
}

// Choose makes a select field over options (label, value).
func (k *Kit) Choose(id, title, desc string, opts []huh.Option[string], val *string, group int) *huh.Select[string] {
	s := huh.NewSelect[string]().Key(id).Title(title).Description(desc).Value(val).Options(opts...).Height(min(8, len(opts)+2))
	k.Fields[id] = FormField{Field: s, Group: group, Desc: desc,
		SetDesc: func(d string) { s.Description(d) }, Value: func() string { return *val },
		settle: func() {
			if v, ok := s.Hovered(); ok {
				*val = v // g/G and the like move the cursor without choosing
			}
		}}
	return s
}

// Update feeds huh and redraws it when an error appeared or went away. Keys that move the
// focus move it here, before the next key is read (focus.go).
func (k *Kit) Update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	if km, isKey := msg.(tea.KeyPressMsg); !isKey {
		cmd = k.feed(msg)
	} else if c, moved := k.moveKey(km); moved {
		cmd = c
	} else {
		cmd = k.feed(msg)
	}
	if k.showErrors() {
		cmd = tea.Batch(cmd, k.refresh())
	}
	return cmd
}

// feed passes msg to huh.
func (k *Kit) feed(msg tea.Msg) tea.Cmd {
	m, cmd := k.Form.Update(msg)
	if hf, ok := m.(*huh.Form); ok {
		k.Form = hf
	}
	return cmd
}

// checkWith runs a field's rule, if it has one.
func checkWith(valid func(string) error, v string) error {
	if valid == nil {
		return nil
	}
	return valid(v)
}

// showErrors puts each field's error where its description goes, right under its title:
// the store's (until the value changes) or huh's own check. It reports whether any
// description changed.
func (k *Kit) showErrors() bool {
	changed := false
	for id, fld := range k.Fields {
		if e, ok := k.errs[id]; ok && fld.Value() != e.value {
			delete(k.errs, id)
		}
		want := fld.Desc
		if e, ok := k.errs[id]; ok {
			want = k.errText(e.msg)
		} else if err := fld.Field.Error(); err != nil {
			want = k.errText(err.Error())
		} else if fld.live != nil && fld.Value() != "" {
			if err := fld.live(); err != nil {
				want = k.errText(err.Error())
			}
		}
		if want != k.shown[id] {
			fld.SetDesc(want)
			k.shown[id] = want
			changed = true
		}
	}
	return changed
}

// refreshMsg makes huh redraw its fields after their descriptions changed.
type refreshMsg struct{}

func (k *Kit) refresh() tea.Cmd {
	_, cmd := k.Form.Update(refreshMsg{})
	return cmd
}

// SetError records a store validation error on field id (falling back to fallback when the
// form has no such field) and returns the field it landed on.
func (k *Kit) SetError(id, fallback, msg string) string {
	if _, ok := k.Fields[id]; !ok {
		id = fallback
	}
	if fld, ok := k.Fields[id]; ok {
		k.errs[id] = fieldErr{msg: msg, value: fld.Value()}
	}
	return id
}

// JumpTo moves the form's focus to field id, page by page, then field by field.
func (k *Kit) JumpTo(id string) tea.Cmd {
	target, ok := k.Fields[id]
	if !ok {
		return nil
	}
	groupOf := map[huh.Field]int{}
	for _, fld := range k.Fields {
		groupOf[fld.Field] = fld.Group
	}
	var cmds []tea.Cmd
	for range 64 { // bounded: a form has a handful of fields
		cur := k.Form.GetFocusedField()
		if cur == target.Field || k.Form.State != huh.StateNormal {
			break
		}
		if g, ok := groupOf[cur]; ok && g < target.Group {
			cmds = append(cmds, k.Form.NextGroup())
		} else {
			cmds = append(cmds, k.Form.NextField())
		}
	}
	return tea.Batch(cmds...)
}

// ValidName checks a name as the store will, and says only what is wrong: the message goes
// under the field, which is already named.
func ValidName(s string) error { return Bare(model.ValidateName(model.FieldName, s)) }

// ValidDescription checks a description as the store will.
func ValidDescription(s string) error {
	return Bare(model.ValidateText(model.FieldDescription, s, model.MaxDescriptionRunes))
}

// Bare drops a validation error's field name.
func Bare(err error) error {
	var ve *model.ValidationError
	if errors.As(err, &ve) {
		return errors.New(ve.Msg)
	}
	return err
}

// HasFocus reports whether field id has the focus, so a test can paste where it means to.
func (k *Kit) HasFocus(id string) bool { return k.Form.GetFocusedField() == k.Fields[id].Field }
