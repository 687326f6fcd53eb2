package sqlite

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"provkeys/model"
	"provkeys/store"
)

// testCA makes a self-signed PEM certificate, a CA or not.
func testCA(t testing.TB, isCA bool) string {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Corp Issuing CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		BasicConstraintsValid: true, IsCA: isCA, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestDefaultCertificates(t *testing.T) {
	s := openTestStore(t)
	certs, err := s.as(viewer).ListCerts(testCtx(t))
	if err != nil || len(certs) != 2 || certs[0].Name != "Client" || certs[1].Name != "Root" {
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
	if !root.IsCA || !client.IsCA || root.PublicKeyAlgorithm != x509.ECDSA {
		t.Fatal("default certificates are not ECDSA CAs")
	}
	if years := root.NotAfter.Sub(root.NotBefore).Hours() / 24 / 365; years < 9.9 {
		t.Fatalf("Root valid %.1f years", years)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	if _, err := client.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Fatalf("Client is not signed by Root: %v", err)
	}
	if certs[0].Issuer != certs[1].Subject || certs[0].Subject == certs[0].Issuer {
		t.Fatalf("subject/issuer: %+v", certs)
	}
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

func TestImportCert(t *testing.T) {
	s := openTestStore(t)
	x := s.as(admin)
	ctx := testCtx(t)
	c, err := x.ImportCert(ctx, "Corp CA", testCA(t, true))
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "CN=Corp Issuing CA" || c.NotAfter.Before(time.Now()) || c.CreatedBy != "alice" {
		t.Fatalf("imported: %+v", c)
	}
	if got, err := x.CertByName(ctx, "corp ca"); err != nil || got.ID != c.ID {
		t.Fatalf("CertByName: %+v %v", got, err)
	}
	if count(t, rawDB(t, s), "SELECT count(*) FROM certs WHERE id = ? AND private_key IS NULL", c.ID) != 1 {
		t.Fatal("an imported certificate has no private key")
	}
	if auditRows(t, s, model.ObjectCert, model.ActionImport, c.ID) != 1 {
		t.Fatal("import not audited")
	}
	for name, tc := range map[string]struct{ pem, want string }{
		"leaf":     {testCA(t, false), "not a CA"},
		"garbage":  {"hello", "no PEM block"},
		"key":      {"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "not a CERTIFICATE"},
		"two":      {testCA(t, true) + testCA(t, true), "more than one"},
		"bad der":  {"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "not a valid X.509"},
		"too long": {strings.Repeat("A", store.MaxPEM+1), "longer than"},
	} {
		_, err := x.ImportCert(ctx, "New "+strings.ReplaceAll(name, " ", ""), tc.pem)
		var ve *model.ValidationError
		if !errors.As(err, &ve) || !strings.Contains(ve.Msg, tc.want) {
			t.Errorf("%s: %v, want a ValidationError saying %q", name, err, tc.want)
		}
	}
}

func TestDeleteCert(t *testing.T) {
	s := openTestStore(t)
	x := s.as(admin)
	ctx := testCtx(t)
	mustKey(t, x, keyInput("web-01"))
	mustKey(t, x, keyInput("web-02"))
	client, _ := x.CertByName(ctx, "Client")
	if client.KeyCount != 2 {
		t.Fatalf("Client KeyCount = %d", client.KeyCount)
	}
	err := x.DeleteCert(ctx, client.ID)
	var iu *model.InUseError
	if !errors.As(err, &iu) || !errors.Is(err, model.ErrInUse) || strings.Join(iu.Users, ",") != "web-01,web-02" {
		t.Fatalf("delete a used cert: %v", err)
	}
	c, _ := x.ImportCert(ctx, "Spare", testCA(t, true))
	if err := x.DeleteCert(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := x.CertByName(ctx, "Spare"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("deleted cert: %v", err)
	}
	if err := x.DeleteCert(ctx, c.ID); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
}
