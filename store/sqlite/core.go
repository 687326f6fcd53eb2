package sqlite

import (
	"context"
	"database/sql"
	"sync"

	"provkeys/store"
	"provkeys/store/internal/sqlcore"
)

// engine is what the shared logic (store/internal/sqlcore) needs from SQLite.
type engine struct{ s *Store }

var sqliteDialect = sqlcore.Dialect{NameKey: true, MicroTimes: true, StatementRollback: true}

func (e engine) Dialect() sqlcore.Dialect          { return sqliteDialect }
func (e engine) Reader() sqlcore.Querier           { return sqlQuerier{e.s.rdb, e.s.hotPrep.reader()} }
func (e engine) MapErr(err error) error            { return mapErr(err) }
func (e engine) Retryable(error) bool              { return false } // one writer at a time: nothing to lose a race to
func (e engine) Committed()                        { e.s.commits.Add(1) }
func (e engine) Sealer() *store.Sealer             { return e.s.sealer }
func (e engine) Enrollments() *sqlcore.EnrollQueue { return &e.s.enrollments }
func (e engine) CAs() *store.CACache               { return &e.s.cas }
func (e engine) DataKeyPath() string               { return e.s.keyPath }
func (e engine) ScrubErased(ctx context.Context)   { _ = e.s.scrub(ctx) }

func (e engine) BeforeCommit(context.Context, sqlcore.Tx) error { return nil }

// Begin waits for this process's writer turn (writerQueue: first come, first served), then
// starts a BEGIN IMMEDIATE transaction on the writer. busy_timeout already waits up to 5 s
// for another process's write lock; a BUSY past that is retried, since nothing has run yet.
// The turn passes on when the transaction commits or rolls back.
func (e engine) Begin(ctx context.Context) (sqlcore.Tx, error) {
	release, err := e.s.writer.acquire(ctx)
	if err != nil {
		return nil, err
	}
	var tx *sql.Tx
	err = retryBusy(ctx, func() error {
		var err error
		tx, err = e.s.db.BeginTx(ctx, nil)
		return err
	})
	if err != nil {
		release()
		return nil, mapErr(err)
	}
	return sqlTx{sqlQuerier{tx, e.s.hotPrep.writer()}, tx, sync.OnceFunc(release)}, nil
}

// NextIDs are the ids the next rows of an AUTOINCREMENT table get. Inside a write
// transaction nobody else can take them.
func (e engine) NextIDs(ctx context.Context, q sqlcore.Querier, table string, n int) ([]int64, error) {
	var next int64
	err := q.QueryRow(ctx, "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?), 0) + 1", table).Scan(&next)
	if err != nil {
		return nil, mapErr(err)
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = next + int64(i)
	}
	return ids, nil
}

// sqlQuerier is database/sql seen as a sqlcore.Querier. A query among hot (statements kept
// prepared on q's database, hot.go) runs through its statement instead of being prepared again.
type sqlQuerier struct {
	q interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	}
	hot map[string]*sql.Stmt
}

// prepared is query's kept statement, bound to q's transaction if q is one; nil if none.
func (q sqlQuerier) prepared(ctx context.Context, query string) *sql.Stmt {
	st := q.hot[query]
	if st == nil {
		return nil
	}
	if tx, ok := q.q.(*sql.Tx); ok {
		return tx.StmtContext(ctx, st)
	}
	return st
}

func (q sqlQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	var res sql.Result
	var err error
	if st := q.prepared(ctx, query); st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = q.q.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (q sqlQuerier) Query(ctx context.Context, query string, args ...any) (sqlcore.Rows, error) {
	var rows *sql.Rows
	var err error
	if st := q.prepared(ctx, query); st != nil {
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = q.q.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (q sqlQuerier) QueryRow(ctx context.Context, query string, args ...any) sqlcore.Row {
	if st := q.prepared(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.q.QueryRowContext(ctx, query, args...)
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

// sqlTx is a write transaction seen as a sqlcore.Tx; done gives the writer's turn back.
type sqlTx struct {
	sqlQuerier
	tx   *sql.Tx
	done func()
}

func (t sqlTx) Commit(context.Context) error {
	defer t.done()
	return t.tx.Commit()
}

func (t sqlTx) Rollback(context.Context) error {
	defer t.done()
	return t.tx.Rollback()
}

// writeTx is one change in progress: the shared one (sqlcore.W, ? placeholders and
// time.Time values) and its database/sql transaction for this engine's own statements.
type writeTx struct {
	*sqlcore.W
	*sql.Tx
	x *session
}

func (x *session) wrap(cw *sqlcore.W) *writeTx {
	return &writeTx{W: cw, Tx: cw.Raw().(sqlTx).tx, x: x}
}
