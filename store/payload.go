package store

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"provkeys/keyformat"
	"provkeys/model"
)

// PayloadHash is the SHA-256 of secret's decoded payload: what makes two keys the same
// secret whatever their spelling ("3|HOST|P", "03|host|P" and "3|other.host|P" all carry P).
// Every engine keeps it in a unique column, so one secret is stored under one name only,
// and VerifyKey finds a key by it. Like the fingerprint, it outlives erased material.
// Errors: *model.ValidationError when secret does not parse.
func PayloadHash(secret string) ([]byte, error) {
	p, err := keyformat.Parse(secret)
	if err != nil {
		return nil, &model.ValidationError{Field: model.FieldKey, Msg: err.Error()}
	}
	// Parse accepts only canonical standard base64, so this cannot fail.
	b, err := base64.StdEncoding.DecodeString(p.Payload)
	if err != nil {
		return nil, &model.ValidationError{Field: model.FieldKey, Msg: err.Error()}
	}
	sum := sha256.Sum256(b)
	return sum[:], nil
}

// HeldBy is the ErrDuplicate for a secret already stored as key holder: it names the key
// that holds it, not the name the caller asked for.
func HeldBy(holder string) error {
	return fmt.Errorf("this key is already stored as key %q (same payload): %w", holder, model.ErrDuplicate)
}

// SealedPayloadHash is PayloadHash of key id's sealed material, for the migration that fills
// the column in stores made before it; an error names the key, never its material.
func (s *Sealer) SealedPayloadHash(id int64, material []byte) ([]byte, error) {
	plain, err := s.Unseal("key", id, material)
	if err != nil {
		return nil, fmt.Errorf("key %d: %w", id, err)
	}
	h, err := PayloadHash(string(plain))
	if err != nil {
		return nil, fmt.Errorf("key %d: %w", id, err)
	}
	return h, nil
}
