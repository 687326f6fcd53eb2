// Package keyform is the Keys page's add wizard and edit form: the fields (a huh form through
// components/form), the review of what will be saved (old → new for an edit), the errors
// under their fields, and the fields the conflict dialog compares. The page opens it with
// Hooks (the keys it holds, the save, its bindings) and does the storing itself.
package keyform

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/charmbracelet/x/ansi"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/form"
	"provkeys/ui/theme"
)

// newGroupChoice is the group select's "+ create new group" value. It holds a control
// character, so it can never be the name of a real group.
const newGroupChoice = "\x00new"

// Values is what the add wizard and the edit form fill in; huh writes through pointers
// into it.
type Values struct {
	Cert            string
	Groups          []string // one or more; the wizard's may hold newGroupChoice
	NewGroupName    string
	NewGroupDesc    string
	NewGroupEnabled bool
	Name            string
	Enabled         bool
	Reenroll        bool
	Exportable      bool
	Description     string
	MaxUsage        string
	Expiry          string
}

// Form is the add wizard or the edit form: a huh form for the fields, then our own
// review screen, then the save.
type Form struct {
	form.Kit
	hooks     Hooks
	edit      bool
	key       model.Key // the key being edited, at the version the store had
	certs     []model.Cert
	groups    []model.Group
	v         *Values
	review    bool
	saving    bool
	oldExpiry string // the expiry text the edit form started with
	start     Values // the values the edit form started with, for the review's old → new
	reviewed  bool   // the wizard reached its review once: enter goes back to it (wizard.go)
}

// Hooks is what the form asks of the page that opens it.
type Hooks struct {
	// KeyNamed is the id of the key the page holds named name (compared as the store does).
	KeyNamed func(name string) (id int64, ok bool)
	// Save saves the reviewed form (enter, or y on the review).
	Save func() tea.Cmd
	// Failed keeps the form open after err: under its field, or in the status line. stage
	// "group" means the wizard's new machine group was refused.
	Failed func(stage, doing string, err error) tea.Cmd
	// Keys are the page's bindings the review's footer shows.
	Keys KeyMap
}

// KeyMap is the review's bindings: save, cancel, and the y/n of erasing View/Export.
type KeyMap struct {
	Accept, Cancel, Yes, No key.Binding
}

// New builds the wizard (edit false) or the edit form for k with the store's
// certificates and groups. Every default is what pressing enter accepts.
func New(e *ui.Env, h Hooks, edit bool, k model.Key, certs []model.Cert, groups []model.Group, width, height int) *Form {
	f := &Form{Kit: form.NewKit(e, width, height), hooks: h, edit: edit, key: k, certs: certs, groups: groups}
	v := &Values{Enabled: true, Exportable: true, NewGroupEnabled: true}
	if len(certs) > 0 {
		v.Cert = certs[0].Name
	}
	if len(groups) > 0 {
		v.Groups = []string{groups[0].Name}
	} else {
		v.Groups = []string{newGroupChoice}
	}
	if edit {
		v.Name, v.Groups, v.Cert = k.Name, k.GroupNames(), k.CertName
		v.Enabled, v.Reenroll, v.Exportable = k.Enabled, k.AllowReenroll, k.Exportable
		v.Description = k.Description
		if k.MaxUsage > 0 {
			v.MaxUsage = strconv.FormatInt(k.MaxUsage, 10)
		}
		if !k.ExpiresAt.IsZero() {
			v.Expiry = k.ExpiresAt.In(e.Now().Location()).Format(time.RFC3339)
		}
		f.oldExpiry = v.Expiry
		f.start = *v
		f.start.Groups = slices.Clone(v.Groups)
	}
	f.v = v
	f.build()
	return f
}

// build (re)creates the huh form from the values, showing any store errors on their fields.
func (f *Form) build() {
	f.Reset()
	if f.edit {
		groups := f.editGroups()
		f.Live("name", f.keyNameTaken)
		f.Finish(groups...)
		return
	}
	groups := f.addGroups()
	f.Live("name", f.keyNameTaken)
	f.Live("groupName", f.groupNameTaken)
	f.Finish(groups...)
}

