package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"sync"
)

// Reading many rows through database/sql costs a lock and a conversion per column; the
// listing talks to the driver directly instead, on pinned connections that share a snapshot.

// rawConn is what the listing needs from the driver's connection.
type rawConn interface {
	driver.ConnBeginTx
	driver.QueryerContext
}

// sameSnapshot runs begin, which starts a read transaction on each connection and reads
// from it (fixing its snapshot), and reports errSnapshotMoved unless no commit can have
// landed meanwhile: PRAGMA data_version on the pinned connection moves whenever any other
// connection commits, and commits counts this process's own. Both unchanged from before
// begin to after it means the transactions were all started on the same snapshot.
func (s *Store) sameSnapshot(ctx context.Context, begin func() error) error {
	s.dvMu.Lock()
	defer s.dvMu.Unlock()
	v0, c0, err := s.dataVersion(ctx)
	if err != nil {
		return err
	}
	if err := begin(); err != nil {
		return err
	}
	v1, c1, err := s.dataVersion(ctx)
	switch {
	case err != nil:
		return err
	case v1 != v0 || c1 != c0:
		return errSnapshotMoved
	}
	return nil
}

// readConns takes one or two connections from the read pool.
func (s *Store) readConns(ctx context.Context, two bool) ([]*sql.Conn, error) {
	c1, err := s.rdb.Conn(ctx)
	if err != nil {
		return nil, mapErr(err)
	}
	conns := []*sql.Conn{c1}
	if two {
		var n int64
		// A cheap look at the size decides whether the second connection is worth it.
		if err := c1.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) - coalesce(min(id), 0) FROM keys").Scan(&n); err != nil {
			c1.Close()
			return nil, mapErr(err)
		}
		if n >= parallelListMin {
			if c2, err := s.rdb.Conn(ctx); err == nil {
				conns = append(conns, c2)
			}
		}
	}
	return conns, nil
}

// dataVersion is DataVersion's two parts; the caller holds dvMu.
func (s *Store) dataVersion(ctx context.Context) (v, commits int64, err error) {
	commits = s.commits.Load()
	if err := s.dv.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
		return 0, 0, mapErr(err)
	}
	return v, commits, nil
}

// rawTxs is one read transaction on each of a few pinned connections, driven through the
// driver directly. The transactions stay open between runs (a *sql.Conn keeps its driver
// connection), so every run sees the snapshot the first one fixed.
type rawTxs struct {
	conns []*sql.Conn
	txs   []driver.Tx
	// discard closes the connections instead of returning them to the pool: after a scan
	// of a large table each holds its filled page cache and statements in SQLite's
	// allocator (about 7 MB at a million keys), which the pool would keep for its idle
	// time. Opening a connection again costs about a millisecond.
	discard bool
}

// run calls fn on every connection at once, beginning its transaction first if needed, and
// returns the first error.
func (r *rawTxs) run(fn func(i int, c rawConn) error) error {
	errs := make([]error, len(r.conns))
	var wg sync.WaitGroup
	for i, conn := range r.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = conn.Raw(func(dc any) error {
				c, ok := dc.(rawConn)
				if !ok {
					return errors.New("store: the driver's connection cannot run raw queries")
				}
				if r.txs[i] == nil {
					tx, err := c.BeginTx(context.Background(), driver.TxOptions{ReadOnly: true})
					if err != nil {
						return err
					}
					r.txs[i] = tx
				}
				return fn(i, c)
			})
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// close ends the transactions and returns the connections to the pool, or closes them
// when discard is set.
func (r *rawTxs) close() {
	for i, conn := range r.conns {
		if tx := r.txs[i]; tx != nil {
			_ = conn.Raw(func(any) error { return tx.Rollback() })
		}
		if r.discard {
			// database/sql closes a connection whose Raw call reports it bad.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}
}

// rawRows runs query on the driver connection and calls fn for each row; fn must copy what
// it keeps out of the slice, which the next row overwrites.
func rawRows(ctx context.Context, c rawConn, query string, args []driver.NamedValue, fn func([]driver.Value) error) error {
	rows, err := c.QueryContext(ctx, query, args)
	if err != nil {
		return err
	}
	dest := make([]driver.Value, len(rows.Columns()))
	for {
		err = rows.Next(dest)
		if err == nil {
			err = fn(dest)
		}
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return errors.Join(err, rows.Close())
		}
	}
}

func asInt(v driver.Value) int64 {
	n, _ := v.(int64)
	return n
}

func asString(v driver.Value) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	}
	return ""
}
