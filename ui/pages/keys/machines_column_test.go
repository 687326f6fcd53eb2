package keys

import (
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/internal/uitest"
	"provkeys/ui/pages/keys/columns"
)

// TestGoldenMachinesColumn: the chooser offers machines; shown, it counts each key's
// unrevoked machines (a revoked one does not count), and the choice is saved.
func TestGoldenMachinesColumn(t *testing.T) {
	t.Parallel()
	st := goldenKeys()
	st.Machines = []model.Machine{
		{ID: 1, Name: "fra-01", KeyID: 1}, {ID: 2, Name: "fra-02", KeyID: 1},
		{ID: 3, Name: "fra-03", KeyID: 1, RevokedAt: uitest.TestNow},
		{ID: 4, Name: "db-01", KeyID: 2},
	}
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.MustNotSee("MACHINES")
	if st.Called("ActiveMachineCounts") {
		t.Fatal("the counts were read while the column is hidden")
	}
	d.Press(":")
	d.Typ("columns")
	d.Press("enter")
	d.MustSee("[ ] machines")
	for range len(columns.Layout) - 3 - 1 { // every column but the fixed three; machines is last
		d.Press("j")
	}
	d.MustSee("› [ ] machines")
	d.Press("space", "enter")
	if got := st.Columns; len(got) != 4 || got[3] != "machines" {
		t.Fatalf("saved %v", got)
	}
	d.MustSee("MACHINES")
	golden.RequireEqual(t, uitest.Screen(d))
}
