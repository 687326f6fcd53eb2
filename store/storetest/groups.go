package storetest

import (
	"errors"
	"strings"
	"testing"

	"provkeys/model"
)

func testGroups(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	g, err := x.CreateGroup(ctx, model.GroupInput{Name: "Windows Servers", Description: "DCs", Enabled: true})
	if err != nil || g.Version != 1 || g.CreatedBy != "alice" || !g.Enabled {
		t.Fatalf("create: %+v %v", g, err)
	}
	mustGroup(t, x, "Apple")
	u, err := x.UpdateGroup(ctx, g.ID, g.Version, model.GroupInput{Name: "Win Servers", Description: "all", Enabled: false})
	if err != nil || u.Name != "Win Servers" || u.Version != 2 || u.Enabled {
		t.Fatalf("update: %+v %v", u, err)
	}
	in := keyInput("dc-01")
	in.Groups = []string{"win servers"}
	mustKey(t, x, in)
	groups, err := s.Session(viewer).ListGroups(ctx)
	if err != nil || len(groups) != 3 || groups[0].Name != "Apple" || groups[2].Name != "Win Servers" || groups[2].KeyCount != 1 {
		t.Fatalf("list: %+v %v", groups, err)
	}
	if got, err := x.GroupByName(ctx, "WIN SERVERS"); err != nil || got.ID != g.ID {
		t.Fatalf("by name: %+v %v", got, err)
	}
	if _, err := x.GroupByName(ctx, "nope"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	err = x.DeleteGroup(ctx, g.ID, u.Version)
	var iu *model.InUseError
	if !errors.As(err, &iu) || len(iu.Users) != 1 || iu.Users[0] != "dc-01" || !strings.Contains(err.Error(), "Win Servers") {
		t.Fatalf("delete a used group: %v", err)
	}
	apple, _ := x.GroupByName(ctx, "Apple")
	if err := x.DeleteGroup(ctx, apple.ID, apple.Version); err != nil {
		t.Fatal(err)
	}
	for _, a := range []model.Action{model.ActionCreate, model.ActionUpdate} {
		if auditRows(t, s, model.ObjectGroup, a, g.ID) < 1 {
			t.Errorf("group %s not audited", a)
		}
	}
	if auditRows(t, s, model.ObjectGroup, model.ActionDelete, apple.ID) != 1 {
		t.Error("group delete not audited")
	}
	var ve *model.ValidationError
	if _, err := x.CreateGroup(ctx, model.GroupInput{Name: "bad\x1b]52;c;aGk=\x07"}); !errors.As(err, &ve) {
		t.Fatalf("hostile name: %v", err)
	}
}

func testKeyNeedsAGroup(t *testing.T, open Opener) {
	s := open(t)
	x := s.Session(admin)
	k, _ := mustKey(t, x, keyInput("web-01"))
	in := k.Input()
	in.Groups = nil
	var ve *model.ValidationError
	if _, err := x.UpdateKey(testCtx(t), k.ID, k.Version, in); !errors.As(err, &ve) {
		t.Fatalf("removing every group: %v", err)
	}
}
