package postgres

import (
	"errors"
	"strings"
	"testing"

	"provkeys/keyformat"
	"provkeys/model"
)

// TestMigratePayloadHash takes a store back to schema 5 (no payload_hash, migration 6 not
// recorded), fills it as that schema's code let it be: one secret under two spellings (a, then
// b as "03|…") and a key whose material was erased (c). Reopening runs migration 6: a (the
// oldest) gets the hash, b and c none, the store opens, and a's secret under any spelling is
// refused naming a and verifies as a; c still verifies by its fingerprint.
func TestMigratePayloadHash(t *testing.T) {
	ts := openTestStore(t)
	ctx := testCtx(t)
	x := ts.as(admin)
	mustGroup(t, x, "Servers")
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := ts.pool.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec("ALTER TABLE keys DROP COLUMN payload_hash")
	exec("DELETE FROM schema_migrations WHERE version >= 6")
	var groupID, certID int64
	if err := ts.pool.QueryRow(ctx, "SELECT (SELECT id FROM groups WHERE name = 'Servers'), (SELECT id FROM certs WHERE name = 'Client')").Scan(&groupID, &certID); err != nil {
		t.Fatal(err)
	}
	sa, _ := keyformat.Generate("cloud.example")
	sc, _ := keyformat.Generate("cloud.example")
	for _, k := range []struct {
		id     int64
		name   string
		secret string
		export bool
	}{{101, "a", sa, true}, {102, "b", "0" + sa, true}, {103, "c", sc, false}} {
		exec(`INSERT INTO keys (id, name, cert_id, enabled, allow_reenroll, exportable, cloud, fingerprint,
			created_at, created_by, updated_at, updated_by)
			VALUES ($1, $2, $3, true, false, $4, 'cloud.example', $5, now(), 'a', now(), 'a')`,
			k.id, k.name, certID, k.export, keyformat.Fingerprint(k.secret))
		if k.export {
			exec("INSERT INTO key_material (key_id, material) VALUES ($1, $2)", k.id, ts.sealer.Seal("key", k.id, []byte(k.secret)))
		}
		exec("INSERT INTO key_groups (key_id, group_id) VALUES ($1, $2)", k.id, groupID)
	}

	s := openAt(t, ts.url, ts.keyPath)
	var holders []int64
	rows, err := s.pool.Query(ctx, "SELECT id FROM keys WHERE payload_hash IS NOT NULL")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		holders = append(holders, id)
	}
	if rows.Err() != nil || len(holders) != 1 || holders[0] != 101 {
		t.Fatalf("keys with a payload hash: %v, %v; want [101] (a, the oldest)", holders, rows.Err())
	}
	y := s.as(admin)
	in := keyInput("d")
	in.Secret = "3|CLOUD.EXAMPLE|" + sa[strings.LastIndexByte(sa, '|')+1:]
	if _, _, err := y.CreateKey(ctx, in); !errors.Is(err, model.ErrDuplicate) || !strings.Contains(err.Error(), `"a"`) {
		t.Fatalf("a's secret after the migration: %v; want ErrDuplicate naming a", err)
	}
	for spelling, want := range map[string]string{in.Secret: "a", "0" + sa: "a", sc: "c"} {
		if k, err := y.VerifyKey(ctx, spelling); err != nil || k.Name != want {
			t.Errorf("VerifyKey = %q, %v; want %s", k.Name, err, want)
		}
	}
}
