package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"provkeys/model"
)

var now = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// testCA makes a CA signed by parent (self-signed when parent is nil) valid for years.
func testCA(t testing.TB, cn string, parent *x509.Certificate, parentKey crypto.Signer, years int) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(years, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true, IsCA: true,
	}
	signer, signerKey := tmpl, crypto.Signer(key)
	if parent != nil {
		signer, signerKey = parent, parentKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c, key
}

func csrPEM(t testing.TB, key crypto.Signer, cn string) string {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}

func TestParseCSR(t *testing.T) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rsa2048, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsa1024, _ := rsa.GenerateKey(rand.Reader, 1024)
	good := csrPEM(t, p256, "web-01")
	block, _ := pem.Decode([]byte(good))
	tampered := append([]byte(nil), block.Bytes...)
	tampered[len(tampered)-5] ^= 0xff // inside the signature
	tests := []struct {
		name, in, machine, wantMsg string
	}{
		{"P-256 with CN", good, "web-01", ""},
		{"P-384", csrPEM(t, p384, "web-01"), "web-01", ""},
		{"Ed25519", csrPEM(t, ed, ""), "web-01", ""},
		{"RSA 2048 empty CN", csrPEM(t, rsa2048, ""), "web-01", ""},
		{"RSA 1024", csrPEM(t, rsa1024, "web-01"), "web-01", "RSA 1024"},
		{"P-224", csrPEM(t, p224, "web-01"), "web-01", "ECDSA P-224"},
		{"CN differs", good, "web-02", `common name "web-01" is not the machine name "web-02"`},
		{"CN differs by case", good, "WEB-01", "is not the machine name"},
		{"empty", "", "web-01", "no PEM block"},
		{"a certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "web-01", `"CERTIFICATE", not a CERTIFICATE REQUEST`},
		{"two blocks", good + good, "web-01", "more than one PEM block"},
		{"garbage DER", "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n", "web-01", "not a valid certificate request"},
		{"bad signature", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: tampered})), "web-01", "signature does not verify"},
		{"too long", strings.Repeat("A", MaxPEM+1), "web-01", "longer than 64 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := ParseCSR(tt.in, tt.machine)
			if tt.wantMsg == "" {
				if err != nil || req == nil {
					t.Fatalf("ParseCSR: %v", err)
				}
				return
			}
			var ve *model.ValidationError
			if !errors.As(err, &ve) || ve.Field != model.FieldCSR {
				t.Fatalf("err = %v, want a ValidationError on csr", err)
			}
			if !strings.Contains(ve.Msg, tt.wantMsg) {
				t.Fatalf("msg = %q, want it to contain %q", ve.Msg, tt.wantMsg)
			}
		})
	}
}

