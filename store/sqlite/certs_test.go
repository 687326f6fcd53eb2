package sqlite

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"testing"

	"provkeys/model"
)

// TestDefaultCertificatesSealed: the default CAs' private keys are sealed to their rows and
// open to the matching public keys (storetest checks the certificates themselves).
func TestDefaultCertificatesSealed(t *testing.T) {
	s := openTestStore(t)
	certs, err := s.as(viewer).ListCerts(testCtx(t))
	if err != nil || len(certs) != 2 {
		t.Fatalf("certs: %+v %v", certs, err)
	}
	parse := func(c model.Cert) *x509.Certificate {
		b, _ := pem.Decode([]byte(c.PEM))
		x, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	client, root := parse(certs[0]), parse(certs[1])
	// The private keys are sealed to their rows and open to the matching public keys.
	db := rawDB(t, s)
	for _, c := range []struct {
		id   int64
		cert *x509.Certificate
	}{{certs[0].ID, client}, {certs[1].ID, root}} {
		var sealed []byte
		if err := db.QueryRow("SELECT private_key FROM certs WHERE id = ?", c.id).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		der, err := s.sealer.Unseal("cert", c.id, sealed)
		if err != nil {
			t.Fatal(err)
		}
		k, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil || !k.(*ecdsa.PrivateKey).PublicKey.Equal(c.cert.PublicKey) {
			t.Fatalf("private key of %s does not match: %v", c.cert.Subject, err)
		}
		if _, err := s.sealer.Unseal("key", c.id, sealed); err == nil {
			t.Fatal("a certificate's key opened as a provisioning key's")
		}
	}
}
