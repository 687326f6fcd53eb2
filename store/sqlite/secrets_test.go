package sqlite

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"provkeys/keyformat"
	"provkeys/model"
	"provkeys/store"
	"provkeys/store/demo"
)

// TestNoSecretAtRest exercises every path a key takes and then scans the raw database file
// and its WAL for the payload and for any 24-character piece of it.
func TestNoSecretAtRest(t *testing.T) {
	s := openTestStore(t)
	x := s.as(admin)
	ctx := testCtx(t)
	var secrets []string
	k1, sec1 := mustKey(t, x, keyInput("plain"))
	secrets = append(secrets, sec1)
	given, _ := keyformat.Generate("")
	in := keyInput("given")
	in.Secret = given
	k2, _ := mustKey(t, x, in)
	secrets = append(secrets, given)
	imp, _ := keyformat.Generate("api-f4.prod.zpath.net")
	in = keyInput("imported")
	in.Secret = imp
	if _, err := x.ImportKeys(ctx, []model.KeyInput{in}); err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, imp)
	in = keyInput("hidden")
	in.Exportable = false
	_, sec4 := mustKey(t, x, in)
	secrets = append(secrets, sec4)
	for _, id := range []int64{k1.ID, k2.ID} {
		if _, err := x.RevealKey(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := x.ExportKey(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	off := k2.Input()
	off.Exportable = false
	if _, err := x.UpdateKey(ctx, k2.ID, k2.Version, off); err != nil {
		t.Fatal(err)
	}
	if err := demo.Fill(ctx, x, 50, nil); err != nil {
		t.Fatal(err)
	}
	files := []string{s.Path(), s.Path() + "-wal"}
	for _, p := range files {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s: %v", p, err) // the WAL must exist for the scan to mean something
		}
	}
	// Reading the files with the store open is safe only because OFD locks are in use.
	if !ofdInUse() {
		s.Close()
	}
	scanForSecrets(t, files, secrets)
	s.Close()
	scanForSecrets(t, []string{s.Path()}, secrets)
}

func scanForSecrets(t *testing.T, files, secrets []string) {
	t.Helper()
	for _, p := range files {
		raw, err := os.ReadFile(p)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			t.Fatal(err)
		}
		for _, sec := range secrets {
			payload := sec[strings.LastIndexByte(sec, '|')+1:]
			if bytes.Contains(raw, []byte(payload)) {
				t.Fatalf("%s holds a whole key payload", filepath.Base(p))
			}
			for i := 0; i+24 <= len(payload); i++ {
				if bytes.Contains(raw, []byte(payload[i:i+24])) {
					t.Fatalf("%s holds a 24-character piece of a key at offset %d", filepath.Base(p), i)
				}
			}
		}
	}
}

