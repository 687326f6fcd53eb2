package postgres

import (
	"context"
	"errors"
	"fmt"

	"provkeys/model"
	"provkeys/store"
)

// UpdateKey replaces the editable fields of key id if it is still at version. The cloud and
// the key material cannot change; View/Export can only go from on to off, which erases the
// stored material for good (the fingerprint stays, so VerifyKey still finds the key).
func (x *session) UpdateKey(ctx context.Context, id, version int64, in model.KeyInput) (model.Key, error) {
	return x.editKey(ctx, model.ActionUpdate, id, version, in)
}

// OverwriteKey is UpdateKey saved on purpose over the newer version the operator was shown
// (version is that one), audited as an overwrite; see store.KeyStore.
func (x *session) OverwriteKey(ctx context.Context, id, version int64, in model.KeyInput) (model.Key, error) {
	return x.editKey(ctx, model.ActionOverwrite, id, version, in)
}

// editKey is UpdateKey and OverwriteKey: the same version-checked change, audited as a.
func (x *session) editKey(ctx context.Context, a model.Action, id, version int64, in model.KeyInput) (model.Key, error) {
	if err := store.Authorize(x.actor, a); err != nil {
		return model.Key{}, x.refuse(ctx, a, model.ObjectKey, id, err)
	}
	if err := in.Validate(); err != nil {
		return model.Key{}, err
	}
	var k model.Key
	err := x.change(ctx, a, model.ObjectKey, id, func(w *writeTx) error {
		old, err := w.keyAt(id, version)
		if err != nil {
			return err
		}
		if err := store.EditRules(old, in); err != nil {
			return err
		}
		certID, groupIDs, err := w.resolve(in)
		if err != nil {
			return err
		}
		// Turning View/Export off erases the key's key_material row (trigger keys_erase_material).
		err = w.versioned("keys", "key", id, version, `name = $1, cert_id = $2, enabled = $3,
			allow_reenroll = $4, exportable = $5,
			description = $6, max_usage = $7, expires_at = $8`,
			in.Name, certID, in.Enabled, in.AllowReenroll, in.Exportable, in.Description, in.MaxUsage,
			nullTime(in.ExpiresAt))
		if err != nil {
			return nameTaken(err, "key", in.Name)
		}
		if !sameIDs(old.Groups, groupIDs) {
			if err := w.setGroups(id, groupIDs); err != nil {
				return err
			}
		}
		if k, err = readKey(w.ctx, w, "k.id = $1", id); err != nil {
			return err
		}
		return w.audit(a, model.ObjectKey, id, k.Name, store.AuditKey(old), store.AuditKey(k))
	})
	if err != nil {
		return model.Key{}, err
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

// keyAt reads key id inside the change, locking its row until the change ends, and checks
// it is still at version.
func (w *writeTx) keyAt(id, version int64) (model.Key, error) {
	old, err := readKey(w.ctx, w, "k.id = $1 FOR UPDATE OF k", id)
	if err != nil {
		return model.Key{}, notFound(err, "key", id)
	}
	return old, store.StaleCheck("key", old.Name, old.Version, version, old.UpdatedBy, old.UpdatedAt)
}

// notFound names the object in ErrNotFound; other errors pass through.
func notFound(err error, label string, id int64) error {
	if err == model.ErrNotFound {
		return fmt.Errorf("%s %d: %w", label, id, model.ErrNotFound)
	}
	return err
}

// SetKeyEnabled enables or disables key id if it is still at version.
func (x *session) SetKeyEnabled(ctx context.Context, id, version int64, enabled bool) (model.Key, error) {
	a := model.ActionDisable
	if enabled {
		a = model.ActionEnable
	}
	var k model.Key
	err := x.change(ctx, a, model.ObjectKey, id, func(w *writeTx) error {
		old, err := w.keyAt(id, version)
		if err != nil {
			return err
		}
		if err := w.versioned("keys", "key", id, version, "enabled = $1", enabled); err != nil {
			return err
		}
		if k, err = readKey(w.ctx, w, "k.id = $1", id); err != nil {
			return err
		}
		return w.audit(a, model.ObjectKey, id, k.Name, store.AuditKey(old), store.AuditKey(k))
	})
	if err != nil {
		return model.Key{}, err
	}
	return k, nil
}

// DeleteKey deletes key id if it is still at version, revoking every machine enrolled with it
// in the same transaction (ActiveMachineCount says how many, for the confirmation).
func (x *session) DeleteKey(ctx context.Context, id, version int64) error {
	return x.change(ctx, model.ActionDelete, model.ObjectKey, id, func(w *writeTx) error {
		old, err := w.keyAt(id, version)
		if err != nil {
			return err
		}
		if err := w.revokeKeyMachines(id); err != nil {
			return err
		}
		if err := w.deleteVersioned("keys", "key", id, version); err != nil {
			return err
		}
		return w.audit(model.ActionDelete, model.ObjectKey, id, old.Name, store.AuditKey(old), nil)
	})
}

// RevealKey returns the key material for showing on screen (audited as reveal), committed
// before the key is returned.
func (x *session) RevealKey(ctx context.Context, id int64) (string, error) {
	return x.release(ctx, id, model.ActionReveal)
}

// ExportKey returns the key material for copy or download (audited as export), committed
// before the key is returned.
func (x *session) ExportKey(ctx context.Context, id int64) (string, error) {
	return x.release(ctx, id, model.ActionExport)
}

// release opens key id's material inside a change that records who took it; a key that
// fails to open rolls the audit row back and is reported by name, never as garbage.
func (x *session) release(ctx context.Context, id int64, a model.Action) (string, error) {
	var secret string
	err := x.change(ctx, a, model.ObjectKey, id, func(w *writeTx) error {
		var name, fp string
		var exportable bool
		var material []byte
		err := w.QueryRow(w.ctx, `SELECT k.name, k.fingerprint, k.exportable, m.material
			FROM keys k LEFT JOIN key_material m ON m.key_id = k.id WHERE k.id = $1`, id).
			Scan(&name, &fp, &exportable, &material)
		if err != nil {
			return notFound(mapErr(err), "key", id)
		}
		if !exportable || material == nil {
			return fmt.Errorf("key %q: %w (View/Export was turned off)", name, model.ErrNotExportable)
		}
		plain, err := x.s.sealer.Unseal("key", id, material)
		if err != nil {
			return fmt.Errorf("key %q: %w: the data key %s is not the one it was sealed with, or the row was altered", name, err, x.s.keyPath)
		}
		secret = string(plain)
		return w.audit(a, model.ObjectKey, id, name, nil, map[string]string{"fingerprint": fp})
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// errScrubServer says what Scrub cannot promise on PostgreSQL: the server keeps old row
// versions (and its WAL) until VACUUM and its own recycling, and does not zero them then.
var errScrubServer = errors.New("PostgreSQL keeps old row versions in its data files and WAL until the server reuses that space; only the server's administrator can make those copies go (VACUUM FULL, WAL recycling)")

// Scrub cannot reach into the server's files: the rows no longer hold the material, and
// errScrubServer says what may remain.
func (x *session) Scrub(ctx context.Context) error {
	if err := store.Authorize(x.actor, model.ActionUpdate); err != nil {
		return err
	}
	return errScrubServer
}
