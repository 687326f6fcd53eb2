package sqlite

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"provkeys/model"
	"provkeys/store/demo"
)

func TestConflicts(t *testing.T) {
	s := openTestStore(t)
	x := s.as(admin)
	bob := s.as(model.Actor{Name: "bob", Role: model.RoleAdmin})
	ctx := testCtx(t)
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
	audit := count(t, rawDB(t, s), "SELECT count(*) FROM audit")
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
	if count(t, rawDB(t, s), "SELECT count(*) FROM audit") != audit {
		t.Error("a refused change left an audit row")
	}
	if got, _ := x.Key(ctx, k.ID); got.Enabled || got.Version != kb.Version {
		t.Error("a stale write changed the key")
	}
}

func TestNotFound(t *testing.T) {
	s := openTestStore(t)
	x := s.as(admin)
	ctx := testCtx(t)
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
func TestViewerForbidden(t *testing.T) {
	s := openTestStore(t)
	a := s.as(admin)
	ctx := testCtx(t)
	k, _ := mustKey(t, a, keyInput("web-01"))
	g, _ := a.GroupByName(ctx, "Servers")
	f, _ := a.SaveFilter(ctx, "mine", "web")
	c, _ := a.ImportCert(ctx, "Corp", testCA(t, true))
	before := snapshot(t, s)
	v := s.as(viewer)
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
		"ImportCert":    func() error { _, err := v.ImportCert(ctx, "C2", testCA(t, true)); return err },
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
	db := rawDB(t, s)
	refusals := count(t, db, "SELECT count(*) FROM audit WHERE actor = 'victor' AND result <> 'ok'")
	if refusals != len(ops) {
		t.Errorf("%d refusals on record, want %d", refusals, len(ops))
	}
	// The audit rows of the refusals are the only difference.
	after := snapshot(t, s)
	if strings.ReplaceAll(after, "audit: ", "") == strings.ReplaceAll(before, "audit: ", "") {
		t.Fatal("refusals were not audited")
	}
	stripAudit := func(s string) string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if !strings.HasPrefix(l, "audit: ") && !strings.HasPrefix(l, "sqlite_sequence: ") {
				out = append(out, l)
			}
		}
		return strings.Join(out, "\n")
	}
	if stripAudit(after) != stripAudit(before) {
		t.Fatalf("a viewer changed the store:\n%s\n---\n%s", before, after)
	}
	nobody := s.as(model.Actor{Name: "x"})
	if _, err := nobody.ListKeys(ctx); !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("an actor with no role read keys: %v", err)
	}
}

// TestAuditInSameTransaction makes the audit insert fail and checks the change did not land.
func TestAuditInSameTransaction(t *testing.T) {
	s := openTestStore(t)
	x := s.as(admin)
	ctx := testCtx(t)
	k, _ := mustKey(t, x, keyInput("web-01"))
	db := rawDB(t, s)
	if _, err := db.Exec(`CREATE TRIGGER fail_audit BEFORE INSERT ON audit WHEN new.action IN ('delete', 'export')
		BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END`); err != nil {
		t.Fatal(err)
	}
	if err := x.DeleteKey(ctx, k.ID, k.Version); err == nil {
		t.Fatal("delete succeeded without its audit row")
	}
	if _, err := x.Key(ctx, k.ID); err != nil {
		t.Fatalf("the key was deleted although its audit row failed: %v", err)
	}
	if sec, err := x.ExportKey(ctx, k.ID); err == nil || sec != "" {
		t.Fatal("a key left the store without its audit row")
	}
}

func TestAuditAppendOnly(t *testing.T) {
	s := openTestStore(t)
	mustKey(t, s.as(admin), keyInput("web-01"))
	db := rawDB(t, s)
	for _, q := range []string{"UPDATE audit SET actor = 'mallory'", "DELETE FROM audit"} {
		if _, err := db.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", q, err)
		}
	}
}

func TestContextPassesThrough(t *testing.T) {
	s := openTestStore(t)
	x := s.as(admin)
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

func TestMapErr(t *testing.T) {
	if mapErr(nil) != nil {
		t.Fatal("nil")
	}
	if err := mapErr(context.DeadlineExceeded); err != context.DeadlineExceeded {
		t.Fatalf("deadline: %v", err)
	}
	plain := errors.New("x")
	if mapErr(plain) != plain {
		t.Fatal("unknown errors pass through")
	}
	s := openTestStore(t)
	db := rawDB(t, s)
	_, err := db.Exec("INSERT INTO key_groups (key_id, group_id) VALUES (12345, 67890)")
	if !errors.Is(mapErr(err), model.ErrInUse) {
		t.Fatalf("foreign key: %v", mapErr(err))
	}
}
