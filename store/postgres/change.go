package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"provkeys/model"
	"provkeys/store"
)

// querier is what both a transaction and the pool offer, so reads can run inside a change.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// scanner is one row to scan: a pgx.Row or the current row of pgx.Rows.
type scanner interface{ Scan(...any) error }

// queryAll runs query and scans every row it returns with scan.
func queryAll[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
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
	pgx.Tx
	ctx context.Context
	x   *session
	now time.Time
	ids map[string]int64 // idByName's cache
}

// now is the store's clock, at the precision timestamptz keeps (microseconds), so a value
// returned from a change equals the one read back later.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

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

// maxAttempts bounds how often a change that lost a serialization race is run again.
const maxAttempts = 8

// change is the one path every write takes: role check, then fn inside a transaction (fn
// makes the version-checked change and its audit rows), the change counted and announced
// (bump), then commit. A failure anywhere rolls everything back, audit rows included. A
// change the server aborted as a deadlock or serialization failure committed nothing and is
// run again. obj and id name the target for the audit row of a refusal.
func (x *session) change(ctx context.Context, a model.Action, obj model.ObjectType, id int64, fn func(w *writeTx) error) error {
	if err := store.Authorize(x.actor, a); err != nil {
		return x.refuse(ctx, a, obj, id, err)
	}
	for attempt := 1; ; attempt++ {
		err := x.changeOnce(ctx, fn)
		if err == nil || !retryable(err) || attempt == maxAttempts || ctx.Err() != nil {
			return x.ctxErr(ctx, err)
		}
	}
}

func (x *session) changeOnce(ctx context.Context, fn func(w *writeTx) error) error {
	tx, err := x.s.pool.Begin(ctx)
	if err != nil {
		return mapErr(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	w := &writeTx{Tx: tx, ctx: ctx, x: x, now: now()}
	if err := fn(w); err != nil {
		return err
	}
	if err := w.bump(); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return mapErr(err)
	}
	x.s.changes.committed()
	return nil
}

// bump counts this transaction in the changes sequence and announces it to every listening
// store; the notification is delivered only if the transaction commits.
func (w *writeTx) bump() error {
	_, err := w.Exec(w.ctx, "SELECT pg_notify('"+channel+"', nextval('changes')::text)")
	return mapErr(err)
}

// refuse records a refused attempt (best effort, in its own transaction: nothing else is
// written) and returns the refusal. Who tried to release key material without the right is
// exactly what an audit trail is for.
func (x *session) refuse(ctx context.Context, a model.Action, t model.ObjectType, id int64, refusal error) error {
	tx, err := x.s.pool.Begin(ctx)
	if err != nil {
		return refusal
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	w := &writeTx{Tx: tx, ctx: ctx, x: x, now: now()}
	if w.auditResult(a, t, id, "", nil, nil, refusal.Error()) == nil && w.bump() == nil && tx.Commit(ctx) == nil {
		x.s.changes.committed()
	}
	return refusal
}

// ctxErr prefers the context's own error when it ended, so callers see DeadlineExceeded.
func (x *session) ctxErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w (%v)", cerr, err)
	}
	return err
}

// versioned runs a version-checked single-statement UPDATE of row id: set is the SET list
// with placeholders from $1, and version, updated_at and updated_by are bumped with it. No row
// changed means the row is gone or newer: conflict says which.
func (w *writeTx) versioned(table, label string, id, version int64, set string, args ...any) error {
	n := len(args)
	q := fmt.Sprintf(`UPDATE %s SET %s, version = version + 1, updated_at = $%d, updated_by = $%d
		WHERE id = $%d AND version = $%d`, table, set, n+1, n+2, n+3, n+4)
	args = append(args, w.now, w.x.actor.Name, id, version)
	tag, err := w.Exec(w.ctx, q, args...)
	if err != nil {
		return err
	}
	return w.checkAffected(tag, table, label, id)
}

// deleteVersioned deletes row id of table only if it is still at version.
func (w *writeTx) deleteVersioned(table, label string, id, version int64) error {
	tag, err := w.Exec(w.ctx, `DELETE FROM `+table+` WHERE id = $1 AND version = $2`, id, version)
	if err != nil {
		return mapErr(err)
	}
	return w.checkAffected(tag, table, label, id)
}

func (w *writeTx) checkAffected(tag pgconn.CommandTag, table, label string, id int64) error {
	if tag.RowsAffected() == 1 {
		return nil
	}
	return w.conflict(table, label, id)
}

// conflict re-reads row id to tell "gone" from "changed by someone else", and names who and
// when from the stored row.
func (w *writeTx) conflict(table, label string, id int64) error {
	var name, by string
	var at time.Time
	var version int64
	err := w.QueryRow(w.ctx, `SELECT name, updated_by, updated_at, version FROM `+table+` WHERE id = $1`, id).
		Scan(&name, &by, &at, &version)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s %d: %w", label, id, model.ErrNotFound)
	}
	if err != nil {
		return mapErr(err)
	}
	return &model.ConflictError{Object: fmt.Sprintf("%s %q", label, name), By: by, At: at.UTC(), Version: version}
}
