package keys

import (
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"provkeys/keyformat"
	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/internal/uitest"
	"provkeys/ui/pages/keys/keyform"
)

// carolChanges saves a change to key alpha behind the dashboard's back, as another operator
// would: it disables the key and rewrites its description.
func carolChanges(st *uitest.FakeStore, by, description string) model.Key {
	st.Mu.Lock()
	defer st.Mu.Unlock()
	k := &st.Keys[0]
	k.Enabled, k.Description = false, description
	k.UpdatedBy, k.UpdatedAt = by, uitest.TestNow.Add(-2*time.Minute)
	k.Version++
	return *k
}

// editAlpha opens the edit form on alpha, sets the description to "mine" and the max usage
// to 5, and stops on the review; carol's change lands before the operator saves.
func editAlpha(t *testing.T, st *uitest.FakeStore, actor model.Actor) *uitest.Driver {
	t.Helper()
	d := newDriver(t, st, actor, ui.Options{})
	d.Press("e")
	d.MustSee("Edit key alpha")
	for range 6 { // name, groups, certificate, status, re-enrollment, View/Export
		d.Press("enter")
	}
	d.Typ("mine")
	d.Press("enter")
	d.Typ("5")
	d.Press("enter", "enter")
	d.MustSee("Edit key alpha · Review")
	return d
}

// conflicted is editAlpha with carol's change in between, saved: the dialog is open.
func conflicted(t *testing.T) (*uitest.Driver, *uitest.FakeStore) {
	t.Helper()
	st := uitest.ThreeKeys()
	d := editAlpha(t, st, uitest.Admin)
	carolChanges(st, "carol", "theirs")
	d.Press("enter")
	if keysOf(d).conflict() == nil {
		t.Fatalf("no conflict dialog after saving over carol's change:\n%s", d.View())
	}
	return d, st
}

// recordOverwrite records OverwriteKey's inputs and then behaves as the store would.
func recordOverwrite(st *uitest.FakeStore) *[]model.KeyInput {
	var got []model.KeyInput
	def := st.Overwrite
	st.Overwrite = func(id, version int64, in model.KeyInput) (model.Key, error) {
		got = append(got, in)
		return def(id, version, in)
	}
	return &got
}

func TestConflictDialogShowsWhoAndWhatChanged(t *testing.T) {
	t.Parallel()
	d, _ := conflicted(t)
	d.MustSee("alpha was changed by carol at 11:58:00 while you were editing",
		"Theirs (stored now)", "Yours", "○ Disabled", "● Enabled", "theirs", "mine", "⚠ Description",
		"You also changed Max usage; they didn't.", "r reload theirs", "o overwrite with yours", "esc/c keep editing")
	// Only the description was changed by both; max usage only by the operator (no row).
	d.MustNotSee("⚠ Status", "  Max usage")
	if s := d.Status(); !strings.HasPrefix(s, "Couldn't save key alpha") || !strings.Contains(s, "carol") {
		t.Fatalf("status %q", s)
	}
	if f := keysOf(d).form(); f == nil || f.Values().Description != "mine" || f.Values().MaxUsage != "5" {
		t.Fatal("the operator's input is gone")
	}
	d.Press("q", "tab", "e", "enter") // none of these act while the dialog is open
	if d.Quit || d.M.Active() != 0 || keysOf(d).conflict() == nil {
		t.Fatalf("a stray key acted under the dialog: quit=%v view=%d", d.Quit, d.M.Active())
	}
}

func TestConflictOverwriteSavesTheOperatorsInputOverTheNewVersion(t *testing.T) {
	t.Parallel()
	d, st := conflicted(t)
	got := recordOverwrite(st)
	d.Press("o")
	if !st.Called("OverwriteKey 1 2") {
		t.Fatalf("calls %v: OverwriteKey must get the version the dialog showed", st.Calls)
	}
	want := model.KeyInput{Name: "alpha", Groups: []string{"Web Frontends"}, Cert: "Client", Enabled: true,
		Exportable: true, Cloud: keyformat.DefaultHost, Description: "mine", MaxUsage: 5}
	if len(*got) != 1 || !reflect.DeepEqual((*got)[0], want) {
		t.Fatalf("OverwriteKey got %+v\nwant %+v", *got, want)
	}
	if s := d.Status(); !strings.Contains(s, "saved over carol's change") || d.M.StatusKind() != ui.StatusOK {
		t.Fatalf("status %q", s)
	}
	if p := keysOf(d); p.onTop() != nil || p.form() != nil || p.conflict() != nil {
		t.Fatalf("on top %T after the overwrite", p.onTop())
	}
	if k := st.Keys[0]; k.Description != "mine" || !k.Enabled || k.Version != 3 {
		t.Fatalf("stored key %+v", k)
	}
}

