package postgres

import (
	"time"

	"provkeys/store/internal/sqlcore"
)

// now is the store's clock, at the precision timestamptz keeps (microseconds), so a value
// returned from a change equals the one read back later.
func now() time.Time { return sqlcore.Now() }

// nullTime stores the zero time ("never") as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// utc is a time read back, in UTC as the SQLite engine gives it; NULL is the zero time.
func utc(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}
