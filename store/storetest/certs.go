package storetest

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"provkeys/internal/testcert"
	"provkeys/model"
	"provkeys/store"
)

// TestCA makes a self-signed PEM certificate, a CA or not, for ImportCert.
func TestCA(t testing.TB, isCA bool) string {
	t.Helper()
	der, _ := testcert.SelfSign(t, &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Corp Issuing CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		BasicConstraintsValid: true, IsCA: isCA, KeyUsage: x509.KeyUsageCertSign})
	return testcert.PEM("CERTIFICATE", der)
}

func testImportCert(t *testing.T, open Opener) {
	s, x, ctx := openAsAdmin(t, open)
	c, err := x.ImportCert(ctx, "Corp CA", TestCA(t, true))
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "CN=Corp Issuing CA" || c.NotAfter.Before(time.Now()) || c.CreatedBy != "alice" {
		t.Fatalf("imported: %+v", c)
	}
	if got, err := x.CertByName(ctx, "corp ca"); err != nil || got.ID != c.ID {
		t.Fatalf("CertByName: %+v %v", got, err)
	}
	if auditRows(t, s, model.ObjectCert, model.ActionImport, c.ID) != 1 {
		t.Fatal("import not audited")
	}
	for name, tc := range map[string]struct{ pem, want string }{
		"leaf":     {TestCA(t, false), "not a CA"},
		"garbage":  {"hello", "no PEM block"},
		"key":      {"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "not a CERTIFICATE"},
		"two":      {TestCA(t, true) + TestCA(t, true), "more than one"},
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

func testDeleteCert(t *testing.T, open Opener) {
	_, x, ctx := openAsAdmin(t, open)
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
	c, _ := x.ImportCert(ctx, "Spare", TestCA(t, true))
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

func testDefaultCertificates(t *testing.T, open Opener) {
	s := open(t)
	certs, err := s.Session(viewer).ListCerts(testCtx(t))
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
}
