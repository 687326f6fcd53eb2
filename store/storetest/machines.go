package storetest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"provkeys/model"
	"provkeys/store"
)

// testKeyActivity: a key's activity is its last enrollment (machine and time) and its
// enrollments per UTC day, re-enrollments counted, other keys' not; the window ends with the
// day of the now asked about, so enrollments after it are left out and before it land on the
// day they happened. Where the window cuts a day exactly is the engines' own test
// (TestKeyActivityDayEdges), which can write enrollment times.
func testKeyActivity(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	k, secret := mustKey(t, x, reenrollableKeyInput("fleet"))
	other, otherSecret := mustKey(t, x, keyInput("other"))
	unused, _ := mustKey(t, x, keyInput("unused"))
	enrolled := mustEnroll(t, s, secret, "web-01", "web-02", "web-01") // the third re-enrolls
	mustEnroll(t, s, otherSecret, "db-01")
	last := enrolled[len(enrolled)-1]
	// want is the chart the enrollments above make in the window of days days ending with
	// now's day, placed by their recorded times (so a run across midnight still agrees).
	want := func(now time.Time, days int) []int {
		out := make([]int, days)
		from, _ := model.ActivityWindow(now, days)
		for _, m := range enrolled {
			if i := model.ActivityDay(from, days, m.EnrolledAt); i >= 0 {
				out[i]++
			}
		}
		return out
	}
	now := time.Now()
	for _, c := range []struct {
		name string
		now  time.Time
		days int
	}{
		{"today, 30 days", now, 30},
		{"today only", now, 1},
		{"a window ending 5 days later", now.AddDate(0, 0, 5), 30},
		{"a window ending 2 days earlier", now.AddDate(0, 0, -2), 30},
		{"a year", now, model.MaxActivityDays},
	} {
		a, err := s.Session(viewer).KeyActivity(ctx, k.ID, c.now, c.days)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if w := want(c.now, c.days); !slices.Equal(a.PerDay, w) {
			t.Fatalf("%s: per day %v, want %v", c.name, a.PerDay, w)
		}
		if a.LastMachine != "web-01" || !a.LastAt.Equal(last.EnrolledAt) {
			t.Fatalf("%s: last %q at %v, want web-01 at %v", c.name, a.LastMachine, a.LastAt, last.EnrolledAt)
		}
	}
	if a, _ := x.KeyActivity(ctx, k.ID, now, 30); sum(a.PerDay) != 3 {
		t.Fatalf("today's chart counts %d enrollments of 3 (a re-enrollment is one)", sum(a.PerDay))
	}
	if a, _ := x.KeyActivity(ctx, k.ID, now.AddDate(0, 0, -2), 30); sum(a.PerDay) != 0 {
		t.Fatalf("a window that ended before the enrollments counts %v", a.PerDay)
	}
	a, err := x.KeyActivity(ctx, other.ID, now, 30)
	if err != nil || sum(a.PerDay) != 1 || a.LastMachine != "db-01" {
		t.Fatalf("the other key: %+v, %v", a, err)
	}
	for _, id := range []int64{unused.ID, 987654} { // never used; no such key
		a, err := x.KeyActivity(ctx, id, now, 30)
		if err != nil || len(a.PerDay) != 30 || sum(a.PerDay) != 0 || a.LastMachine != "" || !a.LastAt.IsZero() {
			t.Fatalf("key %d, never used: %+v, %v", id, a, err)
		}
	}
	var ve *model.ValidationError
	for _, days := range []int{0, -3, model.MaxActivityDays + 1} {
		if _, err := x.KeyActivity(ctx, k.ID, now, days); !errors.As(err, &ve) || ve.Field != model.FieldDays {
			t.Fatalf("%d days: %v, want a validation error", days, err)
		}
	}
	if _, err := s.Session(model.Actor{Name: "x"}).KeyActivity(ctx, k.ID, now, 30); !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("no role: %v, want ErrForbidden", err)
	}
}

func sum(xs []int) int {
	n := 0
	for _, v := range xs {
		n += v
	}
	return n
}

