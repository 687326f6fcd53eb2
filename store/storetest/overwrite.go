package storetest

import (
	"errors"
	"strings"
	"testing"

	"provkeys/model"
	"provkeys/store"
)

// conflictingEdit makes the situation the conflict dialog is for: alice starts editing key
// web-01 at version 1, then carol saves a change (version 2). It returns the key as alice
// started from it and as carol left it.
func conflictingEdit(t *testing.T, s store.Store) (mine, theirs model.Key) {
	t.Helper()
	x := s.Session(admin)
	k, _ := mustKey(t, x, keyInput("web-01"))
	carol := s.Session(model.Actor{Name: "carol", Role: model.RoleAdmin})
	in := k.Input()
	in.Description = "theirs"
	theirs, err := carol.UpdateKey(testCtx(t), k.ID, k.Version, in)
	if err != nil {
		t.Fatal(err)
	}
	return k, theirs
}

func testOverwriteKeyLandsAndIsAuditedAsOverwrite(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	mine, theirs := conflictingEdit(t, s)
	in := mine.Input()
	in.Description, in.MaxUsage = "mine", 9

	// Saving from the old version is a conflict that names carol and the version she made.
	_, err := x.UpdateKey(ctx, mine.ID, mine.Version, in)
	var ce *model.ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, model.ErrConflict) || ce.By != "carol" || ce.Version != theirs.Version {
		t.Fatalf("update over a newer version: %v", err)
	}

	k, err := x.OverwriteKey(ctx, mine.ID, ce.Version, in)
	if err != nil {
		t.Fatal(err)
	}
	if k.Description != "mine" || k.MaxUsage != 9 || k.Version != theirs.Version+1 || k.UpdatedBy != "alice" {
		t.Fatalf("overwritten key: %+v", k)
	}
	if got, _ := x.Key(ctx, k.ID); got.Description != "mine" || got.Version != k.Version {
		t.Fatalf("stored key: %+v", got)
	}
	ev, err := x.ListAudit(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	e := ev[0]
	if e.Action != model.ActionOverwrite || e.Actor != "alice" || e.ObjectID != k.ID || e.Result != "ok" ||
		!strings.Contains(e.Old, `"theirs"`) || !strings.Contains(e.New, `"mine"`) {
		t.Fatalf("audit row: %+v", e)
	}
	if n := auditRows(t, s, model.ObjectKey, model.ActionOverwrite, k.ID); n != 1 {
		t.Fatalf("%d overwrite rows, want 1", n)
	}
	if n := auditRows(t, s, model.ObjectKey, model.ActionUpdate, k.ID); n != 1 {
		t.Fatalf("%d update rows (carol's), want 1: the overwrite must not be recorded as an update", n)
	}
}

// TestOverwriteKeyStaleVersionStillConflicts: the overwrite is checked against the version
// the dialog showed, so a third change made meanwhile is never replaced unseen.
func testOverwriteKeyStaleVersionStillConflicts(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	mine, theirs := conflictingEdit(t, s)
	dave := s.Session(model.Actor{Name: "dave", Role: model.RoleAdmin})
	third := theirs.Input()
	third.Enabled = false
	if _, err := dave.UpdateKey(ctx, mine.ID, theirs.Version, third); err != nil {
		t.Fatal(err)
	}
	in := mine.Input()
	in.Description = "mine"
	for _, v := range []int64{mine.Version, theirs.Version} {
		_, err := x.OverwriteKey(ctx, mine.ID, v, in)
		var ce *model.ConflictError
		if !errors.As(err, &ce) || ce.By != "dave" || ce.Version != theirs.Version+1 {
			t.Fatalf("overwrite at version %d: %v", v, err)
		}
	}
	got, _ := x.Key(ctx, mine.ID)
	if got.Enabled || got.Description != "theirs" || got.UpdatedBy != "dave" {
		t.Fatalf("a refused overwrite changed the key: %+v", got)
	}
	if n := auditRows(t, s, model.ObjectKey, model.ActionOverwrite, mine.ID); n != 0 {
		t.Fatalf("%d overwrite rows for refused overwrites", n)
	}
	if _, err := x.OverwriteKey(ctx, 9999, 1, in); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("overwrite of a missing key: %v", err)
	}
}

func testOverwriteKeyViewerForbidden(t *testing.T, open Opener) {
	s := open(t)
	ctx := testCtx(t)
	mine, theirs := conflictingEdit(t, s)
	in := theirs.Input()
	in.Description = "viewer was here"
	_, err := s.Session(viewer).OverwriteKey(ctx, mine.ID, theirs.Version, in)
	if !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("viewer overwrite: %v", err)
	}
	if got, _ := s.Session(admin).Key(ctx, mine.ID); got.Description != "theirs" || got.Version != theirs.Version {
		t.Fatalf("a viewer's overwrite changed the key: %+v", got)
	}
	refused := countAudit(t, s, func(e model.AuditEvent) bool {
		return e.Action == model.ActionOverwrite && e.Actor == "victor" && e.Result != "ok"
	})
	if refused != 1 {
		t.Fatalf("%d audited refusals of the viewer's overwrite, want 1", refused)
	}
}

// TestOverwriteKeyKeepsTheEditRules: overwriting is not a way around what an update refuses.
func testOverwriteKeyKeepsTheEditRules(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	mine, theirs := conflictingEdit(t, s)
	in := theirs.Input()
	in.Cloud = "api-f4.prod.zpath.net"
	var ve *model.ValidationError
	if _, err := x.OverwriteKey(ctx, mine.ID, theirs.Version, in); !errors.As(err, &ve) || ve.Field != model.FieldCloud {
		t.Fatalf("overwrite changing the cloud: %v", err)
	}
	in = theirs.Input()
	in.Name = "bad\x1b[2Jname"
	if _, err := x.OverwriteKey(ctx, mine.ID, theirs.Version, in); !errors.As(err, &ve) {
		t.Fatalf("overwrite with an invalid name: %v", err)
	}
}

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
