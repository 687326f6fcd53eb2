package keys

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/internal/uitest"
	"provkeys/ui/pages/keys/savedfilters"
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

	// Apply one: the cursor is on the filter just saved; the saved ones follow the built-in
	// ones in the order the store returns them, so "only charlie" is just above.
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
	if sp, _ := find[*savedfilters.Panel](keysOf(d)); len(sp.Filters()) != 5 || sp.Filters()[4].Name != "bravo box" {
		t.Fatalf("saved filters after delete: %+v", sp.Filters())
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

// TestSavedFiltersBuiltIn: the built-in review filters head the list, marked built-in; enter
// applies one; they can be neither deleted nor overwritten; the list opens on the filter
// applied now.
func TestSavedFiltersBuiltIn(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	st.Filters = []model.SavedFilter{{ID: 7, Name: "only charlie", Expr: "name:charlie"}}
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("F")
	d.MustSee("› Expiring in 30 days", "expires:<30d", "Exhausted", "status:exhausted", "Disabled", "status:disabled",
		"Never used", "usage:0", "built-in", "only charlie")
	screen := d.View()
	if strings.Index(screen, "Never used") > strings.Index(screen, "only charlie") {
		t.Fatalf("built-in filters are not first:\n%s", screen)
	}
	d.Press("j", "j", "enter") // Disabled
	if got := keysOf(d).filter.Value(); got != "status:disabled" {
		t.Fatalf("applied %q, want status:disabled", got)
	}

	// The list opens on the filter applied now.
	d.Press("F")
	if sp, _ := find[*savedfilters.Panel](keysOf(d)); sp.Filters()[sp.Cursor()].Name != "Disabled" {
		t.Fatalf("F opened on %q, want Disabled", sp.Filters()[sp.Cursor()].Name)
	}
	d.MustSee("› Disabled")
	d.Press("d")
	d.MustSee("Disabled is a built-in filter: it cannot be deleted.")
	if onTopIs[*question](keysOf(d)) || st.Called("DeleteFilter") {
		t.Fatal("d on a built-in filter asked or deleted")
	}
	d.Press("esc", "esc") // close the list, clear the filter

	// Not overwritten: saving under a built-in name (any case) is refused.
	d.Press("/")
	d.Send(tea.PasteMsg{Content: "name:alpha"})
	d.Press("enter", "F", "s")
	d.Send(tea.PasteMsg{Content: "never USED"})
	d.Press("enter")
	if st.Called("SaveFilter") || !strings.Contains(d.Status(), "Never used is a built-in filter") {
		t.Fatalf("status %q calls %v", d.Status(), st.Calls)
	}
}

// TestSavingOverAFilterAsks: saving under the name of a saved filter replaces it only after
// y; n keeps it.
func TestSavingOverAFilterAsks(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	st.Filters = []model.SavedFilter{{ID: 7, Name: "mine", Expr: "name:charlie"}}
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("/")
	d.Send(tea.PasteMsg{Content: "name:bravo"})
	d.Press("enter", "F", "s")
	d.Send(tea.PasteMsg{Content: "Mine"})
	d.Press("enter")
	d.MustSee("Replace saved filter mine (name:charlie) with name:bravo? y/n")
	d.Press("n")
	if st.Called("SaveFilter") || !strings.Contains(d.Status(), "Kept filter mine") {
		t.Fatalf("n saved: status %q calls %v", d.Status(), st.Calls)
	}
	d.Press("s")
	d.Send(tea.PasteMsg{Content: "mine"})
	d.Press("enter", "y")
	if !st.Called("SaveFilter mine=name:bravo") {
		t.Fatalf("y did not save: calls %v", st.Calls)
	}
}
