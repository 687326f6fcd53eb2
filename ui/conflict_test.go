package ui

import (
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"provkeys/keyformat"
	"provkeys/model"
)

// carolChanges saves a change to key alpha behind the dashboard's back, as another operator
// would: it disables the key and rewrites its description.
func carolChanges(st *fakeStore, by, description string) model.Key {
	st.mu.Lock()
	defer st.mu.Unlock()
	k := &st.keys[0]
	k.Enabled, k.Description = false, description
	k.UpdatedBy, k.UpdatedAt = by, testNow.Add(-2*time.Minute)
	k.Version++
	return *k
}

// editAlpha opens the edit form on alpha, sets the description to "mine" and the max usage
// to 5, and stops on the review; carol's change lands before the operator saves.
func editAlpha(t *testing.T, st *fakeStore, actor model.Actor) *driver {
	t.Helper()
	d := newDriver(t, st, actor, Options{})
	d.press("e")
	d.mustSee("Edit key alpha")
	for range 6 { // name, groups, certificate, status, re-enrollment, View/Export
		d.press("enter")
	}
	d.typ("mine")
	d.press("enter")
	d.typ("5")
	d.press("enter", "enter")
	d.mustSee("Edit key alpha · Review")
	return d
}

// conflicted is editAlpha with carol's change in between, saved: the dialog is open.
func conflicted(t *testing.T) (*driver, *fakeStore) {
	t.Helper()
	st := threeKeys()
	d := editAlpha(t, st, admin)
	carolChanges(st, "carol", "theirs")
	d.press("enter")
	if d.keys().conflict == nil {
		t.Fatalf("no conflict dialog after saving over carol's change:\n%s", d.view())
	}
	return d, st
}

// recordOverwrite records OverwriteKey's inputs and then behaves as the store would.
func recordOverwrite(st *fakeStore) *[]model.KeyInput {
	var got []model.KeyInput
	def := st.overwrite
	st.overwrite = func(id, version int64, in model.KeyInput) (model.Key, error) {
		got = append(got, in)
		return def(id, version, in)
	}
	return &got
}

func TestConflictDialogShowsWhoAndWhatChanged(t *testing.T) {
	t.Parallel()
	d, _ := conflicted(t)
	d.mustSee("alpha was changed by carol at 11:58:00 while you were editing",
		"Theirs (stored now)", "Yours", "○ Disabled", "● Enabled", "theirs", "mine", "⚠ Description",
		"You also changed Max usage; they didn't.", "r reload theirs", "o overwrite with yours", "esc/c keep editing")
	// Only the description was changed by both; max usage only by the operator (no row).
	d.mustNotSee("⚠ Status", "  Max usage")
	if s := d.status(); !strings.HasPrefix(s, "Couldn't save key alpha") || !strings.Contains(s, "carol") {
		t.Fatalf("status %q", s)
	}
	if f := d.keys().form; f == nil || f.v.description != "mine" || f.v.maxUsage != "5" {
		t.Fatal("the operator's input is gone")
	}
	d.press("q", "tab", "e", "enter") // none of these act while the dialog is open
	if d.quit || d.m.active != 0 || d.keys().conflict == nil {
		t.Fatalf("a stray key acted under the dialog: quit=%v view=%d", d.quit, d.m.active)
	}
}

func TestConflictOverwriteSavesTheOperatorsInputOverTheNewVersion(t *testing.T) {
	t.Parallel()
	d, st := conflicted(t)
	got := recordOverwrite(st)
	d.press("o")
	if !st.called("OverwriteKey 1 2") {
		t.Fatalf("calls %v: OverwriteKey must get the version the dialog showed", st.calls)
	}
	want := model.KeyInput{Name: "alpha", Groups: []string{"Web Frontends"}, Cert: "Client", Enabled: true,
		Exportable: true, Cloud: keyformat.DefaultHost, Description: "mine", MaxUsage: 5}
	if len(*got) != 1 || !reflect.DeepEqual((*got)[0], want) {
		t.Fatalf("OverwriteKey got %+v\nwant %+v", *got, want)
	}
	if s := d.status(); !strings.Contains(s, "saved over carol's change") || d.m.statusKind != statusOK {
		t.Fatalf("status %q", s)
	}
	if p := d.keys(); p.mode != modeTable || p.form != nil || p.conflict != nil {
		t.Fatalf("mode %d after the overwrite", p.mode)
	}
	if k := st.keys[0]; k.Description != "mine" || !k.Enabled || k.Version != 3 {
		t.Fatalf("stored key %+v", k)
	}
}

