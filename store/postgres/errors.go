package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"provkeys/model"
	"provkeys/store"
	"provkeys/store/internal/sqlcore"
)

// SQLSTATE codes the engine acts on.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
	codeSerialization       = "40001"
	codeDeadlock            = "40P01"
	codeInvalidPassword     = "28P01"
	codeInvalidAuth         = "28000"
	codeNoDatabase          = "3D000"
	codeAppendOnly          = "23001" // restrict_violation, raised by the audit trigger
)

// mapErr is the one place driver errors become model sentinels. Unknown errors pass through,
// and so do a context's deadline and cancellation.
func mapErr(err error) error {
	if mapped, done := sqlcore.MapShared(err, pgx.ErrNoRows); done {
		return mapped
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == codeUniqueViolation:
			return dupError{pe: pe}
		case pe.Code == codeForeignKeyViolation:
			return fmt.Errorf("%w (a foreign key still points at it)", model.ErrInUse)
		case strings.HasPrefix(pe.Code, "08"), strings.HasPrefix(pe.Code, "57P"), pe.Code == "53300":
			// connection exceptions, the server shutting down or starting, too many clients
			return unavailable(err)
		}
		return err
	}
	if lostConnection(err) {
		return unavailable(err)
	}
	return err
}

// unavailable wraps a lost or refused connection as store.ErrUnavailable.
func unavailable(err error) error {
	return fmt.Errorf("%w (the PostgreSQL server cannot be reached: %s)", store.ErrUnavailable, connCause(err))
}

// lostConnection is true for a connection that failed or broke, rather than a statement
// that failed on a working one.
func lostConnection(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || errors.Is(err, pgconn.ErrConnClosed) ||
		strings.Contains(err.Error(), "conn closed")
}

// connCause is the innermost words of a connection error, without pgx's prefix naming the
// user and database (the caller names the target itself).
func connCause(err error) string {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		if u := errors.Unwrap(ce); u != nil {
			err = u
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Message
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return msg
}

// retryable is a change that lost a race the server resolved by aborting it: a
// serialization failure or a deadlock. Nothing of it was committed, so it may run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == codeSerialization || pe.Code == codeDeadlock)
}

// openErr words a failure while opening as one sentence: the target without its password,
// and what is wrong, in words an operator can act on.
func (s *Store) openErr(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case codeInvalidPassword, codeInvalidAuth:
			return fmt.Errorf("open store %s: PostgreSQL refused the login (%s): check the user and password", s.target, pe.Message)
		case codeNoDatabase:
			return fmt.Errorf("open store %s: the database does not exist: create it first (createdb), or fix the name in the URL", s.target)
		}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("open store %s: %w", s.target, err)
	}
	if lostConnection(err) || pe != nil && strings.HasPrefix(pe.Code, "57P") {
		return fmt.Errorf("open store %s: the PostgreSQL server cannot be reached (%s)", s.target, connCause(err))
	}
	return fmt.Errorf("open store %s: %w", s.target, err)
}

// describe names the database a config points at, never with its password.
func describe(cfg *pgxpool.Config) string {
	c := cfg.ConnConfig
	host := c.Host
	if strings.HasPrefix(host, "/") {
		host = "socket " + host
	} else {
		host = fmt.Sprintf("%s:%d", host, c.Port)
	}
	return fmt.Sprintf("postgres database %q as %q at %s", c.Database, c.User, host)
}

// dupError is ErrDuplicate that remembers which index failed, so callers can say what is
// duplicated ("a key named ..." or "the same key material").
type dupError struct{ pe *pgconn.PgError }

// sqlcore.NameTaken finds it by this interface.
var _ sqlcore.DuplicateError = dupError{}

func (e dupError) Error() string        { return model.ErrDuplicate.Error() }
func (e dupError) Is(target error) bool { return target == model.ErrDuplicate }

// Fingerprint is true when the failed index is a key's fingerprint (the same material).
func (e dupError) Fingerprint() bool {
	// The same secret under another spelling fails on payload_hash: a fingerprint clash too.
	return strings.Contains(e.pe.ConstraintName, "fingerprint") || strings.Contains(e.pe.ConstraintName, "payload_hash")
}

// Describe names the database url (a URL or a key=value connection string) points at, for
// messages: database, user and host, never the password.
func Describe(url string) string {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return "(a PostgreSQL URL that cannot be read)"
	}
	return describe(cfg)
}
