package postgres

import (
	"context"

	"provkeys/keyformat"
	"provkeys/model"
	"provkeys/store"
)

// RotateKey gives key id a new secret for the same cloud, keeping every setting.
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
		if err := w.versioned("keys", "key", id, version, "fingerprint = $1", keyformat.Fingerprint(secret)); err != nil {
			return err
		}
		// The material is sealed to the key's id; a key that is not exportable keeps none.
		if old.Exportable {
			material := w.x.s.sealer.Seal("key", id, []byte(secret))
			if _, err := w.Exec(w.ctx, `INSERT INTO key_material (key_id, material) VALUES ($1, $2)
				ON CONFLICT (key_id) DO UPDATE SET material = excluded.material`, id, material); err != nil {
				return mapErr(err)
			}
		}
		if k, err = readKey(w.ctx, w, "k.id = $1", id); err != nil {
			return err
		}
		return w.audit(model.ActionRotate, model.ObjectKey, id, k.Name, store.AuditKey(old), store.AuditKey(k))
	})
	if err != nil {
		return model.Key{}, "", err
	}
	return k, secret, nil
}