// TestConflictOverwriteMeetsAThirdChange: a change made while the dialog was open is not
// overwritten unseen; the dialog shows it, and the next overwrite uses its version.
func TestConflictOverwriteMeetsAThirdChange(t *testing.T) {
	t.Parallel()
	d, st := conflicted(t)
	carolChanges(st, "dave", "dave's")
	d.Press("o")
	d.MustSee("changed by dave", "dave's")
	if c := keysOf(d).conflict(); c == nil || c.Theirs().Version != 3 {
		t.Fatalf("the dialog does not show the third change:\n%s", d.View())
	}
	d.Press("o")
	if !st.Called("OverwriteKey 1 3") || st.Keys[0].Description != "mine" {
		t.Fatalf("calls %v, stored %+v", st.Calls, st.Keys[0])
	}
	if !strings.Contains(d.Status(), "saved over dave's change") {
		t.Fatalf("status %q", d.Status())
	}
}

func TestConflictReloadReopensTheFormOnTheFreshKey(t *testing.T) {
	t.Parallel()
	d, st := conflicted(t)
	d.Press("r")
	p := keysOf(d)
	if p.conflict() != nil || p.form() == nil || !onTopIs[*keyform.Form](p) || p.form().Reviewing() {
		t.Fatalf("after r: conflict=%v form=%v on top %T", p.conflict(), p.form(), p.onTop())
	}
	if f := p.form(); f.Key().Version != 2 || f.Values().Description != "theirs" || f.Values().Enabled || f.Values().MaxUsage != "" {
		t.Fatalf("the form did not start from carol's version: %+v, values %+v", f.Key(), f.Values())
	}
	d.MustSee("Edit key alpha", "theirs")
	if !strings.Contains(d.Status(), "discarded") {
		t.Fatalf("status %q", d.Status())
	}
	for range 10 { // every field, then the review's save
		d.Press("enter")
	}
	if !st.Called("UpdateKey 1 2") || st.Called("OverwriteKey") || keysOf(d).onTop() != nil {
		t.Fatalf("saving the reloaded form: calls %v, on top %T", st.Calls, keysOf(d).onTop())
	}
}

func TestConflictCancelKeepsTheTypedInput(t *testing.T) {
	t.Parallel()
	for _, k := range []string{"esc", "c"} {
		d, st := conflicted(t)
		d.Press(k)
		p := keysOf(d)
		if p.conflict() != nil || p.form() == nil || !onTopIs[*keyform.Form](p) || p.form().Reviewing() {
			t.Fatalf("%s: conflict=%v on top %T", k, p.conflict(), p.onTop())
		}
		if f := p.form(); f.Values().Description != "mine" || f.Values().MaxUsage != "5" || f.Key().Version != 1 {
			t.Fatalf("%s: input %+v on version %d", k, f.Values(), f.Key().Version)
		}
		if f := p.form(); f.Form.GetFocusedField() != f.Fields["description"].Field {
			t.Fatalf("%s: the focus is not on the description, the field both changed", k)
		}
		d.MustSee("Edit key alpha", "mine")
		d.MustNotSee("while you were editing")
		if st.Called("OverwriteKey") || st.Keys[0].Description != "theirs" {
			t.Fatalf("%s saved something: %v", k, st.Calls)
		}
		// The key is still newer than the form: saving again shows the dialog again. The focus
		// is on the description, the field both changed: three fields to the review.
		for range 3 {
			d.Press("enter")
		}
		d.MustSee("Review")
		d.Press("enter")
		d.MustSee("while you were editing")
	}
}

