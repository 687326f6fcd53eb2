package keys

import (
	"fmt"
	"provkeys/ui"
	"provkeys/ui/components/form"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/huh/v2"
	"github.com/charmbracelet/x/ansi"

	"provkeys/model"
	"provkeys/ui/theme"
)

// newGroupChoice is the group select's "+ create new group" value. It holds a control
// character, so it can never be the name of a real group.
const newGroupChoice = "\x00new"

// keyValues is what the add wizard and the edit form fill in; huh writes through pointers
// into it.
type keyValues struct {
	cert            string
	groups          []string // one or more; the wizard's may hold newGroupChoice
	newGroupName    string
	newGroupDesc    string
	newGroupEnabled bool
	name            string
	enabled         bool
	reenroll        bool
	exportable      bool
	description     string
	maxUsage        string
	expiry          string
}

// keyForm is the add wizard or the edit form: a huh form for the fields, then our own
// review screen, then the save.
type keyForm struct {
	form.Kit
	p         *keysPage
	edit      bool
	key       model.Key // the key being edited, at the version the store had
	certs     []model.Cert
	groups    []model.Group
	v         *keyValues
	review    bool
	saving    bool
	oldExpiry string    // the expiry text the edit form started with
	start     keyValues // the values the edit form started with, for the review's old → new
	reviewed  bool      // the wizard reached its review once: enter goes back to it (wizard.go)
}

// newKeyForm builds the wizard (edit false) or the edit form for k with the store's
// certificates and groups. Every default is what pressing enter accepts.
func newKeyForm(p *keysPage, edit bool, k model.Key, certs []model.Cert, groups []model.Group, w, h int) *keyForm {
	e := p.env
	f := &keyForm{Kit: form.NewKit(e, w, h), p: p, edit: edit, key: k, certs: certs, groups: groups}
	v := &keyValues{enabled: true, exportable: true, newGroupEnabled: true}
	if len(certs) > 0 {
		v.cert = certs[0].Name
	}
	if len(groups) > 0 {
		v.groups = []string{groups[0].Name}
	} else {
		v.groups = []string{newGroupChoice}
	}
	if edit {
		v.name, v.groups, v.cert = k.Name, k.GroupNames(), k.CertName
		v.enabled, v.reenroll, v.exportable = k.Enabled, k.AllowReenroll, k.Exportable
		v.description = k.Description
		if k.MaxUsage > 0 {
			v.maxUsage = strconv.FormatInt(k.MaxUsage, 10)
		}
		if !k.ExpiresAt.IsZero() {
			v.expiry = k.ExpiresAt.In(e.Now().Location()).Format(time.RFC3339)
		}
		f.oldExpiry = v.expiry
		f.start = *v
		f.start.groups = slices.Clone(v.groups)
	}
	f.v = v
	f.build()
	return f
}

