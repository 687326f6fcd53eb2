package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"provkeys/model"
)

// testEnrollManyAtOnce: enrollments arriving together (the store may commit them in one
// transaction) each get their own machine, id and audit row. 48 new machines and 16
// re-enrollments of machines enrolled before run at once on a key without a usage limit,
// and 24 new machines on a key with max usage 8 next to them: every answer names the
// machine stored under its id, the uses counted are exactly the new machines admitted, and
// each enrollment has one audit row pointing at its machine.
func testEnrollManyAtOnce(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	fleet, fleetSecret := mustKey(t, x, reenrollableKeyInput("fleet"))
	limited, limitedSecret := mustKey(t, x, func() model.KeyInput { in := keyInput("few"); in.MaxUsage = 8; return in }())
	for i := range 16 {
		if _, err := s.Enroll(ctx, enrollReq(fleetSecret, fmt.Sprintf("old-%02d", i), t), 0); err != nil {
			t.Fatal(err)
		}
	}
	var reqs []model.EnrollRequest
	for i := range 48 {
		reqs = append(reqs, enrollReq(fleetSecret, fmt.Sprintf("new-%02d", i), t))
	}
	for i := range 16 {
		reqs = append(reqs, enrollReq(fleetSecret, fmt.Sprintf("OLD-%02d", i), t)) // names match case-insensitively
	}
	for i := range 24 {
		reqs = append(reqs, enrollReq(limitedSecret, fmt.Sprintf("few-%02d", i), t))
	}
	got := make([]model.Enrollment, len(reqs))
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	for i := range reqs {
		wg.Go(func() { got[i], errs[i] = s.Enroll(testCtx(t), reqs[i], 0) })
	}
	wg.Wait()

	machines, err := x.ListMachines(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]model.Machine{}
	for _, m := range machines {
		byID[m.ID] = m
	}
	audited := map[int64]model.Action{}
	for _, e := range auditEvents(t, s) {
		if e.ObjectType == model.ObjectMachine && e.Result == "ok" {
			if _, twice := audited[e.ObjectID]; twice {
				t.Errorf("machine %d has two audit rows", e.ObjectID)
			}
			audited[e.ObjectID] = e.Action
		}
	}
	limitedOK := 0
	for i, r := range reqs {
		if errs[i] != nil {
			if r.Key == limitedSecret && errors.Is(errs[i], model.ErrNoUsesLeft) {
				continue
			}
			t.Errorf("enroll %s: %v", r.Machine, errs[i])
			continue
		}
		if r.Key == limitedSecret {
			limitedOK++
		}
		m, ok := byID[got[i].Machine.ID]
		if !ok || m.Name != r.Machine || m.Serial != got[i].Machine.Serial || !m.Active() {
			t.Errorf("enroll %s answered machine %d (serial %s); stored under that id: %+v",
				r.Machine, got[i].Machine.ID, got[i].Machine.Serial, m)
		}
		want := model.ActionEnroll
		if r.Machine[:3] == "OLD" {
			want = model.ActionReenroll
		}
		if audited[m.ID] != want {
			t.Errorf("enroll %s: audit action %q for machine %d, want %q", r.Machine, audited[m.ID], m.ID, want)
		}
	}
	if limitedOK != 8 {
		t.Errorf("%d enrollments on the key with max usage 8 succeeded, want 8", limitedOK)
	}
	for _, c := range []struct {
		id   int64
		want int64
	}{{fleet.ID, 16 + 48}, {limited.ID, 8}} {
		k, err := x.Key(ctx, c.id)
		if err != nil {
			t.Fatal(err)
		}
		if k.UsageCount != c.want {
			t.Errorf("key %s: %d uses counted, want %d (re-enrollments take none)", k.Name, k.UsageCount, c.want)
		}
	}
	active := 0
	for _, m := range machines {
		if m.Active() && m.KeyID == fleet.ID {
			active++
		}
	}
	if active != 64 {
		t.Errorf("%d active machines on the fleet key, want 64 (each re-enrollment replaces one)", active)
	}
}
