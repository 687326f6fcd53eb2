package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
)

// importFile fills the import form with name and path and submits it.
func importFile(d *driver, name, path string) {
	d.t.Helper()
	d.press("i")
	d.mustSee("Import signing certificate", "PEM file")
	d.typ(name)
	d.press("enter")
	d.send(tea.PasteMsg{Content: path}) // at once: typing waits out a cursor blink per key
	d.press("enter")
}

func TestCertsImportReadsThePEMFile(t *testing.T) {
	t.Parallel()
	st := newViewsStore()
	path := writeCert(t, true)
	pemText, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := openView(t, st, admin, 2)
	importFile(d, "Corp CA", path)
	if len(st.imported) != 1 || st.imported[0] != string(pemText) {
		t.Fatalf("the store got %d PEM texts, want the file's", len(st.imported))
	}
	if d.certs().form != nil {
		t.Fatal("the form is still open after a good import")
	}
	if c, _ := d.certs().list.current(); c == nil || c.c.Name != "Corp CA" {
		t.Fatalf("cursor on %v, want the new certificate", c)
	}
	d.mustSee("› ▸ Corp CA", "CN=Test Corp CA,O=Test Corp", "4 of 4 certificates")
	if s := d.status(); !strings.Contains(s, "Imported certificate Corp CA (CN=Test Corp CA,O=Test Corp, expires 2029-01-15).") {
		t.Fatalf("status %q", s)
	}
}

func TestCertsImportRefusesANonCAUnderThePath(t *testing.T) {
	t.Parallel()
	st := newViewsStore()
	path := writeCert(t, false)
	d := openView(t, st, admin, 2)
	importFile(d, "Leaf", path)
	if d.certs().form == nil || len(st.imported) != 1 {
		t.Fatal("the form closed on a refused certificate, or the store was not asked")
	}
	d.lineAfter("PEM file", "✗ "+path+": not a CA certificate")
	// Fixing the path clears the message and imports.
	d.press("ctrl+u")
	d.send(tea.PasteMsg{Content: writeCert(t, true)})
	d.mustNotSee("not a CA certificate")
	d.press("enter")
	d.mustSee("› ▸ Leaf", "4 of 4 certificates")
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
		st := newViewsStore()
		d := openView(t, st, admin, 2)
		importFile(d, "Some CA", c.path)
		d.lineAfter("PEM file", "✗ "+c.want)
		if d.certs().form == nil {
			t.Fatalf("%s: the form closed", c.path)
		}
		if c.path != notPEM && len(st.imported) > 0 {
			t.Fatalf("%s: the store was given the file", c.path)
		}
	}
}

func TestCertsImportNameProblemsStayUnderTheName(t *testing.T) {
	t.Parallel()
	st := newViewsStore()
	d := openView(t, st, admin, 2)
	d.press("i")
	d.typ(`bad\name`)
	d.press("enter")
	d.lineAfter("Name", `✗ '\\' at character 4 is not allowed`)

	for range 5 {
		d.press("backspace")
	}
	st.importErr = fmt.Errorf("signing certificate %q: %w", "bad", model.ErrDuplicate)
	d.press("enter")
	d.send(tea.PasteMsg{Content: writeCert(t, true)})
	d.press("enter")
	d.lineAfter("Name", "✗ that name is already taken")
	if d.certs().form == nil {
		t.Fatal("the form closed")
	}
}

func TestCertsDeleteNeedsYAndInUseNamesTheKeys(t *testing.T) {
	t.Parallel()
	st := newViewsStore()
	st.certUsers[1] = []string{"web-01", "kiosk-7"}
	d := openView(t, st, admin, 2)
	d.press("d")
	d.mustSee("Delete certificate Client (1 key(s) use it)? y/n")
	d.press("q", "n")
	if st.called("DeleteCert") || d.quit {
		t.Fatal("deleted or quit without y")
	}
	d.press("d", "y")
	if s := d.status(); !strings.Contains(s, "web-01") || !strings.Contains(s, "kiosk-7") || d.m.statusKind != statusErr {
		t.Fatalf("status %q", s)
	}
	d.mustSee("› ▸ Client")
	d.press("j", "d")
	d.mustSee("Delete certificate Root? y/n")
	d.press("y")
	if !st.called("DeleteCert 2") {
		t.Fatalf("calls %v", st.calls)
	}
	d.mustNotSee("▸ Root")
	d.mustSee("2 of 2 certificates")
}

func TestCertsViewerCannotImportOrDelete(t *testing.T) {
	t.Parallel()
	st := newViewsStore()
	d := openView(t, st, viewer, 2)
	d.press("?")
	d.mustNotSee("import", "delete")
	for _, k := range []string{"i", "d", "n"} {
		d.m.status = ""
		d.press(k)
		if d.certs().Capturing() || !strings.Contains(d.status(), "Read-only: your role (viewer) can't change signing certificates.") {
			t.Fatalf("%s: capturing %v, status %q", k, d.certs().Capturing(), d.status())
		}
	}
	if st.called("DeleteCert") || len(st.imported) > 0 {
		t.Fatal("a viewer reached the store's writes")
	}
}

func TestCertsExpandShowsIssuerSubjectExpiryAndCreated(t *testing.T) {
	t.Parallel()
	d := openView(t, newViewsStore(), admin, 2)
	d.press("enter")
	d.mustSee("Subject       CN=Client CA", "Issuer        CN=Root CA", "Not after     2031-01-15 12:00 (in 1826d)",
		"Created       2026-01-11 12:00 by alice", "1 key(s) sign with it")
	d.press("G", "enter")
	d.mustSee("2026-01-14 ✕ expired", "Not after     2026-01-14 12:00 (expired)", "(self-signed: a root CA)")
}

func TestCertsFilterAndEmpty(t *testing.T) {
	t.Parallel()
	st := newViewsStore()
	d := openView(t, st, admin, 2)
	d.press("/")
	d.typ("acme")
	d.mustSee("1 of 3 certificates", "Old Partner")
	d.press("esc")
	d.mustSee("3 of 3 certificates")
	st.mu.Lock()
	st.certs = nil
	st.mu.Unlock()
	d.press("ctrl+r")
	d.mustSee("No signing certificates. Press i to import a CA certificate from a PEM file")
}

func TestCertsGolden(t *testing.T) {
	t.Parallel()
	d := openView(t, newViewsStore(), admin, 2)
	requireGolden(t, "certs_table.golden", screen(d))
	sendSize(d, 80, 24)
	d.press("G", "enter")
	requireGolden(t, "certs_expanded_80x24.golden", screen(d))
	d.press("i")
	requireGolden(t, "certs_import_80x24.golden", screen(d))
}
