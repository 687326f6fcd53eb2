package storetest

import (
	"errors"
	"strings"
	"testing"

	"provkeys/model"
)

func testSavedFilters(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	f, err := x.SaveFilter(ctx, "Broken", "status:disabled")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.SaveFilter(ctx, "apps", `group:"Linux App Servers"`); err != nil {
		t.Fatal(err)
	}
	g, err := x.SaveFilter(ctx, "BROKEN", "status:expired")
	if err != nil || g.ID != f.ID || g.Name != "BROKEN" || g.Expr != "status:expired" {
		t.Fatalf("replace: %+v %v", g, err)
	}
	list, err := s.Session(viewer).ListFilters(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "apps" || list[1].Expr != "status:expired" {
		t.Fatalf("list: %+v %v", list, err)
	}
	var ve *model.ValidationError
	for _, bad := range []string{"status:sideways", "name:\x1b[2J"} {
		if _, err := x.SaveFilter(ctx, "bad", bad); !errors.As(err, &ve) {
			t.Errorf("SaveFilter(%q): %v", bad, err)
		}
	}
	if err := x.DeleteFilter(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	if list, _ := x.ListFilters(ctx); len(list) != 1 {
		t.Fatalf("after delete: %+v", list)
	}
	for _, a := range []model.Action{model.ActionCreate, model.ActionUpdate, model.ActionDelete} {
		if countAudit(t, s, func(e model.AuditEvent) bool { return e.ObjectType == model.ObjectFilter && e.Action == a }) == 0 {
			t.Errorf("filter %s not audited", a)
		}
	}
}

func testListAudit(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	k, _ := mustKey(t, x, keyInput("web-01"))
	if _, err := x.RevealKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	all, err := s.Session(viewer).ListAudit(ctx, 0)
	if err != nil || len(all) != 3 {
		t.Fatalf("all: %d %v", len(all), err)
	}
	e := all[0]
	if e.Action != model.ActionReveal || e.ObjectType != model.ObjectKey || e.ObjectID != k.ID ||
		e.ObjectName != "web-01" || e.Actor != "alice" || e.Role != model.RoleAdmin ||
		e.Remote != admin.Remote || e.Result != "ok" || e.At.IsZero() || !strings.Contains(e.New, k.Fingerprint) {
		t.Fatalf("reveal event: %+v", e)
	}
	if all[1].ID >= e.ID {
		t.Fatal("not newest first")
	}
	if two, _ := x.ListAudit(ctx, 2); len(two) != 2 || two[0].ID != e.ID {
		t.Fatalf("limit 2: %+v", two)
	}
}

func testDataVersion(t *testing.T, open Opener) {
	s := open(t)
	x := s.Session(viewer)
	ctx := testCtx(t)
	v0, err := x.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := x.DataVersion(ctx); v != v0 {
		t.Fatal("DataVersion moved with no commit")
	}
	mustKey(t, s.Session(admin), keyInput("web-01")) // this process, this store
	v1, _ := x.DataVersion(ctx)
	if v1 == v0 {
		t.Fatal("DataVersion did not notice a local commit")
	}
}