func TestSignMachine(t *testing.T) {
	root, rootKey := testCA(t, "Root", nil, nil, 10)
	client, clientKey := testCA(t, "Client", root, rootKey, 1)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	req, err := ParseCSR(csrPEM(t, key, "web-01"), "web-01")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		days     int
		wantDays time.Duration
	}{
		{"default 90 days", 0, 90 * 24 * time.Hour},
		{"30 days", 30, 30 * 24 * time.Hour},
		{"capped at the CA", 5000, client.NotAfter.Sub(now)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := SignMachine(client, clientKey, MachineCert{Request: req, Machine: "web-01", Groups: []string{"Servers", "Lobby"}, Days: tt.days, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			c, err := x509.ParseCertificate(s.DER)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.NotAfter.Sub(now); got != tt.wantDays {
				t.Errorf("validity %v, want %v", got, tt.wantDays)
			}
			if c.NotAfter.After(client.NotAfter) {
				t.Errorf("NotAfter %v past the CA's %v", c.NotAfter, client.NotAfter)
			}
			if c.Subject.CommonName != "web-01" || strings.Join(slices.Sorted(slices.Values(c.Subject.OrganizationalUnit)), ",") != "Lobby,Servers" {
				t.Errorf("subject %v", c.Subject)
			}
			if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth || c.IsCA {
				t.Errorf("usage %v, CA %v", c.ExtKeyUsage, c.IsCA)
			}
			if c.SerialNumber.Cmp(s.Serial) != 0 || c.SerialNumber.BitLen() < 100 || c.SerialNumber.BitLen() > 128 {
				t.Errorf("serial %v (%d bits)", c.SerialNumber, c.SerialNumber.BitLen())
			}
			pool := x509.NewCertPool()
			pool.AddCert(root)
			inter := x509.NewCertPool()
			inter.AddCert(client)
			if _, err := c.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, CurrentTime: now,
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
				t.Errorf("verify: %v", err)
			}
		})
	}
	t.Run("serials differ", func(t *testing.T) {
		a, _ := SignMachine(client, clientKey, MachineCert{Request: req, Machine: "web-01", Now: now})
		b, _ := SignMachine(client, clientKey, MachineCert{Request: req, Machine: "web-01", Now: now})
		if a.Serial.Cmp(b.Serial) == 0 {
			t.Fatal("two certificates share a serial")
		}
	})
	t.Run("expired CA refuses", func(t *testing.T) {
		_, err := SignMachine(client, clientKey, MachineCert{Request: req, Machine: "web-01", Now: client.NotAfter})
		if !errors.Is(err, model.ErrCannotSign) || !strings.Contains(err.Error(), "expired") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestChainAndCRL(t *testing.T) {
	root, rootKey := testCA(t, "Root", nil, nil, 10)
	client, clientKey := testCA(t, "Client", root, rootKey, 1)
	other, _ := testCA(t, "Other", nil, nil, 1)
	chain := Chain(client, []*x509.Certificate{other, client, root})
	if len(chain) != 2 || !chain[0].Equal(client) || !chain[1].Equal(root) {
		t.Fatalf("chain = %d certs", len(chain))
	}
	if got := Chain(root, []*x509.Certificate{client, root}); len(got) != 1 {
		t.Fatalf("root chain = %d certs", len(got))
	}
	der, err := CRL(client, clientKey, []Revoked{{Serial: "0A1B", At: now}}, now)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(client); err != nil {
		t.Fatalf("CRL signature: %v", err)
	}
	if len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(big.NewInt(0x0a1b)) != 0 {
		t.Fatalf("entries %+v", crl.RevokedCertificateEntries)
	}
	if _, err := CRL(client, clientKey, []Revoked{{Serial: "zz"}}, now); err == nil {
		t.Fatal("a bad serial made a CRL")
	}
}

func TestServerCert(t *testing.T) {
	root, rootKey := testCA(t, "Root", nil, nil, 10)
	tc, err := ServerCert(root, rootKey, []string{"enroll.example", "localhost", "127.0.0.1"}, now)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	for _, host := range []string{"enroll.example", "localhost", "127.0.0.1"} {
		if _, err := tc.Leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: host, CurrentTime: now}); err != nil {
			t.Errorf("verify for %s: %v", host, err)
		}
	}
	if _, err := tc.Leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "evil.example", CurrentTime: now}); err == nil {
		t.Error("the certificate verifies for a name it was not issued for")
	}
	if _, err := ServerCert(root, rootKey, nil, now); err == nil {
		t.Error("no names made a certificate")
	}
}

func TestParseKeyPEM(t *testing.T) {
	root, rootKey := testCA(t, "Root", nil, nil, 10)
	_, otherKey := testCA(t, "Other", nil, nil, 10)
	pkcs8 := func(k crypto.Signer) string {
		der, _ := x509.MarshalPKCS8PrivateKey(k)
		return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	}
	sec1, _ := x509.MarshalECPrivateKey(rootKey.(*ecdsa.PrivateKey))
	tests := []struct {
		name, in, wantMsg string
		pairs             bool
	}{
		{"PKCS#8", pkcs8(rootKey), "", true},
		{"SEC 1", string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})), "", true},
		{"another key", pkcs8(otherKey), "", false},
		{"encrypted", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", "encrypted", false},
		{"a certificate", EncodeCerts(root), "not a PRIVATE KEY", false},
		{"garbage", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "not a readable private key", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signer, der, err := ParseKeyPEM(tt.in)
			if tt.wantMsg != "" {
				var ve *model.ValidationError
				if !errors.As(err, &ve) || !strings.Contains(ve.Msg, tt.wantMsg) {
					t.Fatalf("err = %v, want %q", err, tt.wantMsg)
				}
				if strings.Contains(err.Error(), "AAAA") {
					t.Fatal("the error quotes the key")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ParsePKCS8(der); err != nil {
				t.Fatal(err)
			}
			if perr := CheckPair(root, signer); (perr == nil) != tt.pairs {
				t.Fatalf("CheckPair = %v, want pair %v", perr, tt.pairs)
			}
		})
	}
}