// TestConflictOverwriteMeetsAThirdChange: a change made while the dialog was open is not
// overwritten unseen; the dialog shows it, and the next overwrite uses its version.
func TestConflictOverwriteMeetsAThirdChange(t *testing.T) {
	t.Parallel()
	d, st := conflicted(t)
	carolChanges(st, "dave", "dave's")
	d.press("o")
	d.mustSee("changed by dave", "dave's")
	if c := d.keys().conflict; c == nil || c.theirs.Version != 3 {
		t.Fatalf("the dialog does not show the third change:\n%s", d.view())
	}
	d.press("o")
	if !st.called("OverwriteKey 1 3") || st.keys[0].Description != "mine" {
		t.Fatalf("calls %v, stored %+v", st.calls, st.keys[0])
	}
	if !strings.Contains(d.status(), "saved over dave's change") {
		t.Fatalf("status %q", d.status())
	}
}

func TestConflictReloadReopensTheFormOnTheFreshKey(t *testing.T) {
	t.Parallel()
	d, st := conflicted(t)
	d.press("r")
	p := d.keys()
	if p.conflict != nil || p.form == nil || p.mode != modeForm || p.form.review {
		t.Fatalf("after r: conflict=%v form=%v mode=%d", p.conflict, p.form, p.mode)
	}
	if f := p.form; f.key.Version != 2 || f.v.description != "theirs" || f.v.enabled || f.v.maxUsage != "" {
		t.Fatalf("the form did not start from carol's version: %+v, values %+v", f.key, *f.v)
	}
	d.mustSee("Edit key alpha", "theirs")
	if !strings.Contains(d.status(), "discarded") {
		t.Fatalf("status %q", d.status())
	}
	for range 10 { // every field, then the review's save
		d.press("enter")
	}
	if !st.called("UpdateKey 1 2") || st.called("OverwriteKey") || d.keys().mode != modeTable {
		t.Fatalf("saving the reloaded form: calls %v, mode %d", st.calls, d.keys().mode)
	}
}

func TestConflictCancelKeepsTheTypedInput(t *testing.T) {
	t.Parallel()
	for _, k := range []string{"esc", "c"} {
		d, st := conflicted(t)
		d.press(k)
		p := d.keys()
		if p.conflict != nil || p.form == nil || p.mode != modeForm || p.form.review {
			t.Fatalf("%s: conflict=%v mode=%d", k, p.conflict, p.mode)
		}
		if f := p.form; f.v.description != "mine" || f.v.maxUsage != "5" || f.key.Version != 1 {
			t.Fatalf("%s: input %+v on version %d", k, *f.v, f.key.Version)
		}
		if f := p.form; f.form.GetFocusedField() != f.fields["description"].field {
			t.Fatalf("%s: the focus is not on the description, the field both changed", k)
		}
		d.mustSee("Edit key alpha", "mine")
		d.mustNotSee("while you were editing")
		if st.called("OverwriteKey") || st.keys[0].Description != "theirs" {
			t.Fatalf("%s saved something: %v", k, st.calls)
		}
		// The key is still newer than the form: saving again shows the dialog again. The focus
		// is on the description, the field both changed: three fields to the review.
		for range 3 {
			d.press("enter")
		}
		d.mustSee("Review")
		d.press("enter")
		d.mustSee("while you were editing")
	}
}

func TestConflictViewerNeverSeesTheDialog(t *testing.T) {
	t.Parallel()
	st := threeKeys()
	viewer := model.Actor{Name: "victor", Role: model.RoleViewer}
	d := newDriver(t, st, viewer, Options{})
	d.press("e")
	if d.keys().form != nil || st.called("UpdateKey") {
		t.Fatal("a viewer opened the edit form")
	}
	// Even a conflict answer arriving from nowhere opens nothing without an edit form.
	d.send(keyConflictMsg{theirs: st.keys[0], err: &model.ConflictError{Object: `key "alpha"`, By: "carol"}})
	d.mustNotSee("while you were editing", "overwrite")
	if d.keys().conflict != nil {
		t.Fatal("the dialog opened for a viewer")
	}
	c := newConflictDialog(d.m.env, st.keys[0], st.keys[0], st.keys[0].Input(), nil)
	if c.km.Overwrite.Enabled() {
		t.Fatal("overwrite is offered to a role that cannot overwrite")
	}
}

