package sqlite

import (
	"errors"
	"strings"
	"testing"

	"provkeys/model"
	"provkeys/store/demo"
)

func TestSavedFilters(t *testing.T) {
	s := openTestStore(t)
	x := s.as(admin)
	ctx := testCtx(t)
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
	list, err := s.as(viewer).ListFilters(ctx)
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
	db := rawDB(t, s)
	for _, a := range []string{"create", "update", "delete"} {
		if count(t, db, "SELECT count(*) FROM audit WHERE object_type = 'filter' AND action = ?", a) == 0 {
			t.Errorf("filter %s not audited", a)
		}
	}
}

func TestListAudit(t *testing.T) {
	s := openTestStore(t)
	x := s.as(admin)
	ctx := testCtx(t)
	k, _ := mustKey(t, x, keyInput("web-01"))
	if _, err := x.RevealKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	all, err := s.as(viewer).ListAudit(ctx, 0)
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

func TestDataVersion(t *testing.T) {
	s := openTestStore(t)
	x := s.as(viewer)
	ctx := testCtx(t)
	v0, err := x.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := x.DataVersion(ctx); v != v0 {
		t.Fatal("DataVersion moved with no commit")
	}
	mustKey(t, s.as(admin), keyInput("web-01")) // this process, this store
	v1, _ := x.DataVersion(ctx)
	if v1 == v0 {
		t.Fatal("DataVersion did not notice a local commit")
	}
	other, err := openAt(s.Path()) // stands in for another process
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	mustGroup(t, other.as(admin), "Elsewhere")
	if v2, _ := x.DataVersion(ctx); v2 == v1 {
		t.Fatal("DataVersion did not notice another connection's commit")
	}
}

func TestDemo(t *testing.T) {
	s := openTestStore(t)
	x := s.as(admin)
	ctx := testCtx(t)
	mustKey(t, x, keyInput("nyc-web-0001")) // the first name the demo would pick
	var calls, last int
	if err := demo.Fill(ctx, x, 1500, func(done, total int) {
		calls++
		if total != 1500 || done < last {
			t.Errorf("progress %d/%d after %d", done, total, last)
		}
		last = done
	}); err != nil {
		t.Fatal(err)
	}
	if last != 1500 || calls < 2 {
		t.Fatalf("progress ended at %d after %d calls", last, calls)
	}
	if err := demo.Fill(ctx, x, 500, nil); err != nil { // again: names must not collide
		t.Fatal(err)
	}
	keys, err := x.ListKeys(ctx)
	if err != nil || len(keys) != 2001 {
		t.Fatalf("%d keys, %v", len(keys), err)
	}
	groups, _ := x.ListGroups(ctx)
	if len(groups) != 13 { // Servers plus the 12 demo groups, not created twice
		t.Fatalf("%d groups", len(groups))
	}
	var disabled, hidden, reenroll, limited, expiring, described, multi int
	for _, k := range keys {
		if len(k.Groups) == 0 {
			t.Fatalf("%s has no group", k.Name)
		}
		if !k.Enabled {
			disabled++
		}
		if !k.Exportable {
			hidden++
		}
		if k.AllowReenroll {
			reenroll++
		}
		if k.MaxUsage > 0 {
			limited++
		}
		if !k.ExpiresAt.IsZero() {
			expiring++
		}
		if k.Description != "" {
			described++
		}
		if len(k.Groups) > 1 {
			multi++
		}
	}
	for name, n := range map[string]int{"disabled": disabled, "not exportable": hidden, "reenroll": reenroll,
		"usage limit": limited, "expiry": expiring, "description": described, "two groups": multi} {
		if n == 0 || n == len(keys) {
			t.Errorf("%s: %d of %d keys; want a mix", name, n, len(keys))
		}
	}
	db := rawDB(t, s)
	if n := count(t, db, "SELECT count(*) FROM audit WHERE object_name LIKE 'demo:%'"); n != 2 {
		t.Fatalf("%d demo audit rows, want one per run", n)
	}
	if n := count(t, db, "SELECT count(*) FROM keys WHERE exportable = 1 AND material IS NULL"); n != 0 {
		t.Fatalf("%d exportable demo keys without material", n)
	}
	// Demo keys are real keys: an exportable one reveals and verifies.
	for _, k := range keys {
		if k.Exportable && strings.HasPrefix(k.Name, "fra-") {
			sec, err := x.RevealKey(ctx, k.ID)
			if err != nil {
				t.Fatal(err)
			}
			if v, err := x.VerifyKey(ctx, sec); err != nil || v.ID != k.ID {
				t.Fatalf("verify a demo key: %v", err)
			}
			break
		}
	}
}
