package sqlite

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"provkeys/keyformat"
	"provkeys/model"
)

// TestMigratePayloadHash makes a store at schema 5, filled as that schema's code let it be:
// one secret under two spellings ("3|…|P" as a, "03|…|P" as b) and a key whose material was
// erased (c). Migration 6 must give a (the oldest) the payload hash and leave b and c without
// one, so the store opens; afterwards a's secret under any spelling is refused naming a and
// verifies as a, and c still verifies by its fingerprint.
func TestMigratePayloadHash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "provkeys.db")
	old, exec := openAtSchema(t, path, 5)
	exec(`INSERT INTO groups (id, name, name_key, enabled, created_at, created_by, updated_at, updated_by)
		VALUES (1, 'Servers', 'servers', 1, 0, 'a', 0, 'a')`)
	sa, _ := keyformat.Generate("cloud.example")
	sc, _ := keyformat.Generate("cloud.example")
	for _, k := range []struct {
		id     int64
		name   string
		secret string
		export bool
	}{{1, "a", sa, true}, {2, "b", "0" + sa, true}, {3, "c", sc, false}} {
		exec(`INSERT INTO keys (id, name, name_key, cert_id, enabled, allow_reenroll, exportable, cloud,
			fingerprint, description, created_at, created_by, updated_at, updated_by)
			VALUES (?, ?, ?, 1, 1, 0, ?, 'cloud.example', ?, '', 0, 'a', 0, 'a')`,
			k.id, k.name, k.name, k.export, keyformat.Fingerprint(k.secret))
		if k.export {
			exec("INSERT INTO key_material (key_id, material) VALUES (?, ?)", k.id, old.sealer.Seal("key", k.id, []byte(k.secret)))
		}
		exec("INSERT INTO key_groups (key_id, group_id) VALUES (?, 1)", k.id)
	}
	old.Close()

	s, err := openAt(path)
	if err != nil {
		t.Fatalf("open after migration 6: %v", err)
	}
	defer s.Close()
	raw := rawDB(t, s)
	if n := count(t, raw, "SELECT count(*) FROM keys WHERE payload_hash IS NOT NULL"); n != 1 {
		t.Fatalf("%d keys with a payload hash, want 1 (a)", n)
	}
	if n := count(t, raw, "SELECT id FROM keys WHERE payload_hash IS NOT NULL"); n != 1 {
		t.Fatalf("key %d holds the hash, want the oldest (1)", n)
	}
	ctx, x := testCtx(t), s.as(admin)
	in := keyInput("d")
	in.Secret = "3|CLOUD.EXAMPLE|" + sa[strings.LastIndexByte(sa, '|')+1:]
	if _, _, err := x.CreateKey(ctx, in); !errors.Is(err, model.ErrDuplicate) || !strings.Contains(err.Error(), `"a"`) {
		t.Fatalf("a's secret after the migration: %v; want ErrDuplicate naming a", err)
	}
	for spelling, want := range map[string]string{in.Secret: "a", "0" + sa: "a", sc: "c"} {
		if k, err := x.VerifyKey(ctx, spelling); err != nil || k.Name != want {
			t.Errorf("VerifyKey = %q, %v; want %s", k.Name, err, want)
		}
	}
}
