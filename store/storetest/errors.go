package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"provkeys/model"
	"provkeys/store"
	"provkeys/store/demo"
)

func testConflicts(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	bob := s.Session(model.Actor{Name: "bob", Role: model.RoleAdmin})
	k, _ := mustKey(t, x, keyInput("web-01"))
	g, _ := x.GroupByName(ctx, "Servers")
	// Bob saves first; every change alice makes from the version she read must conflict.
	kb, err := bob.SetKeyEnabled(ctx, k.ID, k.Version, false)
	if err != nil {
		t.Fatal(err)
	}
	gb, err := bob.UpdateGroup(ctx, g.ID, g.Version, model.GroupInput{Name: "Servers", Description: "bob was here"})
	if err != nil {
		t.Fatal(err)
	}
	audit := len(auditEvents(t, s))
	for name, f := range map[string]func() error{
		"UpdateKey":     func() error { _, err := x.UpdateKey(ctx, k.ID, k.Version, k.Input()); return err },
		"SetKeyEnabled": func() error { _, err := x.SetKeyEnabled(ctx, k.ID, k.Version, true); return err },
		"DeleteKey":     func() error { return x.DeleteKey(ctx, k.ID, k.Version) },
		"UpdateGroup":   func() error { _, err := x.UpdateGroup(ctx, g.ID, g.Version, model.GroupInput{Name: "X"}); return err },
		"DeleteGroup":   func() error { return x.DeleteGroup(ctx, g.ID, g.Version) },
	} {
		err := f()
		var ce *model.ConflictError
		if !errors.As(err, &ce) || !errors.Is(err, model.ErrConflict) {
			t.Errorf("%s: %v, want a conflict", name, err)
			continue
		}
		wantV, wantAt := kb.Version, kb.UpdatedAt
		if strings.Contains(name, "Group") {
			wantV, wantAt = gb.Version, gb.UpdatedAt
		}
		if ce.By != "bob" || ce.Version != wantV || !ce.At.Equal(wantAt) {
			t.Errorf("%s: %+v, want by bob at version %d", name, ce, wantV)
		}
	}
	if len(auditEvents(t, s)) != audit {
		t.Error("a refused change left an audit row")
	}
	if got, _ := x.Key(ctx, k.ID); got.Enabled || got.Version != kb.Version {
		t.Error("a stale write changed the key")
	}
}

func testNotFound(t *testing.T, open Opener) {
	_, x, ctx := openAsAdmin(t, open)
	in := keyInput("x")
	for name, f := range map[string]func() error{
		"Key":           func() error { _, err := x.Key(ctx, 999); return err },
		"KeyByName":     func() error { _, err := x.KeyByName(ctx, "nope"); return err },
		"UpdateKey":     func() error { _, err := x.UpdateKey(ctx, 999, 1, in); return err },
		"SetKeyEnabled": func() error { _, err := x.SetKeyEnabled(ctx, 999, 1, true); return err },
		"DeleteKey":     func() error { return x.DeleteKey(ctx, 999, 1) },
		"RevealKey":     func() error { _, err := x.RevealKey(ctx, 999); return err },
		"ExportKey":     func() error { _, err := x.ExportKey(ctx, 999); return err },
		"GroupByName":   func() error { _, err := x.GroupByName(ctx, "nope"); return err },
		"UpdateGroup":   func() error { _, err := x.UpdateGroup(ctx, 999, 1, model.GroupInput{Name: "a"}); return err },
		"DeleteGroup":   func() error { return x.DeleteGroup(ctx, 999, 1) },
		"CertByName":    func() error { _, err := x.CertByName(ctx, "nope"); return err },
		"DeleteCert":    func() error { return x.DeleteCert(ctx, 999) },
		"DeleteFilter":  func() error { return x.DeleteFilter(ctx, 999) },
		"VerifyKey": func() error {
			k, _ := mustKey(t, x, keyInput("tmp"))
			sec, _ := x.ExportKey(ctx, k.ID)
			x.DeleteKey(ctx, k.ID, k.Version)
			_, err := x.VerifyKey(ctx, sec)
			return err
		},
	} {
		if err := f(); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("%s: %v, want not found", name, err)
		}
	}
}

