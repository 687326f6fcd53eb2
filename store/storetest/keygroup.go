package storetest

import (
	"errors"
	"testing"

	"provkeys/model"
)

// testCreateKeyWithGroup: the add wizard's new group and its key are made together or not at
// all, each with its audit row; a refusal says which of the two was refused.
func testCreateKeyWithGroup(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	mustGroup(t, x, "Servers")
	g, k, secret, err := x.CreateKeyWithGroup(ctx, model.GroupInput{Name: "Kiosks", Description: "lobby", Enabled: true},
		keyInput("kiosk-1")) // in.Groups names Servers; Kiosks is added
	if err != nil || g.Name != "Kiosks" || g.Description != "lobby" || k.Name != "kiosk-1" || secret == "" {
		t.Fatalf("create: %+v %+v %v", g, k, err)
	}
	if names := k.GroupNames(); len(names) != 2 || names[0] != "Kiosks" || names[1] != "Servers" {
		t.Fatalf("the key's groups are %q, want Kiosks and Servers", names)
	}
	if auditRows(t, s, model.ObjectGroup, model.ActionCreate, g.ID) != 1 || auditRows(t, s, model.ObjectKey, model.ActionCreate, k.ID) != 1 {
		t.Fatal("the group and the key are not audited once each")
	}
	groupAudited := func(name string) int {
		return countAudit(t, s, func(e model.AuditEvent) bool { return e.ObjectType == model.ObjectGroup && e.ObjectName == name })
	}

	// The key is refused (its name is taken, in another case): no group is left behind.
	_, _, _, err = x.CreateKeyWithGroup(ctx, model.GroupInput{Name: "Lobby", Enabled: true}, keyInput("KIOSK-1"))
	var nge *model.NewGroupError
	if !errors.Is(err, model.ErrDuplicate) || errors.As(err, &nge) {
		t.Fatalf("a clashing key name: %v, want ErrDuplicate about the key", err)
	}
	if _, err := x.GroupByName(ctx, "Lobby"); !errors.Is(err, model.ErrNotFound) || groupAudited("Lobby") != 0 {
		t.Fatalf("the refused key left its group behind: %v, %d audit rows", err, groupAudited("Lobby"))
	}
	// So is a key whose input is wrong.
	bad := keyInput("kiosk-2")
	bad.Cert = "No Such CA"
	if _, _, _, err = x.CreateKeyWithGroup(ctx, model.GroupInput{Name: "Lobby", Enabled: true}, bad); err == nil {
		t.Fatal("an unknown certificate was accepted")
	}
	if _, err := x.GroupByName(ctx, "Lobby"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("the refused key left its group behind: %v", err)
	}

	// The group is refused (its name is taken, case-insensitively, or wrong): no key is made,
	// and the error says it is about the group.
	for _, gi := range []model.GroupInput{{Name: "kiosks", Enabled: true}, {Name: " Lobby", Enabled: true}} {
		_, _, _, err = x.CreateKeyWithGroup(ctx, gi, keyInput("kiosk-3"))
		if !errors.As(err, &nge) {
			t.Fatalf("group %q: %v, want a *model.NewGroupError", gi.Name, err)
		}
		if _, err := x.KeyByName(ctx, "kiosk-3"); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("group %q was refused but its key exists: %v", gi.Name, err)
		}
	}
	if !errors.Is(nge, model.ErrDuplicate) && !errors.As(nge, new(*model.ValidationError)) {
		t.Fatalf("the group's refusal %v wraps neither ErrDuplicate nor a validation error", nge)
	}

	// A viewer may not, and no group appears.
	if _, _, _, err := s.Session(viewer).CreateKeyWithGroup(ctx, model.GroupInput{Name: "Lobby", Enabled: true}, keyInput("kiosk-4")); !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("viewer: %v", err)
	}
	if _, err := x.GroupByName(ctx, "Lobby"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("a viewer's refused attempt made a group: %v", err)
	}
}
