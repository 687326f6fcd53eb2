package sqlcore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"provkeys/model"
	"provkeys/store"
)

// Session is the store seen by one actor, over one engine; every change it makes is audited
// under that actor. Engines embed it in their own session and add what is theirs alone.
type Session struct {
	E     Engine
	actor model.Actor
}

// NewSession is e seen by actor a.
func NewSession(e Engine, a model.Actor) *Session { return &Session{E: e, actor: a} }

// Actor is who this session acts as.
func (x *Session) Actor() model.Actor { return x.actor }

// Read is the engine's reader seen through its dialect.
func (x *Session) Read() Querier { return conn{x.E.Reader(), x.E.Dialect()} }

// Authorize checks that the actor may take action a.
func (x *Session) Authorize(a model.Action) error { return store.Authorize(x.actor, a) }

// DataVersion is store.Session's: the engine's change counter, to anyone who may read.
func (x *Session) DataVersion(ctx context.Context) (int64, error) {
	if err := x.Authorize(model.ActionRead); err != nil {
		return 0, err
	}
	return x.E.DataVersion(ctx)
}

// W is one change in progress: the transaction, who makes it and when. Its Querier methods
// speak the shared dialect (? placeholders, time.Time values).
type W struct {
	conn
	Ctx context.Context
	X   *Session
	Now time.Time
	tx  Tx
	ids map[string]int64 // IDByName's cache
}

// In is a change made inside tx, which the caller began and ends (a migration's seed).
func (x *Session) In(ctx context.Context, tx Tx) *W {
	return &W{conn: conn{tx, x.E.Dialect()}, Ctx: ctx, X: x, Now: Now(), tx: tx}
}

// Raw is the engine's own transaction, for an engine's fast paths (PostgreSQL's COPY).
func (w *W) Raw() Tx { return w.tx }

// D is the engine's dialect.
func (w *W) D() Dialect { return w.d }

// maxAttempts bounds how often a change the server aborted is run again.
const maxAttempts = 8

// Change is the one path every write takes: role check, then fn inside a write transaction
// (fn makes the version-checked change and its audit rows), the engine's last step, then
// commit. A failure anywhere rolls everything back, audit rows included. A change the engine
// calls retryable committed nothing and runs again. obj and id name the target for the audit
// row of a refusal.
func (x *Session) Change(ctx context.Context, a model.Action, obj model.ObjectType, id int64, fn func(w *W) error) error {
	if err := x.Authorize(a); err != nil {
		return x.Refuse(ctx, a, obj, id, err)
	}
	for attempt := 1; ; attempt++ {
		err := x.changeOnce(ctx, fn)
		if err == nil || !x.E.Retryable(err) || attempt == maxAttempts || ctx.Err() != nil {
			return CtxErr(ctx, err)
		}
	}
}

func (x *Session) changeOnce(ctx context.Context, fn func(w *W) error) error {
	tx, err := x.E.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	w := x.In(ctx, tx)
	if err := fn(w); err != nil {
		return err
	}
	if err := x.E.BeforeCommit(ctx, tx); err != nil {
		return x.E.MapErr(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return x.E.MapErr(err)
	}
	x.E.Committed()
	return nil
}

// Refuse records a refused attempt (best effort, in its own transaction: nothing else is
// written) and returns the refusal. Who tried to release key material without the right is
// exactly what an audit trail is for.
func (x *Session) Refuse(ctx context.Context, a model.Action, t model.ObjectType, id int64, refusal error) error {
	tx, err := x.E.Begin(ctx)
	if err != nil {
		return refusal
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	w := x.In(ctx, tx)
	if w.AuditResult(a, t, id, "", nil, nil, refusal.Error()) == nil &&
		x.E.BeforeCommit(ctx, tx) == nil && tx.Commit(ctx) == nil {
		x.E.Committed()
	}
	return refusal
}

// CtxErr prefers the context's own error when it ended, so callers see DeadlineExceeded.
func CtxErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w (%v)", cerr, err)
	}
	return err
}

