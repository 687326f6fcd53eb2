package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// enrollStatements are enrollment's statements, prepared once per store: an enrollment runs
// them under load, thousands a second. Statements on s.db run on its one writer connection
// (through tx.StmtContext), those on s.rdb on whichever reader is free; database/sql prepares
// each once per connection.
type enrollStatements struct {
	keyByFP, activeRead                            *sql.Stmt // readers
	keyState, activeWrite, reserve, revoke, insert *sql.Stmt // writer, inside the transaction
	lastMachine                                    *sql.Stmt // writer: a re-enrollment's key summary
}

// enrollPrep holds the statements once prepared.
type enrollPrep struct {
	once sync.Once
	st   *enrollStatements
	err  error
}

const activeMachineSQL = `SELECT id, serial FROM machines WHERE key_id = ? AND name_key = ? AND revoked_at IS NULL`

// enrollStmts prepares the statements at first use (the schema exists by then).
func (s *Store) enrollStmts(ctx context.Context) (*enrollStatements, error) {
	p := &s.enrollPrep
	p.once.Do(func() {
		st := &enrollStatements{}
		var errs []error
		prep := func(db *sql.DB, dst **sql.Stmt, q string) {
			var err error
			*dst, err = db.PrepareContext(context.WithoutCancel(ctx), q)
			errs = append(errs, err)
		}
		prep(s.rdb, &st.keyByFP, `SELECT id, cert_id, version, name, enabled, allow_reenroll, max_usage,
			usage_count, expires_at FROM keys WHERE fingerprint = ?`)
		prep(s.rdb, &st.activeRead, activeMachineSQL)
		prep(s.db, &st.keyState, "SELECT version, enabled, expires_at FROM keys WHERE id = ?")
		prep(s.db, &st.activeWrite, activeMachineSQL)
		// The use and the key's last machine change together; version does not move, since
		// an enrollment is not an edit of the key and must not conflict with one.
		prep(s.db, &st.reserve, `UPDATE keys SET usage_count = usage_count + 1, last_machine = ?2
			WHERE id = ?1 AND (max_usage = 0 OR usage_count < max_usage)`)
		prep(s.db, &st.lastMachine, "UPDATE keys SET last_machine = ?2 WHERE id = ?1")
		prep(s.db, &st.revoke, "UPDATE machines SET revoked_at = ? WHERE id = ?")
		prep(s.db, &st.insert, `INSERT INTO machines (name, name_key, key_id, key_name, groups,
			cert_id, cert_name, serial, not_after, enrolled_at, remote, used_use, certificate)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		p.st, p.err = st, mapErr(errors.Join(errs...))
	})
	return p.st, p.err
}

// close releases the statements, if they were prepared.
func (p *enrollPrep) close() {
	if p.st == nil {
		return
	}
	for _, st := range []*sql.Stmt{p.st.keyByFP, p.st.activeRead, p.st.keyState, p.st.activeWrite,
		p.st.reserve, p.st.revoke, p.st.insert, p.st.lastMachine} {
		if st != nil {
			st.Close()
		}
	}
}
