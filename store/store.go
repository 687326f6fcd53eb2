// Package store is provkeys' storage contract: the interfaces every caller uses (the command
// line, the dashboard through its own port, the SSH server) and the pieces every engine shares
// (sealing key material at rest, the audit trail's value shapes, the rules a key edit obeys).
// It imports no database driver; the engines live below it (store/sqlite) and prove
// themselves against store/storetest.
//
// A Store is opened by an engine; Store.Session gives the store seen by one actor, and every
// change a Session makes is checked against the actor's role and audited under that actor in
// the same transaction as the change. Errors are model sentinels, wrapped with a sentence:
//
//   - model.ErrNotFound: no such object;
//   - model.ErrDuplicate: the name (case-insensitive) or the key material is taken;
//   - *model.ConflictError (errors.Is model.ErrConflict): the object changed since the given
//     version was read; it names who changed it and when;
//   - model.ErrForbidden: the actor's role does not allow it (the refusal is audited);
//   - *model.InUseError (errors.Is model.ErrInUse): keys still use the group or certificate;
//   - model.ErrNotExportable: the key's View/Export is off and its material is gone;
//   - *model.ValidationError: an input field is wrong, with the field and a sentence.
//
// A context's deadline or cancellation passes through unchanged (errors.Is works on it).
package store

import (
	"context"
	"time"

	"provkeys/model"
)

// Store is an open store: the engine's handle, shared by every actor of a process.
type Store interface {
	// Session returns the store seen by actor; it is cheap and holds nothing to close.
	Session(actor model.Actor) Session
	// Warnings lists problems found at open that do not stop the store working (a directory
	// others may write to, say); the caller shows them to the operator.
	Warnings() []string
	// Close releases the store; closing again does nothing.
	Close() error
}

// Session is the store acting as one actor. Every read needs model.ActionRead: an actor
// with no role gets ErrForbidden from every method.
type Session interface {
	KeyStore
	GroupStore
	CertStore
	FilterStore
	AuditStore
	// Actor is who this session acts as.
	Actor() model.Actor
	// DataVersion changes whenever anything in the store changes, from this process or any
	// other; poll it and compare with the previous value, which is all it means.
	// Errors: ErrForbidden.
	DataVersion(ctx context.Context) (int64, error)
}

// KeyStore is the provisioning keys. Listings never carry key material; only RevealKey and
// ExportKey release it, each under its own audit row committed before the key is returned.
type KeyStore interface {
	// ListKeys returns every key sorted by name, case-insensitively. Errors: ErrForbidden.
	ListKeys(ctx context.Context) ([]model.Key, error)
	// ListKeysHead returns the first limit keys in ListKeys' order and how many keys there
	// are: a first screenful at once, whatever the number of keys. Errors: ErrForbidden.
	ListKeysHead(ctx context.Context, limit int) ([]model.Key, int, error)
	// ListKeyTable is ListKeys as a compact model.KeyTable (about a third of the memory),
	// for holding many keys. Errors: ErrForbidden.
	ListKeyTable(ctx context.Context) (*model.KeyTable, error)
	// Key returns key id. Errors: ErrForbidden, ErrNotFound.
	Key(ctx context.Context, id int64) (model.Key, error)
	// KeyByName returns a key by name, case-insensitively. Errors: ErrForbidden, ErrNotFound.
	KeyByName(ctx context.Context, name string) (model.Key, error)
	// VerifyKey finds the key whose fingerprint matches secret, also for keys whose material
	// was erased. Errors: ErrForbidden, *model.ValidationError (secret does not parse),
	// ErrNotFound.
	VerifyKey(ctx context.Context, secret string) (model.Key, error)

	// CreateKey validates in, generates the key material (or stores in.Secret) and returns
	// the key and its secret, which the caller shows once. Errors: ErrForbidden,
	// *model.ValidationError (also for an unknown group or certificate), ErrDuplicate.
	CreateKey(ctx context.Context, in model.KeyInput) (model.Key, string, error)
	// ImportKeys creates every key or none, with one import audit row per key; an error
	// names the input by position and name. Errors: as CreateKey.
	ImportKeys(ctx context.Context, in []model.KeyInput) ([]model.Key, error)
	// CreateKeys is the bulk path (demo data, migrations): every key of keys or none, in one
	// transaction with ONE audit row that says label and how many. A caller writing very many
	// keys calls it once per batch. Errors: as CreateKey, naming the input by position.
	CreateKeys(ctx context.Context, keys []NewKey, label string) error
	// UpdateKey replaces the editable fields of key id if it is still at version. The cloud
	// and the material cannot change; View/Export only goes from on to off, which erases the
	// material for good (EditRules). Errors: ErrForbidden, *model.ValidationError,
	// ErrNotFound, ErrDuplicate, *model.ConflictError.
	UpdateKey(ctx context.Context, id, version int64, in model.KeyInput) (model.Key, error)
	// OverwriteKey is UpdateKey saved on purpose over a newer version the operator was shown
	// (version is that one), audited as an overwrite. Errors: as UpdateKey.
	OverwriteKey(ctx context.Context, id, version int64, in model.KeyInput) (model.Key, error)
	// SetKeyEnabled enables or disables key id if it is still at version. Errors:
	// ErrForbidden, ErrNotFound, *model.ConflictError.
	SetKeyEnabled(ctx context.Context, id, version int64, enabled bool) (model.Key, error)
	// DeleteKey deletes key id if it is still at version. Errors: ErrForbidden, ErrNotFound,
	// *model.ConflictError.
	DeleteKey(ctx context.Context, id, version int64) error
	// RevealKey returns key id's material for the screen (audited as reveal). Errors:
	// ErrForbidden, ErrNotFound, ErrNotExportable, or a sentence when the material does not
	// open under the data key.
	RevealKey(ctx context.Context, id int64) (string, error)
	// ExportKey returns key id's material for copy or download (audited as export). Errors:
	// as RevealKey.
	ExportKey(ctx context.Context, id int64) (string, error)
}

