package postgres

import "provkeys/store/internal/sqlcore"

// backfillPayloadHash is migration 6's Go step (sqlcore.BackfillPayloadHash).
func backfillPayloadHash(w *writeTx) error {
	return sqlcore.BackfillPayloadHash(w.W, func(w *sqlcore.W, hash []byte, id int64) error {
		// A later key with a hash already taken keeps NULL.
		_, err := w.Exec(w.Ctx, `UPDATE keys SET payload_hash = ? WHERE id = ?
			AND NOT EXISTS (SELECT 1 FROM keys WHERE payload_hash = ?)`, hash, id, hash)
		return err
	})
}
