package certs

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/form"
)

// certMaxFile bounds what import reads: a PEM CA certificate is a few KiB, and the store
// refuses anything past 64 KiB anyway; the bound keeps a wrong path (a log, a disk image)
// from being read whole.
const certMaxFile = 1 << 20

// certMaxPaste bounds the pasted PEM text: a certificate and its private key, each refused by
// the store past 64 KiB.
const certMaxPaste = 128 << 10

// certValues is what the import form fills in: a path locally, pasted PEM text over SSH.
type certValues struct{ name, path, pem string }

// newCertForm opens the import form: a name, then the path of a PEM file — or, over SSH,
// where a path would name the server's files, the PEM text pasted into a multi-line field.
func newCertForm(e *ui.Env, w, h int) (*form.Form, *certValues) {
	v := &certValues{}
	name := func(k *form.Kit) huh.Field {
		return k.Input("name", "Name", "What keys will call it. Letters A–Z, digits, spaces, “.”, “-” and “_”.", &v.name, form.ValidName, 0)
	}
	if e.Remote() {
		return form.New(e, "Import signing certificate", "enter after the paste imports · esc cancels, nothing is saved", "name", w, h,
			func(k *form.Kit) []huh.Field {
				return []huh.Field{name(k), k.Text("pem", "Paste the PEM",
					"The CA certificate (-----BEGIN CERTIFICATE-----) and, so that its keys can enroll machines, its private key.",
					&v.pem, validPasted, 6, certMaxPaste, 0)}
			}), v
	}
	f := form.New(e, "Import signing certificate", "enter on the path imports · esc cancels, nothing is saved", "name", w, h,
		func(k *form.Kit) []huh.Field {
			return []huh.Field{name(k), k.Input("path", "PEM file",
				"A PEM file holding one X.509 CA certificate (-----BEGIN CERTIFICATE-----); ~/ works.", &v.path, validCertPath, 0)}
		})
	return f, v
}

func validPasted(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("paste the PEM text of the CA certificate")
	}
	return nil
}

func validCertPath(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("give the path of a PEM file")
	}
	return nil
}

// certImportedMsg is the import's result. field says which form field a refusal belongs
// under ("name" or "path"); empty means the status line.
type certImportedMsg struct {
	cert  model.Cert
	path  string // as resolved, for messages
	field string
	err   error
}

// importCert reads the PEM — the file locally, the pasted text over SSH — and hands it to
// the store, both in the command: file I/O never runs in Update. A private key pasted with
// the certificate goes to ImportCertWithKey.
func importCert(st ui.Store, name string, v certValues, remote bool) tea.Cmd {
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		field, label := "path", ""
		var certPEM, keyPEM string
		var err error
		if remote {
			field, label = "pem", "the pasted text"
			certPEM, keyPEM, err = splitPasted(v.pem)
		} else {
			label, certPEM, err = readPEMFile(v.path)
		}
		if err != nil {
			return certImportedMsg{path: label, field: field, err: err}
		}
		var c model.Cert
		if keyPEM != "" {
			c, err = st.ImportCertWithKey(ctx, name, certPEM, keyPEM)
		} else {
			c, err = st.ImportCert(ctx, name, certPEM)
		}
		if err == nil {
			return certImportedMsg{cert: c, path: label}
		}
		var ve *model.ValidationError
		switch {
		case errors.As(err, &ve) && ve.Field == model.FieldName, errors.Is(err, model.ErrDuplicate):
			return certImportedMsg{path: label, field: "name", err: err}
		case errors.As(err, &ve):
			// The PEM was refused (not a CA, not a certificate, not its key…): say which.
			return certImportedMsg{path: label, field: field, err: fmt.Errorf("%s: %s", label, ve.Msg)}
		}
		return certImportedMsg{path: label, err: err}
	})
}

// pemBlock finds PEM blocks in pasted text. The dashboard drops control characters from
// every paste, line breaks included, so a block may arrive on one line: the body is read
// whatever white space it has left, and written out again as PEM.
var pemBlock = regexp.MustCompile(`(?s)-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END ([A-Z0-9 ]+)-----`)