func (f *Form) certOptions() []huh.Option[string] {
	opts := make([]huh.Option[string], 0, len(f.certs))
	for _, c := range f.certs {
		label := model.Sanitize(c.Name)
		if s := model.Sanitize(c.Subject); s != "" {
			label += "  (" + s + ")"
		}
		opts = append(opts, huh.NewOption(label, c.Name))
	}
	return opts
}

func (f *Form) groupOptions() []huh.Option[string] {
	opts := make([]huh.Option[string], 0, len(f.groups)+1)
	for _, g := range f.groups {
		opts = append(opts, huh.NewOption(model.Sanitize(g.Name), g.Name))
	}
	return opts
}

// addGroups is the wizard: certificate, machine groups (and a new one), key settings.
func (f *Form) addGroups() []*huh.Group {
	v := f.v
	groupOpts := append(f.groupOptions(), huh.NewOption("+ create new group", newGroupChoice))
	return []*huh.Group{
		huh.NewGroup(
			f.Choose("cert", "Signing certificate", "The CA that signs for machines enrolled with this key.", f.certOptions(), &v.Cert, 0),
		).Title("Add key · step 1 of 4 · Signing certificate"),
		huh.NewGroup(
			f.ChooseSome("groups", "Machine group(s)", "Machines enrolled with this key join these groups. "+groupsDesc,
				"machine group", groupOpts, &v.Groups, 1),
		).Title("Add key · step 2 of 4 · Machine group(s)"),
		huh.NewGroup(
			f.Input("groupName", "New group name", nameRule, &v.NewGroupName, f.validGroupName, 2),
			f.Input("groupDescription", "Description", "Optional.", &v.NewGroupDesc, form.ValidDescription, 2),
			f.Toggle("groupEnabled", "Status", "", "Enabled", "Disabled", &v.NewGroupEnabled, 2),
		).Title("Add key · step 2 of 4 · New machine group").
			WithHideFunc(func() bool { return !f.wantsNewGroup() }),
		huh.NewGroup(f.settingsFields(3, true)...).Title("Add key · step 3 of 4 · Key settings"),
	}
}

// nameRule is the name field's description.
const nameRule = "Letters A–Z, digits, spaces, “.”, “-” and “_”."

// groupsDesc is the multi-select's description: how to choose.
const groupsDesc = "space/x selects, enter confirms; at least one."

// editGroups is the edit form: one page with every editable field.
func (f *Form) editGroups() []*huh.Group {
	v := f.v
	groupOpts := f.groupOptions()
	groups := f.ChooseSome("groups", "Machine groups", groupsDesc, "machine group", groupOpts, &v.Groups, 0)
	fields := []huh.Field{
		f.Input("name", "Name", nameRule, &v.Name, f.validKeyName, 0),
		groups,
		f.Choose("cert", "Signing certificate", "", f.certOptions(), &v.Cert, 0),
	}
	fields = append(fields, f.settingsFields(0, false)...)
	return []*huh.Group{huh.NewGroup(fields...).Title("Edit key " + model.Sanitize(f.key.Name))}
}

