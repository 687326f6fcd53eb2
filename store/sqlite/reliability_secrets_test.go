package sqlite

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"provkeys/keyformat"
	"provkeys/model"
	"provkeys/store/demo"
)

// This extends secrets_test.go (TestNoSecretAtRest, TestCiphertextBoundToRow, TestDataKey):
// a finer window (16 characters), more history in the WAL, the certificates' private keys and
// the data key itself, and files copied while the store is open and again after it closed.

// secretWindow is the length of the shortest piece of a secret the scans look for.
const secretWindow = 16

// leakScanner looks for any secretWindow-long piece of any secret in raw bytes. A piece is a
// leak only if it could not have been there by chance, so the pieces are long enough that a
// random match in a few megabytes is vanishingly rare (64^16 possibilities).
type leakScanner struct {
	pieces map[string]string // piece -> which secret it comes from
}

func newLeakScanner() *leakScanner { return &leakScanner{pieces: map[string]string{}} }

// add registers every window of s, labelled what.
func (l *leakScanner) add(what, s string) {
	for i := 0; i+secretWindow <= len(s); i++ {
		l.pieces[s[i:i+secretWindow]] = what
	}
}

// scan returns the first leak found in raw, or "".
func (l *leakScanner) scan(raw []byte) string {
	// Slide over raw once, looking each window up: linear in the file size.
	for i := 0; i+secretWindow <= len(raw); i++ {
		if what, ok := l.pieces[string(raw[i:i+secretWindow])]; ok {
			return fmt.Sprintf("%q of %s at byte %d", raw[i:i+secretWindow], what, i)
		}
	}
	return ""
}

// TestNoSecretFragmentAtRest makes keys every way a key is made (generated, given, imported,
// demo), edits them many times so the WAL holds many versions of every row, turns
// View/Export off on some, releases others, and then scans the database file and its WAL,
// copied while the store is open and read again after it closed, for any 16-character piece
// of any key's payload, of the generated certificates' private keys, or of the data key.
func TestNoSecretFragmentAtRest(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secrets.db")
	s, err := openAt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	x := s.as(admin)
	ctx := testCtx(t)
	scan := newLeakScanner()
	secrets := 0
	addKey := func(name, secret string) {
		scan.add("key "+name, secret[strings.LastIndexByte(secret, '|')+1:])
		secrets++
	}
	var keys []model.Key
	for i := range 12 {
		in := keyInput(fmt.Sprintf("web-%02d", i))
		in.Exportable = i%3 != 0 // some never exportable
		if i%2 == 0 {
			in.Secret, _ = keyformat.Generate("")
		}
		k, sec := mustKey(t, x, in)
		addKey(k.Name, sec)
		keys = append(keys, k)
	}
	var batch []model.KeyInput
	for i := range 5 {
		in := keyInput(fmt.Sprintf("imp-%d", i))
		in.Secret, _ = keyformat.Generate("api-f4.prod.zpath.net")
		addKey(in.Name, in.Secret)
		batch = append(batch, in)
	}
	if _, err := x.ImportKeys(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if err := demo.Fill(ctx, x, 40, nil); err != nil {
		t.Fatal(err)
	}
	all, err := x.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range all {
		if strings.HasPrefix(k.Name, "web-") || strings.HasPrefix(k.Name, "imp-") || !k.Exportable {
			continue
		}
		sec, err := x.ExportKey(ctx, k.ID) // demo keys: their material is only known this way
		if err != nil {
			t.Fatal(err)
		}
		addKey(k.Name, sec)
	}
	// History: many versions of each row in the WAL, releases, and View/Export turned off.
	for round := range 5 {
		for i, k := range keys {
			cur, err := x.Key(ctx, k.ID)
			if err != nil {
				t.Fatal(err)
			}
			in := cur.Input()
			in.Description = fmt.Sprintf("round %d", round)
			if round == 3 && i%3 == 1 {
				in.Exportable = false
			}
			if _, err := x.UpdateKey(ctx, k.ID, cur.Version, in); err != nil {
				t.Fatal(err)
			}
			if cur.Exportable && round < 3 {
				if _, err := x.RevealKey(ctx, k.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	// The generated CAs' private keys, read the way only the store can.
	db := rawDB(t, s)
	rows, err := db.Query("SELECT id, name, private_key FROM certs WHERE private_key IS NOT NULL")
	if err != nil {
		t.Fatal(err)
	}
	certKeys := 0
	for rows.Next() {
		var id int64
		var name string
		var sealed []byte
		if err := rows.Scan(&id, &name, &sealed); err != nil {
			t.Fatal(err)
		}
		der, err := s.sealer.Unseal("cert", id, sealed)
		if err != nil {
			t.Fatalf("certificate %s: %v", name, err)
		}
		// PKCS#8 holds the public key too, which the certificate rightly shows: look for the
		// private scalar only, raw and as the base64 characters that encode nothing else.
		priv, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			t.Fatal(err)
		}
		d := priv.(*ecdsa.PrivateKey).D.FillBytes(make([]byte, 32))
		at := bytes.Index(der, d)
		if at < 0 {
			t.Fatal("the private scalar is not in the PKCS#8 bytes")
		}
		b64 := base64.StdEncoding.EncodeToString(der)
		scan.add("private key of "+name+" (base64)", b64[(at+2)/3*4:(at+32)/3*4])
		scan.add("private key of "+name+" (raw)", string(d))
		certKeys++
	}
	rows.Close()
	if certKeys != 2 {
		t.Fatalf("%d generated certificates with private keys, want Root and Client", certKeys)
	}
	dataKey := bytes.TrimSpace(fileBytes(t, path+".key"))
	scan.add("the data key (base64)", string(dataKey))
	raw, _ := base64.StdEncoding.DecodeString(string(dataKey))
	scan.add("the data key (raw)", string(raw))

	files := []string{path, path + "-wal"}
	if fi, err := os.Stat(path + "-wal"); err != nil || fi.Size() < 64<<10 {
		t.Fatalf("the WAL should hold the history for the scan to mean something: %v", err)
	}
	check := func(when string, names []string) {
		t.Helper()
		for _, p := range names {
			b, err := os.ReadFile(p)
			if os.IsNotExist(err) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if leak := scan.scan(b); leak != "" {
				t.Fatalf("%s, %s holds %s", when, filepath.Base(p), leak)
			}
		}
	}
	// Copies taken while open: reading another descriptor of the file is safe with OFD
	// locks only (REFERENCE.md); without them, skip straight to the closed store.
	if ofdInUse() {
		snap := t.TempDir()
		var copies []string
		for _, p := range files {
			c := filepath.Join(snap, filepath.Base(p))
			copyFile(t, p, c)
			copies = append(copies, c)
		}
		check("while open", copies)
	}
	s.Close()
	check("after close", []string{path, path + "-wal", path + "-shm"})
	// Scanning does find a piece when there is one: plant one and look.
	planted := append(fileBytes(t, path), []byte(batch[0].Secret[40:40+secretWindow])...)
	if scan.scan(planted) == "" {
		t.Fatal("the scanner misses a planted piece of a key")
	}
	t.Logf("%d key payloads, %d CA private keys and the data key: %d distinct 16-character pieces, none found",
		secrets, certKeys, len(scan.pieces))
}
