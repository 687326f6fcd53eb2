package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"provkeys/model"
	"provkeys/store"
)

// UpdateKey replaces the editable fields of key id if it is still at version. The cloud and
// the key material cannot change; View/Export can only go from on to off, which erases the
// stored material for good (the fingerprint stays, so VerifyKey still finds the key).
func (x *session) UpdateKey(ctx context.Context, id, version int64, in model.KeyInput) (model.Key, error) {
	return x.editKey(ctx, model.ActionUpdate, id, version, in)
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
	erased := false
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
		// Material is kept only while the key stays exportable: setting exportable to 0 erases
		// its key_material row (trigger keys_erase_material).
		err = w.versioned("keys", "key", id, version, `name = ?, name_key = ?, cert_id = ?,
			enabled = ?, allow_reenroll = ?, exportable = ?,
			description = ?, max_usage = ?, expires_at = ?`,
			in.Name, strings.ToLower(in.Name), certID, in.Enabled, in.AllowReenroll, in.Exportable,
			in.Description, in.MaxUsage, nullMicros(in.ExpiresAt))
		if err != nil {
			return nameTaken(err, "key", in.Name)
		}
		if !sameIDs(old.Groups, groupIDs) {
			if err := w.setGroups(id, groupIDs); err != nil {
				return err
			}
		}
		if k, err = readKey(w.ctx, w, "k.id = ?", id); err != nil {
			return err
		}
		erased = old.Exportable && !k.Exportable
		return w.audit(a, model.ObjectKey, id, k.Name, store.AuditKey(old), store.AuditKey(k))
	})
	if err != nil {
		return model.Key{}, err
	}
	if erased {
		_ = x.Scrub(ctx) // best effort here; a caller that reports the erasure calls Scrub itself
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

// keyAt reads key id inside the change and checks it is still at version.
func (w *writeTx) keyAt(id, version int64) (model.Key, error) {
	old, err := readKey(w.ctx, w, "k.id = ?", id)
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
		if err := w.versioned("keys", "key", id, version, "enabled = ?", enabled); err != nil {
			return err
		}
		if k, err = readKey(w.ctx, w, "k.id = ?", id); err != nil {
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

// RevealKey returns the key material for showing on screen (audited as reveal). The audit row
// is committed before the key is returned. A key that is not exportable gives
// ErrNotExportable.
func (x *session) RevealKey(ctx context.Context, id int64) (string, error) {
	return x.release(ctx, id, model.ActionReveal)
}

// ExportKey returns the key material for copy or download (audited as export). The audit row
// is committed before the key is returned. A key that is not exportable gives
// ErrNotExportable.
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
		err := w.QueryRowContext(w.ctx, `SELECT k.name, k.fingerprint, k.exportable, m.material
			FROM keys k LEFT JOIN key_material m ON m.key_id = k.id WHERE k.id = ?`, id).
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

// ErrScrubBusy is Scrub's answer while another reader's snapshot keeps old WAL frames alive.
var ErrScrubBusy = errors.New("an old copy remains in the store's WAL file while another reader (another provkeys process or screen) holds an older snapshot; it goes at that reader's end and the next change")

// Scrub checkpoints the WAL into the database file, where secure_delete zeroed the erased
// cells, and truncates the WAL, so no copy of erased key material is left in either file.
// Readers holding an older snapshot keep the WAL alive: then it waits only briefly and says
// so (ErrScrubBusy) instead of stalling an edit for the whole busy timeout.
func (x *session) Scrub(ctx context.Context) error {
	if err := store.Authorize(x.actor, model.ActionUpdate); err != nil {
		return err
	}
	conn, err := x.s.db.Conn(ctx)
	if err != nil {
		return mapErr(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 250"); err != nil {
		return mapErr(err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA busy_timeout = 5000")
	var busy, logFrames, done int
	if err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done); err != nil {
		if isBusy(err) {
			return ErrScrubBusy
		}
		return mapErr(err)
	}
	if busy != 0 {
		return ErrScrubBusy
	}
	return nil
}
