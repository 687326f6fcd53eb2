package keys

import (
	"strings"
	"testing"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/internal/uitest"
)

// A viewer's copy, reveal or download is refused on the screen and also asked of the store,
// which refuses it again and writes the refused audit row; nothing is released.
func TestViewerMaterialAttemptsReachTheStore(t *testing.T) {
	viewer := model.Actor{Name: "victor", Role: model.RoleViewer}
	st := uitest.NewFake(uitest.TestKey(1, "web-01"))
	d := newDriver(t, st, viewer, ui.Options{})
	for _, k := range []string{"c", "v", "w"} {
		d.Press(k)
		if !strings.Contains(d.Status(), "Read-only") {
			t.Fatalf("%s: status %q, want the refusal", k, d.Status())
		}
	}
	// Each attempt is asked as itself, so the refused row says copy, reveal or download.
	if !st.Called("ReleaseKey 1 copy") || !st.Called("ReleaseKey 1 reveal") || !st.Called("ReleaseKey 1 download") {
		t.Fatalf("the store was not asked, so no refused audit row: calls %v", st.Calls)
	}
	if len(d.Clipboard) != 0 {
		t.Fatalf("a viewer's refused copy reached the clipboard: %q", d.Clipboard)
	}
	d.MustNotSee(st.Secrets[1])
}
