package store

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"provkeys/model"
)

// KeyStream yields the inputs of an ImportKeyStream one at a time: the next input, or io.EOF
// when there are no more. Any other error ends the import, and ImportKeyStream returns it as
// it is (nothing is stored).
type KeyStream func() (model.KeyInput, error)

// InputError is why ImportKeyStream refused one input: which one (Position counts the inputs
// the stream yielded, from 1), by name, and, for a duplicate, which key it clashes with. The
// caller maps the position back to where the input came from (a file's line).
type InputError struct {
	Position int
	Name     string
	// Earlier is the position of an earlier input of the same stream that holds the same name
	// or key material; 0 when the clash is with a key stored before the import (Clash) or
	// there is no clash.
	Earlier int
	// Clash is the name of the key this input clashes with, when it is a duplicate.
	Clash string
	Err   error
}

func (e *InputError) Error() string {
	return fmt.Sprintf("key %d (%q): %v", e.Position, e.Name, e.Err)
}

func (e *InputError) Unwrap() error { return e.Err }

// StreamedKey is the key an ImportKeyStream stored, as it reads back, built from what was
// written: the import's audit rows carry it without reading every key again.
func StreamedKey(in model.KeyInput, id int64, cloud, fingerprint string, groups []model.GroupRef,
	certID int64, certName, by string, now time.Time) model.Key {
	groups = slices.Clone(groups)
	slices.SortFunc(groups, func(a, b model.GroupRef) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
	})
	expires := in.ExpiresAt
	if !expires.IsZero() {
		expires = expires.UTC().Truncate(time.Microsecond) // as the engines keep it
	}
	return model.Key{
		ID: id, Name: in.Name, Groups: groups, CertID: certID, CertName: certName,
		Enabled: in.Enabled, AllowReenroll: in.AllowReenroll, Exportable: in.Exportable,
		Cloud: cloud, Fingerprint: fingerprint, Description: in.Description,
		MaxUsage: in.MaxUsage, ExpiresAt: expires, CreatedAt: now, CreatedBy: by,
		UpdatedAt: now, UpdatedBy: by, Version: 1,
	}
}