// MapErr is the engine's error mapping.
func (w *W) MapErr(err error) error { return w.X.E.MapErr(err) }

// Versioned runs a version-checked single-statement UPDATE of row id: set is the SET list,
// and version, updated_at and updated_by are bumped with it. No row changed means the row is
// gone or newer: the error says which.
func (w *W) Versioned(table, label string, id, version int64, set string, args ...any) error {
	q := `UPDATE ` + table + ` SET ` + set + `, version = version + 1, updated_at = ?, updated_by = ?
		WHERE id = ? AND version = ?`
	n, err := w.Exec(w.Ctx, q, append(args, w.Now, w.X.actor.Name, id, version)...)
	if err != nil {
		return err
	}
	return w.checkAffected(n, table, label, id)
}

// DeleteVersioned deletes row id of table only if it is still at version.
func (w *W) DeleteVersioned(table, label string, id, version int64) error {
	n, err := w.Exec(w.Ctx, `DELETE FROM `+table+` WHERE id = ? AND version = ?`, id, version)
	if err != nil {
		return w.MapErr(err)
	}
	return w.checkAffected(n, table, label, id)
}

func (w *W) checkAffected(n int64, table, label string, id int64) error {
	if n == 1 {
		return nil
	}
	return w.conflict(table, label, id)
}

// conflict re-reads row id to tell "gone" from "changed by someone else", and names who and
// when from the stored row.
func (w *W) conflict(table, label string, id int64) error {
	var name, by string
	var at Time
	var version int64
	err := w.QueryRow(w.Ctx, `SELECT name, updated_by, updated_at, version FROM `+table+` WHERE id = ?`, id).
		Scan(&name, &by, &at, &version)
	if err = w.MapErr(err); errors.Is(err, model.ErrNotFound) {
		return fmt.Errorf("%s %d: %w", label, id, model.ErrNotFound)
	}
	if err != nil {
		return err
	}
	return &model.ConflictError{Object: fmt.Sprintf("%s %q", label, name), By: by, At: at.T, Version: version}
}

// NotFound names the object in ErrNotFound; other errors pass through.
func NotFound(err error, label string, id int64) error {
	if err == model.ErrNotFound {
		return fmt.Errorf("%s %d: %w", label, id, model.ErrNotFound)
	}
	return err
}

// DuplicateError is what an engine's MapErr makes of a uniqueness failure: model.ErrDuplicate
// that knows whether the value taken was a key's material (fingerprint or payload hash).
type DuplicateError interface {
	error
	Fingerprint() bool
}

// NameTaken turns a uniqueness failure into a sentence naming what is duplicated; other
// errors pass through the engine's mapping.
func (w *W) NameTaken(err error, what, name string) error {
	err = w.MapErr(err)
	var d DuplicateError
	switch {
	case !errors.As(err, &d):
		return err
	case d.Fingerprint():
		return fmt.Errorf("this key is already stored (same fingerprint): %w", model.ErrDuplicate)
	}
	return fmt.Errorf("a %s named %q %w", what, name, model.ErrDuplicate)
}

// All runs query on q and scans every row it returns with scan.
func All[T any](ctx context.Context, e Engine, q Querier, scan func(Row) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, e.MapErr(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, e.MapErr(err)
		}
		out = append(out, v)
	}
	return out, e.MapErr(rows.Err())
}

// MapShared is the part of an engine's error mapping both engines share: nil stays nil, a
// context's deadline or cancellation passes through unchanged, and the driver's "no rows"
// (noRows) becomes model.ErrNotFound. done is false when the engine's own codes must decide.
func MapShared(err, noRows error) (mapped error, done bool) {
	switch {
	case err == nil:
		return nil, true
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return err, true
	case errors.Is(err, noRows):
		return model.ErrNotFound, true
	}
	return err, false
}
