package keys

import (
	"testing"

	"provkeys/ui"
	"provkeys/ui/internal/uitest"
)

// Over SSH keys arrive in bursts: what is typed right after tab, shift+tab or enter lands in
// the field the focus moved to, also across the wizard's pages.
func TestWizardFocusMovesBeforeTheNextKeyOfABurst(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("n")
	d.Burst(uitest.Keys("enter", "enter", "web")...) // certificate, group, then the name on step 3
	f := keysOf(d).form()
	if f == nil || f.Values().Name != "web" {
		t.Fatalf("after enter, enter in one burst the name is %q, want web", f.Values().Name)
	}
	// name → status → re-enrollment → View/Export → description, and back.
	d.Burst(uitest.Keys("tab", "tab", "tab", "tab", "note", "shift+tab", "shift+tab", "shift+tab", "shift+tab", "-1")...)
	if f.Values().Name != "web-1" || f.Values().Description != "note" {
		t.Fatalf("name %q, description %q; want web-1 and note", f.Values().Name, f.Values().Description)
	}
}
