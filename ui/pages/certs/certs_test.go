package certs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/internal/uitest"
)

// importFile fills the import form with name and path and submits it.
func importFile(d *uitest.Driver, name, path string) {
	d.T.Helper()
	d.Press("i")
	d.MustSee("Import signing certificate", "PEM file")
	d.Typ(name)
	d.Press("enter")
	d.Send(tea.PasteMsg{Content: path}) // at once: typing waits out a cursor blink per key
	d.Press("enter")
}

func TestCertsImportReadsThePEMFile(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	path := uitest.WriteCert(t, true)
	pemText, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := openView(t, st, uitest.Admin, 2)
	importFile(d, "Corp CA", path)
	if len(st.Imported) != 1 || st.Imported[0] != string(pemText) {
		t.Fatalf("the store got %d PEM texts, want the file's", len(st.Imported))
	}
	if certsOf(d).Form != nil {
		t.Fatal("the form is still open after a good import")
	}
	if c, _ := certsOf(d).List.Current(); c == nil || c.c.Name != "Corp CA" {
		t.Fatalf("cursor on %v, want the new certificate", c)
	}
	d.MustSee("› ▸ Corp CA", "CN=Test Corp CA,O=Test Corp", "4 of 4 certificates")
	if s := d.Status(); !strings.Contains(s, "Imported certificate Corp CA (CN=Test Corp CA,O=Test Corp, expires 2029-01-15).") {
		t.Fatalf("status %q", s)
	}
}

func TestCertsImportRefusesANonCAUnderThePath(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	path := uitest.WriteCert(t, false)
	d := openView(t, st, uitest.Admin, 2)
	importFile(d, "Leaf", path)
	if certsOf(d).Form == nil || len(st.Imported) != 1 {
		t.Fatal("the form closed on a refused certificate, or the store was not asked")
	}
	d.LineAfter("PEM file", "✗ "+path+": not a CA certificate")
	// Fixing the path clears the message and imports.
	d.Press("ctrl+u")
	d.Send(tea.PasteMsg{Content: uitest.WriteCert(t, true)})
	d.MustNotSee("not a CA certificate")
	d.Press("enter")
	d.MustSee("› ▸ Leaf", "4 of 4 certificates")
}

func TestCertsImportSaysWhatIsWrongWithTheFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	big := filepath.Join(dir, "big.pem")
	if err := os.WriteFile(big, make([]byte, certMaxFile+1), 0o600); err != nil {
		t.Fatal(err)
	}
	binary := filepath.Join(dir, "cert.der")
	if err := os.WriteFile(binary, []byte{0x30, 0x82, 0xff, 0xfe}, 0o600); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notPEM, []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ path, want string }{
		{filepath.Join(dir, "missing.pem"), filepath.Join(dir, "missing.pem") + ": no such file"},
		{dir, dir + ": is a directory, not a PEM file"},
		{big, big + ": is 1024 KiB; a PEM certificate is a few KiB"},
		{binary, binary + ": is not text"},
		{notPEM, notPEM + ": no PEM block found"},
	}
	for _, c := range cases {
		st := uitest.NewViewsStore()
		d := openView(t, st, uitest.Admin, 2)
		importFile(d, "Some CA", c.path)
		d.LineAfter("PEM file", "✗ "+c.want)
		if certsOf(d).Form == nil {
			t.Fatalf("%s: the form closed", c.path)
		}
		if c.path != notPEM && len(st.Imported) > 0 {
			t.Fatalf("%s: the store was given the file", c.path)
		}
	}
}

func TestCertsImportNameProblemsStayUnderTheName(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	d := openView(t, st, uitest.Admin, 2)
	d.Press("i")
	d.Typ(`bad\name`)
	d.Press("enter")
	d.LineAfter("Name", `✗ '\\' at character 4 is not allowed`)

	for range 5 {
		d.Press("backspace")
	}
	st.ImportErr = fmt.Errorf("signing certificate %q: %w", "bad", model.ErrDuplicate)
	d.Press("enter")
	d.Send(tea.PasteMsg{Content: uitest.WriteCert(t, true)})
	d.Press("enter")
	d.LineAfter("Name", "✗ that name is already taken")
	if certsOf(d).Form == nil {
		t.Fatal("the form closed")
	}
}

