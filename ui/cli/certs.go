package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"provkeys/model"
	"provkeys/store"
	"provkeys/ui/cli/scriptout"
)

// certs is the signing certificates noun: list, import, delete.
func (t *tree) certs() *cobra.Command {
	e := t.e
	return t.group("certs", "manage signing certificates", certsListCmd(e), certsExportCmd(e), creates(certsImportCmd(e)), certsDeleteCmd(e))
}

func certsListCmd(e *env) *cobra.Command {
	return listCmd(e, "list signing certificates", listing[model.Cert]{
		what: "signing certificates", list: store.Session.ListCerts,
		doc:    func(ct model.Cert) any { return scriptout.NewCertDoc(ct) },
		empty:  "No signing certificates; import one with: provkeys certs import NAME FILE.pem",
		header: []string{"NAME", "SUBJECT", "EXPIRES", "KEYS", "SIGNS"},
		cells: func(ct model.Cert) []string {
			signs := "yes"
			if !ct.CanSign {
				signs = "verify only"
			}
			return []string{ct.Name, ct.Subject, humanTime(ct.NotAfter), strconv.Itoa(ct.KeyCount), signs}
		},
	})
}

func certsImportCmd(e *env) *cobra.Command {
	var keyFile, flagName string
	// One rule for names, as groups add and keys add: the name is the first argument or
	// --name. The PEM file is always the last argument.
	c := leaf(e, "import [NAME] FILE.pem [--name N] [--key KEY.pem]", "add a CA certificate from a PEM file (- reads standard input), with its private key to sign machine certificates", takes("[NAME]", "FILE.pem"),
		func(e *env, _ *cobra.Command, pos []string) error {
			file := pos[len(pos)-1]
			name, err := nameArg("certs import", pos[:len(pos)-1], flagName)
			if err != nil {
				return err
			}
			if name == "" {
				return usagef("certs import needs a NAME (before FILE.pem, or --name); see provkeys certs import --help")
			}
			if keyFile == "-" && file == "-" {
				return usagef("certs import: the certificate and --key cannot both be standard input")
			}
			pemText, err := e.readPEM(file)
			if err != nil {
				return err
			}
			var keyPEM []byte
			if keyFile != "" {
				// Never echoed: a read error names the file, a parse error says what is wrong.
				if keyPEM, err = e.readPEM(keyFile); err != nil {
					return err
				}
			}
			s, err := e.session()
			if err != nil {
				return err
			}
			var ct model.Cert
			if keyPEM != nil {
				ct, err = s.ImportCertWithKey(e.ctx, name, string(pemText), string(keyPEM))
			} else {
				ct, err = s.ImportCert(e.ctx, name, string(pemText))
			}
			if err != nil {
				return explain(err, certObject(name))
			}
			how := "verify only: keys signed by it cannot enroll machines; import it with --key to sign"
			if keyPEM != nil {
				how = "with its private key, sealed: it signs machine certificates"
			}
			fmt.Fprintf(e.out, "Imported signing certificate %s (%s, expires %s), %s.\n",
				model.Sanitize(ct.Name), model.Sanitize(ct.Subject), humanTime(ct.NotAfter), how)
			return nil
		})
	c.Flags().StringVar(&keyFile, "key", "", "the CA's private key `KEY.pem` (PKCS#8, PKCS#1 or SEC 1; stored encrypted)")
	_ = c.MarkFlagFilename("key", "pem", "key")
	c.Flags().StringVar(&flagName, "name", "", "the certificate's `NAME` (or as the first argument)")
	c.ValidArgsFunction = func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) >= 1 {
			return []string{"pem", "crt"}, cobra.ShellCompDirectiveFilterFileExt
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return c
}

// certsExportCmd prints a CA certificate in PEM, for machines and relying parties to trust
// (the Root as enroll --ca). Never the private key: nothing on the command line prints one.
func certsExportCmd(e *env) *cobra.Command {
	c := leaf(e, "export NAME", "print a CA certificate (PEM), never its private key", takes("NAME"),
		func(e *env, _ *cobra.Command, pos []string) error {
			_, ct, err := sessionLookup(e, pos[0], e.cert)
			if err != nil {
				return err
			}
			pemText := ct.PEM
			if !strings.HasSuffix(pemText, "\n") {
				pemText += "\n"
			}
			_, err = io.WriteString(e.out, pemText)
			return err
		})
	c.ValidArgsFunction = e.completeCerts
	return c
}

// readPEM reads a certificate file, or standard input for "-".
func (e *env) readPEM(path string) ([]byte, error) {
	if path == "-" {
		return readInput(e.ctx, e.io.In, maxInput)
	}
	f, err := e.openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := readInput(e.ctx, f, maxInput)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}

func certsDeleteCmd(e *env) *cobra.Command {
	return deleteCmd(e, deletion[model.Cert]{
		noun: "certs", what: "signing certificate", short: "delete a signing certificate no key uses",
		look: e.cert, name: func(ct model.Cert) string { return ct.Name },
		del:      func(ctx context.Context, s store.Session, ct model.Cert) error { return s.DeleteCert(ctx, ct.ID) },
		complete: e.completeCerts,
	})
}
