package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
)

func TestSavedFiltersSaveApplyDelete(t *testing.T) {
	t.Parallel()
	st := threeKeys()
	st.filters = []model.SavedFilter{{ID: 7, Name: "only charlie", Expr: "name:charlie"}}
	d := newDriver(t, st, admin, Options{})

	// Save the current filter under a name.
	d.press("/")
	d.send(tea.PasteMsg{Content: "name:bravo"})
	d.press("enter", "F")
	d.mustSee("SAVED FILTERS", "only charlie", "name:charlie")
	d.press("s")
	d.mustSee(`Save filter "name:bravo" as:`)
	d.send(tea.PasteMsg{Content: "bravo box"})
	d.press("enter")
	if !st.called("SaveFilter bravo box=name:bravo") {
		t.Fatalf("calls %v", st.calls)
	}
	d.mustSee("bravo box")

	// Apply one: the list is sorted as the store returns it; "only charlie" is first.
	d.press("k", "enter")
	if d.keys().mode != modeTable || d.keys().filter.Value() != "name:charlie" || len(d.keys().view) != 1 {
		t.Fatalf("apply: mode %d filter %q rows %d", d.keys().mode, d.keys().filter.Value(), len(d.keys().view))
	}
	d.mustSee("1 of 3 keys", "charlie")

	// Delete one, after y.
	d.press("F", "d")
	d.mustSee("Delete saved filter only charlie? y/n")
	d.press("y")
	if !st.called("DeleteFilter 7") {
		t.Fatalf("calls %v", st.calls)
	}
	if sp := d.keys().saved; len(sp.filters) != 1 || sp.filters[0].Name != "bravo box" {
		t.Fatalf("saved filters after delete: %+v", sp.filters)
	}
	d.press("esc")
	if d.keys().mode != modeTable {
		t.Fatal("esc did not close the list")
	}
}

func TestSavingNeedsAFilter(t *testing.T) {
	t.Parallel()
	st := threeKeys()
	d := newDriver(t, st, admin, Options{})
	d.press("F", "s")
	if d.keys().ask != nil || !strings.Contains(d.status(), "Type a filter") {
		t.Fatalf("status %q", d.status())
	}
}

func TestHelpListsSavedFilters(t *testing.T) {
	t.Parallel()
	d := newDriver(t, threeKeys(), admin, Options{})
	d.press("?")
	d.mustSee("F", "saved filters")
}
