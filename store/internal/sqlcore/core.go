// Package sqlcore is the store contract's logic written once for both SQL engines
// (store/sqlite, store/postgres): role checks, version-checked changes, audit rows and the
// aggregates built on them (keys, groups, certificates, saved filters, machines). An engine
// supplies what differs (Engine): how a write transaction begins and what it does before
// commit, how driver errors map to the model's sentinels, and a few SQL spellings (Dialect).
// SQL here is written once with ? placeholders; PostgreSQL's are numbered on the way out.
package sqlcore

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"provkeys/store"
)

// Querier runs SQL: a pool, a connection or a transaction of either engine.
type Querier interface {
	// Exec runs a statement and says how many rows it changed.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// Row is one row to scan; an absent row is the engine's "no rows" error (MapErr makes it
// model.ErrNotFound).
type Row interface{ Scan(dest ...any) error }

// Rows is a result being read row by row.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Tx is a write transaction.
type Tx interface {
	Querier
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// Dialect is how the two engines spell the same thing differently.
type Dialect struct {
	// Numbered placeholders: $1, $2 … (PostgreSQL) instead of ? (SQLite).
	Numbered bool
	// NameKey: case-insensitive names are matched on a stored lower-case column name_key
	// (SQLite), instead of on lower(name) (PostgreSQL).
	NameKey bool
	// RowLocks: SELECT … FOR UPDATE exists and is needed, as several writers run at once
	// (PostgreSQL); SQLite has one writer at a time and no such clause.
	RowLocks bool
	// MicroTimes: times are stored as integer microseconds since 1970 (SQLite), not as
	// timestamptz (PostgreSQL).
	MicroTimes bool
	// StatementRollback: a statement refused (by a unique index) undoes only itself and the
	// transaction goes on (SQLite); PostgreSQL aborts the whole transaction, so what may be
	// refused is asked first.
	StatementRollback bool
}

// Engine is what an engine gives the shared logic.
type Engine interface {
	Dialect() Dialect
	// Reader runs reads outside a change.
	Reader() Querier
	// Begin starts a write transaction (errors already mapped).
	Begin(ctx context.Context) (Tx, error)
	// BeforeCommit runs inside every change before its commit (PostgreSQL counts and announces
	// it): last, except that an enrollment writes its keys' rows after it, to hold their locks
	// the shortest time.
	BeforeCommit(ctx context.Context, tx Tx) error
	// Committed is told of every commit (both engines count them for DataVersion).
	Committed()
	// DataVersion is the engine's answer to Session.DataVersion, which has authorized the
	// read already: a number that moves whenever anything in the store changes.
	DataVersion(ctx context.Context) (int64, error)
	// MapErr is the engine's one mapping of driver errors to the model's sentinels.
	// A uniqueness failure comes out as a DuplicateError.
	MapErr(err error) error
	// Retryable is a change the server aborted that may run again (nothing was committed).
	Retryable(err error) bool
	// NextIDs takes n ids of table's id sequence inside tx, so material can be sealed to its
	// row id in the INSERT itself.
	NextIDs(ctx context.Context, tx Querier, table string, n int) ([]int64, error)
	KeyInserter
	Sealer() *store.Sealer
	// CAs is the engine's cache of parsed CA certificates.
	CAs() *store.CACache
	// Enrollments is the store's queue of enrollments to commit (one per store).
	Enrollments() *EnrollQueue
	DataKeyPath() string
}

// conn is a Querier seen through the dialect: placeholders numbered, times stored as the
// engine keeps them.
type conn struct {
	q Querier
	d Dialect
}

func (c conn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	return c.q.Exec(ctx, c.d.rebind(query), c.d.args(args)...)
}

func (c conn) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	return c.q.Query(ctx, c.d.rebind(query), c.d.args(args)...)
}

func (c conn) QueryRow(ctx context.Context, query string, args ...any) Row {
	return c.q.QueryRow(ctx, c.d.rebind(query), c.d.args(args)...)
}

// rebound caches ? → $n rewrites: the same few hundred statements run again and again.
var rebound sync.Map

// rebind numbers the placeholders of query when the dialect wants them numbered. The
// statements here hold no ? inside string literals.
func (d Dialect) rebind(query string) string {
	if !d.Numbered || !strings.Contains(query, "?") {
		return query
	}
	if q, ok := rebound.Load(query); ok {
		return q.(string)
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	rebound.Store(query, b.String())
	return b.String()
}

// args converts times to integer microseconds for an engine that stores them so.
func (d Dialect) args(args []any) []any {
	if !d.MicroTimes {
		return args
	}
	var out []any // a copy, made only when a time is there: the caller's slice stays as it was
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			if out == nil {
				out = append([]any(nil), args...)
			}
			out[i] = t.UnixMicro()
		}
	}
	if out == nil {
		return args
	}
	return out
}

