package model

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors every layer returns and every caller tests with errors.Is.
var (
	ErrNotFound      = errors.New("not found")
	ErrDuplicate     = errors.New("already exists")
	ErrConflict      = errors.New("changed by someone else")
	ErrForbidden     = errors.New("not allowed for your role")
	ErrInUse         = errors.New("in use")
	ErrNotExportable = errors.New("key is not exportable")
	ErrAmbiguous     = errors.New("the name matches more than one object") // use the id

	// Enrollment refusals. The service maps them to HTTP statuses with errors.Is, never by text.
	// ErrKeyRefused is the one answer for an unknown, disabled or expired key: a client
	// must not learn which of the three it is, so the sentence is the same for all.
	ErrKeyRefused = errors.New("the provisioning key was refused: it is unknown, disabled or expired")
	// ErrNoUsesLeft: the key admitted as many machines as its max usage allows.
	ErrNoUsesLeft = errors.New("the provisioning key has no uses left")
	// ErrAlreadyEnrolled: the machine name is enrolled with this key and the key does not
	// allow re-enrollment.
	ErrAlreadyEnrolled = errors.New("this machine is already enrolled with this key, and the key does not allow re-enrollment")
	// ErrCannotSign: the key's signing certificate cannot sign (verify only, or expired).
	ErrCannotSign = errors.New("the key's signing certificate cannot sign")
)

// ValidationError says which field of an input is wrong and why, in a plain sentence.
type ValidationError struct {
	Field string
	Msg   string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Msg }

// ConflictError is ErrConflict with who made the newer version and when.
type ConflictError struct {
	Object  string // e.g. `key "web-01"`
	By      string
	At      time.Time
	Version int64 // the version now stored
}

func (e *ConflictError) Error() string {
	if e.By == "" {
		return fmt.Sprintf("%s was changed by someone else; reload and try again", e.Object)
	}
	return fmt.Sprintf("%s was changed by %s at %s; reload and try again", e.Object, e.By, e.At.Local().Format("15:04:05"))
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// InUseShown is how many key names an InUseError carries at most: a certificate used by a
// million keys must not put a million names in one error.
const InUseShown = 5

// InUseError is ErrInUse naming what still uses the object.
type InUseError struct {
	Object string   // e.g. `machine group "Servers"`
	Users  []string // names of the first keys that use it (at most InUseShown), sorted
	Count  int      // how many keys use it; len(Users) when zero
}

func (e *InUseError) Error() string {
	n := max(e.Count, len(e.Users))
	names := e.Users[:min(InUseShown, len(e.Users))]
	more := ""
	if n > len(names) {
		more = fmt.Sprintf(" and %d more", n-len(names))
	}
	return fmt.Sprintf("%s is used by %d key(s): %q%s", e.Object, n, names, more)
}

// Is makes errors.Is(err, ErrInUse) true.
func (e *InUseError) Is(target error) bool { return target == ErrInUse }

// NewGroupError is what refused the new machine group of a key created together with its
// group: the group's name is taken (ErrDuplicate) or one of its fields is wrong
// (*ValidationError). It tells a caller which of the two inputs to point at.
type NewGroupError struct{ Err error }

func (e *NewGroupError) Error() string { return "new machine group: " + e.Err.Error() }

func (e *NewGroupError) Unwrap() error { return e.Err }
