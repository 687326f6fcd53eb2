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
//   - model.ErrDuplicate: the name (case-insensitive) or the key material is taken (the same
//     decoded payload under any spelling; the error names the key that holds it, HeldBy);
//   - *model.ConflictError (errors.Is model.ErrConflict): the object changed since the given
//     version was read; it names who changed it and when;
//   - model.ErrForbidden: the actor's role does not allow it (the refusal is audited);
//   - *model.InUseError (errors.Is model.ErrInUse): keys still use the group or certificate;
//   - model.ErrNotExportable: the key's View/Export is off and its material is gone;
//   - *model.ValidationError: an input field is wrong, with the field and a sentence;
//   - model.ErrKeyRefused, model.ErrNoUsesLeft, model.ErrAlreadyEnrolled, model.ErrCannotSign:
//     an enrollment refused (Enroller.Enroll);
//   - model.ErrAmbiguous: a name matches several objects (MachineByName); use the id.
//
// A context's deadline or cancellation passes through unchanged (errors.Is works on it).
package store

import (
	"context"
	"crypto/tls"
	"time"

	"provkeys/model"
)

// Store is an open store: the engine's handle, shared by every actor of a process.
type Store interface {
	Enroller
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
	ColumnStore
	AuditStore
	MachineStore
	// Actor is who this session acts as.
	Actor() model.Actor
	// DataVersion changes whenever anything in the store changes, from this process or any
	// other; poll it and compare with the previous value, which is all it means.
	// Errors: ErrForbidden.
	DataVersion(ctx context.Context) (int64, error)
}

