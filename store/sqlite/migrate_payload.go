package sqlite

import (
	"context"
	"database/sql"

	"provkeys/store/internal/sqlcore"
)

// backfillPayloadHash is migration 6's Go step (sqlcore.BackfillPayloadHash).
func backfillPayloadHash(ctx context.Context, tx *sql.Tx, s *Store) error {
	w := s.as(systemActor).In(ctx, sqlTx{sqlQuerier{q: tx}, tx, func() {}})
	return sqlcore.BackfillPayloadHash(w, func(w *sqlcore.W, hash []byte, id int64) error {
		// OR IGNORE: a later key with a hash already taken keeps NULL.
		_, err := w.Exec(w.Ctx, "UPDATE OR IGNORE keys SET payload_hash = ? WHERE id = ?", hash, id)
		return err
	})
}
