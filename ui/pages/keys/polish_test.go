package keys

import (
	"provkeys/ui"
	"provkeys/ui/internal/uitest"
	"testing"
)

// The filter puts the cursor on the first match whenever the query changes (fzf, k9s), not on
// whichever key it passed through while typing.
func TestFilterChangePutsTheCursorOnTheFirstMatch(t *testing.T) {
	t.Parallel()
	d := newDriver(t, uitest.ThreeKeys(), uitest.Admin, ui.Options{})
	d.Press("G") // charlie, the last key
	d.Press("/")
	d.Typ("a") // alpha, bravo and charlie all match: charlie was under the cursor
	if keysOf(d).cursor != 0 || cursorName(d) != "alpha" {
		t.Fatalf("after typing: cursor %d on %q, want 0 on alpha", keysOf(d).cursor, cursorName(d))
	}
	d.Press("enter", "j") // bravo
	d.Press("/")
	d.Typ("r") // "ar": charlie only
	if cursorName(d) != "charlie" {
		t.Fatalf("after narrowing: cursor on %q, want charlie", cursorName(d))
	}
}
