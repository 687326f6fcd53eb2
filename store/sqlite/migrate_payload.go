package sqlite

import (
	"context"
	"database/sql"
)

// backfillPayloadHash runs inside migration 6: it opens every stored key's material and
// records its payload hash. Keys are taken in id order, so when a store already holds one
// secret under several names the oldest key keeps the hash and the later ones stay NULL (the
// migration must not fail on a store that the old rule let fill up).
func backfillPayloadHash(ctx context.Context, tx *sql.Tx, s *Store) error {
	// The data key is checked here and not only after the migrations: a wrong one would make
	// every row look damaged.
	var keyID string
	if err := tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'data_key_id'").Scan(&keyID); err != nil {
		return err
	}
	if keyID != s.sealer.ID() {
		return s.sealer.WrongKey()
	}
	// A page at a time: a million keys' material does not fit in memory at once.
	for after := int64(0); ; {
		rows, err := materialPage(ctx, tx, after)
		if err != nil || len(rows) == 0 {
			return err
		}
		for _, r := range rows {
			h, err := s.sealer.SealedPayloadHash(r.id, r.material)
			if err != nil {
				return err
			}
			// OR IGNORE: a later key with a hash already taken keeps NULL.
			if _, err := tx.ExecContext(ctx, "UPDATE OR IGNORE keys SET payload_hash = ? WHERE id = ?", h, r.id); err != nil {
				return err
			}
		}
		after = rows[len(rows)-1].id
	}
}

// sealedRow is one key's id and sealed material.
type sealedRow struct {
	id       int64
	material []byte
}

// materialPage reads the next thousand rows of key_material after key id after.
func materialPage(ctx context.Context, tx *sql.Tx, after int64) ([]sealedRow, error) {
	rows, err := tx.QueryContext(ctx, "SELECT key_id, material FROM key_material WHERE key_id > ? ORDER BY key_id LIMIT 1000", after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sealedRow
	for rows.Next() {
		var r sealedRow
		if err := rows.Scan(&r.id, &r.material); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