// TestViewerForbidden runs every change and every release of key material as a viewer: each
// is refused, nothing changes, and the refusal is on record.
func testViewerForbidden(t *testing.T, open Opener) {
	s, a, ctx := openAsAdmin(t, open)
	k, _ := mustKey(t, a, keyInput("web-01"))
	g, _ := a.GroupByName(ctx, "Servers")
	f, _ := a.SaveFilter(ctx, "mine", "web")
	c, _ := a.ImportCert(ctx, "Corp", TestCA(t, true))
	before := state(t, s)
	v := s.Session(viewer)
	ops := map[string]func() error{
		"CreateKey":     func() error { _, _, err := v.CreateKey(ctx, keyInput("new")); return err },
		"UpdateKey":     func() error { _, err := v.UpdateKey(ctx, k.ID, k.Version, k.Input()); return err },
		"SetKeyEnabled": func() error { _, err := v.SetKeyEnabled(ctx, k.ID, k.Version, false); return err },
		"DeleteKey":     func() error { return v.DeleteKey(ctx, k.ID, k.Version) },
		"RevealKey":     func() error { _, err := v.RevealKey(ctx, k.ID); return err },
		"ExportKey":     func() error { _, err := v.ExportKey(ctx, k.ID); return err },
		"ImportKeys":    func() error { _, err := v.ImportKeys(ctx, []model.KeyInput{keyInput("n")}); return err },
		"CreateGroup":   func() error { _, err := v.CreateGroup(ctx, model.GroupInput{Name: "G"}); return err },
		"UpdateGroup":   func() error { _, err := v.UpdateGroup(ctx, g.ID, g.Version, model.GroupInput{Name: "G"}); return err },
		"DeleteGroup":   func() error { return v.DeleteGroup(ctx, g.ID, g.Version) },
		"ImportCert":    func() error { _, err := v.ImportCert(ctx, "C2", TestCA(t, true)); return err },
		"DeleteCert":    func() error { return v.DeleteCert(ctx, c.ID) },
		"SaveFilter":    func() error { _, err := v.SaveFilter(ctx, "f", "web"); return err },
		"DeleteFilter":  func() error { return v.DeleteFilter(ctx, f.ID) },
		"Demo":          func() error { return demo.Fill(ctx, v, 5, nil) },
	}
	for name, op := range ops {
		if err := op(); !errors.Is(err, model.ErrForbidden) {
			t.Errorf("%s as viewer: %v, want forbidden", name, err)
		}
	}
	refusals := countAudit(t, s, func(e model.AuditEvent) bool { return e.Actor == "victor" && e.Result != "ok" })
	if refusals != len(ops) {
		t.Errorf("%d refusals on record, want %d", refusals, len(ops))
	}
	// The audit rows of the refusals are the only difference.
	if after := state(t, s); after != before {
		t.Fatalf("a viewer changed the store:\n%s\n---\n%s", before, after)
	}
	nobody := s.Session(model.Actor{Name: "x"})
	if _, err := nobody.ListKeys(ctx); !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("an actor with no role read keys: %v", err)
	}
}

func testContextPassesThrough(t *testing.T, open Opener) {
	s := open(t)
	x := s.Session(admin)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := x.ListKeys(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("ListKeys: %v", err)
	}
	if _, err := x.CreateGroup(ctx, model.GroupInput{Name: "G"}); !errors.Is(err, context.Canceled) {
		t.Errorf("CreateGroup: %v", err)
	}
	dctx, dcancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer dcancel()
	if err := demo.Fill(dctx, x, 10, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Demo: %v", err)
	}
}

// state is everything a store holds but the audit trail, as text to compare.
func state(t *testing.T, s store.Store) string {
	t.Helper()
	x, ctx := s.Session(admin), testCtx(t)
	keys, err1 := x.ListKeys(ctx)
	groups, err2 := x.ListGroups(ctx)
	certs, err3 := x.ListCerts(ctx)
	filters, err4 := x.ListFilters(ctx)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		t.Fatal(err)
	}
	var secrets []string
	for _, k := range keys {
		sec, err := x.RevealKey(ctx, k.ID) // audited, but the audit trail is not compared
		secrets = append(secrets, fmt.Sprintf("%s %v", sec, err))
	}
	return fmt.Sprintf("keys: %+v\ngroups: %+v\ncerts: %+v\nfilters: %+v\nmaterial: %v", keys, groups, certs, filters, secrets)
}

// testInUseNamesCapped: a group or certificate used by many keys refuses to go with an
// error that says how many keys use it and carries only the first model.InUseShown names
// (a certificate used by a million keys must not carry a million names).
func testInUseNamesCapped(t *testing.T, open Opener) {
	_, x, ctx := openAsAdmin(t, open)
	mustGroup(t, x, "Servers")
	const n = model.InUseShown + 3
	var batch []store.NewKey
	for i := range n {
		batch = append(batch, store.NewKey{KeyInput: keyInput(fmt.Sprintf("k%02d", i))})
	}
	if err := x.CreateKeys(ctx, batch, "test"); err != nil {
		t.Fatal(err)
	}
	g, err := x.GroupByName(ctx, "Servers")
	if err != nil {
		t.Fatal(err)
	}
	c, err := x.CertByName(ctx, "Client")
	if err != nil {
		t.Fatal(err)
	}
	for what, err := range map[string]error{
		"DeleteGroup": x.DeleteGroup(ctx, g.ID, g.Version),
		"DeleteCert":  x.DeleteCert(ctx, c.ID),
	} {
		var iu *model.InUseError
		if !errors.As(err, &iu) {
			t.Fatalf("%s: %v; want *model.InUseError", what, err)
		}
		if iu.Count != n || len(iu.Users) != model.InUseShown || iu.Users[0] != "k00" || iu.Users[model.InUseShown-1] != fmt.Sprintf("k%02d", model.InUseShown-1) {
			t.Errorf("%s: Count %d, Users %q; want %d and the first %d names", what, iu.Count, iu.Users, n, model.InUseShown)
		}
		if msg := err.Error(); !strings.Contains(msg, fmt.Sprintf("used by %d key(s)", n)) || !strings.Contains(msg, "and 3 more") {
			t.Errorf("%s: %q", what, msg)
		}
	}
}