// KeyStore is the provisioning keys. Listings never carry key material; only ReleaseKey (and
// its RevealKey and ExportKey) releases it, under an audit row naming the purpose committed
// before the key is returned.
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
	// VerifyKey finds the key that holds secret's payload (PayloadHash), whatever its
	// spelling, also for keys whose material was erased. Errors: ErrForbidden, *model.ValidationError (secret does not parse),
	// ErrNotFound.
	VerifyKey(ctx context.Context, secret string) (model.Key, error)

	// CreateKey validates in, generates the key material (or stores in.Secret) and returns
	// the key and its secret, which the caller shows once. Errors: ErrForbidden,
	// *model.ValidationError (also for an unknown group or certificate), ErrDuplicate.
	CreateKey(ctx context.Context, in model.KeyInput) (model.Key, string, error)
	// CreateKeyWithGroup is CreateKey for a key that joins a machine group made with it:
	// group and the key are both created or neither, in one transaction with the audit row of
	// each. in.Groups may name other existing groups too; group's name is added when it
	// misses. Errors: as CreateKey and CreateGroup; those about the group (its name taken, a
	// field wrong) come as a *model.NewGroupError wrapping them.
	CreateKeyWithGroup(ctx context.Context, group model.GroupInput, in model.KeyInput) (model.Group, model.Key, string, error)
	// ImportKeys creates every key or none, with one import audit row per key; an error
	// names the input by position and name. Errors: as CreateKey.
	ImportKeys(ctx context.Context, in []model.KeyInput) ([]model.Key, error)
	// ImportKeyStream is ImportKeys for any number of keys: it takes the inputs one at a time
	// from next (until io.EOF) and stores every one or none, in one transaction with one
	// import audit row per key, holding no more than one input; it returns how many it stored.
	// It reads nothing back. An error about one input is a *InputError (its position, and for
	// a duplicate the key and the earlier input it clashes with), wrapping the errors of
	// CreateKey; an error of next is returned as it is.
	ImportKeyStream(ctx context.Context, next KeyStream) (int, error)
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
	// DeleteKey deletes key id if it is still at version, revoking every active machine
	// enrolled with it in the same transaction (one revoke audit row each; see
	// ActiveMachineCount). Errors: ErrForbidden, ErrNotFound, *model.ConflictError.
	DeleteKey(ctx context.Context, id, version int64) error
	// RotateKey gives key id, if it is still at version, a new secret for the same cloud, with
	// every setting kept; the material is replaced (or, for a key that is not exportable, not
	// kept at all), machines keep their certificates. It returns the key and its new secret,
	// which the caller shows once. The rotate audit row holds the old fingerprint and the new.
	// Errors: ErrForbidden, ErrNotFound, *model.ConflictError.
	RotateKey(ctx context.Context, id, version int64) (model.Key, string, error)
	// ReleaseKey returns key id's material for purpose, one of ReleaseActions (reveal on
	// screen, copy to the clipboard, download to a file, export from the command line or
	// SSH), under an audit row of that action committed before the key is returned. Errors:
	// ErrForbidden, ErrNotFound, ErrNotExportable, *model.ValidationError (purpose is not a
	// release), or a sentence when the material does not open under the data key.
	ReleaseKey(ctx context.Context, id int64, purpose model.Action) (string, error)
	// RevealKey is ReleaseKey(ctx, id, model.ActionReveal).
	RevealKey(ctx context.Context, id int64) (string, error)
	// ExportKey is ReleaseKey(ctx, id, model.ActionExport).
	ExportKey(ctx context.Context, id int64) (string, error)
	// AuditKeyUse records what became of key id's material that the caller already holds,
	// releasing none: the copy or download (purpose) of the key shown once after its
	// creation (failure nil: "ok"), or a download or export whose file could not be written
	// after ReleaseKey (failure's sentence is the row's result; it never holds material).
	// Errors: ErrForbidden, ErrNotFound, *model.ValidationError (purpose is not a release).
	AuditKeyUse(ctx context.Context, id int64, purpose model.Action, failure error) error
	// Scrub makes erased key material (View/Export turned off) gone from the files too, not
	// only from the rows: nil means no copy is left; an error says what remains and until
	// when (another reader's snapshot can keep an old copy alive). Errors: ErrForbidden.
	Scrub(ctx context.Context) error
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
	// OverwriteGroup is UpdateGroup saved on purpose over a newer version the operator was
	// shown (version is that one), audited as an overwrite. Errors: as UpdateGroup.
	OverwriteGroup(ctx context.Context, id, version int64, in model.GroupInput) (model.Group, error)
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
	// ImportCertWithKey stores a PEM CA certificate with its PEM private key (PKCS#8, PKCS#1
	// or SEC 1), sealed like the generated CAs' keys, so keys signed by it can enroll
	// machines. Neither the key nor its parse errors are ever echoed. Errors: ErrForbidden,
	// *model.ValidationError (certificate as ImportCert; field model.FieldPrivKey: not a
	// supported key, or not this certificate's), ErrDuplicate.
	ImportCertWithKey(ctx context.Context, name, certPEM, keyPEM string) (model.Cert, error)
	// CertCanSign reports whether certificate name (case-insensitive) holds its private key;
	// false is "verify only": keys signed by it are refused enrollment. Errors: ErrForbidden,
	// ErrNotFound.
	CertCanSign(ctx context.Context, name string) (bool, error)
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
	// AuditEvent appends a row for something that happened outside the store's own changes,
	// such as the SSH server ending or demoting the session's operator after a reload of the
	// operators file: action and objectType say what kind of event (model.ActionSession,
	// model.ObjectSession), name what it is about, result what happened ("ok" or a sentence).
	// The row carries this session's actor. Text with control characters is refused, not
	// cleaned, so the trail holds what the caller said. It needs only model.ActionRead: an
	// operator's own session is theirs to record. Errors: ErrForbidden,
	// *model.ValidationError (an empty action or type, or text the trail cannot hold).
	AuditEvent(ctx context.Context, action model.Action, objectType model.ObjectType, name, result string) error
}

