package cli

import (
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
