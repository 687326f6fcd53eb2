package sqlite

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"database/sql"
	"encoding/pem"

	"provkeys/model"
	"provkeys/store"
)

// systemActor signs what the store makes by itself, such as the default certificates.
var systemActor = model.Actor{Name: "provkeys", Role: model.RoleAdmin}

// seedV1 runs inside the first migration: it records which data key seals the store's
// secrets and creates the default CAs, Root and the Client CA it signs.
func seedV1(ctx context.Context, tx *sql.Tx, s *Store) error {
	if _, err := tx.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES ('data_key_id', ?)", s.sealer.ID()); err != nil {
		return err
	}
	w := &writeTx{Tx: tx, ctx: ctx, x: s.as(systemActor), now: now()}
	rootKey, root, err := store.NewCA(w.now, "provkeys Root CA", nil, nil)
	if err != nil {
		return err
	}
	clientKey, client, err := store.NewCA(w.now, "provkeys Client CA", root, rootKey)
	if err != nil {
		return err
	}
	for _, c := range []struct {
		name string
		key  *ecdsa.PrivateKey
		cert *x509.Certificate
	}{{"Root", rootKey, root}, {"Client", clientKey, client}} {
		der, err := x509.MarshalPKCS8PrivateKey(c.key)
		if err != nil {
			return err
		}
		canon := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.cert.Raw}))
		if _, err := w.insertCert(c.name, canon, c.cert, der); err != nil {
			return err
		}
	}
	return nil
}
