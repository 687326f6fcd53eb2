package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// The listing reads every key, so it reads through connections of its own, opened with
// SQLite's C API as modernc.org/sqlite/lib translates it rather than through the driver. The
// driver opens every connection SQLITE_OPEN_FULLMUTEX, and then each sqlite3_column_* call
// enters and leaves the connection's mutex (in modernc's pthread emulation, several atomic
// operations each): reading a million keys column by column cost 1.2 s of CPU that way,
// against 0.48 s on a connection opened SQLITE_OPEN_NOMUTEX (measured on the suite's store).
// Packing each key into one text inside the query avoided the mutexes but cost a malloc and
// a free per key in SQLite's allocator, whose one lock the two scanning connections then
// fought over. A NOMUTEX connection must be used by one goroutine at a time: the listing
// gives each of its goroutines its own.

// liteConn is one such read-only connection. Its statements stay prepared for its life.
type liteConn struct {
	tls   *libc.TLS
	db    uintptr
	stmts map[string]uintptr
}

// liteError is an error SQLite returned on a liteConn: its extended result code and message.
type liteError struct {
	code int
	msg  string
}

func (e *liteError) Error() string { return fmt.Sprintf("%s (%d)", e.msg, e.code) }

// Code is the extended result code, as sqlite.Error's.
func (e *liteError) Code() int { return e.code }

// cMem is the address p of memory SQLite allocated (outside Go's heap, never moved) as a
// pointer. unsafe.Add spells the conversion that vet cannot tell from a Go pointer kept in a
// uintptr, which this is not.
func cMem(p uintptr) unsafe.Pointer { return unsafe.Add(unsafe.Pointer(nil), p) }

