package postgres

import (
	"github.com/jackc/pgx/v5"
)

// backfillPayloadHash runs inside migration 6: it opens every stored key's material and
// records its payload hash. Keys are taken in id order, so when a store already holds one
// secret under several names the oldest key keeps the hash and the later ones stay NULL (the
// migration must not fail on a store that the old rule let fill up).
func backfillPayloadHash(w *writeTx) error {
	s := w.x.s
	// The data key is checked here and not only after the migrations: a wrong one would make
	// every row look damaged.
	var keyID string
	if err := w.Tx.QueryRow(w.ctx, "SELECT value FROM meta WHERE key = 'data_key_id'").Scan(&keyID); err != nil {
		return err
	}
	if keyID != s.sealer.ID() {
		return s.sealer.WrongKey()
	}
	type row struct {
		id       int64
		material []byte
	}
	// A page at a time: a million keys' material does not fit in memory at once.
	for after := int64(0); ; {
		page, err := w.Tx.Query(w.ctx, "SELECT key_id, material FROM key_material WHERE key_id > $1 ORDER BY key_id LIMIT 1000", after)
		if err != nil {
			return err
		}
		rows, err := pgx.CollectRows(page, func(r pgx.CollectableRow) (sr row, err error) {
			err = r.Scan(&sr.id, &sr.material)
			return sr, err
		})
		if err != nil || len(rows) == 0 {
			return err
		}
		for _, r := range rows {
			h, err := s.sealer.SealedPayloadHash(r.id, r.material)
			if err != nil {
				return err
			}
			// A later key with a hash already taken keeps NULL.
			if _, err := w.Tx.Exec(w.ctx, `UPDATE keys SET payload_hash = $1 WHERE id = $2
				AND NOT EXISTS (SELECT 1 FROM keys WHERE payload_hash = $1)`, h, r.id); err != nil {
				return err
			}
		}
		after = rows[len(rows)-1].id
	}
}
