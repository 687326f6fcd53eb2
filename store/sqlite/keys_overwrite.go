package sqlite

import (
	"context"

	"provkeys/model"
)

// OverwriteKey saves in over a version of key id that someone else wrote while the operator
// was editing: the operator saw that version (theirs) in the dashboard's conflict dialog and
// chose to replace it. It is UpdateKey in every rule — the role check, validation, the cloud
// and the key material staying put, View/Export only going off — and in the version check
// too: version must be the one the operator was shown, so a third change made while the
// dialog was open gives another *model.ConflictError instead of being overwritten unseen.
//
// The audit row says "overwrite" rather than "update", with the overwritten version as the
// old values, so the trail shows that a change was replaced on purpose and whose it was.
//
// Errors: ErrForbidden (viewers; the refusal is audited), *model.ValidationError,
// ErrNotFound, ErrDuplicate (the new name is taken), *model.ConflictError.
func (x *session) OverwriteKey(ctx context.Context, id, version int64, in model.KeyInput) (model.Key, error) {
	return x.editKey(ctx, model.ActionOverwrite, id, version, in)
}
