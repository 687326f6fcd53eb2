package store

import (
	"fmt"
	"slices"

	"provkeys/model"
)

// ReleaseActions are the purposes key material leaves the store for, each audited as itself
// so the trail tells a copy from a download: reveal (on screen), copy (the dashboard's
// clipboard), download (a file the dashboard writes) and export (the command line's and the
// SSH server's export, to standard output or a file).
var ReleaseActions = []model.Action{model.ActionReveal, model.ActionCopy, model.ActionDownload, model.ActionExport}

// CheckRelease refuses a purpose that is not one of ReleaseActions.
func CheckRelease(purpose model.Action) error {
	if !slices.Contains(ReleaseActions, purpose) {
		return &model.ValidationError{Field: model.FieldKey, Msg: fmt.Sprintf("%q is not a way to release a key (want reveal, copy, download or export)", purpose)}
	}
	return nil
}

// UseResult is the audit result of AuditKeyUse: "ok", or failure's sentence.
func UseResult(failure error) string {
	if failure == nil {
		return "ok"
	}
	return failure.Error()
}