func TestCiphertextBoundToRow(t *testing.T) {
	s := openTestStore(t)
	x := s.as(admin)
	ctx := testCtx(t)
	a, _ := mustKey(t, x, keyInput("alpha"))
	b, _ := mustKey(t, x, keyInput("bravo"))
	db := rawDB(t, s)
	material := func(id int64) []byte {
		var m []byte
		if err := db.QueryRow("SELECT material FROM keys WHERE id = ?", id).Scan(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	setMaterial := func(id int64, m []byte) {
		if _, err := db.Exec("UPDATE keys SET material = ? WHERE id = ?", m, id); err != nil {
			t.Fatal(err)
		}
	}
	ma, mb := material(a.ID), material(b.ID)
	// Swap the two ciphertexts: each is intact but sealed to the other row.
	setMaterial(a.ID, mb)
	setMaterial(b.ID, ma)
	audit := count(t, db, "SELECT count(*) FROM audit")
	sec, err := x.RevealKey(ctx, a.ID)
	if sec != "" || !errors.Is(err, store.ErrSealed) || !strings.Contains(err.Error(), `"alpha"`) {
		t.Fatalf("moved ciphertext: %q, %v", sec, err)
	}
	if _, err := x.ExportKey(ctx, b.ID); !errors.Is(err, store.ErrSealed) {
		t.Fatalf("moved ciphertext: %v", err)
	}
	if count(t, db, "SELECT count(*) FROM audit") != audit {
		t.Fatal("a failed reveal was recorded as done")
	}
	// One flipped byte in the middle of bravo's own ciphertext.
	flipped := append([]byte{}, mb...)
	flipped[len(flipped)/2] ^= 1
	setMaterial(b.ID, flipped)
	if _, err := x.ExportKey(ctx, b.ID); !errors.Is(err, store.ErrSealed) || !strings.Contains(err.Error(), `"bravo"`) {
		t.Fatalf("flipped byte: %v", err)
	}
	setMaterial(b.ID, mb)
	if _, err := x.ExportKey(ctx, b.ID); err != nil {
		t.Fatalf("restored ciphertext: %v", err)
	}
}

func TestDataKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.db")
	keyPath := filepath.Join(dir, "elsewhere", "data.key")
	s, err := Open(Options{Path: path, DataKeyPath: keyPath})
	if err != nil {
		t.Fatal(err)
	}
	k, secret := mustKey(t, s.as(admin), keyInput("web-01"))
	s.Close()
	if _, err := os.Stat(path + ".key"); !os.IsNotExist(err) {
		t.Fatal("a key file was made beside the store although DataKeyPath was given")
	}
	keyBytes := fileBytes(t, keyPath)
	if bytes.Contains(fileBytes(t, path), bytes.TrimSpace(keyBytes)) {
		t.Fatal("the data key is inside the database")
	}

	// Missing: a clear error naming the file, and no new key made.
	_, err = openAt(path)
	if err == nil || !strings.Contains(err.Error(), path+".key") || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("missing data key: %v", err)
	}
	if _, err := os.Stat(path + ".key"); !os.IsNotExist(err) {
		t.Fatal("opening with a missing data key created one")
	}
	// Wrong: another store's key.
	other := filepath.Join(dir, "other.db")
	o, err := openAt(other)
	if err != nil {
		t.Fatal(err)
	}
	o.Close()
	_, err = Open(Options{Path: path, DataKeyPath: other + ".key"})
	if err == nil || !strings.Contains(err.Error(), other+".key") || !strings.Contains(err.Error(), "not the one") {
		t.Fatalf("wrong data key: %v", err)
	}
	// Not a key at all.
	junk := filepath.Join(dir, "junk.key")
	os.WriteFile(junk, []byte("hunter2\n"), 0o600)
	if _, err := Open(Options{Path: path, DataKeyPath: junk}); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("junk data key: %v", err)
	}
	// Right. (Finding it through $PROVKEYS_DATA_KEY is the caller's job: main's tests.)
	s, err = Open(Options{Path: path, DataKeyPath: keyPath})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := s.as(admin).RevealKey(testCtx(t), k.ID); err != nil || got != secret {
		t.Fatalf("reveal with the right key: %v", err)
	}
}

func TestSealRoundTrip(t *testing.T) {
	s := openTestStore(t)
	sealed := s.sealer.Seal("key", 7, []byte("secret"))
	if got, err := s.sealer.Unseal("key", 7, sealed); err != nil || string(got) != "secret" {
		t.Fatalf("round trip: %q %v", got, err)
	}
	for _, bad := range [][]byte{nil, sealed[:10], append([]byte{}, sealed[:len(sealed)-1]...)} {
		if _, err := s.sealer.Unseal("key", 7, bad); !errors.Is(err, store.ErrSealed) {
			t.Fatalf("short ciphertext: %v", err)
		}
	}
	if _, err := s.sealer.Unseal("key", 8, sealed); !errors.Is(err, store.ErrSealed) {
		t.Fatal("opened under another row id")
	}
}
