package storetest

import (
	"errors"
	"maps"
	"testing"

	"provkeys/model"
)

// testActiveMachineCounts: each key's unrevoked machines are counted, by key id; a revoked
// machine no longer counts, a key without machines is absent, and a viewer may read them.
func testActiveMachineCounts(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	fleet, secret := mustKey(t, x, keyInput("fleet"))
	kiosk, kioskSecret := mustKey(t, x, keyInput("kiosk"))
	mustKey(t, x, keyInput("unused"))
	first := mustEnroll(t, s, secret, "a", "b", "c")[0]
	mustEnroll(t, s, kioskSecret, "lobby")
	if _, err := x.RevokeMachine(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	got, err := s.Session(viewer).ActiveMachineCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[int64]int{fleet.ID: 2, kiosk.ID: 1}; !maps.Equal(got, want) {
		t.Fatalf("ActiveMachineCounts = %v, want %v", got, want)
	}
	if _, err := s.Session(model.Actor{Name: "m", Role: model.RoleMachine}).ActiveMachineCounts(ctx); !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("a machine read the counts: %v", err)
	}
}