// NewKey is one key of a bulk CreateKeys: an input plus the history a generated or migrated
// key brings with it.
type NewKey struct {
	model.KeyInput
	// UsageCount is how many machines already enrolled with the key.
	UsageCount int64
	// CreatedAt and UpdatedAt are when the key was made and last changed; zero means now.
	CreatedAt, UpdatedAt time.Time
}

// GroupStore is the machine groups.
type GroupStore interface {
	// ListGroups returns every group sorted by name, with how many keys use each. Errors:
	// ErrForbidden.
	ListGroups(ctx context.Context) ([]model.Group, error)
	// GroupByName returns a group by name, case-insensitively. Errors: ErrForbidden,
	// ErrNotFound.
	GroupByName(ctx context.Context, name string) (model.Group, error)
	// CreateGroup creates a group. Errors: ErrForbidden, *model.ValidationError, ErrDuplicate.
	CreateGroup(ctx context.Context, in model.GroupInput) (model.Group, error)
	// UpdateGroup replaces group id's fields if it is still at version. Errors: ErrForbidden,
	// *model.ValidationError, ErrNotFound, ErrDuplicate, *model.ConflictError.
	UpdateGroup(ctx context.Context, id, version int64, in model.GroupInput) (model.Group, error)
	// DeleteGroup deletes group id if it is still at version and no key uses it. Errors:
	// ErrForbidden, ErrNotFound, *model.ConflictError, *model.InUseError naming the keys.
	DeleteGroup(ctx context.Context, id, version int64) error
}

// CertStore is the signing certificates (CAs).
type CertStore interface {
	// ListCerts returns every certificate sorted by name, with how many keys use each.
	// Errors: ErrForbidden.
	ListCerts(ctx context.Context) ([]model.Cert, error)
	// CertByName returns a certificate by name, case-insensitively. Errors: ErrForbidden,
	// ErrNotFound.
	CertByName(ctx context.Context, name string) (model.Cert, error)
	// ImportCert stores a PEM CA certificate under name. Errors: ErrForbidden,
	// *model.ValidationError (not exactly one X.509 CA certificate, says why), ErrDuplicate.
	ImportCert(ctx context.Context, name, pemText string) (model.Cert, error)
	// DeleteCert deletes certificate id unless a key uses it. Errors: ErrForbidden,
	// ErrNotFound, *model.InUseError naming the keys.
	DeleteCert(ctx context.Context, id int64) error
}

// FilterStore is the saved key filters, shared by every operator.
type FilterStore interface {
	// ListFilters returns the saved filters sorted by name. Errors: ErrForbidden.
	ListFilters(ctx context.Context) ([]model.SavedFilter, error)
	// SaveFilter saves expr under name, replacing a filter of the same name
	// (case-insensitive). Errors: ErrForbidden, *model.ValidationError (ValidateFilter).
	SaveFilter(ctx context.Context, name, expr string) (model.SavedFilter, error)
	// DeleteFilter deletes saved filter id. Errors: ErrForbidden, ErrNotFound.
	DeleteFilter(ctx context.Context, id int64) error
}

// AuditStore is the audit trail: append-only, written by the other stores' changes.
type AuditStore interface {
	// ListAudit returns the newest limit events, newest first (limit <= 0: all). Errors:
	// ErrForbidden.
	ListAudit(ctx context.Context, limit int) ([]model.AuditEvent, error)
}
