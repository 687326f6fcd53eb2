package sqlite

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/pem"
	"math/big"
	"time"

	"provkeys/model"
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
	rootKey, root, err := newCA(w.now, "provkeys Root CA", nil, nil)
	if err != nil {
		return err
	}
	clientKey, client, err := newCA(w.now, "provkeys Client CA", root, rootKey)
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

// newCA makes an ECDSA P-256 CA certificate valid for ten years, self-signed when parent is
// nil. A child CA may not sign further CAs (path length zero).
func newCA(now time.Time, cn string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*ecdsa.PrivateKey, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, nil, err
	}
	ski := sha256.Sum256(pub)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"provkeys"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		SubjectKeyId:          ski[:20],
	}
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent, parentKey
		tmpl.MaxPathLenZero = true
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		return nil, nil, err
	}
	c, err := x509.ParseCertificate(der)
	return key, c, err
}
