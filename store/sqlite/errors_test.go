package sqlite

import (
	"context"
	"errors"
	"strings"
	"testing"

	"provkeys/model"
)

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
