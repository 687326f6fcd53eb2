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
	"provkeys/store"
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
			label, r, size := "stdin", e.io.In, int64(0)
			if len(pos) == 1 && pos[0] != "-" {
				f, err := e.openInput(pos[0])
				if err != nil {
					return err
				}
				defer f.Close()
				label, r = pos[0], f
				if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
					size = st.Size()
				}
			}
			return e.importKeys(newImportReader(r, label, size), groups, cert)
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

// importKeys streams the file's keys into the store: one transaction, all or none, one line
// in memory at a time (store.ImportKeyStream). The store finds a name or key used twice, on an
// earlier line or by a stored key, by its unique indexes; its refusal names the input's
// position, which the reader maps back to a line.
func (e *env) importKeys(ir *importReader, groups []string, cert string) error {
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
	ir.groups, ir.cert = groups, certName
	if isTerminal(e.io.Err) {
		ir.progress = e.io.Err
		defer fmt.Fprint(e.io.Err, "\r\x1b[K")
	}
	n, err := s.ImportKeyStream(e.ctx, ir.next)
	var ie *store.InputError
	switch {
	case errors.As(err, &ie):
		return ir.refused(ie)
	case errors.Is(err, errBadLine):
		return err
	case err != nil:
		return fmt.Errorf("%s: nothing imported: %w", ir.label, explain(err, "a key"))
	}
	for _, w := range ir.warnings {
		fmt.Fprintf(e.io.Err, "provkeys: %s:%d: warning: %s\n", ir.label, w.line, w.text)
	}
	fmt.Fprintf(e.out, "Imported %s.\n", plural(n, "key"))
	return nil
}

// errBadLine marks the reader's own refusal of a line, already worded "FILE:LINE: why".
var errBadLine = errors.New("bad line")

// badLine is a line the reader refuses.
type badLine struct{ msg string }

func (b *badLine) Error() string        { return b.msg }
func (b *badLine) Is(target error) bool { return target == errBadLine }

// importReader reads an import file of "name<TAB>key" lines one at a time: blank lines and #
// comments are skipped, and the first bad line fails it all with "FILE:LINE: why", never
// repeating key material. It keeps only the line number of each key it gave (4 bytes a key),
// to name lines in the store's refusals, and the few warnings.
type importReader struct {
	label    string
	sc       *bufio.Scanner
	counted  *countingReader
	size     int64 // the file's size, for progress; 0 when unknown
	n        int   // lines read
	lines    []int32
	warnings []importWarning
	groups   []string
	cert     string
	progress io.Writer // where to show how far it is (a terminal), or nil
	shown    int       // the last percentage shown
}

type importWarning struct {
	line int
	text string
}

func newImportReader(r io.Reader, label string, size int64) *importReader {
	cr := &countingReader{r: r}
	sc := bufio.NewScanner(cr)
	sc.Buffer(make([]byte, 0, 64<<10), maxInput)
	return &importReader{label: label, sc: sc, counted: cr, size: size}
}

// next is the store.KeyStream of the file.
func (ir *importReader) next() (model.KeyInput, error) {
	for ir.sc.Scan() {
		ir.n++
		text := strings.TrimSuffix(ir.sc.Text(), "\r")
		if t := strings.TrimSpace(text); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		name, secret, ok := strings.Cut(text, "\t")
		if !ok {
			return model.KeyInput{}, ir.bad(ir.n, "expected a name, a tab and a key")
		}
		if err := model.ValidateName(model.FieldName, name); err != nil {
			return model.KeyInput{}, ir.bad(ir.n, err.Error())
		}
		k, err := parseSecret(secret)
		if err != nil {
			return model.KeyInput{}, ir.bad(ir.n, err.Error())
		}
		for _, w := range k.Warnings {
			ir.warnings = append(ir.warnings, importWarning{ir.n, w})
		}
		ir.lines = append(ir.lines, int32(ir.n))
		if ir.progress != nil && len(ir.lines)%1024 == 0 {
			ir.report()
		}
		return model.KeyInput{
			Name: name, Groups: ir.groups, Cert: ir.cert, Enabled: true, Exportable: true,
			Cloud: k.Host, Secret: keyformat.Format(k),
		}, nil
	}
	if err := ir.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return model.KeyInput{}, ir.bad(ir.n+1, "line too long")
		}
		return model.KeyInput{}, fmt.Errorf("read %s: %w", ir.label, err)
	}
	return model.KeyInput{}, io.EOF
}

// report shows how far the import is: keys read, and the share of the file when its size
// is known (not from a pipe).
func (ir *importReader) report() {
	if ir.size <= 0 {
		fmt.Fprintf(ir.progress, "\r\x1b[Kimport: %d keys read", len(ir.lines))
		return
	}
	if pct := int(min(ir.counted.n, ir.size) * 100 / ir.size); pct != ir.shown {
		ir.shown = pct
		fmt.Fprintf(ir.progress, "\r\x1b[Kimport: %d keys read (%d%%)", len(ir.lines), pct)
	}
}

func (ir *importReader) bad(line int, why string) error {
	return &badLine{fmt.Sprintf("%s:%d: %s", ir.label, line, why)}
}

// refused words the store's refusal of one input by its line, and for a duplicate by the
// earlier line or the stored key it clashes with.
func (ir *importReader) refused(ie *store.InputError) error {
	line := func(pos int) int { return int(ir.lines[pos-1]) }
	if ie.Position < 1 || ie.Position > len(ir.lines) || ie.Earlier > len(ir.lines) {
		return fmt.Errorf("%s: nothing imported: %w", ir.label, explain(ie.Err, "a key"))
	}
	at := fmt.Sprintf("%s:%d", ir.label, line(ie.Position))
	sameName := strings.EqualFold(ie.Clash, ie.Name)
	switch {
	case ie.Earlier > 0 && sameName:
		return fmt.Errorf("%s: the name %q is also used on line %d", at, ie.Name, line(ie.Earlier))
	case ie.Earlier > 0:
		return fmt.Errorf("%s: the same key as on line %d", at, line(ie.Earlier))
	case ie.Clash != "" && sameName:
		return fmt.Errorf("%s: %s already exists", at, keyObject(ie.Clash))
	case ie.Clash != "":
		return fmt.Errorf("%s: this key is already stored as %s", at, keyObject(ie.Clash))
	}
	return fmt.Errorf("%s: nothing imported: %w", at, explain(ie.Err, "a key"))
}

// countingReader counts the bytes read through it, for the progress line.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
