package storetest

import (
	"errors"
	"slices"
	"testing"

	"provkeys/model"
)

// testKeyColumnsPerOperator: each operator keeps their own Keys columns, viewers too; an
// operator who never chose has none (nil); bad names are refused; a choice survives a
// second session and can be emptied.
func testKeyColumnsPerOperator(t *testing.T, open Opener) {
	s, a, ctx := openAsAdmin(t, open)
	v := s.Session(viewer)
	if cols, err := a.KeyColumns(ctx); err != nil || cols != nil {
		t.Fatalf("before any choice: %v %v, want nil", cols, err)
	}
	if err := a.SaveKeyColumns(ctx, []string{"expires", "description"}); err != nil {
		t.Fatal(err)
	}
	if err := v.SaveKeyColumns(ctx, []string{"usage"}); err != nil {
		t.Fatalf("a viewer chooses their own columns: %v", err)
	}
	if err := a.SaveKeyColumns(ctx, []string{"cert", "expires", "description"}); err != nil {
		t.Fatal(err)
	}
	if cols, err := s.Session(admin).KeyColumns(ctx); err != nil || !slices.Equal(cols, []string{"cert", "expires", "description"}) {
		t.Fatalf("admin's columns: %v %v", cols, err)
	}
	if cols, err := v.KeyColumns(ctx); err != nil || !slices.Equal(cols, []string{"usage"}) {
		t.Fatalf("viewer's columns: %v %v", cols, err)
	}
	var ve *model.ValidationError
	for _, bad := range [][]string{{"Expires"}, {"a,b"}, {""}, {"x\x1b[2J"}} {
		if err := a.SaveKeyColumns(ctx, bad); !errors.As(err, &ve) {
			t.Errorf("SaveKeyColumns(%q): %v, want a validation error", bad, err)
		}
	}
	if err := a.SaveKeyColumns(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if cols, err := a.KeyColumns(ctx); err != nil || cols == nil || len(cols) != 0 {
		t.Fatalf("emptied: %#v %v, want an empty, non-nil choice", cols, err)
	}
}

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
