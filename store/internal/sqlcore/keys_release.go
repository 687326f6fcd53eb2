package sqlcore

import (
	"context"

	"provkeys/model"
	"provkeys/store"
)

// ReleaseKey returns key id's material for purpose (store.ReleaseActions), audited as that
// action before it is returned.
func (x *Session) ReleaseKey(ctx context.Context, id int64, purpose model.Action) (string, error) {
	if err := store.CheckRelease(purpose); err != nil {
		return "", err
	}
	return x.release(ctx, id, purpose)
}

// AuditKeyUse records purpose on key id, whose material the caller already holds: no
// material is read. The row names the key and its fingerprint as a release's row does, with
// failure's sentence as its result when the use failed.
func (x *Session) AuditKeyUse(ctx context.Context, id int64, purpose model.Action, failure error) error {
	if err := store.CheckRelease(purpose); err != nil {
		return err
	}
	return x.Change(ctx, purpose, model.ObjectKey, id, func(w *W) error {
		var name, fp string
		if err := w.QueryRow(w.Ctx, "SELECT name, fingerprint FROM keys WHERE id = ?", id).Scan(&name, &fp); err != nil {
			return NotFound(w.MapErr(err), "key", id)
		}
		return w.AuditResult(purpose, model.ObjectKey, id, name, nil, map[string]string{"fingerprint": fp}, store.UseResult(failure))
	})
}
