package sqlite

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"provkeys/internal/testcert"
	"provkeys/keyformat"
	"provkeys/model"
)

// TestMigrateKeyMaterial makes a store at schema 2 (material inside the keys row), fills it by
// hand as that schema's code did, and opens it with this build: migration 3 must move every
// ciphertext to key_material under the same id, keep the links, the refusal counters and the
// id counter, and leave foreign keys and the exportable rule working.
func TestMigrateKeyMaterial(t *testing.T) {
	path := filepath.Join(t.TempDir(), "provkeys.db")
	old, exec := openAtSchema(t, path, 2)
	exec(`INSERT INTO groups (id, name, name_key, enabled, created_at, created_by, updated_at, updated_by)
		VALUES (1, 'G1', 'g1', 1, 0, 'a', 0, 'a'), (2, 'G2', 'g2', 1, 0, 'a', 0, 'a')`)
	secrets := map[int64]string{}
	for id := int64(1); id <= 4; id++ {
		secret, err := keyformat.Generate("cloud.example")
		if err != nil {
			t.Fatal(err)
		}
		secrets[id] = secret
		exportable := id != 2
		var material []byte
		if exportable {
			material = old.sealer.Seal("key", id, []byte(secret))
		}
		exec(`INSERT INTO keys (id, name, name_key, cert_id, enabled, allow_reenroll, exportable, cloud,
			fingerprint, material, description, created_at, created_by, updated_at, updated_by)
			VALUES (?, ?, ?, 1, 1, 0, ?, 'cloud.example', ?, ?, 'd', 0, 'a', 0, 'a')`,
			id, "k"+string(rune('0'+id)), "k"+string(rune('0'+id)), exportable, keyformat.Fingerprint(secret), material)
		exec("INSERT INTO key_groups (key_id, group_id) VALUES (?, 1)", id)
	}
	exec("INSERT INTO key_groups (key_id, group_id) VALUES (3, 2)")
	exec("INSERT INTO key_refusals (key_id, count, last_at, last_reason) VALUES (3, 7, 0, 'disabled')")
	exec("DELETE FROM keys WHERE id = 4") // the counter stays at 4: id 4 must never come back
	delete(secrets, 4)
	old.Close()

	s, err := openAt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	raw := rawDB(t, s)
	if n := count(t, raw, "PRAGMA user_version"); n != SchemaVersion() {
		t.Fatalf("user_version %d after migration", n)
	}
	ctx, x := testCtx(t), s.as(admin)
	for id, secret := range secrets {
		got, err := x.RevealKey(ctx, id)
		if id == 2 {
			if !errors.Is(err, model.ErrNotExportable) {
				t.Fatalf("key 2 (not exportable): %v", err)
			}
			continue
		}
		if err != nil || got != secret {
			t.Fatalf("key %d after migration: %v (same secret: %v)", id, err, got == secret)
		}
	}
	if n := count(t, raw, "SELECT count(*) FROM key_material"); n != 2 {
		t.Fatalf("%d material rows, want 2", n)
	}
	if n := count(t, raw, "SELECT count(*) FROM key_groups"); n != 4 {
		t.Fatalf("%d links after migration, want 4", n)
	}
	if n := count(t, raw, "SELECT count FROM key_refusals WHERE key_id = 3"); n != 7 {
		t.Fatalf("refusal counter %d after migration", n)
	}
	k, _ := mustKey(t, x, keyInput("new"))
	if k.ID != 5 {
		t.Fatalf("a new key got id %d: the id counter was not kept (want 5)", k.ID)
	}
	// Foreign keys are back on: deleting a key takes its links and material with it.
	k3, err := x.Key(ctx, 3)
	if err != nil || len(k3.Groups) != 2 {
		t.Fatalf("key 3 after migration: %v %+v", err, k3.Groups)
	}
	if err := x.DeleteKey(ctx, 3, k3.Version); err != nil {
		t.Fatal(err)
	}
	if n := count(t, raw, "SELECT count(*) FROM key_groups WHERE key_id = 3") + count(t, raw, "SELECT count(*) FROM key_material WHERE key_id = 3"); n != 0 {
		t.Fatalf("%d links or material rows of a deleted key remain", n)
	}
}

// TestKeyMaterialRules holds the rule the keys table's CHECK used to: material only for an
// exportable key, erased when View/Export goes off, even for a write that bypasses the store.
func TestKeyMaterialRules(t *testing.T) {
	s := openTestStore(t)
	x := s.as(admin)
	mustGroup(t, x, "G1")
	k, _ := mustKey(t, x, keyInput("web-01"))
	raw := rawDB(t, s)
	if n := count(t, raw, "SELECT count(*) FROM key_material WHERE key_id = ?", k.ID); n != 1 {
		t.Fatalf("%d material rows for a new exportable key", n)
	}
	if _, err := raw.Exec("UPDATE keys SET exportable = 0 WHERE id = ?", k.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(t, raw, "SELECT count(*) FROM key_material WHERE key_id = ?", k.ID); n != 0 {
		t.Fatal("material kept after exportable went to 0")
	}
	if _, err := raw.Exec("INSERT INTO key_material (key_id, material) VALUES (?, x'00')", k.ID); err == nil {
		t.Fatal("material stored for a key that is not exportable")
	}
}

// TestMigrateKeyLastMachine runs migration 5's backfill on a store whose keys forgot their
// machines: each key gets the name of its newest machine (a re-enrollment included), keys
// without machines keep "".
func TestMigrateKeyLastMachine(t *testing.T) {
	s := openTestStore(t)
	x := s.as(admin)
	ctx := testCtx(t)
	in := keyInput("fleet")
	in.AllowReenroll = true
	k, secret := mustKey(t, x, in)
	unused, _ := mustKey(t, x, keyInput("unused"))
	for _, m := range []string{"web-01", "web-02", "web-01"} {
		csr := testcert.CSR(t, "")
		if _, err := s.Enroll(ctx, model.EnrollRequest{Key: secret, Machine: m, CSR: csr, Remote: "192.0.2.1:1"}, 0); err != nil {
			t.Fatal(err)
		}
	}
	raw := rawDB(t, s)
	if _, err := raw.Exec("UPDATE keys SET last_machine = ''"); err != nil {
		t.Fatal(err)
	}
	script, err := migrationFS.ReadFile("migrations/0005_key_last_machine.sql")
	if err != nil {
		t.Fatal(err)
	}
	_, backfill, _ := strings.Cut(string(script), ";") // the ALTER TABLE already ran
	if _, err := raw.Exec(backfill); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int64]string{k.ID: "web-01", unused.ID: ""} {
		var got string
		if err := raw.QueryRow("SELECT last_machine FROM keys WHERE id = ?", id).Scan(&got); err != nil || got != want {
			t.Fatalf("key %d: last machine %q (%v), want %q", id, got, err, want)
		}
	}
}

// openAtSchema makes a store at path migrated only up to schema, as an older build left it,
// with exec to fill it by hand the way that build's code did; the caller closes it.
func openAtSchema(t *testing.T, path string, schema int) (*Store, func(q string, args ...any)) {
	t.Helper()
	schemaLimit = schema
	old, err := openAt(path)
	schemaLimit = 0
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	return old, func(q string, args ...any) {
		t.Helper()
		if _, err := old.db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