func TestConflictViewerNeverSeesTheDialog(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	viewer := model.Actor{Name: "victor", Role: model.RoleViewer}
	d := newDriver(t, st, viewer, ui.Options{})
	d.Press("e")
	if keysOf(d).form() != nil || st.Called("UpdateKey") {
		t.Fatal("a viewer opened the edit form")
	}
	// Even a conflict answer arriving from nowhere opens nothing without an edit form.
	d.Send(keyConflictMsg{theirs: st.Keys[0], err: &model.ConflictError{Object: `key "alpha"`, By: "carol"}})
	d.MustNotSee("while you were editing", "overwrite")
	if keysOf(d).conflict() != nil {
		t.Fatal("the dialog opened for a viewer")
	}
	c := keyform.NewConflict(d.M.Env(), keyform.ConflictHooks{}, st.Keys[0], st.Keys[0], st.Keys[0].Input(), nil)
	if c.Km.Overwrite.Enabled() {
		t.Fatal("overwrite is offered to a role that cannot overwrite")
	}
}

func TestConflictDialogSanitizesWhatItShows(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	d := editAlpha(t, st, uitest.Admin)
	carolChanges(st, "mal\x1b]52;c;QUFB\x07lory", "evil\x1b[2J\rgood\u202egnp.exe\u009b2J")
	d.Press("enter")
	raw, v := d.Raw(), d.View()
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
	st := uitest.ThreeKeys()
	d := editAlpha(t, st, uitest.Admin)
	st.OnUpdateKey = func(int64, int64, model.KeyInput) (model.Key, error) {
		st.Mu.Lock()
		st.Keys = st.Keys[1:]
		st.Mu.Unlock()
		return model.Key{}, &model.ConflictError{Object: `key "alpha"`, By: "carol"}
	}
	d.Press("enter")
	if keysOf(d).conflict() != nil || !strings.Contains(d.Status(), "no longer exists") {
		t.Fatalf("status %q, dialog %v", d.Status(), keysOf(d).conflict())
	}
}

// TestConflictOverwriteOfADeletedKeyClosesTheDialog: an overwrite that finds the key gone
// says so and leaves the operator in the form, never in a dialog that waits forever.
func TestConflictOverwriteOfADeletedKeyClosesTheDialog(t *testing.T) {
	t.Parallel()
	d, st := conflicted(t)
	st.Overwrite = func(int64, int64, model.KeyInput) (model.Key, error) {
		st.Mu.Lock()
		st.Keys = st.Keys[1:]
		st.Mu.Unlock()
		return model.Key{}, &model.ConflictError{Object: `key "alpha"`, By: "dave"}
	}
	d.Press("o")
	p := keysOf(d)
	if p.conflict() != nil || p.form() == nil || !strings.Contains(d.Status(), "no longer exists") {
		t.Fatalf("status %q, dialog %v, form %v", d.Status(), p.conflict(), p.form())
	}
	d.Press("esc")
	if keysOf(d).onTop() != nil {
		t.Fatal("the form did not close on esc after the failed overwrite")
	}
}

// TestConflictDialogFitsAt80x24WithEveryFieldChanged: the worst case still shows every row
// and the choices, and View/Export, erased by them, stays off in what an overwrite saves.
func TestConflictDialogFitsAt80x24WithEveryFieldChanged(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	d := editAlpha(t, st, uitest.Admin)
	d.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
	k := &st.Keys[0] // the driver is idle: no command reads the store now
	k.Name, k.CertName, k.AllowReenroll, k.Exportable = "alpha-renamed", "Root", true, false
	k.Groups = []model.GroupRef{{ID: 2, Name: "Laptops"}, {ID: 3, Name: "Database Servers"}}
	k.MaxUsage, k.ExpiresAt = 50, uitest.TestNow.Add(72*time.Hour)
	carolChanges(st, "carol", strings.Repeat("a very long description ", 20))
	got := recordOverwrite(st)
	d.Press("enter")
	for _, want := range []string{"Name", "Machine groups", "Signing certificate", "Status", "Allow re-enrollment",
		"View/Export", "Description", "Max usage", "Expires", "keep editing", "r reload theirs"} {
		d.MustSee(want)
	}
	if lines := strings.Split(d.View(), "\n"); len(lines) != 24 {
		t.Fatalf("%d lines at 80×24", len(lines))
	}
	d.Press("o")
	if len(*got) != 1 || (*got)[0].Exportable || (*got)[0].Description != "mine" {
		t.Fatalf("overwrite input %+v", *got)
	}
}

func TestGoldenConflictDialog(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	d := editAlpha(t, st, uitest.Admin)
	d.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
	carolChanges(st, "carol", "moved to the Frankfurt rack")
	d.Press("enter")
	golden.RequireEqual(t, uitest.Screen(d))
}
