package groups

import (
	"slices"
	"testing"

	"provkeys/ui/internal/uitest"
)

// Keys typed right after tab or shift+tab, in the same burst, land in the field the focus
// moved to: the focus moves before the next key is read, not a command's round trip later.
func TestFormFocusMovesBeforeTheNextKeyOfABurst(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	d := openView(t, st, uitest.Admin, 1)
	d.Press("e") // the first group: name, description, status
	d.Burst(uitest.Keys("tab", "X", "shift+tab", "Y")...)
	d.Press("enter", "enter", "enter") // name, description, status: save
	want := "update 1 1: Database ServersY|Postgres primaries in FrankfurtX|true"
	if got := st.Got(); !slices.Contains(got, want) {
		t.Fatalf("the store got %q, want %q (status %q)", got, want, d.Status())
	}
}
