package keys

import (
	"provkeys/ui"
	"provkeys/ui/internal/uitest"
	"strings"
	"testing"
	"time"
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

// A row's refusal is about that row: it goes when the cursor leaves it, while a message
// that is not about the row stays.
func TestARowsStatusGoesWhenTheCursorLeavesIt(t *testing.T) {
	t.Parallel()
	locked := uitest.TestKey(1, "alpha")
	locked.Exportable = false
	d := newDriver(t, uitest.NewFake(locked, uitest.TestKey(2, "bravo")), uitest.Admin, ui.Options{})
	d.Press("c")
	if !strings.Contains(d.Status(), "alpha is not exportable") {
		t.Fatalf("status %q", d.Status())
	}
	d.Press("enter") // expanding stays on the row: the refusal stays
	if !strings.Contains(d.Status(), "alpha is not exportable") {
		t.Fatalf("status %q after expanding the same row", d.Status())
	}
	d.Press("j")
	if d.Status() != "" {
		t.Fatalf("status %q after moving to bravo, want none", d.Status())
	}
	d.Send(ui.StatusMsg{Text: "Reloading keys…"})
	d.Press("k")
	if d.Status() != "Reloading keys…" {
		t.Fatalf("a status about no row went with the cursor: %q", d.Status())
	}
}

// UPDATED follows one rule for every row: a key changed 15 days ago and one changed 40 days
// ago read alike, so the column can be compared at a glance.
func TestUpdatedColumnHasOneFormat(t *testing.T) {
	t.Parallel()
	recent, old := uitest.TestKey(1, "recent"), uitest.TestKey(2, "old")
	recent.UpdatedAt = uitest.TestNow.Add(-15 * 24 * time.Hour)
	old.UpdatedAt = uitest.TestNow.Add(-40 * 24 * time.Hour)
	d := newDriver(t, uitest.NewFake(recent, old), uitest.Admin, ui.Options{})
	d.MustSee("2025-12-31 12:00", "2025-12-06 12:00")
	d.MustNotSee("ago")
}
