package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"provkeys/model"
	"provkeys/store"
	"provkeys/ui/cli/scriptout"
)

// newTable returns a writer that aligns tab-separated cells; call row for each line and Flush.
func (e *env) newTable() *tabwriter.Writer { return tabwriter.NewWriter(e.out, 0, 0, 2, ' ', 0) }

// listing is a "NOUN list [--json]" command: what it lists (for failures), how, and how an
// item is written as JSON or as a table row (empty: the sentence when there is none).
type listing[T any] struct {
	what   string
	list   func(store.Session, context.Context) ([]T, error)
	doc    func(T) any
	empty  string
	header []string
	cells  func(T) []string
}

// listCmd is a "list [--json]" command made of l.
func listCmd[T any](e *env, short string, l listing[T]) *cobra.Command {
	var asJSON bool
	c := leaf(e, "list [--json]", short, takes(), func(e *env, _ *cobra.Command, _ []string) error {
		items, err := listAll(e, l.what, l.list)
		if err != nil {
			return err
		}
		if asJSON {
			return e.writeJSONArray(len(items), func(i int) any { return l.doc(items[i]) })
		}
		return writeTable(e, items, l.empty, l.header, l.cells)
	})
	c.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return c
}

// writeTable prints items as a table under header, one row of cells each, or the empty
// sentence when there are none.
func writeTable[T any](e *env, items []T, empty string, header []string, cells func(T) []string) error {
	if len(items) == 0 {
		fmt.Fprintln(e.out, empty)
		return nil
	}
	tw := e.newTable()
	row(tw, header...)
	for _, it := range items {
		row(tw, cells(it)...)
	}
	return tw.Flush()
}

// row writes one table line. Cells are sanitized, which also removes tabs and newlines that
// would break the columns.
func row(tw *tabwriter.Writer, cells ...string) {
	for i, s := range cells {
		cells[i] = model.Sanitize(s)
	}
	fmt.Fprintln(tw, strings.Join(cells, "\t"))
}

// writeJSONArray, writeKeyDocs and writeJSON write what scripts read (see scriptout).
func (e *env) writeJSONArray(n int, item func(i int) any) error {
	return scriptout.JSONArray(e.out, n, item)
}

func (e *env) writeKeyDocs(keys []model.Key, now time.Time) error {
	return scriptout.KeyDocs(e.out, keys, now)
}

func (e *env) writeJSON(v any) error { return scriptout.JSON(e.out, v) }

// humanTime is a time for a table, in the local zone; the zero time is "-".
func humanTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

// jsonTime is a time for JSON: RFC 3339 in UTC.
func jsonTime(t time.Time) string { return scriptout.Time(t) }

// yesNo is a boolean for people.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// plural is "1 key", "2 keys".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
