package sqlite

import (
	"context"
	"errors"
	"sync"
)

// liteTxs is one read transaction on each of the listing's connections (lite.go). The
// transactions stay open between runs, so every run reads the snapshot each one's first read
// fixed; sameSnapshot makes those one snapshot.
type liteTxs struct {
	conns []*liteConn
	begun []bool
}

// begin starts connection i's read transaction with first, a read that fixes its snapshot.
func (r *liteTxs) begin(ctx context.Context, i int, first func(*liteConn) error) error {
	c := r.conns[i]
	if err := c.exec("BEGIN"); err != nil {
		return err
	}
	r.begun[i] = true
	return first(c)
}

// sameSnapshot runs begin, which starts read transactions and reads from them (fixing their
// snapshots), and reports whether no commit can have landed meanwhile: PRAGMA data_version
// on the pinned connection moves whenever any other connection commits, and commits counts
// this process's own. Both unchanged from before begin to after it means the transactions
// were all started on the same snapshot.
func (s *Store) sameSnapshot(ctx context.Context, begin func() error) (bool, error) {
	s.dvMu.Lock()
	defer s.dvMu.Unlock()
	v0, c0, err := s.dataVersion(ctx)
	if err != nil {
		return false, err
	}
	if err := begin(); err != nil {
		return false, err
	}
	v1, c1, err := s.dataVersion(ctx)
	if err != nil {
		return false, err
	}
	return v1 == v0 && c1 == c0, nil
}

// dataVersion is DataVersion's two parts; the caller holds dvMu.
func (s *Store) dataVersion(ctx context.Context) (v, commits int64, err error) {
	commits = s.commits.Load()
	if err := s.dv.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
		return 0, 0, mapErr(err)
	}
	return v, commits, nil
}

// run calls fn on every connection at once (on this goroutine when there is one) and returns
// the first error.
func (r *liteTxs) run(fn func(i int, c *liteConn) error) error {
	if len(r.conns) == 1 {
		return fn(0, r.conns[0])
	}
	errs := make([]error, len(r.conns))
	var wg sync.WaitGroup
	for i, c := range r.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn(i, c)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// drop ends connection i's transaction and leaves it out of the next runs; it is closed,
// not kept, by close.
func (r *liteTxs) drop(i int) {
	c := r.conns[i]
	if r.begun[i] {
		_ = c.exec("ROLLBACK")
	}
	c.close()
	r.conns = append(r.conns[:i], r.conns[i+1:]...)
	r.begun = append(r.begun[:i], r.begun[i+1:]...)
}

// close ends the transactions and gives the connections back to pool, to keep unless
// discard is set.
func (r *liteTxs) close(pool *litePool, discard bool) {
	keep := !discard
	for i, c := range r.conns {
		if r.begun[i] {
			if err := c.exec("ROLLBACK"); err != nil {
				keep = false // a connection in an unknown state is not reused
			}
		}
	}
	pool.put(r.conns, keep)
}