// splitPasted finds the one CA certificate and, optionally, one private key in the pasted
// text. Errors never quote the text: it may hold a private key.
func splitPasted(text string) (certPEM, keyPEM string, err error) {
	var certs, keys []string
	for _, m := range pemBlock.FindAllStringSubmatch(text, -1) {
		typ := m[1]
		if m[3] != typ {
			return "", "", fmt.Errorf("a PEM block begins as %s and ends as %s", typ, m[3])
		}
		der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(m[2]), ""))
		if err != nil {
			return "", "", fmt.Errorf("the %s block is damaged (not base64); paste it again whole", strings.ToLower(typ))
		}
		out := string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
		switch {
		case typ == "CERTIFICATE":
			certs = append(certs, out)
		case strings.HasSuffix(typ, "PRIVATE KEY"):
			keys = append(keys, out)
		default:
			return "", "", fmt.Errorf("a %s block is neither a certificate nor a private key", strings.ToLower(typ))
		}
	}
	switch {
	case len(certs) == 0:
		return "", "", errors.New("no PEM certificate found: paste the text from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----")
	case len(certs) > 1:
		return "", "", fmt.Errorf("%d certificates pasted; paste one CA certificate (and its key)", len(certs))
	case len(keys) > 1:
		return "", "", fmt.Errorf("%d private keys pasted; paste the CA certificate's own key only", len(keys))
	case len(keys) == 1:
		return certs[0], keys[0], nil
	}
	return certs[0], "", nil
}

// readPEMFile reads a regular file of at most certMaxFile bytes of text. Errors name the
// path and say what is wrong with it, never what it holds.
func readPEMFile(path string) (abs, text string, err error) {
	abs, err = ui.ExpandPath(path)
	if err != nil {
		return path, "", fmt.Errorf("%s: %v", path, err)
	}
	bad := func(what string) error { return fmt.Errorf("%s: %s", abs, what) }
	// Stat first: opening a FIFO or a device could block or never end.
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return abs, "", bad("no such file")
	case errors.Is(err, fs.ErrPermission):
		return abs, "", bad("permission denied")
	case err != nil:
		return abs, "", bad(plainFileError(err))
	case fi.IsDir():
		return abs, "", bad("is a directory, not a PEM file")
	case !fi.Mode().IsRegular():
		return abs, "", bad("is not a regular file")
	case fi.Size() > certMaxFile:
		return abs, "", bad(fmt.Sprintf("is %d KiB; a PEM certificate is a few KiB (at most 1 MiB is read)", fi.Size()>>10))
	case fi.Size() == 0:
		return abs, "", bad("is empty")
	}
	f, err := os.Open(abs)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return abs, "", bad("permission denied")
		}
		return abs, "", bad(plainFileError(err))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, certMaxFile+1))
	switch {
	case err != nil:
		return abs, "", bad(plainFileError(err))
	case len(b) > certMaxFile:
		return abs, "", bad("is larger than 1 MiB; a PEM certificate is a few KiB")
	case !utf8.Valid(b):
		return abs, "", bad("is not text; a DER certificate must be converted first (openssl x509 -inform der -in FILE -out FILE.pem)")
	}
	return abs, string(b), nil
}

// plainFileError is an OS error without the path it repeats.
func plainFileError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// updateForm feeds the import form and starts the import once the path is submitted.
func (p *certsPage) UpdateForm(msg tea.Msg) tea.Cmd {
	cmd, done := p.Form.Step(msg)
	if !done {
		return cmd
	}
	if err := model.ValidateName(model.FieldName, p.values.name); err != nil {
		return tea.Batch(cmd, p.Form.Fail("name", form.Bare(err).Error()))
	}
	p.Form.Saving = true
	return tea.Batch(cmd, importCert(p.Env.Store, p.values.name, *p.values, p.Env.Remote()))
}

// imported closes the form after an import, or keeps it open with the refusal under the
// field it is about.
func (p *certsPage) imported(msg certImportedMsg) tea.Cmd {
	if p.Form == nil || !p.Form.Saving {
		return nil
	}
	if msg.err != nil {
		switch msg.field {
		case "name":
			msg := ui.PlainError(msg.err)
			return p.Form.Fail("name", msg)
		case "path", "pem":
			return p.Form.Fail(msg.field, msg.err.Error())
		}
		return tea.Batch(ui.Failed("import certificate "+model.Sanitize(p.values.name), msg.err), p.Form.Reopen())
	}
	p.Form, p.values = nil, nil
	c := msg.cert
	p.List.CursorID = c.ID // the reload puts the cursor on it
	return tea.Batch(ui.Okf("Imported certificate %s (%s, expires %s).", ui.ClipText(c.Name, ui.ClipName),
		ui.OrDash(ui.ClipText(c.Subject, ui.ClipNote)), c.NotAfter.In(p.Env.Now().Location()).Format("2006-01-02")), p.Reload())
}