// KeyActivityDayEdges checks where KeyActivity cuts the days, which the behaviour suite
// cannot reach (enrollments happen now): an engine's test passes s and setEnrolledAt, which
// rewrites a machine's enrollment time behind the store's back. Each instant at the edge of a
// UTC day lands in its own day, in both engines' spelling of "day".
func KeyActivityDayEdges(t *testing.T, s store.Store, setEnrolledAt func(machineID int64, at time.Time) error) {
	x := s.Session(admin)
	ctx := testCtx(t)
	in := keyInput("edges")
	k, secret := mustKey(t, x, in)
	now := time.Date(2026, 12, 4, 19, 2, 0, 0, time.UTC)
	const days = 30
	from, to := model.ActivityWindow(now, days)
	times := []struct {
		at  time.Time
		day int // -1: outside the window
	}{
		{from.Add(-time.Microsecond), -1},
		{from, 0},
		{from.Add(24*time.Hour - time.Microsecond), 0},
		{from.Add(24 * time.Hour), 1},
		{to.Add(-time.Microsecond), days - 1},
		{now, days - 1},
		{to, -1}, // the latest: the last enrollment, though after the window
	}
	want := make([]int, days)
	for i, c := range times {
		m := mustEnroll(t, s, secret, fmt.Sprintf("m-%02d", i))[0]
		if err := setEnrolledAt(m.ID, c.at); err != nil {
			t.Fatal(err)
		}
		if c.day >= 0 {
			want[c.day]++
		}
	}
	a, err := x.KeyActivity(ctx, k.ID, now, days)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.PerDay, want) {
		t.Fatalf("per day\n%v\nwant\n%v", a.PerDay, want)
	}
	if a.LastMachine != fmt.Sprintf("m-%02d", len(times)-1) || !a.LastAt.Equal(to) {
		t.Fatalf("last %q at %v, want the one at %v", a.LastMachine, a.LastAt, to)
	}
}

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

// testKeyLastMachine: the key remembers the machine that enrolled with it most recently, in
// every way keys are read, after enrollments and re-enrollments alike; a key edit keeps it, and
// an enrollment does not move the key's version (it is not an edit).
func testKeyLastMachine(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	in := reenrollableKeyInput("fleet")
	k, secret := mustKey(t, x, in)
	other, _ := mustKey(t, x, keyInput("unused"))
	check := func(want string) {
		t.Helper()
		got, err := x.Key(ctx, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.LastMachine != want || got.Version != k.Version {
			t.Fatalf("Key: last machine %q version %d, want %q version %d", got.LastMachine, got.Version, want, k.Version)
		}
		byName, _ := x.KeyByName(ctx, "fleet")
		keys, _ := x.ListKeys(ctx)
		head, _, _ := x.ListKeysHead(ctx, 10)
		table, err := x.ListKeyTable(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i := range keys {
			wantHere := ""
			if keys[i].ID == k.ID {
				wantHere = want
			}
			if keys[i].LastMachine != wantHere || table.LastMachine(i) != wantHere || table.Key(i).LastMachine != wantHere {
				t.Fatalf("listing of key %s: %q / table %q, want %q", keys[i].Name, keys[i].LastMachine, table.LastMachine(i), wantHere)
			}
		}
		for _, hk := range head {
			if hk.ID == k.ID && hk.LastMachine != want {
				t.Fatalf("ListKeysHead: %q, want %q", hk.LastMachine, want)
			}
		}
		if byName.LastMachine != want {
			t.Fatalf("KeyByName: %q, want %q", byName.LastMachine, want)
		}
	}
	check("")
	for _, m := range []string{"web-01", "web-02", "web-01"} { // the last one re-enrolls
		mustEnroll(t, s, secret, m)
		check(m)
	}
	f, err := model.ParseFilter("machine:WEB-01 used:yes")
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := x.ListKeys(ctx)
	for _, kk := range keys {
		if f.Match(kk, time.Now()) != (kk.ID == k.ID) {
			t.Fatalf("filter %q on key %s", f.Expr, kk.Name)
		}
	}
	if got, _ := x.Key(ctx, other.ID); got.LastMachine != "" {
		t.Fatalf("a key nobody used has last machine %q", got.LastMachine)
	}
	in.Description = "edited"
	if _, err := x.UpdateKey(ctx, k.ID, k.Version, in); err != nil {
		t.Fatal(err)
	}
	if got, _ := x.Key(ctx, k.ID); got.LastMachine != "web-01" {
		t.Fatalf("an edit lost the last machine: %q", got.LastMachine)
	}
}
