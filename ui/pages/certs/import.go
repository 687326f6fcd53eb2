package certs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"provkeys/ui"
	"provkeys/ui/components/form"
	"strings"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"provkeys/model"
)

// certMaxFile bounds what import reads: a PEM CA certificate is a few KiB, and the store
// refuses anything past 64 KiB anyway; the bound keeps a wrong path (a log, a disk image)
// from being read whole.
const certMaxFile = 1 << 20

// certValues is what the import form fills in.
type certValues struct{ name, path string }

// newCertForm opens the import form: a name, then the path of a PEM file.
func newCertForm(e *ui.Env, w, h int) (*form.Form, *certValues) {
	v := &certValues{}
	pathDesc := "A PEM file holding one X.509 CA certificate (-----BEGIN CERTIFICATE-----); ~/ works."
	if e.Remote() {
		pathDesc = "A PEM file on the server provkeys runs on (you are connected over SSH); ~/ is the server's home."
	}
	f := form.New(e, "Import signing certificate", "enter on the path imports · esc cancels, nothing is saved", "name", w, h,
		func(k *form.Kit) []huh.Field {
			return []huh.Field{
				k.Input("name", "Name", "What keys will call it. Letters A–Z, digits, spaces, “.”, “-” and “_”.", &v.name, form.ValidName, 0),
				k.Input("path", "PEM file", pathDesc, &v.path, validCertPath, 0),
			}
		})
	return f, v
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

// importCert reads the PEM file and hands it to the store, both in the command: file I/O
// never runs in Update.
func importCert(st ui.Store, name, path string) tea.Cmd {
	return ui.WithStore(func(ctx context.Context) tea.Msg {
		abs, text, err := readPEMFile(path)
		if err != nil {
			return certImportedMsg{path: abs, field: "path", err: err}
		}
		c, err := st.ImportCert(ctx, name, text)
		if err == nil {
			return certImportedMsg{cert: c, path: abs}
		}
		var ve *model.ValidationError
		switch {
		case errors.As(err, &ve) && ve.Field == model.FieldName, errors.Is(err, model.ErrDuplicate):
			return certImportedMsg{path: abs, field: "name", err: err}
		case errors.As(err, &ve):
			// The PEM was refused (not a CA, not a certificate, …): say which file.
			return certImportedMsg{path: abs, field: "path", err: fmt.Errorf("%s: %s", abs, ve.Msg)}
		}
		return certImportedMsg{path: abs, err: err}
	})
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
	return tea.Batch(cmd, importCert(p.Env.Store, p.values.name, p.values.path))
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
		case "path":
			return p.Form.Fail("path", msg.err.Error())
		}
		return tea.Batch(ui.Failed("import certificate "+model.Sanitize(p.values.name), msg.err), p.Form.Reopen())
	}
	p.Form, p.values = nil, nil
	c := msg.cert
	p.List.CursorID = c.ID // the reload puts the cursor on it
	return tea.Batch(ui.Okf("Imported certificate %s (%s, expires %s).", ui.ClipText(c.Name, ui.ClipName),
		ui.OrDash(ui.ClipText(c.Subject, ui.ClipNote)), c.NotAfter.In(p.Env.Now().Location()).Format("2006-01-02")), p.Reload())
}
