package sqlite

import (
	"context"

	"provkeys/keyformat"
	"provkeys/model"
	"provkeys/store"
)

// RotateKey gives key id a new secret for the same cloud, keeping every setting. The old
// ciphertext is overwritten in place; secure_delete zeroes the freed space, and Scrub moves
// the change out of the WAL.
func (x *session) RotateKey(ctx context.Context, id, version int64) (model.Key, string, error) {
	var k model.Key
	var secret string
	err := x.change(ctx, model.ActionRotate, model.ObjectKey, id, func(w *writeTx) error {
		old, err := w.keyAt(id, version)
		if err != nil {
			return err
		}
		if secret, err = store.KeySecret(model.KeyInput{Cloud: old.Cloud}); err != nil {
			return err
		}
		if err := w.versioned("keys", "key", id, version, "fingerprint = ?", keyformat.Fingerprint(secret)); err != nil {
			return err
		}
		if old.Exportable {
			material := w.x.s.sealer.Seal("key", id, []byte(secret))
			if _, err := w.ExecContext(w.ctx, `INSERT INTO key_material (key_id, material) VALUES (?, ?)
				ON CONFLICT (key_id) DO UPDATE SET material = excluded.material`, id, material); err != nil {
				return mapErr(err)
			}
		}
		if k, err = readKey(w.ctx, w, "k.id = ?", id); err != nil {
			return err
		}
		return w.audit(model.ActionRotate, model.ObjectKey, id, k.Name, store.AuditKey(old), store.AuditKey(k))
	})
	if err != nil {
		return model.Key{}, "", err
	}
	return k, secret, nil
}
