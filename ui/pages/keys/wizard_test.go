package keys

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/internal/uitest"
)

// footer is the screen's last line: the keys for what has the focus.
func footer(d *uitest.Driver) string {
	lines := strings.Split(strings.TrimRight(d.View(), "\n "), "\n")
	return lines[len(lines)-1]
}

func TestWizardNameClashesShowAtTheField(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("n", "enter", "enter")
	d.Typ("ALPH")
	d.MustNotSee("already exists")
	d.Typ("A") // "alpha" exists: names are unique case-insensitively; said as it is typed
	d.MustSee(`a key named "ALPHA" already exists`)
	d.Press("enter")
	f := keysOf(d).form()
	d.MustSee(`a key named "ALPHA" already exists`)
	if !f.HasFocus("name") || f.Reviewing() {
		t.Fatal("a clashing key name let the wizard move on")
	}
	d.Press("backspace", "2") // "ALPH2": the error goes as the value changes
	d.MustNotSee("already exists")
	d.Press("shift+tab", "shift+tab") // back to step 1
	d.Press("enter", "space", "G", "space", "enter")
	d.Typ("web frontends") // an existing group, in another case
	d.MustSee(`a machine group named "Web Frontends" already exists`)
	d.Press("enter")
	d.MustSee(`a machine group named "Web Frontends" already exists`)
	if !f.HasFocus("groupName") {
		t.Fatal("a clashing group name let the wizard move on")
	}
	if st.Called("CreateKey") || st.Called("CreateGroup") {
		t.Fatalf("the wizard saved: %v", st.Calls)
	}
}

func TestWizardChoosesSeveralGroups(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	got := recordCreate(st)
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("n", "enter")
	d.MustSee("Machine group(s)")
	if f := footer(d); !strings.Contains(f, "↑/↓") || !strings.Contains(f, "space") || strings.Contains(f, "←/→") {
		t.Fatalf("the groups list's footer %q: want ↑/↓ and space, not ←/→", f)
	}
	d.Press("space", "enter") // the only chosen group off: at least one is needed
	d.MustSee("choose at least one machine group")
	if !keysOf(d).form().HasFocus("groups") {
		t.Fatal("no group chosen, yet the wizard moved on")
	}
	d.Press("space", "j", "space", "enter") // Database Servers and Laptops
	d.Typ("two-groups")
	d.Press("tab")
	if f := footer(d); !strings.Contains(f, "←/→") {
		t.Fatalf("a yes/no field's footer %q lacks ←/→", f)
	}
	for range 6 {
		d.Press("enter")
	}
	d.MustSee("Database Servers, Laptops")
	d.Press("enter")
	if len(*got) != 1 || !slices.Equal((*got)[0].Groups, []string{"Database Servers", "Laptops"}) {
		t.Fatalf("created %+v", *got)
	}
}

func TestWizardBackKeepsValuesAndEnterReturnsToTheReview(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	got := recordCreate(st)
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("n", "enter", "enter")
	d.Typ("web-9")
	d.Press("tab", "tab", "tab", "tab")
	d.Typ("racks 1 to 4")
	d.Press("enter", "enter", "enter")
	d.MustSee("step 4 of 4", "web-9", "racks 1 to 4", "Client")
	d.Press("1") // back to step 1: another certificate, then straight back to the review
	d.MustSee("step 1 of 4")
	d.Press("j", "enter")
	d.MustSee("step 4 of 4", "web-9", "racks 1 to 4", "Root")
	d.Press("3", "end")
	d.Typ("x")
	d.Press("enter")
	d.MustSee("step 4 of 4", "web-9x")
	d.Press("enter")
	if len(*got) != 1 || (*got)[0].Cert != "Root" || (*got)[0].Name != "web-9x" || (*got)[0].Description != "racks 1 to 4" {
		t.Fatalf("created %+v", *got)
	}
}

// A new group and a key the store refuses: nothing is left behind, and the refusal shows
// under the field it is about.
func TestWizardNewGroupAndRefusedKeyLeaveNothing(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	st.OnCreateKey = func(in model.KeyInput) (model.Key, string, error) {
		return model.Key{}, "", fmt.Errorf("a key named %q %w", in.Name, model.ErrDuplicate) // taken meanwhile
	}
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("n", "enter", "space", "G", "space", "enter")
	d.Typ("Kiosks")
	d.Press("enter", "enter", "enter")
	d.Typ("kiosk-1")
	for range 8 {
		d.Press("enter")
	}
	if !st.Called("CreateKeyWithGroup Kiosks kiosk-1") || st.Called("CreateGroup") {
		t.Fatalf("calls %v", st.Calls)
	}
	if slices.ContainsFunc(st.Groups, func(g model.Group) bool { return g.Name == "Kiosks" }) {
		t.Fatal("the refused key left its new group behind")
	}
	f := keysOf(d).form()
	if f == nil || f.Reviewing() || !f.HasFocus("name") {
		t.Fatal("the store's duplicate is not shown at the name")
	}
	d.MustSee(`a key named "kiosk-1" already exists`)
}
