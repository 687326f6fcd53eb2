package model

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// The audit trail as a file: `provkeys audit --json | --format csv|jsonl` and the Audit
// view's :export write it with these, so the two give the same bytes for the same rows.

// AuditDoc is an audit event as JSON. Old and New are the store's JSON documents (for a
// key, KeyDoc), embedded as objects rather than strings.
type AuditDoc struct {
	ID         int64           `json:"id"`
	At         string          `json:"at"`
	Actor      string          `json:"actor"`
	Role       string          `json:"role"`
	Remote     string          `json:"remote"`
	Action     string          `json:"action"`
	ObjectType string          `json:"object_type"`
	ObjectID   int64           `json:"object_id"`
	ObjectName string          `json:"object_name"`
	Old        json.RawMessage `json:"old"`
	New        json.RawMessage `json:"new"`
	Result     string          `json:"result"`
}

// NewAuditDoc is ev as --json, --format jsonl and (flattened) --format csv give it.
func NewAuditDoc(ev AuditEvent) AuditDoc {
	return AuditDoc{
		ID: ev.ID, At: ev.At.UTC().Format(time.RFC3339), Actor: ev.Actor, Role: string(ev.Role), Remote: ev.Remote,
		Action: string(ev.Action), ObjectType: string(ev.ObjectType), ObjectID: ev.ObjectID,
		ObjectName: ev.ObjectName, Old: rawJSON(ev.Old), New: rawJSON(ev.New), Result: ev.Result,
	}
}

// rawJSON embeds a stored JSON document; anything else (empty, or not JSON) becomes null.
func rawJSON(s string) json.RawMessage {
	if s == "" || !json.Valid([]byte(s)) {
		return json.RawMessage("null")
	}
	return json.RawMessage(s)
}

// AuditFormat is the export format a file name asks for: "csv" for a .csv file, else
// "jsonl" (one JSON object a line).
func AuditFormat(path string) string {
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		return "csv"
	}
	return "jsonl"
}

// WriteAudit writes events to w as format ("csv" or "jsonl").
func WriteAudit(w io.Writer, format string, events []AuditEvent) error {
	switch format {
	case "csv":
		return WriteAuditCSV(w, events)
	case "jsonl":
		return WriteAuditJSONL(w, events)
	}
	return fmt.Errorf("audit format %q: want csv or jsonl", format)
}

// WriteAuditJSONL writes one JSON object a line, the form log tools read.
func WriteAuditJSONL(w io.Writer, events []AuditEvent) error {
	for _, ev := range events {
		b, err := json.Marshal(NewAuditDoc(ev))
		if err != nil {
			return err
		}
		if _, err := w.Write(append(EscapeRefusedJSON(b), '\n')); err != nil {
			return err
		}
	}
	return nil
}

// AuditCSVHeader names the CSV columns.
var AuditCSVHeader = []string{"id", "at", "actor", "role", "remote", "action", "object_type", "object_id", "object_name", "result", "old", "new"}

// WriteAuditCSV writes a header and one row an event. Every cell goes through AuditCSVCell.
func WriteAuditCSV(w io.Writer, events []AuditEvent) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(AuditCSVHeader); err != nil {
		return err
	}
	for _, ev := range events {
		d := NewAuditDoc(ev)
		rec := []string{strconv.FormatInt(d.ID, 10), d.At, d.Actor, d.Role, d.Remote, d.Action, d.ObjectType,
			strconv.FormatInt(d.ObjectID, 10), d.ObjectName, d.Result, ev.Old, ev.New}
		for i, cell := range rec {
			rec[i] = AuditCSVCell(cell)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// AuditCSVCell is s sanitized (Sanitize), and prefixed with ' when a spreadsheet would take
// it for a formula (=, +, -, @), so that opening the file runs nothing.
func AuditCSVCell(s string) string {
	s = Sanitize(s)
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}

// EscapeRefusedJSON writes every code point the validator refuses (Refused: C1 controls,
// bidi and other format characters, private use) as a \u escape, which encoding/json leaves
// raw, so text another tool put in the store cannot reach a terminal through JSON output.
// Outside strings JSON is ASCII, so every such rune is inside a string, where an escape is
// valid.
func EscapeRefusedJSON(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	if i == len(b) {
		return b
	}
	out := append(make([]byte, 0, len(b)+32), b[:i]...)
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if r >= utf8.RuneSelf && r != utf8.RuneError && Refused(r) { // C0 is escaped by encoding/json already
			if r >= 0x10000 {
				hi, lo := utf16.EncodeRune(r)
				out = fmt.Appendf(out, `\u%04x\u%04x`, hi, lo)
			} else {
				out = fmt.Appendf(out, `\u%04x`, r)
			}
		} else {
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}
