package groups

import (
	"strings"
	"testing"

	"provkeys/ui/internal/uitest"
)

// A refusal about one row leaves the status line when the cursor leaves that row, and not
// before: no message outlives its subject.
func TestRowRefusalClearsWhenTheCursorLeavesTheRow(t *testing.T) {
	t.Parallel()
	d := openView(t, uitest.NewViewsStore(), uitest.Admin, 1)
	d.Press("d") // Database Servers: in use, refused before asking
	const refusal = "Can't delete machine group Database Servers"
	if !strings.Contains(d.Status(), refusal) {
		t.Fatalf("status %q, want the refusal", d.Status())
	}
	d.Press("enter", "enter") // expand and collapse: the cursor stays on the row
	if !strings.Contains(d.Status(), refusal) {
		t.Fatalf("the refusal went while the cursor stayed on its row: %q", d.Status())
	}
	d.Press("j")
	if s := d.Status(); strings.Contains(s, refusal) {
		t.Fatalf("the refusal about Database Servers outlived the move to another row: %q", s)
	}
}
