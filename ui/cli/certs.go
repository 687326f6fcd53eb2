package cli

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"provkeys/model"
)

// certs is the signing certificates noun: list, import, delete.
func (t *tree) certs() *cobra.Command {
	e := t.e
	return t.group("certs", "manage signing certificates", certsListCmd(e), creates(certsImportCmd(e)), certsDeleteCmd(e))
}

// certJSON is a signing certificate as `certs list --json` prints it.
type certJSON struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Subject   string `json:"subject"`
	Issuer    string `json:"issuer"`
	ExpiresAt string `json:"expires_at"`
	KeyCount  int    `json:"key_count"`
	CreatedAt string `json:"created_at"`
	CreatedBy string `json:"created_by"`
}

func certsListCmd(e *env) *cobra.Command {
	var asJSON bool
	c := leaf(e, "list [--json]", "list signing certificates", takes(),
		func(e *env, _ *cobra.Command, _ []string) error {
			s, err := e.session()
			if err != nil {
				return err
			}
			certs, err := s.ListCerts(e.ctx)
			if err != nil {
				return explain(err, "signing certificates")
			}
			if asJSON {
				return e.writeJSONArray(len(certs), func(i int) any {
					ct := certs[i]
					return certJSON{
						ID: ct.ID, Name: ct.Name, Subject: ct.Subject, Issuer: ct.Issuer,
						ExpiresAt: jsonTime(ct.NotAfter), KeyCount: ct.KeyCount,
						CreatedAt: jsonTime(ct.CreatedAt), CreatedBy: ct.CreatedBy,
					}
				})
			}
			if len(certs) == 0 {
				fmt.Fprintln(e.out, "No signing certificates; import one with: provkeys certs import NAME FILE.pem")
				return nil
			}
			tw := e.newTable()
			row(tw, "NAME", "SUBJECT", "EXPIRES", "KEYS")
			for _, ct := range certs {
				row(tw, ct.Name, ct.Subject, humanTime(ct.NotAfter), strconv.Itoa(ct.KeyCount))
			}
			return tw.Flush()
		})
	c.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return c
}

func certsImportCmd(e *env) *cobra.Command {
	c := leaf(e, "import NAME FILE.pem", "add a CA certificate from a PEM file (- reads standard input)", takes("NAME", "FILE.pem"),
		func(e *env, _ *cobra.Command, pos []string) error {
			pemText, err := e.readPEM(pos[1])
			if err != nil {
				return err
			}
			s, err := e.session()
			if err != nil {
				return err
			}
			ct, err := s.ImportCert(e.ctx, pos[0], string(pemText))
			if err != nil {
				return explain(err, certObject(pos[0]))
			}
			fmt.Fprintf(e.out, "Imported signing certificate %s (%s, expires %s).\n",
				model.Sanitize(ct.Name), model.Sanitize(ct.Subject), humanTime(ct.NotAfter))
			return nil
		})
	c.ValidArgsFunction = func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) == 1 {
			return []string{"pem", "crt"}, cobra.ShellCompDirectiveFilterFileExt
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
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
	var yes bool
	c := leaf(e, "delete NAME [--yes]", "delete a signing certificate no key uses", takes("NAME"),
		func(e *env, _ *cobra.Command, pos []string) error {
			s, err := e.session()
			if err != nil {
				return err
			}
			ct, err := e.cert(s, pos[0])
			if err != nil {
				return err
			}
			if err := e.confirm("certs delete", yes, "Delete signing certificate "+ct.Name+"?"); err != nil {
				return err
			}
			if err := s.DeleteCert(e.ctx, ct.ID); err != nil {
				return explain(err, certObject(ct.Name))
			}
			fmt.Fprintf(e.out, "Deleted signing certificate %s.\n", model.Sanitize(ct.Name))
			return nil
		})
	c.Flags().BoolVar(&yes, "yes", false, "delete without asking")
	c.ValidArgsFunction = e.completeCerts
	return c
}
