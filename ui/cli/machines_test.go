package cli

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"provkeys/internal/testcert"
	"provkeys/store/storetest"
)

// testCAWithKey is a self-signed P-256 CA and its PKCS#8 private key, both PEM.
func testCAWithKey(t *testing.T) (certPEM, keyPEM string) {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "Issuing CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, key := testcert.SelfSign(t, tmpl)
	return testcert.PEM("CERTIFICATE", der), testcert.KeyPEM(t, key)
}

// TestCertsExportAndImportWithKey: export prints the certificate and never a private key;
// import --key stores a CA that signs, without --key one that verifies only, and a key that
// is not the certificate's is refused without being echoed.
func TestCertsExportAndImportWithKey(t *testing.T) {
	f := newFixture(t).init()
	out := f.ok("certs", "export", "Root")
	if !strings.HasPrefix(out, "-----BEGIN CERTIFICATE-----") || strings.Contains(out, "PRIVATE") ||
		strings.Count(out, "BEGIN") != 1 {
		t.Fatalf("certs export Root:\n%s", out)
	}
	certPEM, keyPEM := testCAWithKey(t)
	certPath := writeFile(t, filepath.Join(f.dir, "issuing.pem"), certPEM)
	keyPath := writeFile(t, filepath.Join(f.dir, "issuing-key.pem"), keyPEM)
	if o := f.ok("certs", "import", "Issuing", certPath, "--key", keyPath); !strings.Contains(o, "it signs machine certificates") {
		t.Errorf("certs import --key: %s", o)
	}
	if o := f.ok("certs", "import", "Checker", writeFile(t, filepath.Join(f.dir, "other.pem"), storetest.TestCA(t, true))); !strings.Contains(o, "verify only") {
		t.Errorf("certs import without --key: %s", o)
	}
	_, otherKey := testCAWithKey(t)
	wrongKey := writeFile(t, filepath.Join(f.dir, "wrong-key.pem"), otherKey)
	stderr := f.fail(1, "certs", "import", "Wrong", certPath, "--key", wrongKey)
	if strings.Contains(stderr, "PRIVATE") || strings.Contains(stderr, strings.Split(otherKey, "\n")[1]) {
		t.Fatalf("the refusal echoes the key: %s", stderr)
	}
	var cs []map[string]any
	f.jsonOut(&cs, "certs", "list")
	signs := map[string]any{}
	for _, c := range cs {
		signs[c["name"].(string)] = c["can_sign"]
	}
	if signs["Issuing"] != true || signs["Checker"] != false || signs["Root"] != true {
		t.Fatalf("can_sign: %v", signs)
	}
	if _, ok := signs["Wrong"]; ok {
		t.Fatal("the refused import was stored")
	}
	if list := f.ok("certs", "list"); !strings.Contains(list, "verify only") {
		t.Errorf("certs list does not say verify only:\n%s", list)
	}
	if o := f.ok("certs", "export", "issuing"); o != certPEM {
		t.Errorf("certs export Issuing:\n%s\nwant\n%s", o, certPEM)
	}
}

// TestMachinesWithoutEnrollments: the machines commands on a store nobody enrolled with.
func TestMachinesWithoutEnrollments(t *testing.T) {
	f := newFixture(t).init()
	if o := f.ok("machines", "list"); !strings.Contains(o, "No machines have enrolled") {
		t.Errorf("machines list: %q", o)
	}
	if o := f.ok("machines", "list", "--json"); strings.TrimSpace(o) != "[]" {
		t.Errorf("machines list --json: %q", o)
	}
	if e := f.fail(1, "machines", "show", "web-01"); !strings.Contains(e, `machine "web-01" has not enrolled`) {
		t.Errorf("machines show: %q", e)
	}
	if e := f.fail(1, "machines", "revoke", "web-01", "--yes"); !strings.Contains(e, "has not enrolled") {
		t.Errorf("machines revoke: %q", e)
	}
	if e := f.fail(2, "machines"); !strings.Contains(e, "list, show, revoke") {
		t.Errorf("machines alone: %q", e)
	}
}
