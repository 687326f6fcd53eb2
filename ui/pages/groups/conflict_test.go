package groups

import (
	"strings"
	"testing"

	"provkeys/ui/internal/uitest"
)

// editLaptopsWhileCarolSaves opens the edit form on Laptops, lets carol change its
// description in the store, then renames it in the form and saves: the save meets her
// newer version.
func editLaptopsWhileCarolSaves(t *testing.T, st *uitest.ViewsStore) *uitest.Driver {
	t.Helper()
	d := openView(t, st, uitest.Admin, 1)
	d.Press("j", "e")
	d.MustSee("Edit machine group Laptops")
	st.Mu.Lock()
	g := &st.Groups[1]
	g.Description, g.UpdatedBy, g.UpdatedAt, g.Version = "Carol's laptops", "carol", uitest.TestNow, g.Version+1
	st.Mu.Unlock()
	d.Typ(" EU")
	d.Press("enter", "enter", "enter")
	return d
}

// A save over a newer version opens the dialog: who and when, theirs next to yours per
// field, and the choices; nothing is saved and the input is kept.
func TestGroupsEditConflictShowsTheirsAndYours(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	d := editLaptopsWhileCarolSaves(t, st)
	d.MustSee("Edit machine group Laptops · Changed while you were editing",
		"⚠ Laptops was changed by carol at ", "Theirs (stored now)", "Yours",
		"Description", "Carol's laptops", "Staff laptops", "You also changed Name; they didn't.",
		"r reload theirs", "o overwrite with yours", "esc/c keep editing")
	if !strings.Contains(d.Status(), "Couldn't save machine group Laptops: carol changed it while you were editing.") {
		t.Fatalf("status %q", d.Status())
	}
	if got := st.Got(); len(got) != 1 || got[0] != "update 2 1: Laptops EU|Staff laptops|true" {
		t.Fatalf("store got %q", got)
	}
	// esc keeps editing, with the input as typed.
	d.Press("esc")
	d.MustNotSee("Changed while you were editing")
	d.MustSee("Edit machine group Laptops", "Laptops EU")
	if groupsOf(d).Form == nil || !strings.Contains(d.Status(), "Still editing machine group Laptops; your input is kept.") {
		t.Fatalf("form %v, status %q", groupsOf(d).Form, d.Status())
	}
}

// o saves the operator's input over carol's version, audited by the store as an overwrite.
func TestGroupsEditConflictOverwrite(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	d := editLaptopsWhileCarolSaves(t, st)
	d.MustSee("Changed while you were editing")
	d.Press("o")
	if !st.Called("OverwriteGroup 2 2") {
		t.Fatalf("calls %v", st.Calls)
	}
	if groupsOf(d).Form != nil {
		t.Fatal("the form is still open")
	}
	d.MustSee("› ▸ Laptops EU")
	if s := d.Status(); s != "Machine group Laptops EU saved over carol's change." {
		t.Fatalf("status %q", s)
	}
}

// r drops the operator's input and opens the form again on carol's version.
func TestGroupsEditConflictReload(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	d := editLaptopsWhileCarolSaves(t, st)
	d.MustSee("Changed while you were editing")
	d.Press("r")
	d.MustNotSee("Changed while you were editing", "Laptops EU")
	d.MustSee("Edit machine group Laptops", "Carol's laptops")
	if !strings.Contains(d.Status(), "Reloaded machine group Laptops as carol left it; your changes were discarded.") {
		t.Fatalf("status %q", d.Status())
	}
	d.Press("enter", "enter", "enter") // saving now starts from carol's version
	if got := st.Got(); len(got) != 2 || got[1] != "update 2 2: Laptops|Carol's laptops|true" {
		t.Fatalf("store got %q", got)
	}
}
