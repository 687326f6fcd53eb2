package keys

import (
	"provkeys/ui"
	"provkeys/ui/internal/uitest"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
)

func TestSavedFiltersSaveApplyDelete(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	st.Filters = []model.SavedFilter{{ID: 7, Name: "only charlie", Expr: "name:charlie"}}
	d := newDriver(t, st, uitest.Admin, ui.Options{})

	// Save the current filter under a name.
	d.Press("/")
	d.Send(tea.PasteMsg{Content: "name:bravo"})
	d.Press("enter", "F")
	d.MustSee("SAVED FILTERS", "only charlie", "name:charlie")
	d.Press("s")
	d.MustSee(`Save filter "name:bravo" as:`)
	d.Send(tea.PasteMsg{Content: "bravo box"})
	d.Press("enter")
	if !st.Called("SaveFilter bravo box=name:bravo") {
		t.Fatalf("calls %v", st.Calls)
	}
	d.MustSee("bravo box")

	// Apply one: the list is sorted as the store returns it; "only charlie" is first.
	d.Press("k", "enter")
	if keysOf(d).onTop() != nil || keysOf(d).filter.Value() != "name:charlie" || len(keysOf(d).view) != 1 {
		t.Fatalf("apply: on top %T filter %q rows %d", keysOf(d).onTop(), keysOf(d).filter.Value(), len(keysOf(d).view))
	}
	d.MustSee("1 of 3 keys", "charlie")

	// Delete one, after y.
	d.Press("F", "d")
	d.MustSee("Delete saved filter only charlie? y/n")
	d.Press("y")
	if !st.Called("DeleteFilter 7") {
		t.Fatalf("calls %v", st.Calls)
	}
	if sp, _ := find[*savedPanel](keysOf(d)); len(sp.filters) != 1 || sp.filters[0].Name != "bravo box" {
		t.Fatalf("saved filters after delete: %+v", sp.filters)
	}
	d.Press("esc")
	if keysOf(d).onTop() != nil {
		t.Fatal("esc did not close the list")
	}
}

func TestSavingNeedsAFilter(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("F", "s")
	if onTopIs[*question](keysOf(d)) || !strings.Contains(d.Status(), "Type a filter") {
		t.Fatalf("status %q", d.Status())
	}
}

func TestHelpListsSavedFilters(t *testing.T) {
	t.Parallel()
	d := newDriver(t, uitest.ThreeKeys(), uitest.Admin, ui.Options{})
	d.Press("?")
	d.MustSee("F", "saved filters")
}
