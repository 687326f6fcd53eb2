package storetest

import (
	"errors"
	"strings"
	"testing"

	"provkeys/model"
)

// testOverwriteGroup: the group conflict dialog's overwrite lands over the version it showed,
// is audited as an overwrite (not an update), still conflicts with a third change made
// meanwhile, and is refused to a viewer with an audited refusal.
func testOverwriteGroup(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	mine, err := x.CreateGroup(ctx, model.GroupInput{Name: "Laptops", Description: "first", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	carol := s.Session(model.Actor{Name: "carol", Role: model.RoleAdmin})
	theirs, err := carol.UpdateGroup(ctx, mine.ID, mine.Version, model.GroupInput{Name: "Laptops", Description: "theirs", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	in := model.GroupInput{Name: "Laptops EU", Description: "mine", Enabled: false}
	_, err = x.UpdateGroup(ctx, mine.ID, mine.Version, in)
	var ce *model.ConflictError
	if !errors.As(err, &ce) || ce.By != "carol" || ce.Version != theirs.Version {
		t.Fatalf("update over a newer version: %v", err)
	}
	if _, err := s.Session(viewer).OverwriteGroup(ctx, mine.ID, theirs.Version, in); !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("viewer overwrite: %v", err)
	}
	if _, err := x.OverwriteGroup(ctx, mine.ID, mine.Version, in); !errors.Is(err, model.ErrConflict) {
		t.Fatalf("overwrite at the version the form started from: %v", err)
	}
	if _, err := x.OverwriteGroup(ctx, 9999, 1, in); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("overwrite of a missing group: %v", err)
	}
	var ve *model.ValidationError
	if _, err := x.OverwriteGroup(ctx, mine.ID, theirs.Version, model.GroupInput{Name: "bad/name"}); !errors.As(err, &ve) {
		t.Fatalf("overwrite with an invalid name: %v", err)
	}
	g, err := x.OverwriteGroup(ctx, mine.ID, theirs.Version, in)
	if err != nil {
		t.Fatal(err)
	}
	if g.Name != "Laptops EU" || g.Description != "mine" || g.Enabled || g.Version != theirs.Version+1 || g.UpdatedBy != "alice" {
		t.Fatalf("overwritten group: %+v", g)
	}
	ev, err := x.ListAudit(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if e := ev[0]; e.Action != model.ActionOverwrite || e.ObjectType != model.ObjectGroup || e.ObjectID != g.ID ||
		e.Actor != "alice" || e.Result != "ok" || !strings.Contains(e.Old, `"theirs"`) || !strings.Contains(e.New, `"mine"`) {
		t.Fatalf("audit row: %+v", e)
	}
	if n := auditRows(t, s, model.ObjectGroup, model.ActionOverwrite, g.ID); n != 1 {
		t.Fatalf("%d overwrite rows, want 1 (refusals are not ok rows)", n)
	}
	if n := auditRows(t, s, model.ObjectGroup, model.ActionUpdate, g.ID); n != 1 {
		t.Fatalf("%d update rows (carol's), want 1", n)
	}
	refused := countAudit(t, s, func(e model.AuditEvent) bool {
		return e.Action == model.ActionOverwrite && e.ObjectType == model.ObjectGroup && e.Actor == "victor" && e.Result != "ok"
	})
	if refused != 1 {
		t.Fatalf("%d audited refusals of the viewer's overwrite, want 1", refused)
	}
}