// NameIs is a WHERE term matching column col (a name) case-insensitively to one argument,
// which NameArg gives.
func (d Dialect) NameIs(col string) string {
	if d.NameKey {
		return col + "_key = ?"
	}
	return "lower(" + col + ") = lower(?)"
}

// NameIn is a WHERE term matching column col (a name) case-insensitively to any of n
// arguments, each given by NameArg.
func (d Dialect) NameIn(col string, n int) string {
	if d.NameKey {
		return col + "_key IN (" + marks(n) + ")"
	}
	return "lower(" + col + ") IN (" + strings.TrimSuffix(strings.Repeat("lower(?), ", n), ", ") + ")"
}

// NameArg is the argument NameIs compares with.
func (d Dialect) NameArg(name string) any {
	if d.NameKey {
		return strings.ToLower(name)
	}
	return name
}

// ByName orders by column col (a name) case-insensitively.
func (d Dialect) ByName(col string) string {
	if d.NameKey {
		return col // declared COLLATE NOCASE
	}
	return "lower(" + col + ")"
}

// Lock is the row-locking clause for a read inside a change ("" where it does not exist),
// e.g. Lock("UPDATE OF k").
func (d Dialect) Lock(what string) string {
	if d.RowLocks {
		return " FOR " + what
	}
	return ""
}

// EpochSeconds is the whole seconds since 1970 (UTC) of time column col, as an integer,
// rounded down (a cast alone would round 23:59:59.6 up into the next day).
func (d Dialect) EpochSeconds(col string) string {
	if d.MicroTimes {
		return "(" + col + " / 1000000)"
	}
	return "floor(extract(epoch FROM " + col + "))::bigint"
}

// NameSet is the SET list (and its arguments) that renames a row to name.
func (d Dialect) NameSet(name string) (string, []any) {
	if d.NameKey {
		return "name = ?, name_key = ?", []any{name, strings.ToLower(name)}
	}
	return "name = ?", []any{name}
}

// NameCols are the INSERT columns (and their values) for a row named name: put them first.
func (d Dialect) NameCols(name string) (cols, marks string, args []any) {
	if d.NameKey {
		return "name, name_key", "?, ?", []any{name, strings.ToLower(name)}
	}
	return "name", "?", []any{name}
}

// Time reads a time column of either engine: integer microseconds, a time.Time, or NULL (the
// zero time, "never").
type Time struct{ T time.Time }

// Scan implements sql.Scanner (pgx calls it too).
func (t *Time) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		t.T = time.Time{}
	case int64:
		t.T = time.UnixMicro(v).UTC()
	case time.Time:
		t.T = v.UTC()
	default:
		return &scanTypeError{v}
	}
	return nil
}

type scanTypeError struct{ v any }

func (e *scanTypeError) Error() string { return "a time column holds an unexpected value" }

// Null stores the zero time ("never") as NULL.
func Null(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// Now is the store's clock, at the precision both engines keep (microseconds), so a value
// returned from a change equals the one read back later.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
