package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"provkeys/keyformat"
	"provkeys/model"
)

func keysImportCmd(e *env) *cobra.Command {
	var groups []string
	var cert string
	c := leaf(e, "import [FILE|-] --group G [--group G2] [--cert C]", `create keys from "name<TAB>key" lines, all or none`,
		takes("[FILE|-]"),
		func(e *env, _ *cobra.Command, pos []string) error {
			if len(groups) == 0 {
				return usagef("keys import needs at least one --group; see provkeys keys import --help")
			}
			label, r := "stdin", e.io.In
			if len(pos) == 1 && pos[0] != "-" {
				f, err := e.openInput(pos[0])
				if err != nil {
					return err
				}
				defer f.Close()
				label, r = pos[0], f
			}
			lines, err := readImport(r, label)
			if err != nil {
				return err
			}
			return e.importKeys(label, lines, groups, cert)
		})
	c.Flags().StringArrayVar(&groups, "group", nil, "a machine `GROUP` for every imported key; repeat for several (required)")
	c.Flags().StringVar(&cert, "cert", "", "signing certificate `NAME` (default: Client, else the first)")
	e.completeFlag(c, "group", e.completeGroups)
	e.completeFlag(c, "cert", e.completeCerts)
	return c
}

// openInput opens a file the command line names. Over SSH that would be a file on the server,
// so only standard input ("-") is accepted there.
func (e *env) openInput(path string) (*os.File, error) {
	if e.remote != nil {
		return nil, usagef("over SSH files are read from standard input: give - instead of %s", path)
	}
	return os.Open(path)
}

// importKeys stores the checked lines in one transaction, reporting a clash with a stored key
// by line rather than as the store's one error for the batch.
func (e *env) importKeys(label string, lines []importLine, groups []string, cert string) error {
	s, err := e.session()
	if err != nil {
		return err
	}
	if err := e.checkGroups(s, groups); err != nil {
		return err
	}
	certName, err := e.certName(s, cert)
	if err != nil {
		return err
	}
	existing, err := s.ListKeys(e.ctx)
	if err != nil {
		return explain(err, "keys")
	}
	names := make(map[string]string, len(existing))
	prints := make(map[string]string, len(existing))
	for _, k := range existing {
		names[strings.ToLower(k.Name)] = k.Name
		prints[k.Fingerprint] = k.Name
	}
	in := make([]model.KeyInput, 0, len(lines))
	for _, l := range lines {
		if name, ok := names[strings.ToLower(l.name)]; ok {
			return fmt.Errorf("%s:%d: %s already exists", label, l.n, keyObject(name))
		}
		if name, ok := prints[l.fingerprint]; ok {
			return fmt.Errorf("%s:%d: this key is already stored as %s", label, l.n, keyObject(name))
		}
		in = append(in, model.KeyInput{
			Name: l.name, Groups: groups, Cert: certName, Enabled: true, Exportable: true,
			Cloud: l.host, Secret: l.secret,
		})
	}
	// ImportKeys is one transaction with no progress callback: on a terminal, say what is
	// happening until it returns.
	tty := isTerminal(e.io.Err)
	if tty {
		fmt.Fprintf(e.io.Err, "import: storing %s…", plural(len(in), "key"))
	}
	_, err = s.ImportKeys(e.ctx, in)
	if tty {
		fmt.Fprint(e.io.Err, "\r\x1b[K")
	}
	if err != nil {
		return fmt.Errorf("%s: nothing imported: %w", label, explain(err, "a key"))
	}
	for _, l := range lines {
		for _, w := range l.warnings {
			fmt.Fprintf(e.io.Err, "provkeys: %s:%d: warning: %s\n", label, l.n, w)
		}
	}
	fmt.Fprintf(e.out, "Imported %s.\n", plural(len(in), "key"))
	return nil
}

// importLine is one checked "name<TAB>key" line of an import file.
type importLine struct {
	n                  int // line number
	name, secret, host string
	fingerprint        string
	warnings           []string
}

// readImport reads and checks a whole import file before anything is stored: every line is a
// name, a tab and a key; blank lines and # comments are skipped. The first bad line fails it
// all with "FILE:LINE: why", never repeating key material.
func readImport(r io.Reader, label string) ([]importLine, error) {
	var (
		lines  []importLine
		names  = map[string]int{}
		prints = map[string]int{}
		sc     = bufio.NewScanner(r)
		n      int
	)
	sc.Buffer(make([]byte, 0, 4096), maxInput)
	for sc.Scan() {
		n++
		text := strings.TrimSuffix(sc.Text(), "\r")
		if t := strings.TrimSpace(text); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		name, secret, ok := strings.Cut(text, "\t")
		if !ok {
			return nil, fmt.Errorf("%s:%d: expected a name, a tab and a key", label, n)
		}
		if err := model.ValidateName(model.FieldName, name); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", label, n, err)
		}
		k, err := parseSecret(secret)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", label, n, err)
		}
		l := importLine{n: n, name: name, secret: keyformat.Format(k), host: k.Host, warnings: k.Warnings}
		l.fingerprint = keyformat.Fingerprint(l.secret)
		if prev, ok := names[strings.ToLower(name)]; ok {
			return nil, fmt.Errorf("%s:%d: the name %q is also used on line %d", label, n, name, prev)
		}
		if prev, ok := prints[l.fingerprint]; ok {
			return nil, fmt.Errorf("%s:%d: the same key as on line %d", label, n, prev)
		}
		names[strings.ToLower(name)], prints[l.fingerprint] = n, n
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s:%d: line too long", label, n+1)
		}
		return nil, fmt.Errorf("read %s: %w", label, err)
	}
	return lines, nil
}
