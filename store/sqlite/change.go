package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"provkeys/model"
	"provkeys/store"
)

// querier is what both a transaction and a pool offer, so reads can run inside a change.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scanner is one row to scan: a *sql.Row or the current row of *sql.Rows.
type scanner interface{ Scan(...any) error }

// queryAll runs query and scans every row it returns with scan.
func queryAll[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, mapErr(err)
		}
		out = append(out, v)
	}
	return out, mapErr(rows.Err())
}

// writeTx is one change in progress: the transaction, who makes it and when.
type writeTx struct {
	*sql.Tx
	ctx context.Context
	x   *session
	now time.Time
	ids map[string]int64 // idByName's cache
}

// now is the store's clock, at the precision the columns keep (microseconds), so a value
// returned from a change equals the one read back later.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

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

// refuse records a refused attempt (best effort, in its own transaction: nothing else is
// written) and returns the refusal. Who tried to release key material without the right is
// exactly what an audit trail is for.
func (x *session) refuse(ctx context.Context, a model.Action, t model.ObjectType, id int64, refusal error) error {
	tx, err := x.s.db.BeginTx(ctx, nil)
	if err != nil {
		return refusal
	}
	defer tx.Rollback()
	w := &writeTx{Tx: tx, ctx: ctx, x: x, now: now()}
	if w.auditResult(a, t, id, "", nil, nil, refusal.Error()) == nil && tx.Commit() == nil {
		x.s.commits.Add(1)
	}
	return refusal
}

// change is the one path every write takes: role check, then fn inside a BEGIN IMMEDIATE
// transaction (fn makes the version-checked change and its audit rows), then commit. A
// failure anywhere rolls everything back, audit rows included. obj and id name the target
// for the audit row of a refusal.
func (x *session) change(ctx context.Context, a model.Action, obj model.ObjectType, id int64, fn func(w *writeTx) error) error {
	if err := store.Authorize(x.actor, a); err != nil {
		return x.refuse(ctx, a, obj, id, err)
	}
	tx, err := x.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	w := &writeTx{Tx: tx, ctx: ctx, x: x, now: now()}
	if err := fn(w); err != nil {
		return x.ctxErr(ctx, err)
	}
	if err := tx.Commit(); err != nil {
		return x.ctxErr(ctx, mapErr(err))
	}
	x.s.commits.Add(1)
	return nil
}

// begin starts a BEGIN IMMEDIATE transaction on the writer. busy_timeout already waits up to
// 5 s for another process's write lock; a BUSY past that is retried, since nothing has run yet.
func (x *session) begin(ctx context.Context) (*sql.Tx, error) {
	var tx *sql.Tx
	err := retryBusy(ctx, func() error {
		var err error
		tx, err = x.s.db.BeginTx(ctx, nil)
		return err
	})
	if err != nil {
		return nil, x.ctxErr(ctx, mapErr(err))
	}
	return tx, nil
}

// ctxErr prefers the context's own error when it ended, so callers see DeadlineExceeded.
func (x *session) ctxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w (%v)", cerr, err)
	}
	return err
}

// versioned runs a version-checked single-statement UPDATE of row id: set is the SET list,
// and version, updated_at and updated_by are bumped with it. No row changed means the row is
// gone or newer: conflict says which.
func (w *writeTx) versioned(table, label string, id, version int64, set string, args ...any) error {
	q := `UPDATE ` + table + ` SET ` + set + `, version = version + 1, updated_at = ?, updated_by = ?
		WHERE id = ? AND version = ?`
	args = append(args, micros(w.now), w.x.actor.Name, id, version)
	res, err := w.ExecContext(w.ctx, q, args...)
	if err != nil {
		return err
	}
	return w.checkAffected(res, table, label, id)
}

// deleteVersioned deletes row id of table only if it is still at version.
func (w *writeTx) deleteVersioned(table, label string, id, version int64) error {
	res, err := w.ExecContext(w.ctx, `DELETE FROM `+table+` WHERE id = ? AND version = ?`, id, version)
	if err != nil {
		return mapErr(err)
	}
	return w.checkAffected(res, table, label, id)
}

func (w *writeTx) checkAffected(res sql.Result, table, label string, id int64) error {
	n, err := res.RowsAffected()
	if err != nil {
		return mapErr(err)
	}
	if n == 1 {
		return nil
	}
	return w.conflict(table, label, id)
}

// conflict re-reads row id to tell "gone" from "changed by someone else", and names who and
// when from the stored row.
func (w *writeTx) conflict(table, label string, id int64) error {
	var name, by string
	var at, version int64
	err := w.QueryRowContext(w.ctx, `SELECT name, updated_by, updated_at, version FROM `+table+` WHERE id = ?`, id).
		Scan(&name, &by, &at, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s %d: %w", label, id, model.ErrNotFound)
	}
	if err != nil {
		return mapErr(err)
	}
	return &model.ConflictError{Object: fmt.Sprintf("%s %q", label, name), By: by, At: fromMicros(at), Version: version}
}
