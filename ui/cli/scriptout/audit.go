package scriptout

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"provkeys/model"
)

// AuditDoc is an audit event as `audit --json` prints it. Old and New are the store's JSON
// documents (for a key, keydoc.Doc), embedded as objects rather than strings.
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

// rawJSON embeds a stored JSON document; anything else (empty, or not JSON) becomes null.
func rawJSON(s string) json.RawMessage {
	if s == "" || !json.Valid([]byte(s)) {
		return json.RawMessage("null")
	}
	return json.RawMessage(s)
}

// NewAuditDoc is ev as --json, --format jsonl and (flattened) --format csv give it.
func NewAuditDoc(ev model.AuditEvent) AuditDoc {
	return AuditDoc{
		ID: ev.ID, At: Time(ev.At), Actor: ev.Actor, Role: string(ev.Role), Remote: ev.Remote,
		Action: string(ev.Action), ObjectType: string(ev.ObjectType), ObjectID: ev.ObjectID,
		ObjectName: ev.ObjectName, Old: rawJSON(ev.Old), New: rawJSON(ev.New), Result: ev.Result,
	}
}

// AuditJSONL writes one JSON object a line, the form log tools read.
func AuditJSONL(w io.Writer, events []model.AuditEvent) error {
	for _, ev := range events {
		b, err := json.Marshal(NewAuditDoc(ev))
		if err != nil {
			return err
		}
		w.Write(EscapeRefused(b))
		io.WriteString(w, "\n")
	}
	return nil
}

// auditCSVHeader names the CSV columns.
var auditCSVHeader = []string{"id", "at", "actor", "role", "remote", "action", "object_type", "object_id", "object_name", "result", "old", "new"}

// AuditCSV writes a header and one row an event. Every cell goes through model.Sanitize,
// and one that a spreadsheet would take for a formula (=, +, -, @) is prefixed with ' so
// that opening the file runs nothing.
func AuditCSV(w io.Writer, events []model.AuditEvent) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(auditCSVHeader); err != nil {
		return err
	}
	for _, ev := range events {
		d := NewAuditDoc(ev)
		rec := []string{strconv.FormatInt(d.ID, 10), d.At, d.Actor, d.Role, d.Remote, d.Action, d.ObjectType,
			strconv.FormatInt(d.ObjectID, 10), d.ObjectName, d.Result, ev.Old, ev.New}
		for i, cell := range rec {
			rec[i] = csvCell(cell)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvCell(s string) string {
	s = model.Sanitize(s)
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}
