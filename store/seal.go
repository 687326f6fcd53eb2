package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// dataKeyLen is the AES-256 key size.
const dataKeyLen = 32

// ErrSealed marks key material that cannot be opened: a wrong data key, a ciphertext moved
// to another row, or a damaged byte. AES-GCM tells none of these apart, on purpose.
var ErrSealed = errors.New("stored key material cannot be decrypted")

// Sealer seals key material at rest with AES-256-GCM under the data key, binding each
// ciphertext to its table and row (the AAD), so one copied to another row does not open.
// Every engine seals the same way, so a store's material moves between engines as is.
type Sealer struct {
	aead cipher.AEAD
	id   string
	path string
}

// LoadDataKey reads the data key at path, creating it when create is set (a brand-new store)
// and the file does not exist. An existing store never gets a fresh key: that would seal new
// secrets under a key the old ones do not open with.
func LoadDataKey(path string, create bool) (*Sealer, error) {
	key, err := readDataKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		if !create {
			return nil, fmt.Errorf("the data key %s is missing: this store's key material is sealed with it; restore that file, or set PROVKEYS_DATA_KEY to where it is", path)
		}
		key, err = createDataKey(path)
	}
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("data key %s: %w", path, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("data key %s: %w", path, err)
	}
	return &Sealer{aead: aead, id: dataKeyID(key), path: path}, nil
}

// ID names the data key without revealing it; a store records it at creation and checks it
// at every open, so a wrong key is refused before anything is sealed with it.
func (s *Sealer) ID() string { return s.id }

// Path is the data key's file.
func (s *Sealer) Path() string { return s.path }

// WrongKey is the refusal when the loaded key is not the one a store records (ID).
func (s *Sealer) WrongKey() error {
	return fmt.Errorf("the data key %s is not the one this store's key material was sealed with; set PROVKEYS_DATA_KEY to the right file", s.path)
}

// CheckRecorded compares the data key id a store records (meta data_key_id) with the loaded
// key's: recorded is false when the store records none, so it was not made by provkeys;
// where names the store in that refusal.
func (s *Sealer) CheckRecorded(where, id string, recorded bool) error {
	switch {
	case !recorded:
		return fmt.Errorf("open store %s: it records no data key; it was not made by provkeys", where)
	case id != s.ID():
		return s.WrongKey()
	}
	return nil
}

// readDataKey reads a key file: 32 bytes in standard base64 and a newline. The contents never
// appear in an error.
func readDataKey(path string) ([]byte, error) {
	if err := CheckFile(path, "data key"); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("read data key %s: %w", path, err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != dataKeyLen {
		return nil, fmt.Errorf("the data key %s is not a provkeys data key (want %d bytes in base64)", path, dataKeyLen)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		_ = os.Chmod(path, 0o600) // a secret: tighten a loose mode when we own it
	}
	return key, nil
}

// createDataKey writes a new random key. It goes to a temporary file made with O_EXCL (mode
// 0600, never through a symlink) and is hard-linked into place, which fails if the name exists:
// two processes creating a store at once end up sharing whichever key was linked first.
func createDataKey(path string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data key %s: %w", path, err)
	}
	key := make([]byte, dataKeyLen)
	rand.Read(key)
	var suffix [8]byte
	rand.Read(suffix[:])
	tmp := path + ".tmp-" + hex.EncodeToString(suffix[:])
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create data key %s: %w", path, err)
	}
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("create data key %s: %w", path, err)
	}
	lerr := os.Link(tmp, path)
	os.Remove(tmp)
	if errors.Is(lerr, fs.ErrExist) {
		return readDataKey(path)
	}
	if lerr != nil {
		return nil, fmt.Errorf("create data key %s: %w", path, lerr)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync() // make the new name durable before secrets depend on it
		d.Close()
	}
	return key, nil
}

// dataKeyID names a data key without revealing it, so a store can tell the right key from a
// wrong one before sealing anything.
func dataKeyID(key []byte) string {
	h := sha256.New()
	h.Write([]byte("provkeys data key id v1\x00"))
	h.Write(key)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// aad binds a ciphertext to its table and row, so one moved elsewhere fails to open.
func aad(table string, id int64) []byte {
	return strconv.AppendInt([]byte("provkeys/"+table+"/"), id, 10)
}

// Seal encrypts plain for row id of table: nonce || AES-256-GCM ciphertext.
func (s *Sealer) Seal(table string, id int64, plain []byte) []byte {
	ns := s.aead.NonceSize()
	out := make([]byte, ns, ns+len(plain)+s.aead.Overhead())
	rand.Read(out)
	return s.aead.Seal(out, out, plain, aad(table, id))
}

// Unseal opens what Seal made for the same table and row; anything else is ErrSealed.
func (s *Sealer) Unseal(table string, id int64, sealed []byte) ([]byte, error) {
	ns := s.aead.NonceSize()
	if len(sealed) < ns+s.aead.Overhead() {
		return nil, ErrSealed
	}
	plain, err := s.aead.Open(nil, sealed[:ns], sealed[ns:], aad(table, id))
	if err != nil {
		return nil, ErrSealed
	}
	return plain, nil
}
