package ui

import (
	"strings"
	"testing"

	"provkeys/model"
)

// A demoted admin's dashboard carries on as a viewer: told so, and refused what a viewer
// may not do, from the moment the server says so.
func TestActorChangedDemotesTheDashboard(t *testing.T) {
	st := newFake(testKey(1, "web-01"))
	d := newDriver(t, st, admin, Options{})
	d.press("v")
	d.mustSee(st.secrets[1], "Key (shown)")
	viewer := model.Actor{Name: "alice", Role: model.RoleViewer}
	d.send(ActorChangedMsg{Actor: viewer, Store: st})
	if !strings.Contains(d.status(), "now viewer") {
		t.Fatalf("status %q does not say the role changed", d.status())
	}
	d.mustNotSee(st.secrets[1], "Key (shown)")
	d.press("t")
	if !strings.Contains(d.status(), "Read-only") || st.called("SetKeyEnabled") {
		t.Fatalf("a demoted admin toggled a key: status %q", d.status())
	}
}
