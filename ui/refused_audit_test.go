package ui

import (
	"strings"
	"testing"

	"provkeys/model"
)

// A viewer's copy, reveal or download is refused on the screen and also asked of the store,
// which refuses it again and writes the refused audit row; nothing is released.
func TestViewerMaterialAttemptsReachTheStore(t *testing.T) {
	viewer := model.Actor{Name: "victor", Role: model.RoleViewer}
	st := newFake(testKey(1, "web-01"))
	d := newDriver(t, st, viewer, Options{})
	for _, k := range []string{"c", "v", "w"} {
		d.press(k)
		if !strings.Contains(d.status(), "Read-only") {
			t.Fatalf("%s: status %q, want the refusal", k, d.status())
		}
	}
	if !st.called("ExportKey 1") || !st.called("RevealKey 1") {
		t.Fatalf("the store was not asked, so no refused audit row: calls %v", st.calls)
	}
	if len(d.clipboard) != 0 {
		t.Fatalf("a viewer's refused copy reached the clipboard: %q", d.clipboard)
	}
	d.mustNotSee(st.secrets[1])
}
