package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"provkeys/model"
	"provkeys/store/internal/sqlcore"
)

// errNotADB marks a file that is not an SQLite database.
var errNotADB = errors.New("not an SQLite database")

// mapErr is the one place driver errors become model sentinels. Unknown errors pass through,
// and so do a context's deadline and cancellation.
func mapErr(err error) error {
	if mapped, done := sqlcore.MapShared(err, sql.ErrNoRows); done {
		return mapped
	}
	var se *sqlite.Error
	var le *liteError
	var code int
	switch {
	case errors.As(err, &se):
		code = se.Code()
	case errors.As(err, &le):
		code = le.Code()
	default:
		return err
	}
	switch code {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		if se == nil {
			return fmt.Errorf("%w: %w", model.ErrDuplicate, err)
		}
		return dupError{err: se}
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return fmt.Errorf("%w (a foreign key still points at it)", model.ErrInUse)
	case sqlite3.SQLITE_IOERR_SHMSIZE:
		// WAL mode needs a 32 KiB "-shm" file beside the store even to read; on a full disk
		// it cannot be made, and SQLite says only "disk I/O error (4874)".
		return fmt.Errorf("the disk is full (no room for the store's -shm file): %w", err)
	}
	switch code & 0xff {
	case sqlite3.SQLITE_NOTADB:
		return errNotADB
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return fmt.Errorf("the store is busy (another process held it too long); try again: %w", err)
	case sqlite3.SQLITE_FULL:
		return fmt.Errorf("the disk is full: %w", err)
	case sqlite3.SQLITE_CORRUPT:
		return fmt.Errorf("the store file is damaged; restore it from a backup: %w", err)
	case sqlite3.SQLITE_READONLY:
		return fmt.Errorf("the store is read-only: %w", err)
	}
	return err
}

// dupError is ErrDuplicate that remembers which constraint failed, so callers can say what
// is duplicated ("a key named ..." or "the same key material").
type dupError struct{ err *sqlite.Error }

// sqlcore.NameTaken finds it by this interface.
var _ sqlcore.DuplicateError = dupError{}

func (e dupError) Error() string        { return model.ErrDuplicate.Error() }
func (e dupError) Is(target error) bool { return target == model.ErrDuplicate }

// column reports the failed "table.column" list from SQLite's message.
func (e dupError) column() string {
	_, after, _ := strings.Cut(e.err.Error(), "constraint failed: ")
	return strings.TrimSuffix(after, ")")
}

// Fingerprint is true when the failed constraint is a key's fingerprint (the same material).
func (e dupError) Fingerprint() bool {
	// The same secret under another spelling fails on payload_hash: a fingerprint clash too.
	return strings.Contains(e.column(), ".fingerprint") || strings.Contains(e.column(), ".payload_hash")
}

// isBusy is true for SQLITE_BUSY and SQLITE_LOCKED in any extended form.
func isBusy(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	c := se.Code() & 0xff
	return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
}

func isNotADB(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_NOTADB
}
