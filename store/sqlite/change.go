package sqlite

import (
	"context"
	"database/sql"
	"time"

	"provkeys/store/internal/sqlcore"
)

// querier is what both a transaction and a pool offer, so reads can run inside a change.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// now is the store's clock, at the precision the columns keep (microseconds), so a value
// returned from a change equals the one read back later.
func now() time.Time { return sqlcore.Now() }

// micros and fromMicros convert times to and from the INTEGER columns.
func micros(t time.Time) int64      { return t.UnixMicro() }
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// nullMicros stores the zero time ("never") as NULL.
func nullMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func fromNullMicros(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromMicros(n.Int64)
}
