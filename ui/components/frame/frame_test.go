package frame

import (
	"testing"

	"provkeys/model"
	"provkeys/ui"
)

func TestStatusClearsOnlyItsOwnMessage(t *testing.T) {
	t.Parallel()
	a := New(ui.NewEnv(nil, model.Actor{Name: "alice", Role: model.RoleAdmin}, ui.Options{}))
	a.Update(ui.StatusMsg{Text: "first"})
	old := a.statusID
	a.Update(ui.StatusMsg{Text: "second"})
	a.Update(clearStatusMsg{id: old})
	if a.status != "second" {
		t.Fatalf("an old tick cleared the newer message: %q", a.status)
	}
	a.Update(clearStatusMsg{id: a.statusID})
	if a.status != "" {
		t.Fatal("status did not clear")
	}
}