// build (re)creates the huh form from the values, showing any store errors on their fields.
func (f *keyForm) build() {
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

func (f *keyForm) certOptions() []huh.Option[string] {
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

func (f *keyForm) groupOptions() []huh.Option[string] {
	opts := make([]huh.Option[string], 0, len(f.groups)+1)
	for _, g := range f.groups {
		opts = append(opts, huh.NewOption(model.Sanitize(g.Name), g.Name))
	}
	return opts
}

// addGroups is the wizard: certificate, machine groups (and a new one), key settings.
func (f *keyForm) addGroups() []*huh.Group {
	v := f.v
	groupOpts := append(f.groupOptions(), huh.NewOption("+ create new group", newGroupChoice))
	return []*huh.Group{
		huh.NewGroup(
			f.Choose("cert", "Signing certificate", "The CA that signs for machines enrolled with this key.", f.certOptions(), &v.cert, 0),
		).Title("Add key · step 1 of 4 · Signing certificate"),
		huh.NewGroup(
			f.ChooseSome("groups", "Machine group(s)", "Machines enrolled with this key join these groups. "+groupsDesc,
				"machine group", groupOpts, &v.groups, 1),
		).Title("Add key · step 2 of 4 · Machine group(s)"),
		huh.NewGroup(
			f.Input("groupName", "New group name", nameRule, &v.newGroupName, f.validGroupName, 2),
			f.Input("groupDescription", "Description", "Optional.", &v.newGroupDesc, form.ValidDescription, 2),
			f.Toggle("groupEnabled", "Status", "", "Enabled", "Disabled", &v.newGroupEnabled, 2),
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
func (f *keyForm) editGroups() []*huh.Group {
	v := f.v
	groupOpts := f.groupOptions()
	groups := f.ChooseSome("groups", "Machine groups", groupsDesc, "machine group", groupOpts, &v.groups, 0)
	fields := []huh.Field{
		f.Input("name", "Name", nameRule, &v.name, f.validKeyName, 0),
		groups,
		f.Choose("cert", "Signing certificate", "", f.certOptions(), &v.cert, 0),
	}
	fields = append(fields, f.settingsFields(0, false)...)
	return []*huh.Group{huh.NewGroup(fields...).Title("Edit key " + model.Sanitize(f.key.Name))}
}

// settingsFields are the key's own fields; the wizard shows them on step 3.
func (f *keyForm) settingsFields(group int, add bool) []huh.Field {
	v := f.v
	var fields []huh.Field
	if add {
		fields = append(fields, f.Input("name", "Name", nameRule, &v.name, f.validKeyName, group))
	}
	fields = append(fields,
		f.Toggle("enabled", "Status", "", "Enabled", "Disabled", &v.enabled, group),
		f.Toggle("reenroll", "Allow re-enrollment", "", "Yes", "No", &v.reenroll, group),
	)
	switch {
	case add:
		fields = append(fields, f.Toggle("exportable", "View/Export after creation",
			"Off means the key can never be copied, downloaded or shown again.", "Yes", "No", &v.exportable, group))
	case f.key.Exportable:
		fields = append(fields, f.Toggle("exportable", "View/Export",
			"Turning this off erases the key for good.", "On", "Off", &v.exportable, group))
	}
	now := f.Env.Now
	return append(fields,
		f.Input("description", "Description", "Optional.", &v.description, form.ValidDescription, group),
		f.Input("maxUsage", "Max usage", "How many machines may enroll with it; blank or 0 = no limit.",
			&v.maxUsage, validMaxUsage, group).Placeholder("0"),
		f.Input("expiry", "Expires", "Blank = never; a duration (30d, 12h) or a date (2026-12-31).", &v.expiry,
			func(s string) error { _, err := parseExpiry(s, now()); return err }, group),
	)
}

// keyInput turns the values into what the store takes.
func (f *keyForm) keyInput() (model.KeyInput, error) {
	v := f.v
	in := model.KeyInput{Name: v.name, Cert: v.cert, Enabled: v.enabled, AllowReenroll: v.reenroll,
		Exportable: v.exportable, Description: strings.TrimSpace(v.description)}
	in.Groups = f.chosenGroups()
	if f.edit {
		in.Cloud = f.key.Cloud
	}
	n, err := parseMaxUsage(v.maxUsage)
	if err != nil {
		return in, &model.ValidationError{Field: model.FieldMaxUsage, Msg: err.Error()}
	}
	in.MaxUsage = n
	if f.edit && v.expiry == f.oldExpiry {
		in.ExpiresAt = f.key.ExpiresAt // unchanged: keep the exact instant, even if now past
	} else if in.ExpiresAt, err = parseExpiry(v.expiry, f.Env.Now()); err != nil {
		return in, &model.ValidationError{Field: model.FieldExpires, Msg: err.Error()}
	}
	return in, nil
}

// newGroup is the machine group the wizard creates first, if the operator asked for one.
func (f *keyForm) newGroup() *model.GroupInput {
	if f.edit || !f.wantsNewGroup() {
		return nil
	}
	return &model.GroupInput{Name: f.v.newGroupName, Description: strings.TrimSpace(f.v.newGroupDesc), Enabled: f.v.newGroupEnabled}
}

// exportGoingOff is true when an edit would erase the key material for good.
func (f *keyForm) exportGoingOff() bool { return f.edit && f.key.Exportable && !f.v.exportable }

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
func (f *keyForm) View(width, _ int) string {
	if !f.review {
		return f.Form.View()
	}
	return f.reviewView(width, &f.Env.Styles)
}

func (f *keyForm) reviewView(width int, sty *theme.Styles) string {
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
func (f *keyForm) reviewRows(v *keyValues) [][2]string {
	group := f.groupsText(v)
	expires := "never"
	if t, err := parseExpiry(v.expiry, f.Env.Now()); err == nil && !t.IsZero() {
		expires = ui.Stamp(t, f.Env.Now())
	} else if f.edit && v.expiry == f.oldExpiry && !f.key.ExpiresAt.IsZero() {
		expires = ui.Stamp(f.key.ExpiresAt, f.Env.Now())
	}
	usage := strings.TrimSpace(v.maxUsage)
	if n, err := parseMaxUsage(usage); err == nil && n == 0 {
		usage = "0 (no limit)"
	}
	rows := [][2]string{
		{"Signing certificate", model.Sanitize(v.cert)},
		{"Machine group(s)", group},
		{"Name", model.Sanitize(v.name)},
		{"Status", onOff(v.enabled, "● Enabled", "○ Disabled")},
		{"Allow re-enrollment", yesNo(v.reenroll, "yes", "no")},
		{"View/Export", yesNo(v.exportable, "on", "off")},
		{"Description", ui.OrDash(model.Sanitize(v.description))},
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