// settingsFields are the key's own fields; the wizard shows them on step 3.
func (f *Form) settingsFields(group int, add bool) []huh.Field {
	v := f.v
	var fields []huh.Field
	if add {
		fields = append(fields, f.Input("name", "Name", nameRule, &v.Name, f.validKeyName, group))
	}
	fields = append(fields,
		f.Toggle("enabled", "Status", "", "Enabled", "Disabled", &v.Enabled, group),
		f.Toggle("reenroll", "Allow re-enrollment", "", "Yes", "No", &v.Reenroll, group),
	)
	switch {
	case add:
		fields = append(fields, f.Toggle("exportable", "View/Export after creation",
			"Off means the key can never be copied, downloaded or shown again.", "Yes", "No", &v.Exportable, group))
	case f.key.Exportable:
		fields = append(fields, f.Toggle("exportable", "View/Export",
			"Turning this off erases the key for good.", "On", "Off", &v.Exportable, group))
	}
	now := f.Env.Now
	return append(fields,
		f.Input("description", "Description", "Optional.", &v.Description, form.ValidDescription, group),
		f.Input("maxUsage", "Max usage", "How many machines may enroll with it; blank or 0 = no limit.",
			&v.MaxUsage, validMaxUsage, group).Placeholder("0"),
		f.Input("expiry", "Expires", "Blank = never; a duration (30d, 12h) or a date (2026-12-31).", &v.Expiry,
			func(s string) error { _, err := parseExpiry(s, now()); return err }, group),
	)
}

// keyInput turns the values into what the store takes.
func (f *Form) keyInput() (model.KeyInput, error) {
	v := f.v
	in := model.KeyInput{Name: v.Name, Cert: v.Cert, Enabled: v.Enabled, AllowReenroll: v.Reenroll,
		Exportable: v.Exportable, Description: strings.TrimSpace(v.Description)}
	in.Groups = f.chosenGroups()
	if f.edit {
		in.Cloud = f.key.Cloud
	}
	n, err := parseMaxUsage(v.MaxUsage)
	if err != nil {
		return in, &model.ValidationError{Field: model.FieldMaxUsage, Msg: err.Error()}
	}
	in.MaxUsage = n
	if f.edit && v.Expiry == f.oldExpiry {
		in.ExpiresAt = f.key.ExpiresAt // unchanged: keep the exact instant, even if now past
	} else if in.ExpiresAt, err = parseExpiry(v.Expiry, f.Env.Now()); err != nil {
		return in, &model.ValidationError{Field: model.FieldExpires, Msg: err.Error()}
	}
	return in, nil
}

// newGroup is the machine group the wizard creates first, if the operator asked for one.
func (f *Form) newGroup() *model.GroupInput {
	if f.edit || !f.wantsNewGroup() {
		return nil
	}
	return &model.GroupInput{Name: f.v.NewGroupName, Description: strings.TrimSpace(f.v.NewGroupDesc), Enabled: f.v.NewGroupEnabled}
}

// exportGoingOff is true when an edit would erase the key material for good.
func (f *Form) exportGoingOff() bool { return f.edit && f.key.Exportable && !f.v.Exportable }

func validMaxUsage(s string) error { _, err := parseMaxUsage(s); return err }

func parseMaxUsage(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("a whole number, 0 or more")
	}
	return n, nil
}

// parseExpiry reads the expiry field; blank (or "never") means never.
func parseExpiry(s string, now time.Time) (time.Time, error) {
	t, err := model.ParseExpiry(s, now)
	return t, form.Bare(err)
}

// keyFieldFor maps the field a store *model.ValidationError names to the form field that
// shows it. stage "group" means the wizard's new machine group was refused.
func keyFieldFor(stage, field string) string {
	if stage == "group" {
		if field == model.FieldDescription {
			return "groupDescription"
		}
		return "groupName"
	}
	switch field {
	case model.FieldGroups:
		return "groups"
	case model.FieldCert, "certificate":
		return "cert"
	case model.FieldMaxUsage:
		return "maxUsage"
	case model.FieldExpires:
		return "expiry"
	case model.FieldName, model.FieldDescription, "exportable":
		return field
	}
	return "name" // a field the form doesn't have: show it at the top of the key settings
}

// View draws the huh form, or the review.
func (f *Form) View(width, _ int) string {
	if !f.review {
		return f.Form.View()
	}
	return f.reviewView(width, &f.Env.Styles)
}

