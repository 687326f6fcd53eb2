package cli

import (
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"provkeys/model"
)

// auditQuery is what `audit --since --actor --action` keeps.
type auditQuery struct {
	since  time.Time // zero: from the start
	actor  string    // case-insensitive; "" any
	action string    // case-insensitive; "" any
}

// parseSince reads --since: an age as filters write it (30d, 12h) or a date (2026-01-31, the
// start of that day in local time).
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, ok := model.ParseAge(s); ok {
		return now.Add(-d), nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t, nil
	}
	return time.Time{}, usagef("--since %q: want an age such as 30d or 12h, or a date such as 2026-01-31", s)
}

// keep reports whether ev answers the query.
func (q auditQuery) keep(ev model.AuditEvent) bool {
	return !ev.At.Before(q.since) &&
		(q.actor == "" || strings.EqualFold(ev.Actor, q.actor)) &&
		(q.action == "" || strings.EqualFold(string(ev.Action), q.action))
}

// auditDoc is ev as --json, --format jsonl and (flattened) --format csv give it.
func auditDoc(ev model.AuditEvent) auditJSON {
	return auditJSON{
		ID: ev.ID, At: jsonTime(ev.At), Actor: ev.Actor, Role: string(ev.Role), Remote: ev.Remote,
		Action: string(ev.Action), ObjectType: string(ev.ObjectType), ObjectID: ev.ObjectID,
		ObjectName: ev.ObjectName, Old: rawJSON(ev.Old), New: rawJSON(ev.New), Result: ev.Result,
	}
}

// writeAuditJSONL writes one JSON object a line, the form log tools read.
func (e *env) writeAuditJSONL(events []model.AuditEvent) error {
	for _, ev := range events {
		b, err := json.Marshal(auditDoc(ev))
		if err != nil {
			return err
		}
		e.out.Write(escapeRefused(b))
		e.out.WriteByte('\n')
	}
	return nil
}

// auditCSVHeader names the CSV columns.
var auditCSVHeader = []string{"id", "at", "actor", "role", "remote", "action", "object_type", "object_id", "object_name", "result", "old", "new"}

// writeAuditCSV writes a header and one row an event. Every cell goes through
// model.Sanitize, and one that a spreadsheet would take for a formula (=, +, -, @) is
// prefixed with ' so that opening the file runs nothing.
func (e *env) writeAuditCSV(events []model.AuditEvent) error {
	w := csv.NewWriter(e.out)
	if err := w.Write(auditCSVHeader); err != nil {
		return err
	}
	for _, ev := range events {
		d := auditDoc(ev)
		rec := []string{strconv.FormatInt(d.ID, 10), d.At, d.Actor, d.Role, d.Remote, d.Action, d.ObjectType,
			strconv.FormatInt(d.ObjectID, 10), d.ObjectName, d.Result, ev.Old, ev.New}
		for i, cell := range rec {
			rec[i] = csvCell(cell)
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

func csvCell(s string) string {
	s = model.Sanitize(s)
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}