func TestConflictDialogSanitizesWhatItShows(t *testing.T) {
	t.Parallel()
	st := threeKeys()
	d := editAlpha(t, st, admin)
	carolChanges(st, "mal\x1b]52;c;QUFB\x07lory", "evil\x1b[2J\rgood\u202egnp.exe\u009b2J")
	d.press("enter")
	raw, v := d.raw(), d.view()
	for _, bad := range []string{"\x1b]52", "\x1b[2J", "\r", "\u202e", "\u009b"} {
		if strings.Contains(raw, bad) {
			t.Fatalf("the dialog passes %q through:\n%q", bad, raw)
		}
	}
	if !strings.Contains(v, "while you were editing") || !strings.Contains(v, "lory") {
		t.Fatalf("dialog:\n%s", v)
	}
}

// TestConflictOnADeletedKeySaysSo: when the newer version is gone by the time the dialog
// would read it, there is nothing to compare; the status line says the key no longer exists.
func TestConflictOnADeletedKeySaysSo(t *testing.T) {
	t.Parallel()
	st := threeKeys()
	d := editAlpha(t, st, admin)
	st.updateKey = func(int64, int64, model.KeyInput) (model.Key, error) {
		st.mu.Lock()
		st.keys = st.keys[1:]
		st.mu.Unlock()
		return model.Key{}, &model.ConflictError{Object: `key "alpha"`, By: "carol"}
	}
	d.press("enter")
	if d.keys().conflict != nil || !strings.Contains(d.status(), "no longer exists") {
		t.Fatalf("status %q, dialog %v", d.status(), d.keys().conflict)
	}
}

// TestConflictOverwriteOfADeletedKeyClosesTheDialog: an overwrite that finds the key gone
// says so and leaves the operator in the form, never in a dialog that waits forever.
func TestConflictOverwriteOfADeletedKeyClosesTheDialog(t *testing.T) {
	t.Parallel()
	d, st := conflicted(t)
	st.overwrite = func(int64, int64, model.KeyInput) (model.Key, error) {
		st.mu.Lock()
		st.keys = st.keys[1:]
		st.mu.Unlock()
		return model.Key{}, &model.ConflictError{Object: `key "alpha"`, By: "dave"}
	}
	d.press("o")
	p := d.keys()
	if p.conflict != nil || p.form == nil || !strings.Contains(d.status(), "no longer exists") {
		t.Fatalf("status %q, dialog %v, form %v", d.status(), p.conflict, p.form)
	}
	d.press("esc")
	if d.keys().mode != modeTable {
		t.Fatal("the form did not close on esc after the failed overwrite")
	}
}

// TestConflictDialogFitsAt80x24WithEveryFieldChanged: the worst case still shows every row
// and the choices, and View/Export, erased by them, stays off in what an overwrite saves.
func TestConflictDialogFitsAt80x24WithEveryFieldChanged(t *testing.T) {
	t.Parallel()
	st := threeKeys()
	d := editAlpha(t, st, admin)
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	k := &st.keys[0] // the driver is idle: no command reads the store now
	k.Name, k.CertName, k.AllowReenroll, k.Exportable = "alpha-renamed", "Root", true, false
	k.Groups = []model.GroupRef{{ID: 2, Name: "Laptops"}, {ID: 3, Name: "Database Servers"}}
	k.MaxUsage, k.ExpiresAt = 50, testNow.Add(72*time.Hour)
	carolChanges(st, "carol", strings.Repeat("a very long description ", 20))
	got := recordOverwrite(st)
	d.press("enter")
	for _, want := range []string{"Name", "Machine groups", "Signing certificate", "Status", "Allow re-enrollment",
		"View/Export", "Description", "Max usage", "Expires", "keep editing", "r reload theirs"} {
		d.mustSee(want)
	}
	if lines := strings.Split(d.view(), "\n"); len(lines) != 24 {
		t.Fatalf("%d lines at 80×24", len(lines))
	}
	d.press("o")
	if len(*got) != 1 || (*got)[0].Exportable || (*got)[0].Description != "mine" {
		t.Fatalf("overwrite input %+v", *got)
	}
}

func TestGoldenConflictDialog(t *testing.T) {
	t.Parallel()
	st := threeKeys()
	d := editAlpha(t, st, admin)
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	carolChanges(st, "carol", "moved to the Frankfurt rack")
	d.press("enter")
	golden.RequireEqual(t, screen(d))
}
