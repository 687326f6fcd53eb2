package certs

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"provkeys/internal/testcert"
	"provkeys/ui"
	"provkeys/ui/internal/uitest"
)

// caPEM is a fresh self-signed CA certificate and its PKCS#8 private key, in PEM.
func caPEM(t *testing.T) (certPEM, keyPEM string) {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Pasted CA"},
		NotBefore: uitest.TestNow.Add(-time.Hour), NotAfter: uitest.TestNow.AddDate(3, 0, 0),
		BasicConstraintsValid: true, IsCA: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, key := testcert.SelfSign(t, tmpl)
	return testcert.PEM("CERTIFICATE", der), testcert.KeyPEM(t, key)
}

// openRemote opens the Certificates page as a dashboard served over SSH.
func openRemote(t *testing.T, st ui.Store) *uitest.Driver {
	t.Helper()
	d := newDriver(t, st, uitest.Admin, ui.Options{Remote: true})
	d.Press("tab", "tab")
	return d
}

// pasteImport fills the SSH import form: name, then the pasted PEM text, and submits it.
func pasteImport(d *uitest.Driver, name, text string) {
	d.T.Helper()
	d.Press("i")
	d.MustSee("Import signing certificate", "Paste the PEM")
	d.MustNotSee("PEM file")
	d.Typ(name)
	d.Press("enter")
	d.Send(tea.PasteMsg{Content: text})
	d.Press("enter")
}

// Over SSH the import takes the PEM pasted into a multi-line field, never a path on the
// server: the certificate with its private key goes to ImportCertWithKey.
func TestCertsImportOverSSHTakesPastedPEMWithKey(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	certPEM, keyPEM := caPEM(t)
	d := openRemote(t, st)
	pasteImport(d, "Pasted CA", certPEM+keyPEM)
	if !st.Called("ImportCertWithKey Pasted CA") {
		t.Fatalf("calls %v", st.Calls)
	}
	if len(st.Imported) != 1 || st.Imported[0] != certPEM || len(st.ImportedKeys) != 1 || st.ImportedKeys[0] != keyPEM {
		t.Fatalf("the store got certificates %q and keys of %d", st.Imported, len(st.ImportedKeys))
	}
	if certsOf(d).Form != nil {
		t.Fatal("the form is still open after a good import")
	}
	d.MustSee("› ▸ Pasted CA")
	if strings.Contains(d.Status(), "PRIVATE") || !strings.Contains(d.Status(), "Imported certificate Pasted CA") {
		t.Fatalf("status %q", d.Status())
	}
}

// A certificate alone goes to ImportCert; a path typed into the field over SSH is not read
// but refused under the field as not PEM.
func TestCertsImportOverSSHCertificateAloneAndNoPaths(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	certPEM, _ := caPEM(t)
	d := openRemote(t, st)
	pasteImport(d, "Bad", uitest.WriteCert(t, true))
	if len(st.Imported) != 0 || certsOf(d).Form == nil {
		t.Fatalf("a path reached the store (%d) or the form closed", len(st.Imported))
	}
	d.MustSee("✗ no PEM certificate found: paste the text from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----")
	d.Press("esc")
	pasteImport(d, "Alone", certPEM)
	if !st.Called("ImportCert Alone") || st.Called("ImportCertWithKey") || len(st.Imported) != 1 || st.Imported[0] != certPEM {
		t.Fatalf("calls %v", st.Calls)
	}
}
