package keys

import (
	"strings"
	"testing"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/internal/uitest"
)

// A demoted admin's dashboard carries on as a viewer: told so, and refused what a viewer
// may not do, from the moment the server says so.
func TestActorChangedDemotesTheDashboard(t *testing.T) {
	st := uitest.NewFake(uitest.TestKey(1, "web-01"))
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("v")
	d.MustSee(st.Secrets[1], "Key (shown)")
	viewer := model.Actor{Name: "alice", Role: model.RoleViewer}
	d.Send(ui.ActorChangedMsg{Actor: viewer, Store: st})
	if !strings.Contains(d.Status(), "now viewer") {
		t.Fatalf("status %q does not say the role changed", d.Status())
	}
	d.MustNotSee(st.Secrets[1], "Key (shown)")
	d.Press("t")
	if !strings.Contains(d.Status(), "Read-only") || st.Called("SetKeyEnabled") {
		t.Fatalf("a demoted admin toggled a key: status %q", d.Status())
	}
}
