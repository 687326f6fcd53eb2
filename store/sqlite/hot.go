package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"

	"provkeys/store/internal/sqlcore"
)

// hotStmts are enrollment's statements (sqlcore.EnrollStatements), prepared once per store:
// an enrollment runs them under load, thousands a second, and database/sql would otherwise
// prepare each anew on every call. Those on s.db run on its one writer connection (through
// tx.StmtContext), those on s.rdb on whichever reader is free; database/sql prepares each
// once per connection. sqlQuerier runs a query through its statement when it is one of these.
type hotStmts struct {
	read, write map[string]*sql.Stmt // by query text; never changed once made
}

// hotPrep prepares the statements once; hot is nil until then.
type hotPrep struct {
	once sync.Once
	err  error
	hot  atomic.Pointer[hotStmts]
}

// prepareHot prepares the statements at first use (the schema exists by then).
func (s *Store) prepareHot(ctx context.Context) error {
	p := &s.hotPrep
	p.once.Do(func() {
		h := &hotStmts{read: map[string]*sql.Stmt{}, write: map[string]*sql.Stmt{}}
		reads, writes := sqlcore.EnrollStatements(sqliteDialect)
		var errs []error
		prep := func(db *sql.DB, into map[string]*sql.Stmt, queries []string) {
			for _, q := range queries {
				st, err := db.PrepareContext(context.WithoutCancel(ctx), q)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				into[q] = st
			}
		}
		prep(s.rdb, h.read, reads)
		prep(s.db, h.write, writes)
		if p.err = mapErr(errors.Join(errs...)); p.err != nil {
			h.close()
			return
		}
		p.hot.Store(h)
	})
	return p.err
}

// reader and writer are the prepared statements for a querier on s.rdb and on s.db.
func (p *hotPrep) reader() map[string]*sql.Stmt {
	if h := p.hot.Load(); h != nil {
		return h.read
	}
	return nil
}

func (p *hotPrep) writer() map[string]*sql.Stmt {
	if h := p.hot.Load(); h != nil {
		return h.write
	}
	return nil
}

// close releases the statements, if they were prepared.
func (p *hotPrep) close() {
	if h := p.hot.Load(); h != nil {
		h.close()
	}
}

func (h *hotStmts) close() {
	for _, m := range []map[string]*sql.Stmt{h.read, h.write} {
		for _, st := range m {
			st.Close()
		}
	}
}
