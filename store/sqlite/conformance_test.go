package sqlite

import (
	"errors"
	"strings"
	"testing"
	"time"

	"provkeys/model"
	"provkeys/store"
	"provkeys/store/storetest"
)

// TestConformance runs the behaviour every engine must show.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTestStore(t) })
}

var _ store.Store = (*Store)(nil)

// TestRowsAtRest checks in the file what the behaviour suite can only see through the API:
// erased material is gone from its row, links go with their key, an imported certificate has
// no private key, and name_key folds what ValidateName would never let through.
func TestRowsAtRest(t *testing.T) {
	s := openTestStore(t)
	x := s.as(admin)
	ctx := testCtx(t)
	db := rawDB(t, s)
	k, _ := mustKey(t, x, keyInput("web-01"))
	in := k.Input()
	in.Exportable = false
	if _, err := x.UpdateKey(ctx, k.ID, k.Version, in); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "SELECT count(*) FROM keys k WHERE k.id = ? AND NOT EXISTS (SELECT 1 FROM key_material m WHERE m.key_id = k.id)", k.ID); n != 1 {
		t.Fatal("material still stored after View/Export was turned off")
	}
	in2 := keyInput("never")
	in2.Exportable = false
	k2, _ := mustKey(t, x, in2)
	if count(t, db, "SELECT count(*) FROM keys k WHERE k.id = ? AND NOT EXISTS (SELECT 1 FROM key_material m WHERE m.key_id = k.id)", k2.ID) != 1 {
		t.Fatal("a key created without View/Export stored material")
	}
	if err := x.DeleteKey(ctx, k2.ID, k2.Version); err != nil {
		t.Fatal(err)
	}
	if count(t, db, "SELECT count(*) FROM key_groups WHERE key_id = ?", k2.ID) != 0 {
		t.Fatal("group links outlived the key")
	}
	c, err := x.ImportCert(ctx, "Corp CA", storetest.TestCA(t, true))
	if err != nil {
		t.Fatal(err)
	}
	if count(t, db, "SELECT count(*) FROM certs WHERE id = ? AND private_key IS NULL", c.ID) != 1 {
		t.Fatal("an imported certificate has a private key")
	}
	// Names are ASCII (model.ValidateName), but if one ever is not (another tool, a later
	// rule), name_key still folds it.
	for i, name := range []string{"Äpfel", "äpfel"} {
		_, err := db.Exec(`INSERT INTO groups (name, name_key, enabled, created_at, created_by, updated_at, updated_by)
			VALUES (?, ?, 1, 0, 't', 0, 't')`, name, strings.ToLower(name))
		if i == 1 && !errors.Is(mapErr(err), model.ErrDuplicate) {
			t.Fatalf("Ä vs ä at the constraint: %v", err)
		}
	}
}

// TestDataVersionOtherConnection: DataVersion notices a commit made through another handle
// on the file, as another process would make it.
func TestDataVersionOtherConnection(t *testing.T) {
	s := openTestStore(t)
	x := s.as(viewer)
	ctx := testCtx(t)
	v1, err := x.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
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

// TestKeyActivityDayEdges: the per-day counts cut at UTC midnight, on enrollment times
// written into the file.
func TestKeyActivityDayEdges(t *testing.T) {
	s := openTestStore(t)
	db := rawDB(t, s)
	storetest.KeyActivityDayEdges(t, s, func(id int64, at time.Time) error {
		_, err := db.Exec("UPDATE machines SET enrolled_at = ? WHERE id = ?", at.UnixMicro(), id)
		return err
	})
}
