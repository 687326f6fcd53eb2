package keys

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/internal/uitest"
	"provkeys/ui/pages/keys/keyform"
)

// recordCreate replaces CreateKey with one that records its input and then behaves normally.
func recordCreate(st *uitest.FakeStore) *[]model.KeyInput {
	var got []model.KeyInput
	def := st.OnCreateKey
	st.OnCreateKey = func(in model.KeyInput) (model.Key, string, error) {
		got = append(got, in)
		return def(in)
	}
	return &got
}

func TestWizardEnterThroughCreatesAKeyWithDefaults(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	got := recordCreate(st)
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("n")
	d.MustSee("step 1 of 4", "Client", "Root")
	d.Press("enter")
	d.MustSee("step 2 of 4", "Database Servers", "+ create new group")
	d.Press("enter")
	d.MustSee("step 3 of 4", "Name")
	d.Typ("web-01")
	for range 7 { // name, status, re-enrollment, view/export, description, max usage, expiry
		d.Press("enter")
	}
	d.MustSee("step 4 of 4 · Review", "web-01", "Database Servers", "● Enabled", "never")
	if st.Called("CreateKey") {
		t.Fatal("saved before the review was confirmed")
	}
	d.Press("enter")
	want := model.KeyInput{Name: "web-01", Groups: []string{"Database Servers"}, Cert: "Client",
		Enabled: true, AllowReenroll: false, Exportable: true}
	if len(*got) != 1 || !reflect.DeepEqual((*got)[0], want) {
		t.Fatalf("CreateKey got %+v\nwant %+v", *got, want)
	}
	// The new key is shown once, with copy and download.
	secret := st.Secrets[st.NextID]
	d.MustSee("Created key web-01", secret, "c copy", "w download")
	d.Press("c")
	if len(d.Clipboard) != 1 || d.Clipboard[0] != secret {
		t.Fatalf("copy on the created screen sent %q", d.Clipboard)
	}
	if st.Called("ExportKey") || st.Called("ReleaseKey") {
		t.Fatal("the new key's copy went back to the store; it already has the secret")
	}
	if !st.Called(fmt.Sprintf("AuditKeyUse %d copy ok", st.NextID)) {
		t.Fatalf("the new key's copy left no audit row: %q", st.Calls)
	}
	d.Press("w")
	typePath(d, filepath.Join(t.TempDir(), "web-01.txt"))
	if !st.Called(fmt.Sprintf("AuditKeyUse %d download ok", st.NextID)) || st.Called("ReleaseKey") {
		t.Fatalf("the new key's download left no audit row: %q", st.Calls)
	}
	d.Press("enter")
	d.MustNotSee(secret)
	if onTopIs[*keyform.Created](keysOf(d)) || cursorName(d) != "web-01" {
		t.Fatalf("after closing: on top %T cursor on %q", keysOf(d).onTop(), cursorName(d))
	}
}

func TestWizardEscCancelsAtAnyStep(t *testing.T) {
	t.Parallel()
	for step := range 4 {
		st := uitest.ThreeKeys()
		d := newDriver(t, st, uitest.Admin, ui.Options{})
		d.Press("n")
		for range step {
			d.Press("enter")
		}
		if step >= 2 {
			d.Typ("x1")
			for range 7 {
				d.Press("enter")
			}
		}
		d.Press("esc")
		if keysOf(d).onTop() != nil || st.Called("CreateKey") || st.Called("CreateGroup") {
			t.Fatalf("step %d: esc left on top %T or saved", step, keysOf(d).onTop())
		}
		if !strings.Contains(d.Status(), "nothing was saved") {
			t.Fatalf("step %d: status %q", step, d.Status())
		}
	}
}

