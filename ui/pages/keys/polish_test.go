package keys

import (
	"strings"
	"testing"
	"time"

	"provkeys/ui"
	"provkeys/ui/internal/uitest"
	"provkeys/ui/pages/keys/keyform"
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

// A new key with View/Export off is gone for good once its screen closes: esc asks first
// unless it was copied or downloaded.
func TestCreatedKeyWithExportOffAsksBeforeClosing(t *testing.T) {
	t.Parallel()
	d := newDriver(t, uitest.ThreeKeys(), uitest.Admin, ui.Options{})
	p := keysOf(d)
	k := uitest.TestKey(9, "sealed")
	k.Exportable = false
	p.showCreated(k, "3|api.example|SECRET")
	d.Press("esc")
	if !onTopIs[*question](p) {
		t.Fatalf("esc closed the only view of a sealed key: on top %T", p.onTop())
	}
	d.MustSee("never be shown again")
	d.Press("n")
	if !onTopIs[*keyform.Created](p) {
		t.Fatalf("n closed the screen: on top %T", p.onTop())
	}
	d.Press("c", "esc") // copied: esc closes at once
	if p.onTop() != nil {
		t.Fatalf("esc after a copy: on top %T", p.onTop())
	}
	// An exportable key can be shown again later: esc closes at once.
	k.Exportable = true
	p.showCreated(k, "3|api.example|SECRET")
	d.Press("esc")
	if p.onTop() != nil {
		t.Fatalf("esc on an exportable key: on top %T", p.onTop())
	}
}

// ? shows the filter language, every field term included, not only the README.
func TestHelpShowsTheFilterLanguage(t *testing.T) {
	t.Parallel()
	d := newDriver(t, uitest.ThreeKeys(), uitest.Admin, ui.Options{})
	d.Press("?")
	d.MustSee("name:", "group:", "cert:", "status:", "reenroll:", "export:", "expires:", "created:", "updated:", "usage:", "-term", "a|b")
}

// The edit form's review marks what changes, old → new, and leaves the rest plain.
func TestEditReviewMarksWhatChanges(t *testing.T) {
	t.Parallel()
	d := newDriver(t, uitest.ThreeKeys(), uitest.Admin, ui.Options{})
	d.Press("e")
	d.Press("ctrl+u") // the name field: delete to the start of the line
	d.Typ("alpha-2")
	for range 9 { // name, groups, certificate, status, re-enrollment, View/Export, description, max usage, expiry
		d.Press("enter")
	}
	d.MustSee("Review", "alpha → alpha-2")
	d.MustNotSee("Client → Client")
}
