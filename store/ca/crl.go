package ca

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"math/big"
	"time"
)

// CRLValidity is how long a revocation list is valid; clients fetch a new one before then.
const CRLValidity = 24 * time.Hour

// Revoked is one serial on a revocation list.
type Revoked struct {
	Serial string // SerialHex form
	At     time.Time
}

// CRL builds issuer's revocation list of revoked, signed with key. number must grow with each
// list an issuer publishes; the time in microseconds does.
func CRL(issuer *x509.Certificate, key crypto.Signer, revoked []Revoked, now time.Time) ([]byte, error) {
	entries := make([]x509.RevocationListEntry, 0, len(revoked))
	for _, r := range revoked {
		n, err := ParseSerial(r.Serial)
		if err != nil {
			return nil, err
		}
		entries = append(entries, x509.RevocationListEntry{SerialNumber: n, RevocationTime: r.At.UTC()})
	}
	tmpl := &x509.RevocationList{
		RevokedCertificateEntries: entries,
		Number:                    big.NewInt(now.UnixMicro()),
		ThisUpdate:                now.UTC(),
		NextUpdate:                now.UTC().Add(CRLValidity),
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, issuer, key)
	if err != nil {
		return nil, fmt.Errorf("sign the revocation list: %w", err)
	}
	return der, nil
}
