package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"provkeys/model"
	"provkeys/store"
	"provkeys/store/internal/sqlcore"
)

// engine is what the shared logic (store/internal/sqlcore) needs from PostgreSQL. It talks
// pgx directly (no database/sql in between), so COPY and LISTEN stay on the same pool.
type engine struct{ s *Store }

var pgDialect = sqlcore.Dialect{Numbered: true, RowLocks: true}

func (e engine) Dialect() sqlcore.Dialect          { return pgDialect }
func (e engine) Reader() sqlcore.Querier           { return pgQuerier{e.s.pool} }
func (e engine) MapErr(err error) error            { return mapErr(err) }
func (e engine) Retryable(err error) bool          { return retryable(err) }
func (e engine) Committed()                        { e.s.changes.committed() }
func (e engine) Sealer() *store.Sealer             { return e.s.sealer }
func (e engine) Enrollments() *sqlcore.EnrollQueue { return &e.s.enrollments }
func (e engine) CAs() *store.CACache               { return &e.s.cas }
func (e engine) DataKeyPath() string               { return e.s.keyPath }

func (e engine) Begin(ctx context.Context) (sqlcore.Tx, error) {
	tx, err := e.s.pool.Begin(ctx)
	if err != nil {
		return nil, mapErr(err)
	}
	return pgTx{pgQuerier{tx}, tx}, nil
}

// BeforeCommit counts the transaction in the changes sequence and announces it to every
// listening store; the notification is delivered only if the transaction commits.
func (e engine) BeforeCommit(ctx context.Context, tx sqlcore.Tx) error {
	_, err := tx.Exec(ctx, "SELECT pg_notify('"+channel+"', nextval('changes')::text)")
	return err
}

// NextIDs takes n ids of table's identity sequence. Ids taken by a transaction that rolls
// back are skipped, as with any sequence.
func (e engine) NextIDs(ctx context.Context, q sqlcore.Querier, table string, n int) ([]int64, error) {
	return sqlcore.All(ctx, e, q, func(r sqlcore.Row) (id int64, err error) { return id, r.Scan(&id) },
		"SELECT nextval(pg_get_serial_sequence(?, 'id')) FROM generate_series(1, ?)", table, n)
}

// pgQuerier is a pgx pool or transaction seen as a sqlcore.Querier.
type pgQuerier struct {
	q interface {
		Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
		Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
		QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	}
}

func (q pgQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := q.q.Exec(ctx, query, args...)
	return tag.RowsAffected(), err
}

func (q pgQuerier) Query(ctx context.Context, query string, args ...any) (sqlcore.Rows, error) {
	return q.q.Query(ctx, query, args...)
}

func (q pgQuerier) QueryRow(ctx context.Context, query string, args ...any) sqlcore.Row {
	return q.q.QueryRow(ctx, query, args...)
}

// pgTx is a write transaction seen as a sqlcore.Tx.
type pgTx struct {
	pgQuerier
	tx pgx.Tx
}

func (t pgTx) Commit(ctx context.Context) error { return t.tx.Commit(ctx) }
func (t pgTx) Rollback(ctx context.Context) error {
	return t.tx.Rollback(ctx)
}

// writeTx is one change in progress: the shared one (sqlcore.W, ? placeholders) and its pgx
// transaction for this engine's own statements ($n placeholders, COPY).
type writeTx struct {
	*sqlcore.W
	pgx.Tx
	x *session
}

// change is sqlcore's Change with this engine's view of the transaction.
func (x *session) change(ctx context.Context, a model.Action, obj model.ObjectType, id int64, fn func(w *writeTx) error) error {
	return x.Change(ctx, a, obj, id, func(cw *sqlcore.W) error { return fn(x.wrap(cw)) })
}

func (x *session) wrap(cw *sqlcore.W) *writeTx {
	return &writeTx{W: cw, Tx: cw.Raw().(pgTx).tx, x: x}
}