func TestWizardCreatesANewGroupFirst(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	got := recordCreate(st)
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	// space: the first group (chosen by default) off; G: the last option, "+ create new group".
	d.Press("n", "enter", "space", "G", "space", "enter")
	d.MustSee("New machine group", "New group name")
	d.Typ("Kiosks")
	d.Press("enter", "enter", "enter") // name, description, status
	d.MustSee("step 3 of 4")
	d.Typ("kiosk-7")
	for range 7 {
		d.Press("enter")
	}
	d.MustSee("Kiosks (new, enabled)")
	d.Press("enter")
	if !st.Called("CreateKeyWithGroup Kiosks kiosk-7") || st.Called("CreateGroup") || len(*got) != 1 ||
		len((*got)[0].Groups) != 1 || (*got)[0].Groups[0] != "Kiosks" {
		t.Fatalf("calls %v, got %+v", st.Calls, *got)
	}
}

func TestValidationErrorStaysUnderItsField(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	st.OnCreateKey = func(in model.KeyInput) (model.Key, string, error) {
		return model.Key{}, "", &model.ValidationError{Field: model.FieldMaxUsage, Msg: "too many for this licence"}
	}
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("n", "enter", "enter")
	d.Typ("web-02")
	for range 7 {
		d.Press("enter")
	}
	d.Press("enter") // save from the review
	p := keysOf(d)
	if !onTopIs[*keyform.Form](p) || p.form() == nil || p.form().Reviewing() {
		t.Fatalf("the form closed or stayed on the review after a validation error (on top %T)", p.onTop())
	}
	lines := strings.Split(d.View(), "\n")
	at := -1
	for i, l := range lines {
		if strings.Contains(l, "Max usage") {
			at = i
		}
	}
	if at < 0 || at+1 >= len(lines) || !strings.Contains(lines[at+1], "✗ too many for this licence") {
		t.Fatalf("error not right under Max usage:\n%s", d.View())
	}
	if strings.Contains(d.Status(), "too many") {
		t.Fatal("a validation error went to the status line instead of the field")
	}
	// Changing the value clears the message; saving again goes back to the store.
	d.Press("backspace")
	d.Typ("5")
	d.MustNotSee("too many for this licence")
}

func TestLocalValidationBlocksABadName(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("n", "enter", "enter")
	d.Typ("bad/name")
	d.Press("enter")
	d.MustSee("is not allowed")
	if keysOf(d).form().Reviewing() {
		t.Fatal("a bad name got through")
	}
}

func TestStoreErrorIsOneSentenceAndTheWizardStaysOpen(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	st.OnCreateKey = func(in model.KeyInput) (model.Key, string, error) {
		return model.Key{}, "", errors.New("the disk is full")
	}
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("n", "enter", "enter")
	d.Typ("delta")
	for range 8 {
		d.Press("enter")
	}
	if s := d.Status(); !strings.Contains(s, "Couldn't create key delta: the disk is full") {
		t.Fatalf("status %q", s)
	}
	if !onTopIs[*keyform.Form](keysOf(d)) || !keysOf(d).form().Reviewing() {
		t.Fatal("the wizard closed after a store error")
	}
}

func TestEditSavesWithVersionAndExportOffNeedsY(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	var got []model.KeyInput
	def := st.OnUpdateKey
	st.OnUpdateKey = func(id, version int64, in model.KeyInput) (model.Key, error) {
		got = append(got, in)
		return def(id, version, in)
	}
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("e")
	d.MustSee("Edit key alpha", "Machine groups", "View/Export")
	// name, groups, cert, status, re-enrollment: enter through; View/Export: n (off).
	d.Press("enter", "enter", "enter", "enter", "enter", "n")
	for range 3 {
		d.Press("enter")
	}
	d.MustSee("erases this key for good")
	d.Press("enter") // enter is not enough for an irreversible change
	if len(got) != 0 {
		t.Fatal("saved an export-off edit without y")
	}
	d.Press("y")
	if !st.Called("UpdateKey 1 1") || len(got) != 1 || got[0].Exportable || got[0].Name != "alpha" ||
		!reflect.DeepEqual(got[0].Groups, []string{"Web Frontends"}) {
		t.Fatalf("calls %v, got %+v", st.Calls, got)
	}
}