// openLite opens the store file at path for reading: no mutex, the read pool's small page
// cache and no memory map (see dsn), query_only, and the same busy timeout as the driver's
// connections.
func openLite(path string) (*liteConn, error) {
	c := &liteConn{tls: libc.NewTLS(), stmts: map[string]uintptr{}}
	name, err := libc.CString(path)
	if err != nil {
		c.tls.Close()
		return nil, err
	}
	pdb := c.tls.Alloc(8)
	rc := sqlite3.Xsqlite3_open_v2(c.tls, name, pdb, sqlite3.SQLITE_OPEN_READWRITE|sqlite3.SQLITE_OPEN_NOMUTEX, 0)
	c.db = *(*uintptr)(cMem(pdb))
	c.tls.Free(8)
	libc.Xfree(c.tls, name)
	if rc != sqlite3.SQLITE_OK {
		err := c.err(rc)
		c.close()
		return nil, err
	}
	sqlite3.Xsqlite3_extended_result_codes(c.tls, c.db, 1)
	sqlite3.Xsqlite3_busy_timeout(c.tls, c.db, 5000)
	if err := c.exec("PRAGMA query_only = 1; PRAGMA cache_size = -2048; PRAGMA mmap_size = 0"); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// err is rc as an error, with the connection's message.
func (c *liteConn) err(rc int32) error {
	msg := libc.GoString(sqlite3.Xsqlite3_errstr(c.tls, rc))
	if c.db != 0 {
		// The connection's message says more, when it is about this error.
		if code := sqlite3.Xsqlite3_extended_errcode(c.tls, c.db); code&0xff == rc&0xff {
			msg, rc = libc.GoString(sqlite3.Xsqlite3_errmsg(c.tls, c.db)), code
		}
	}
	return &liteError{code: int(rc), msg: msg}
}

// exec runs statements that return no rows.
func (c *liteConn) exec(sql string) error {
	q, err := libc.CString(sql)
	if err != nil {
		return err
	}
	defer libc.Xfree(c.tls, q)
	if rc := sqlite3.Xsqlite3_exec(c.tls, c.db, q, 0, 0, 0); rc != sqlite3.SQLITE_OK {
		return c.err(rc)
	}
	return nil
}

// prepare returns sql's statement, prepared on first use.
func (c *liteConn) prepare(sql string) (uintptr, error) {
	if p, ok := c.stmts[sql]; ok {
		return p, nil
	}
	q, err := libc.CString(sql)
	if err != nil {
		return 0, err
	}
	defer libc.Xfree(c.tls, q)
	pp := c.tls.Alloc(8)
	rc := sqlite3.Xsqlite3_prepare_v2(c.tls, c.db, q, -1, pp, 0)
	p := *(*uintptr)(cMem(pp))
	c.tls.Free(8)
	if rc != sqlite3.SQLITE_OK {
		return 0, c.err(rc)
	}
	c.stmts[sql] = p
	return p, nil
}

// liteRow is the current row of a statement; what it returns is valid until the next row.
type liteRow struct {
	tls *libc.TLS
	p   uintptr
}

func (r liteRow) int(i int32) int64 { return sqlite3.Xsqlite3_column_int64(r.tls, r.p, i) }

func (r liteRow) null(i int32) bool {
	return sqlite3.Xsqlite3_column_type(r.tls, r.p, i) == sqlite3.SQLITE_NULL
}

// text is column i as text, in SQLite's memory: valid until the next row, so copy what is
// kept. NULL is "".
func (r liteRow) text(i int32) string {
	p := sqlite3.Xsqlite3_column_text(r.tls, r.p, i)
	n := sqlite3.Xsqlite3_column_bytes(r.tls, r.p, i)
	if p == 0 || n <= 0 {
		return ""
	}
	return unsafe.String((*byte)(cMem(p)), n)
}

// queryCheckEvery is how many rows query reads between looks at its context.
const queryCheckEvery = 1024

// query runs sql with args bound to ?1, ?2, ... and calls fn for each row, stopping at fn's
// first error or ctx's end.
func (c *liteConn) query(ctx context.Context, sql string, args []int64, fn func(liteRow) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := c.prepare(sql)
	if err != nil {
		return err
	}
	defer sqlite3.Xsqlite3_reset(c.tls, p)
	for i, a := range args {
		if rc := sqlite3.Xsqlite3_bind_int64(c.tls, p, int32(i+1), a); rc != sqlite3.SQLITE_OK {
			return c.err(rc)
		}
	}
	r := liteRow{tls: c.tls, p: p}
	for n := 1; ; n++ {
		switch rc := sqlite3.Xsqlite3_step(c.tls, p); rc {
		case sqlite3.SQLITE_ROW:
		case sqlite3.SQLITE_DONE:
			return nil
		default:
			return c.err(rc)
		}
		if err := fn(r); err != nil {
			return err
		}
		if n%queryCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
}

// close finalizes the statements and closes the connection.
func (c *liteConn) close() {
	for _, p := range c.stmts {
		sqlite3.Xsqlite3_finalize(c.tls, p)
	}
	c.stmts = nil
	if c.db != 0 {
		sqlite3.Xsqlite3_close_v2(c.tls, c.db)
		c.db = 0
	}
	c.tls.Close()
}

// errStoreClosed refuses a listing on a closed store.
var errStoreClosed = errors.New("store: the store is closed")

// litePool keeps the listing's connections between listings, up to liteIdle of them, for
// liteIdleTime after the last listing ends: like the read pool's, an idle connection holds
// its page cache.
type litePool struct {
	mu     sync.Mutex
	idle   []*liteConn
	closed bool
	timer  *time.Timer // closes the idle connections liteIdleTime after the last put
}

// liteIdle is how many listing connections the pool keeps: a listing uses at most two.
const liteIdle = 2

// liteIdleTime is how long the pool keeps idle connections; tests shorten it.
var liteIdleTime = 10 * time.Second

// take returns n connections to path, idle ones first.
func (p *litePool) take(path string, n int) ([]*liteConn, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errStoreClosed
	}
	k := min(n, len(p.idle))
	conns := append([]*liteConn(nil), p.idle[len(p.idle)-k:]...)
	p.idle = p.idle[:len(p.idle)-k]
	p.mu.Unlock()
	for len(conns) < n {
		c, err := openLite(path)
		if err != nil {
			p.put(conns, false)
			return nil, err
		}
		conns = append(conns, c)
	}
	return conns, nil
}

// put gives connections back, with no transaction open; keep false (or a closed or full
// pool) closes them instead.
func (p *litePool) put(conns []*liteConn, keep bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range conns {
		if keep && !p.closed && len(p.idle) < liteIdle {
			p.idle = append(p.idle, c)
		} else {
			c.close()
		}
	}
	if len(p.idle) > 0 {
		if p.timer == nil {
			p.timer = time.AfterFunc(liteIdleTime, p.closeIdle)
		} else {
			p.timer.Reset(liteIdleTime)
		}
	}
}

// closeIdle closes the idle connections.
func (p *litePool) closeIdle() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.idle {
		c.close()
	}
	p.idle = nil
}

// close closes the idle connections; those in use close when they are put back.
func (p *litePool) close() {
	p.mu.Lock()
	p.closed = true
	if p.timer != nil {
		p.timer.Stop()
	}
	p.mu.Unlock()
	p.closeIdle()
}