// Enroller is the store as the enrollment service uses it, with no operator behind the calls,
// so it sits on Store rather than on a Session:
//   - Enroll acts as the machine it admits. Only the request names that actor (the machine
//     name and req.Remote, role model.RoleMachine, which may take no operator action), and
//     the key it presents is its authority, so no caller-chosen actor is involved. Its audit
//     row carries that actor.
//   - CRL is public: machines and relying parties fetch it without any identity.
//   - ServerTLS is the store acting for itself: audited as the system.
//
// A CA's private key is unsealed inside the engine and never leaves it.
type Enroller interface {
	// Enroll admits a machine with a provisioning key and returns its certificate, signed by
	// the key's signing certificate, valid certDays days (<= 0: ca.DefaultMachineDays, and
	// never past the CA's own expiry), with the chain of the issuing CA up to the Root.
	//
	// The key is found by its fingerprint (CheckEnrollRequest), so keys whose material was
	// erased still enroll. A new machine name consumes one use, atomically: under any
	// number of concurrent calls, a key with max usage N admits exactly N machines. A name
	// already enrolled with the key (case-insensitive, active certificate) is re-enrolled
	// only if the key allows it: a new certificate, the old one revoked, no use consumed.
	// The certificate is returned only after the transaction that counted the use and
	// recorded the machine (with its enroll or reenroll audit row) committed.
	//
	// Errors: *model.ValidationError (field model.FieldKey, model.FieldMachine or
	// model.FieldCSR; the key is never quoted); model.ErrKeyRefused for an unknown, disabled
	// or expired key, the same sentence for all three; model.ErrNoUsesLeft;
	// model.ErrAlreadyEnrolled; model.ErrCannotSign (verify-only or expired CA, saying
	// which). A refusal writes nothing but the key's refusal counter (KeyRefusals), and
	// nothing at all for an unknown key or an invalid request.
	Enroll(ctx context.Context, req model.EnrollRequest, certDays int) (model.Enrollment, error)
	// CRL returns CA caName's (case-insensitive) certificate revocation list, DER, signed by
	// that CA, with the serial of every revoked machine certificate it issued. Errors:
	// ErrNotFound; model.ErrCannotSign for a verify-only CA.
	CRL(ctx context.Context, caName string) ([]byte, error)
	// ServerTLS issues a TLS server certificate for names (DNS names or IP addresses) from
	// CA caName (normally "Root"), audited as an issue by the system, and returns it with
	// that CA's PEM for clients to trust. Errors: ErrNotFound; model.ErrCannotSign for a
	// verify-only CA; a sentence when names is empty or the CA has expired.
	ServerTLS(ctx context.Context, caName string, names []string) (tls.Certificate, string, error)
}

// MachineStore is the machines that enrolled: one model.Machine per certificate issued
// (a re-enrollment is a new one; the one it replaced is revoked). Rows outlive their key:
// deleting a key revokes its active machines in the same transaction and leaves them with
// KeyID 0 and the key's name.
type MachineStore interface {
	// ListMachines returns the machines enrolled with key keyID (0: every machine, those of
	// deleted keys included), newest first, revoked ones included. Errors: ErrForbidden.
	ListMachines(ctx context.Context, keyID int64) ([]model.Machine, error)
	// Machine returns machine id. Errors: ErrForbidden, ErrNotFound.
	Machine(ctx context.Context, id int64) (model.Machine, error)
	// MachineByName returns the machine named name (case-insensitive): its active
	// enrollment, or when none is active its newest one (PickMachine). Errors: ErrForbidden,
	// ErrNotFound, model.ErrAmbiguous when it is active with several keys (naming them).
	MachineByName(ctx context.Context, name string) (model.Machine, error)
	// RevokeMachine revokes machine id's certificate (audited as revoke); its serial is on
	// its CA's CRL from then on. Errors: ErrForbidden, ErrNotFound, *model.ValidationError
	// (field model.FieldMachine) when it is already revoked.
	RevokeMachine(ctx context.Context, id int64) (model.Machine, error)
	// ActiveMachineCount is how many unrevoked machines key keyID has: what DeleteKey would
	// revoke, for its confirmation. Errors: ErrForbidden.
	ActiveMachineCount(ctx context.Context, keyID int64) (int, error)
	// ActiveMachineCounts is how many unrevoked machines each key has, by key id; a key
	// with none is absent (the Keys view's machines column). Errors: ErrForbidden.
	ActiveMachineCounts(ctx context.Context) (map[int64]int, error)
	// KeyRefusals returns key keyID's refused-enrollment counter (zero when none, and for an
	// unknown key). Errors: ErrForbidden.
	KeyRefusals(ctx context.Context, keyID int64) (model.KeyRefusals, error)
	// KeyActivity is key keyID's enrollments as its expanded row shows them: the last one
	// (machine and time, ever) and how many there were on each of the days UTC days ending
	// with now's day (model.ActivityWindow), oldest first. Re-enrollments count: each is a
	// certificate issued. A key nobody used, or an unknown one, has none. Errors:
	// ErrForbidden, *model.ValidationError (field model.FieldDays) for days outside
	// 1..model.MaxActivityDays.
	KeyActivity(ctx context.Context, keyID int64, now time.Time, days int) (model.KeyActivity, error)
}
