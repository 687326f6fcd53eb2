package keys

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"provkeys/ui"
	"provkeys/ui/internal/uitest"
)

// TestGoldenMarkedRows: marked rows carry ✓ beside the cursor marker, the bar counts them,
// and the summary line sits under the title.
func TestGoldenMarkedRows(t *testing.T) {
	t.Parallel()
	d := newDriver(t, goldenKeys(), uitest.Admin, ui.Options{})
	d.Press("space", "j", "space")
	golden.RequireEqual(t, uitest.Screen(d))
}

// TestMarksBulkDisableAndEsc: space marks and moves down, marks survive a filter and a
// reload, t disables every marked key (each its own store call), the status sums up, the
// first esc clears the marks and the next the applied filter.
func TestMarksBulkDisableAndEsc(t *testing.T) {
	st := uitest.ThreeKeys()
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("space")
	if cursorName(d) != "bravo" {
		t.Fatalf("space should move down; cursor on %q", cursorName(d))
	}
	d.Press("j", "space")
	d.MustSee("2 marked", "›✓▸ charlie", " ✓▸ alpha")
	d.Press("/")
	d.Typ("alpha")
	d.Press("enter")
	d.MustSee("2 marked", "1 of 3 keys")
	d.Press("esc") // marks first
	d.MustNotSee("marked")
	d.MustSee("1 of 3 keys")
	d.Press("esc") // then the applied filter
	d.MustSee("3 of 3 keys")

	d.Press("space", "space") // alpha, bravo
	st.Version++
	d.Send(ui.DataChangedMsg{})
	d.MustSee("2 marked")
	d.Press("t")
	d.MustSee("Disable 2 marked keys (alpha, bravo)?") // asked once, naming them
	if st.Called("SetKeyEnabled") {
		t.Fatal("t on marks disabled keys before the answer")
	}
	d.Press("y")
	if got := d.Status(); got != "Disabled 2 keys." {
		t.Fatalf("status %q", got)
	}
	for _, k := range st.Keys {
		if want := k.Name == "charlie"; k.Enabled != want {
			t.Errorf("%s enabled=%v", k.Name, k.Enabled)
		}
	}
	d.Press(":")
	d.Typ("disable")
	d.Press("enter")
	d.Press("y")
	if got := d.Status(); !strings.HasPrefix(got, "Disabled 0 keys; 2 skipped: alpha (already disabled), bravo (already disabled)") {
		t.Fatalf("status %q", got)
	}
}

// TestBulkDeleteAsksOnceNamingTheCount and a failure on one key leaves the others done.
func TestBulkDeleteAsksOnce(t *testing.T) {
	st := uitest.ThreeKeys()
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("ctrl+a")
	d.MustSee("3 marked")
	st.Keys[1].Version = 9 // bravo changed elsewhere: its delete conflicts
	d.Press("d")
	d.MustSee("Delete 3 marked keys (alpha, bravo, charlie)?")
	d.Press("y")
	if got := d.Status(); !strings.HasPrefix(got, "Deleted 2 keys; 1 failed: bravo: ") {
		t.Fatalf("status %q", got)
	}
	if len(st.Keys) != 1 || st.Keys[0].Name != "bravo" {
		t.Fatalf("left %v", st.Keys)
	}
}

// TestPaletteExportExtendGroup: the palette lists commands with their keys, runs :export
// FILE on the marks (one 0600 file of name<TAB>key lines), :extend and :group add.
func TestPaletteExportExtendGroup(t *testing.T) {
	st := uitest.ThreeKeys()
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press(":")
	d.MustSee("disable", "delete             d ", "export FILE")
	d.Typ("dis")
	d.MustSee("› disable")
	d.Press("esc")
	d.Press("space", "space")
	path := filepath.Join(t.TempDir(), "marked.txt")
	d.Press(":")
	d.Typ("export " + path)
	d.Press("enter")
	if !strings.HasPrefix(d.Status(), "Exported 2 keys to ") {
		t.Fatalf("status %q", d.Status())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "alpha\t" + st.Secrets[1] + "\nbravo\t" + st.Secrets[2] + "\n"
	if string(b) != want {
		t.Fatalf("file:\n%q\nwant\n%q", b, want)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	d.Press(":")
	d.Typ("extend 30d")
	d.Press("enter")
	if d.Status() != "Extended 2 keys." || !st.Keys[0].ExpiresAt.Equal(uitest.TestNow.AddDate(0, 0, 30)) {
		t.Fatalf("status %q, alpha expires %v", d.Status(), st.Keys[0].ExpiresAt)
	}
	d.Press(":")
	d.Typ("group add Laptops")
	d.Press("enter")
	if got := d.Status(); got != "Added to Laptops: 1 key; 1 skipped: bravo (already in it)." {
		t.Fatalf("status %q", got)
	}
	// Recently used first.
	d.Press(":")
	d.MustSee("› group add")
}

// TestColumnChooserSaves: :columns shows, hides and orders the chosen columns and saves
// them for the operator.
func TestColumnChooserSaves(t *testing.T) {
	st := uitest.ThreeKeys()
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press(":")
	d.Typ("columns")
	d.Press("enter")
	d.MustSee("[x] fingerprint", "[ ] description")
	d.Press("space", "j", "space", "j", "space") // hide fingerprint, usage, updated
	d.Press("j", "space", "K")                   // show description, move it up
	d.Press("enter")
	if strings.Join(st.Columns, ",") != "description" {
		t.Fatalf("saved %v", st.Columns)
	}
	d.MustSee("DESCRIPTION", "the build box")
	d.MustNotSee("FINGERPRINT")
}

// TestSummaryJumps: key 3 applies the never-used built-in filter.
func TestSummaryJumps(t *testing.T) {
	st := uitest.ThreeKeys()
	st.Keys[0].UsageCount = 4
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.MustSee("[3] 2 never used")
	d.Press("3")
	d.MustSee("/ usage:0", "2 of 3 keys")
	d.Press("esc")
	d.MustSee("3 of 3 keys")
}
