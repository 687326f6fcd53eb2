package postgres

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"provkeys/keyformat"
	"provkeys/model"
	"provkeys/store/postgres/pgtest"
)

// TestMigration3MovesKeyMaterial: a database as schema 2 left it (material inline in keys)
// opens with every step; each key's material is then in key_material under the same id and
// still opens, the keys row has no material column, and turning View/Export off erases it.
func TestMigration3MovesKeyMaterial(t *testing.T) {
	url := pgtest.DB(t)
	keyPath := filepath.Join(t.TempDir(), "data.key")
	schemaLimit = 2
	old := openAt(t, url, keyPath)
	schemaLimit = 0
	ctx := testCtx(t)
	mustGroup(t, old.as(admin), "Servers")
	secrets := map[int64]string{}
	for i, exportable := range []bool{true, false, true} {
		secret, err := keyformat.Generate("example.org")
		if err != nil {
			t.Fatal(err)
		}
		id := int64(100 + i)
		var material []byte
		if exportable {
			material = old.sealer.Seal("key", id, []byte(secret))
			secrets[id] = secret
		}
		_, err = old.pool.Exec(ctx, `INSERT INTO keys (id, name, cert_id, enabled, allow_reenroll,
			exportable, cloud, fingerprint, material, created_at, created_by, updated_at, updated_by)
			VALUES ($1, $2, (SELECT id FROM certs WHERE name = 'Client'), true, false, $3, 'example.org',
			$4, $5, now(), 'alice', now(), 'alice')`,
			id, "old-"+string(rune('a'+i)), exportable, keyformat.Fingerprint(secret), material)
		if err != nil {
			t.Fatalf("insert a schema-2 key: %v", err)
		}
		if _, err := old.pool.Exec(ctx, `INSERT INTO key_groups (key_id, group_id)
			SELECT $1, id FROM groups WHERE name = 'Servers'`, id); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()

	s := openAt(t, url, keyPath)
	var v int
	if err := s.pool.QueryRow(ctx, "SELECT max(version) FROM schema_migrations").Scan(&v); err != nil || v != SchemaVersion() {
		t.Fatalf("schema version %d (%v), want %d", v, err, SchemaVersion())
	}
	var inline int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'keys' AND column_name = 'material'`).Scan(&inline); err != nil || inline != 0 {
		t.Fatalf("keys still has a material column (%d, %v)", inline, err)
	}
	var rows int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM key_material").Scan(&rows); err != nil || rows != len(secrets) {
		t.Fatalf("key_material has %d rows (%v), want %d", rows, err, len(secrets))
	}
	x := s.as(admin)
	for id, want := range secrets {
		got, err := x.RevealKey(ctx, id)
		if err != nil || got != want {
			t.Fatalf("RevealKey(%d) after the migration: %v (same secret: %v)", id, err, got == want)
		}
	}
	if _, err := x.RevealKey(ctx, 101); !errors.Is(err, model.ErrNotExportable) {
		t.Fatalf("RevealKey of the key without material: %v, want ErrNotExportable", err)
	}
	// A row for a key that is not exportable is refused, and View/Export off erases the row.
	if _, err := s.pool.Exec(ctx, "INSERT INTO key_material (key_id, material) VALUES (101, '\\x00')"); err == nil {
		t.Fatal("key_material took a row for a key that is not exportable")
	}
	k, err := x.Key(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	in := k.Input()
	in.Exportable = false
	if _, err := x.UpdateKey(ctx, k.ID, k.Version, in); err != nil {
		t.Fatalf("View/Export off: %v", err)
	}
	var m []byte
	if err := s.pool.QueryRow(ctx, "SELECT material FROM key_material WHERE key_id = 100").Scan(&m); !errors.Is(err, pgx.ErrNoRows) {
		t.Fatalf("material of key 100 after View/Export off: %v, want no row", err)
	}
}
