// Package store keeps provkeys' data in one SQLite file (modernc.org/sqlite, no cgo). It is
// the single authority: it validates input, checks the actor's role, and writes the audit row
// in the same transaction as the change.
package store

import (
	"context"
	"errors"

	"provkeys/model"
)

// SKELETON: signatures only, filled in by the store work. Every method of Session acts as
// its actor and returns model sentinels (ErrNotFound, ErrDuplicate, ErrConflict via
// *model.ConflictError, ErrForbidden, ErrInUse via *model.InUseError, ErrNotExportable) or
// *model.ValidationError.

var errSkeleton = errors.New("store skeleton")

// Store is an open provkeys database file.
type Store struct{ path string }

// Session is the store seen by one actor; every change it makes is audited under that actor.
type Session struct {
	s     *Store
	actor model.Actor
}

// DefaultPath is --db's fallback: $PROVKEYS_DB, else $XDG_DATA_HOME/provkeys/provkeys.db
// (XDG_DATA_HOME defaulting to ~/.local/share).
func DefaultPath() (string, error) { return "", errSkeleton }

// Options tunes Open.
type Options struct {
	// DataKeyPath is the file holding the key that encrypts key material at rest; empty means
	// $PROVKEYS_DATA_KEY, else "<db path>.key" beside the store. Created (0600) on first use.
	DataKeyPath string
}

// Open opens (creating file and directory if needed) and migrates the store at path.
func Open(path string, opt Options) (*Store, error) { return nil, errSkeleton }

// Close closes the database.
func (s *Store) Close() error { return nil }

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// As returns the store seen by actor a.
func (s *Store) As(a model.Actor) *Session { return &Session{s: s, actor: a} }

// Actor is who this session acts as.
func (x *Session) Actor() model.Actor { return x.actor }

// ListKeys returns every key, without key material, sorted by name.
func (x *Session) ListKeys(ctx context.Context) ([]model.Key, error) { return nil, errSkeleton }

// Key returns one key by id.
func (x *Session) Key(ctx context.Context, id int64) (model.Key, error) {
	return model.Key{}, errSkeleton
}

// KeyByName returns one key by name (case-insensitive).
func (x *Session) KeyByName(ctx context.Context, name string) (model.Key, error) {
	return model.Key{}, errSkeleton
}

// CreateKey validates in, generates the key material (or stores in.Secret) and returns the new
// key and its secret, which the caller shows once.
func (x *Session) CreateKey(ctx context.Context, in model.KeyInput) (model.Key, string, error) {
	return model.Key{}, "", errSkeleton
}

// UpdateKey replaces the editable fields of key id if it is still at version.
func (x *Session) UpdateKey(ctx context.Context, id, version int64, in model.KeyInput) (model.Key, error) {
	return model.Key{}, errSkeleton
}

// SetKeyEnabled enables or disables key id if it is still at version.
func (x *Session) SetKeyEnabled(ctx context.Context, id, version int64, enabled bool) (model.Key, error) {
	return model.Key{}, errSkeleton
}

// DeleteKey deletes key id if it is still at version.
func (x *Session) DeleteKey(ctx context.Context, id, version int64) error { return errSkeleton }

// RevealKey returns the key material for showing on screen (audited as reveal).
func (x *Session) RevealKey(ctx context.Context, id int64) (string, error) { return "", errSkeleton }

// ExportKey returns the key material for copy or download (audited as export).
func (x *Session) ExportKey(ctx context.Context, id int64) (string, error) { return "", errSkeleton }

// VerifyKey finds the key whose fingerprint matches secret.
func (x *Session) VerifyKey(ctx context.Context, secret string) (model.Key, error) {
	return model.Key{}, errSkeleton
}

// ImportKeys creates all keys or none.
func (x *Session) ImportKeys(ctx context.Context, in []model.KeyInput) ([]model.Key, error) {
	return nil, errSkeleton
}

// ListGroups returns every machine group sorted by name, with how many keys use each.
func (x *Session) ListGroups(ctx context.Context) ([]model.Group, error) { return nil, errSkeleton }

// GroupByName returns one group by name (case-insensitive).
func (x *Session) GroupByName(ctx context.Context, name string) (model.Group, error) {
	return model.Group{}, errSkeleton
}

// CreateGroup creates a machine group.
func (x *Session) CreateGroup(ctx context.Context, in model.GroupInput) (model.Group, error) {
	return model.Group{}, errSkeleton
}

// UpdateGroup replaces group id's fields if it is still at version.
func (x *Session) UpdateGroup(ctx context.Context, id, version int64, in model.GroupInput) (model.Group, error) {
	return model.Group{}, errSkeleton
}

// DeleteGroup deletes group id if still at version and no key uses it.
func (x *Session) DeleteGroup(ctx context.Context, id, version int64) error { return errSkeleton }

// ListCerts returns every signing certificate sorted by name.
func (x *Session) ListCerts(ctx context.Context) ([]model.Cert, error) { return nil, errSkeleton }

// CertByName returns one certificate by name (case-insensitive).
func (x *Session) CertByName(ctx context.Context, name string) (model.Cert, error) {
	return model.Cert{}, errSkeleton
}

// ImportCert stores a PEM CA certificate under name.
func (x *Session) ImportCert(ctx context.Context, name, pemText string) (model.Cert, error) {
	return model.Cert{}, errSkeleton
}

// DeleteCert deletes certificate id unless a key uses it.
func (x *Session) DeleteCert(ctx context.Context, id int64) error { return errSkeleton }

// ListAudit returns the newest limit audit events, newest first (limit <= 0: all).
func (x *Session) ListAudit(ctx context.Context, limit int) ([]model.AuditEvent, error) {
	return nil, errSkeleton
}

// ListFilters returns the saved filters sorted by name.
func (x *Session) ListFilters(ctx context.Context) ([]model.SavedFilter, error) {
	return nil, errSkeleton
}

// SaveFilter saves expr under name, replacing a filter of the same name.
func (x *Session) SaveFilter(ctx context.Context, name, expr string) (model.SavedFilter, error) {
	return model.SavedFilter{}, errSkeleton
}

// DeleteFilter deletes a saved filter.
func (x *Session) DeleteFilter(ctx context.Context, id int64) error { return errSkeleton }

// DataVersion changes whenever any connection or process commits; poll it to notice changes.
func (x *Session) DataVersion(ctx context.Context) (int64, error) { return 0, errSkeleton }

// Demo fills the store with n realistic keys plus groups, reporting progress.
func (x *Session) Demo(ctx context.Context, n int, progress func(done, total int)) error {
	return errSkeleton
}
