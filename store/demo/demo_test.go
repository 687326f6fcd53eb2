package demo

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"provkeys/model"
	"provkeys/store/sqlite"
)

func TestFill(t *testing.T) {
	s, err := sqlite.Open(sqlite.Options{Path: filepath.Join(t.TempDir(), "p.db"), DataKeyPath: filepath.Join(t.TempDir(), "p.key")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	x := s.Session(model.Actor{Name: "alice", Role: model.RoleAdmin})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := x.CreateGroup(ctx, model.GroupInput{Name: "Servers", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	// The first name the demo would pick is taken.
	in := model.KeyInput{Name: "nyc-web-0001", Groups: []string{"Servers"}, Cert: "Client", Enabled: true}
	if _, _, err := x.CreateKey(ctx, in); err != nil {
		t.Fatal(err)
	}
	var calls, last int
	if err := Fill(ctx, x, 1500, func(done, total int) {
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
	if err := Fill(ctx, x, 500, nil); err != nil { // again: names must not collide
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
	batches := 0
	audit, _ := x.ListAudit(ctx, 0)
	for _, e := range audit {
		if strings.HasPrefix(e.ObjectName, "demo:") {
			batches++
		}
	}
	if batches != 2 {
		t.Fatalf("%d demo audit rows, want one per batch (two runs of one batch)", batches)
	}
	if err := Fill(ctx, s.Session(model.Actor{Name: "v", Role: model.RoleViewer}), 5, nil); !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("a viewer's demo: %v", err)
	}
	if err := Fill(ctx, x, -1, nil); err == nil {
		t.Fatal("a negative number of keys was accepted")
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