func (f *Form) reviewView(width int, sty *theme.Styles) string {
	title := "Add key · step 4 of 4 · Review"
	if f.edit {
		title = "Edit key " + model.Sanitize(f.key.Name) + " · Review"
	}
	rows := f.reviewRows(f.v)
	var was [][2]string
	if f.edit {
		was = f.reviewRows(&f.start)
	}
	lines := []string{sty.Header.Render(title), ""}
	changed := false
	for i, r := range rows {
		value := sty.Detail.Render(r[1])
		mark := "  "
		if was != nil && was[i][1] != r[1] {
			// An edit marks what it changes: old → new.
			value = sty.Faint.Render(was[i][1]) + " → " + sty.Warn.Render(r[1])
			mark, changed = sty.Warn.Render("•")+" ", true
		}
		lines = append(lines, mark+sty.Label.Render(theme.Pad(r[0], 21))+value)
	}
	if f.edit && !changed {
		lines = append(lines, "", sty.Faint.Render("Nothing changes: saving keeps the key as it is."))
	}
	lines = append(lines, "")
	switch {
	case f.saving:
		lines = append(lines, sty.Faint.Render("Saving…"))
	case f.exportGoingOff():
		lines = append(lines, sty.Warn.Render(ansi.Wordwrap("⚠ Turning View/Export off erases this key for good: "+
			"it can never be copied, downloaded or shown again. Press y to save, n to go back.", max(20, width-2), " ")))
	case !f.edit:
		lines = append(lines, sty.Faint.Render("Press enter to save, 1, 2 or 3 to change a step, shift+tab to go back, esc to cancel."))
	default:
		lines = append(lines, sty.Faint.Render("Press enter to save, shift+tab to go back, esc to cancel."))
	}
	return strings.Join(lines, "\n")
}

// reviewRows are the review's label and value for each field of v.
func (f *Form) reviewRows(v *Values) [][2]string {
	group := f.groupsText(v)
	expires := "never"
	if t, err := parseExpiry(v.Expiry, f.Env.Now()); err == nil && !t.IsZero() {
		expires = ui.Stamp(t, f.Env.Now())
	} else if f.edit && v.Expiry == f.oldExpiry && !f.key.ExpiresAt.IsZero() {
		expires = ui.Stamp(f.key.ExpiresAt, f.Env.Now())
	}
	usage := strings.TrimSpace(v.MaxUsage)
	if n, err := parseMaxUsage(usage); err == nil && n == 0 {
		usage = "0 (no limit)"
	}
	rows := [][2]string{
		{"Signing certificate", model.Sanitize(v.Cert)},
		{"Machine group(s)", group},
		{"Name", model.Sanitize(v.Name)},
		{"Status", onOff(v.Enabled, "● Enabled", "○ Disabled")},
		{"Allow re-enrollment", ui.YesNo(v.Reenroll, "yes", "no")},
		{"View/Export", ui.YesNo(v.Exportable, "on", "off")},
		{"Description", ui.OrDash(model.Sanitize(v.Description))},
		{"Max usage", usage},
		{"Expires", expires},
	}
	return rows
}

func onOff(v bool, on, off string) string {
	if v {
		return on
	}
	return off
}

// Update handles the form's input: esc cancels, the review has its own keys, everything
// else belongs to huh.
func (f *Form) Update(msg tea.Msg) (bool, tea.Cmd) {
	k, isKey := msg.(tea.KeyPressMsg)
	if !isKey {
		return f.updateHuh(msg)
	}
	s := k.String()
	if f.saving {
		return false, nil // wait for the store's answer
	}
	if s == "esc" {
		if f.edit {
			return true, ui.Statusf("Edit cancelled; key %s is unchanged.", model.Sanitize(f.key.Name))
		}
		return true, ui.Statusf("Add key cancelled; nothing was saved.")
	}
	if !f.review {
		if f.reviewed && !f.edit && s == "enter" && !f.newGroupUnnamed() {
			return false, f.toReview()
		}
		return f.updateHuh(msg)
	}
	switch {
	case s == "shift+tab" || s == "b" || (f.exportGoingOff() && (s == "n" || s == "N")):
		return false, f.backFromReview("")
	case !f.edit && wizardSteps[s] != "":
		return false, f.backFromReview(s)
	case f.exportGoingOff() && (s == "y" || s == "Y"), !f.exportGoingOff() && s == "enter":
		return false, f.hooks.Save()
	}
	return false, nil
}

