package sqlcore

// BackfillPayloadHash runs inside migration 6: it opens every stored key's material and
// records its payload hash with set, the engine's UPDATE, which must leave a key NULL when
// its hash is already taken. Keys are taken in id order, so when a store already holds one
// secret under several names the oldest key keeps the hash and the later ones stay NULL (the
// migration must not fail on a store that the old rule let fill up).
func BackfillPayloadHash(w *W, set func(w *W, hash []byte, id int64) error) error {
	sealer := w.X.E.Sealer()
	// The data key is checked here and not only after the migrations: a wrong one would make
	// every row look damaged.
	var keyID string
	if err := w.QueryRow(w.Ctx, "SELECT value FROM meta WHERE key = 'data_key_id'").Scan(&keyID); err != nil {
		return err
	}
	if keyID != sealer.ID() {
		return sealer.WrongKey()
	}
	type sealedRow struct {
		id       int64
		material []byte
	}
	scan := func(r Row) (sr sealedRow, err error) { return sr, r.Scan(&sr.id, &sr.material) }
	// A page at a time: a million keys' material does not fit in memory at once.
	for after := int64(0); ; {
		rows, err := All(w.Ctx, w.X.E, w, scan, "SELECT key_id, material FROM key_material WHERE key_id > ? ORDER BY key_id LIMIT 1000", after)
		if err != nil || len(rows) == 0 {
			return err
		}
		for _, r := range rows {
			h, err := sealer.SealedPayloadHash(r.id, r.material)
			if err != nil {
				return err
			}
			if err := set(w, h, r.id); err != nil {
				return err
			}
		}
		after = rows[len(rows)-1].id
	}
}
