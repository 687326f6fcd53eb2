package sqlite

import (
	"bytes"
	"os"
	"testing"
)

// TestEraseLeavesNoCiphertext: after View/Export is turned off and Scrub says the material is
// gone, neither the database file nor its WAL holds the old ciphertext.
func TestEraseLeavesNoCiphertext(t *testing.T) {
	s := openTestStore(t)
	x := s.as(admin)
	ctx := testCtx(t)
	k, _ := mustKey(t, x, keyInput("web-01"))
	var sealed []byte
	if err := rawDB(t, s).QueryRow("SELECT material FROM key_material WHERE key_id = ?", k.ID).Scan(&sealed); err != nil || len(sealed) < 64 {
		t.Fatalf("material: %v (%d bytes)", err, len(sealed))
	}
	// Fill the WAL past a checkpoint so the ciphertext sits in the database file too.
	if _, err := s.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		mustKey(t, x, keyInput("other-"+string(rune('a'+i))))
	}
	in := k.Input()
	in.Exportable = false
	if _, err := x.UpdateKey(ctx, k.ID, k.Version, in); err != nil {
		t.Fatal(err)
	}
	if err := x.Scrub(ctx); err != nil {
		t.Fatalf("Scrub with no other reader: %v", err)
	}
	probe := sealed[len(sealed)-32:] // the GCM tag and the end of the ciphertext
	for _, p := range []string{s.Path(), s.Path() + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, probe) {
			t.Errorf("%s still holds the erased key's ciphertext", p)
		}
	}
}
