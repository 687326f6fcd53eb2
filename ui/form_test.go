package ui

import (
	"reflect"
	"strings"
	"testing"

	"provkeys/model"
)

// recordCreate replaces CreateKey with one that records its input and then behaves normally.
func recordCreate(st *fakeStore) *[]model.KeyInput {
	var got []model.KeyInput
	def := st.createKey
	st.createKey = func(in model.KeyInput) (model.Key, string, error) {
		got = append(got, in)
		return def(in)
	}
	return &got
}

func TestWizardEnterThroughCreatesAKeyWithDefaults(t *testing.T) {
	t.Parallel()
	st := threeKeys()
	got := recordCreate(st)
	d := newDriver(t, st, admin, Options{})
	d.press("n")
	d.mustSee("step 1 of 4", "Client", "Root")
	d.press("enter")
	d.mustSee("step 2 of 4", "Database Servers", "+ create new group")
	d.press("enter")
	d.mustSee("step 3 of 4", "Name")
	d.typ("web-01")
	for range 7 { // name, status, re-enrollment, view/export, description, max usage, expiry
		d.press("enter")
	}
	d.mustSee("step 4 of 4 · Review", "web-01", "Database Servers", "● Enabled", "never")
	if st.called("CreateKey") {
		t.Fatal("saved before the review was confirmed")
	}
	d.press("enter")
	want := model.KeyInput{Name: "web-01", Groups: []string{"Database Servers"}, Cert: "Client",
		Enabled: true, AllowReenroll: false, Exportable: true}
	if len(*got) != 1 || !reflect.DeepEqual((*got)[0], want) {
		t.Fatalf("CreateKey got %+v\nwant %+v", *got, want)
	}
	// The new key is shown once, with copy and download.
	secret := st.secrets[st.nextID]
	d.mustSee("Created key web-01", secret, "c copy", "w download")
	d.press("c")
	if len(d.clipboard) != 1 || d.clipboard[0] != secret {
		t.Fatalf("copy on the created screen sent %q", d.clipboard)
	}
	if st.called("ExportKey") {
		t.Fatal("the new key's copy went back to the store; it already has the secret")
	}
	d.press("enter")
	d.mustNotSee(secret)
	if d.keys().created != nil || d.cursorName() != "web-01" {
		t.Fatalf("after closing: created=%v cursor on %q", d.keys().created, d.cursorName())
	}
}

func TestWizardEscCancelsAtAnyStep(t *testing.T) {
	t.Parallel()
	for step := range 4 {
		st := threeKeys()
		d := newDriver(t, st, admin, Options{})
		d.press("n")
		for range step {
			d.press("enter")
		}
		if step >= 2 {
			d.typ("x1")
			for range 7 {
				d.press("enter")
			}
		}
		d.press("esc")
		if d.keys().mode != modeTable || st.called("CreateKey") || st.called("CreateGroup") {
			t.Fatalf("step %d: esc left mode %d or saved", step, d.keys().mode)
		}
		if !strings.Contains(d.status(), "nothing was saved") {
			t.Fatalf("step %d: status %q", step, d.status())
		}
	}
}

func TestWizardCreatesANewGroupFirst(t *testing.T) {
	t.Parallel()
	st := threeKeys()
	got := recordCreate(st)
	d := newDriver(t, st, admin, Options{})
	d.press("n", "enter", "G", "enter") // G: last option, "+ create new group"
	d.mustSee("New machine group", "New group name")
	d.typ("Kiosks")
	d.press("enter", "enter", "enter") // name, description, status
	d.mustSee("step 3 of 4")
	d.typ("kiosk-7")
	for range 7 {
		d.press("enter")
	}
	d.mustSee("Kiosks (new, enabled)")
	d.press("enter")
	if !st.called("CreateGroup Kiosks") || len(*got) != 1 || (*got)[0].Groups[0] != "Kiosks" {
		t.Fatalf("calls %v, got %+v", st.calls, *got)
	}
}

func TestValidationErrorStaysUnderItsField(t *testing.T) {
	t.Parallel()
	st := threeKeys()
	st.createKey = func(in model.KeyInput) (model.Key, string, error) {
		return model.Key{}, "", &model.ValidationError{Field: model.FieldMaxUsage, Msg: "too many for this licence"}
	}
	d := newDriver(t, st, admin, Options{})
	d.press("n", "enter", "enter")
	d.typ("web-02")
	for range 7 {
		d.press("enter")
	}
	d.press("enter") // save from the review
	p := d.keys()
	if p.mode != modeForm || p.form == nil || p.form.review {
		t.Fatalf("the form closed or stayed on the review after a validation error (mode %d)", p.mode)
	}
	lines := strings.Split(d.view(), "\n")
	at := -1
	for i, l := range lines {
		if strings.Contains(l, "Max usage") {
			at = i
		}
	}
	if at < 0 || at+1 >= len(lines) || !strings.Contains(lines[at+1], "✗ too many for this licence") {
		t.Fatalf("error not right under Max usage:\n%s", d.view())
	}
	if strings.Contains(d.status(), "too many") {
		t.Fatal("a validation error went to the status line instead of the field")
	}
	// Changing the value clears the message; saving again goes back to the store.
	d.press("backspace")
	d.typ("5")
	d.mustNotSee("too many for this licence")
}

func TestLocalValidationBlocksABadName(t *testing.T) {
	t.Parallel()
	st := threeKeys()
	d := newDriver(t, st, admin, Options{})
	d.press("n", "enter", "enter")
	d.typ("bad/name")
	d.press("enter")
	d.mustSee("is not allowed")
	if d.keys().form.review {
		t.Fatal("a bad name got through")
	}
}

func TestStoreErrorIsOneSentenceAndTheWizardStaysOpen(t *testing.T) {
	t.Parallel()
	st := threeKeys()
	st.createKey = func(in model.KeyInput) (model.Key, string, error) {
		return model.Key{}, "", model.ErrDuplicate
	}
	d := newDriver(t, st, admin, Options{})
	d.press("n", "enter", "enter")
	d.typ("alpha")
	for range 8 {
		d.press("enter")
	}
	if s := d.status(); !strings.Contains(s, "Couldn't create key alpha: that name is already taken") {
		t.Fatalf("status %q", s)
	}
	if d.keys().mode != modeForm || !d.keys().form.review {
		t.Fatal("the wizard closed after a store error")
	}
}

func TestEditSavesWithVersionAndExportOffNeedsY(t *testing.T) {
	t.Parallel()
	st := threeKeys()
	var got []model.KeyInput
	def := st.updateKey
	st.updateKey = func(id, version int64, in model.KeyInput) (model.Key, error) {
		got = append(got, in)
		return def(id, version, in)
	}
	d := newDriver(t, st, admin, Options{})
	d.press("e")
	d.mustSee("Edit key alpha", "Machine groups", "View/Export")
	// name, groups, cert, status, re-enrollment: enter through; View/Export: n (off).
	d.press("enter", "enter", "enter", "enter", "enter", "n")
	for range 3 {
		d.press("enter")
	}
	d.mustSee("erases this key for good")
	d.press("enter") // enter is not enough for an irreversible change
	if len(got) != 0 {
		t.Fatal("saved an export-off edit without y")
	}
	d.press("y")
	if !st.called("UpdateKey 1 1") || len(got) != 1 || got[0].Exportable || got[0].Name != "alpha" ||
		!reflect.DeepEqual(got[0].Groups, []string{"Web Frontends"}) {
		t.Fatalf("calls %v, got %+v", st.calls, got)
	}
}
