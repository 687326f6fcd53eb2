package sqlcore

import (
	"context"
	"fmt"

	"provkeys/keyformat"
	"provkeys/model"
	"provkeys/store"
)

// Scrubber is an engine that can wipe erased key material from its files after the fact
// (SQLite's WAL); UpdateKey asks it to, best effort, when an edit erases material.
type Scrubber interface{ ScrubErased(ctx context.Context) }

// UpdateKey replaces the editable fields of key id if it is still at version. The cloud and
// the key material cannot change; View/Export can only go from on to off, which erases the
// stored material for good (the fingerprint stays, so VerifyKey still finds the key).
func (x *Session) UpdateKey(ctx context.Context, id, version int64, in model.KeyInput) (model.Key, error) {
	return x.editKey(ctx, model.ActionUpdate, id, version, in)
}

// OverwriteKey is UpdateKey saved on purpose over the newer version the operator was shown
// (version is that one), audited as an overwrite; see store.KeyStore.
func (x *Session) OverwriteKey(ctx context.Context, id, version int64, in model.KeyInput) (model.Key, error) {
	return x.editKey(ctx, model.ActionOverwrite, id, version, in)
}

// editKey is UpdateKey and OverwriteKey: the same version-checked change, audited as a.
func (x *Session) editKey(ctx context.Context, a model.Action, id, version int64, in model.KeyInput) (model.Key, error) {
	if err := x.Authorize(a); err != nil {
		return model.Key{}, x.Refuse(ctx, a, model.ObjectKey, id, err)
	}
	if err := in.Validate(); err != nil {
		return model.Key{}, err
	}
	var k model.Key
	erased := false
	err := x.Change(ctx, a, model.ObjectKey, id, func(w *W) error {
		old, err := w.KeyAt(id, version)
		if err != nil {
			return err
		}
		if err := store.EditRules(old, in); err != nil {
			return err
		}
		certID, groupIDs, err := w.Resolve(in)
		if err != nil {
			return err
		}
		// Turning View/Export off erases the key's key_material row (trigger keys_erase_material).
		set, args := w.d.NameSet(in.Name)
		err = w.Versioned("keys", "key", id, version, set+`, cert_id = ?, enabled = ?,
			allow_reenroll = ?, exportable = ?, description = ?, max_usage = ?, expires_at = ?`,
			append(args, certID, in.Enabled, in.AllowReenroll, in.Exportable, in.Description, in.MaxUsage,
				Null(in.ExpiresAt))...)
		if err != nil {
			return w.NameTaken(err, "key", in.Name)
		}
		if !sameIDs(old.Groups, groupIDs) {
			if err := w.setGroups(id, groupIDs); err != nil {
				return err
			}
		}
		if k, err = x.ReadKey(w.Ctx, w, "k.id = ?", id); err != nil {
			return err
		}
		erased = old.Exportable && !k.Exportable
		return w.Audit(a, model.ObjectKey, id, k.Name, store.AuditKey(old), store.AuditKey(k))
	})
	if err != nil {
		return model.Key{}, err
	}
	if sc, ok := x.E.(Scrubber); ok && erased {
		sc.ScrubErased(ctx) // a caller that reports the erasure calls Scrub itself
	}
	return k, nil
}

func sameIDs(refs []model.GroupRef, ids []int64) bool {
	if len(refs) != len(ids) {
		return false
	}
	have := map[int64]bool{}
	for _, r := range refs {
		have[r.ID] = true
	}
	for _, id := range ids {
		if !have[id] {
			return false
		}
	}
	return true
}

// KeyAt reads key id inside the change, locking its row until the change ends where writers
// run at once, and checks it is still at version.
func (w *W) KeyAt(id, version int64) (model.Key, error) {
	old, err := w.X.ReadKey(w.Ctx, w, "k.id = ?"+w.d.Lock("UPDATE OF k"), id)
	if err != nil {
		return model.Key{}, NotFound(err, "key", id)
	}
	return old, store.StaleCheck("key", old.Name, old.Version, version, old.UpdatedBy, old.UpdatedAt)
}

// SetKeyEnabled enables or disables key id if it is still at version.
func (x *Session) SetKeyEnabled(ctx context.Context, id, version int64, enabled bool) (model.Key, error) {
	a := model.ActionDisable
	if enabled {
		a = model.ActionEnable
	}
	return x.keyChange(ctx, a, id, version, func(w *W, old model.Key) error {
		return w.Versioned("keys", "key", id, version, "enabled = ?", enabled)
	})
}