// updateHuh feeds huh and notices when it completes: the review comes next.
func (f *Form) updateHuh(msg tea.Msg) (bool, tea.Cmd) {
	if f.review {
		return false, nil
	}
	cmd := f.Kit.Update(msg)
	switch f.Form.State {
	case huh.StateCompleted:
		f.review, f.reviewed = true, true
	case huh.StateAborted:
		return true, cmd
	}
	return false, cmd
}

// Help is the footer while the form is on top.
func (f *Form) Help() []key.Binding {
	km := f.hooks.Keys
	esc := ui.WithHelp(km.Cancel, "esc", "cancel")
	switch {
	case !f.review:
		return f.wizardHelp()
	case f.exportGoingOff():
		return []key.Binding{ui.WithHelp(km.Yes, "y", "erase View/Export and save"), ui.WithHelp(km.No, "n", "back"), esc}
	}
	back := []key.Binding{key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "back"))}
	if !f.edit {
		back = append(back, key.NewBinding(key.WithKeys("1", "2", "3"), key.WithHelp("1–3", "change a step")))
	}
	return append(append([]key.Binding{ui.WithHelp(km.Accept, "enter", "save")}, back...), esc)
}

// ShowError puts a store or model refusal under the field it names (a name taken meanwhile
// goes under the name, since the store is the final word) and reopens the fields there. ok
// is false for any other error: the page says it in the status line, the review still on
// screen. Either way the form is no longer saving.
func (f *Form) ShowError(stage string, err error) (cmd tea.Cmd, ok bool) {
	f.saving = false
	var ve *model.ValidationError
	if !errors.As(err, &ve) && errors.Is(err, model.ErrDuplicate) {
		msg := err.Error()
		if ge := (*model.NewGroupError)(nil); errors.As(err, &ge) {
			msg = ge.Err.Error()
		}
		ve = &model.ValidationError{Field: model.FieldName, Msg: msg}
	}
	if ve == nil {
		return nil, false
	}
	id := keyFieldFor(stage, ve.Field)
	if id == "groups" && f.wantsNewGroup() && stage == "group" {
		id = "groupName"
	}
	id = f.SetError(id, "name", ve.Msg)
	return f.Reopen(id), true
}

// Checked is what saving sends, checked with the model's own rules: the key, and the machine
// group to create first (nil for none). On a refusal stage says which of them ("key" or
// "group") it was, for ShowError.
func (f *Form) Checked() (in model.KeyInput, group *model.GroupInput, stage string, err error) {
	if group = f.newGroup(); group != nil {
		if err := group.Validate(); err != nil {
			return in, nil, "group", err
		}
	}
	in, err = f.keyInput()
	if err == nil {
		err = in.Validate()
	}
	if err != nil {
		return in, nil, "key", err
	}
	return in, group, "", nil
}

// SetSaving marks the form as waiting for the store (keys wait, the review says "Saving…"),
// or no longer.
func (f *Form) SetSaving(on bool) { f.saving = on }

// Reopen leaves the review for the fields, every value kept, focus on field id.
func (f *Form) Reopen(id string) tea.Cmd {
	f.review = false
	f.build()
	return tea.Batch(f.Form.Init(), f.JumpTo(id))
}

// Edit is true for the edit form, false for the add wizard.
func (f *Form) Edit() bool { return f.edit }

// Key is the key being edited, at the version the form started from.
func (f *Form) Key() model.Key { return f.key }

// Values are the values as entered so far.
func (f *Form) Values() Values { return *f.v }

// Reviewing is true while the review is on screen.
func (f *Form) Reviewing() bool { return f.review }