func TestCertsDeleteNeedsYAndInUseNamesTheKeys(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	st.CertUsers[1] = []string{"web-01", "kiosk-7"}
	d := openView(t, st, uitest.Admin, 2)
	d.Press("d") // the list says a key uses it: refused before asking
	d.MustNotSee("y/n")
	if s, want := d.Status(), "Can't delete certificate Client: 1 key uses it."; s != want || d.M.StatusKind() != ui.StatusErr {
		t.Fatalf("status %q, want %q", s, want)
	}
	certsOf(d).List.Items[0].c.KeyCount = 0 // a list older than the store: the store refuses
	d.Press("d")
	d.MustSee("Delete certificate Client? y/n")
	d.Press("q", "n")
	if st.Called("DeleteCert") || d.Quit {
		t.Fatal("deleted or quit without y")
	}
	d.Press("d", "y")
	if s := d.Status(); !strings.Contains(s, "web-01") || !strings.Contains(s, "kiosk-7") || d.M.StatusKind() != ui.StatusErr {
		t.Fatalf("status %q", s)
	}
	d.MustSee("› ▸ Client")
	d.Press("j", "d")
	d.MustSee("Delete certificate Root? y/n")
	d.Press("y")
	if !st.Called("DeleteCert 2") {
		t.Fatalf("calls %v", st.Calls)
	}
	d.MustNotSee("▸ Root")
	d.MustSee("2 of 2 certificates")
}

func TestCertsViewerCannotImportOrDelete(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	d := openView(t, st, uitest.Viewer, 2)
	d.Press("?")
	d.MustNotSee("import", "delete")
	for _, k := range []string{"i", "d", "n"} {
		d.Send(ui.StatusMsg{})
		d.Press(k)
		if certsOf(d).Capturing() || !strings.Contains(d.Status(), "Read-only: your role (viewer) can't change signing certificates.") {
			t.Fatalf("%s: capturing %v, status %q", k, certsOf(d).Capturing(), d.Status())
		}
	}
	if st.Called("DeleteCert") || len(st.Imported) > 0 {
		t.Fatal("a viewer reached the store's writes")
	}
}

func TestCertsExpandShowsIssuerSubjectExpiryAndCreated(t *testing.T) {
	t.Parallel()
	d := openView(t, uitest.NewViewsStore(), uitest.Admin, 2)
	d.Press("enter")
	d.MustSee("Subject       CN=Client CA", "Issuer        CN=Root CA", "Not after     2031-01-15 12:00 (in 1826d)",
		"Created       2026-01-11 12:00 by alice", "1 key(s) sign with it")
	d.Press("G", "enter")
	d.MustSee("2026-01-14 ✕ expired", "Not after     2026-01-14 12:00 (expired)", "(self-signed: a root CA)")
}

func TestCertsFilterAndEmpty(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	d := openView(t, st, uitest.Admin, 2)
	d.Press("/")
	d.Typ("acme")
	d.MustSee("1 of 3 certificates", "Old Partner")
	d.Press("esc")
	d.MustSee("3 of 3 certificates")
	st.Mu.Lock()
	st.Certs = nil
	st.Mu.Unlock()
	d.Press("ctrl+r")
	d.MustSee("No signing certificates. Press i to import a CA certificate from a PEM file")
}

func TestCertsGolden(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	st.VerifyOnly = []string{"Old Partner"} // imported without its private key
	d := openView(t, st, uitest.Admin, 2)
	uitest.RequireGolden(t, "certs_table.golden", uitest.Screen(d))
	uitest.SendSize(d, 80, 24)
	d.Press("G", "enter")
	uitest.RequireGolden(t, "certs_expanded_80x24.golden", uitest.Screen(d))
	d.Press("i")
	uitest.RequireGolden(t, "certs_import_80x24.golden", uitest.Screen(d))
}