// RotateKey gives key id a new secret for the same cloud, keeping every setting. The old
// material is overwritten in place (on SQLite, secure_delete zeroes the freed space and Scrub
// moves the change out of the WAL).
func (x *Session) RotateKey(ctx context.Context, id, version int64) (model.Key, string, error) {
	var secret string
	k, err := x.keyChange(ctx, model.ActionRotate, id, version, func(w *W, old model.Key) error {
		var err error
		if secret, err = store.KeySecret(model.KeyInput{Cloud: old.Cloud}); err != nil {
			return err
		}
		hash, err := store.PayloadHash(secret)
		if err != nil {
			return err
		}
		// The new payload's hash replaces the old one: the old secret no longer verifies.
		if err := w.Versioned("keys", "key", id, version, "fingerprint = ?, payload_hash = ?", keyformat.Fingerprint(secret), hash); err != nil {
			return err
		}
		if !old.Exportable { // the material is sealed to the key's id; a key not exportable keeps none
			return nil
		}
		material := x.E.Sealer().Seal("key", id, []byte(secret))
		_, err = w.Exec(w.Ctx, `INSERT INTO key_material (key_id, material) VALUES (?, ?)
			ON CONFLICT (key_id) DO UPDATE SET material = excluded.material`, id, material)
		return w.MapErr(err)
	})
	if err != nil {
		return model.Key{}, "", err
	}
	return k, secret, nil
}

// keyChange is a version-checked change of key id made by fn, read back and audited as a.
func (x *Session) keyChange(ctx context.Context, a model.Action, id, version int64, fn func(w *W, old model.Key) error) (model.Key, error) {
	var k model.Key
	err := x.Change(ctx, a, model.ObjectKey, id, func(w *W) error {
		old, err := w.KeyAt(id, version)
		if err != nil {
			return err
		}
		if err := fn(w, old); err != nil {
			return err
		}
		if k, err = x.ReadKey(w.Ctx, w, "k.id = ?", id); err != nil {
			return err
		}
		return w.Audit(a, model.ObjectKey, id, k.Name, store.AuditKey(old), store.AuditKey(k))
	})
	if err != nil {
		return model.Key{}, err
	}
	return k, nil
}

// DeleteKey deletes key id if it is still at version, revoking every machine enrolled with it
// in the same transaction (ActiveMachineCount says how many, for the confirmation).
func (x *Session) DeleteKey(ctx context.Context, id, version int64) error {
	return x.Change(ctx, model.ActionDelete, model.ObjectKey, id, func(w *W) error {
		old, err := w.KeyAt(id, version)
		if err != nil {
			return err
		}
		if err := w.revokeKeyMachines(id); err != nil {
			return err
		}
		if err := w.DeleteVersioned("keys", "key", id, version); err != nil {
			return err
		}
		return w.Audit(model.ActionDelete, model.ObjectKey, id, old.Name, store.AuditKey(old), nil)
	})
}

// RevealKey returns the key material for showing on screen (audited as reveal). The audit row
// is committed before the key is returned. A key that is not exportable gives
// ErrNotExportable.
func (x *Session) RevealKey(ctx context.Context, id int64) (string, error) {
	return x.release(ctx, id, model.ActionReveal)
}

// ExportKey returns the key material for the command line and SSH (audited as export). The
// audit row is committed before the key is returned. A key that is not exportable gives
// ErrNotExportable.
func (x *Session) ExportKey(ctx context.Context, id int64) (string, error) {
	return x.release(ctx, id, model.ActionExport)
}

// release opens key id's material inside a change that records who took it; a key that
// fails to open rolls the audit row back and is reported by name, never as garbage.
func (x *Session) release(ctx context.Context, id int64, a model.Action) (string, error) {
	var secret string
	err := x.Change(ctx, a, model.ObjectKey, id, func(w *W) error {
		var name, fp string
		var exportable bool
		var material []byte
		err := w.QueryRow(w.Ctx, `SELECT k.name, k.fingerprint, k.exportable, m.material
			FROM keys k LEFT JOIN key_material m ON m.key_id = k.id WHERE k.id = ?`, id).
			Scan(&name, &fp, &exportable, &material)
		if err != nil {
			return NotFound(w.MapErr(err), "key", id)
		}
		if !exportable || material == nil {
			return fmt.Errorf("key %q: %w (View/Export was turned off)", name, model.ErrNotExportable)
		}
		plain, err := x.E.Sealer().Unseal("key", id, material)
		if err != nil {
			return fmt.Errorf("key %q: %w: the data key %s is not the one it was sealed with, or the row was altered", name, err, x.E.DataKeyPath())
		}
		secret = string(plain)
		return w.Audit(a, model.ObjectKey, id, name, nil, map[string]string{"fingerprint": fp})
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}
