// Package model holds provkeys' domain: keys, machine groups, signing certificates, audit
// events, the filter language, roles and the errors every layer shares. It depends only on
// keyformat and the standard library.
package model

import "time"

// Role is what an actor may do: admins change things and release key material, viewers read.
type Role string

// The two roles.
const (
	RoleAdmin  Role = "admin"
	RoleViewer Role = "viewer"
)

// Actor is who performs a store operation: the OS user locally, the named operator over SSH.
type Actor struct {
	Name   string
	Role   Role
	Remote string // remote address over SSH; empty locally
}

// Action names an operation for role checks and audit rows.
type Action string

// Actions recorded in the audit trail and checked against roles.
const (
	ActionRead      Action = "read"
	ActionCreate    Action = "create"
	ActionUpdate    Action = "update"
	ActionOverwrite Action = "overwrite" // an update saved over a newer version on purpose
	ActionDelete    Action = "delete"
	ActionEnable    Action = "enable"
	ActionDisable   Action = "disable"
	ActionExport    Action = "export"   // key material written out by the command line or over SSH
	ActionReveal    Action = "reveal"   // key material shown on screen
	ActionCopy      Action = "copy"     // key material sent to the clipboard from the dashboard
	ActionDownload  Action = "download" // key material written to a file from the dashboard
	ActionImport    Action = "import"
	ActionRotate    Action = "rotate"  // a new secret for a key, every setting kept
	ActionSession   Action = "session" // an operator's session ended or changed role (SSH reload)
)

// Can is the one place that says which role may take which action.
func (r Role) Can(a Action) bool {
	switch r {
	case RoleAdmin:
		return true
	case RoleViewer:
		return a == ActionRead
	}
	return false
}

// ObjectType names what an audit event is about.
type ObjectType string

// Object types in the audit trail.
const (
	ObjectKey     ObjectType = "key"
	ObjectGroup   ObjectType = "group"
	ObjectCert    ObjectType = "certificate"
	ObjectFilter  ObjectType = "filter"
	ObjectSession ObjectType = "session" // an operator's SSH session; its name is the operator
)

// GroupRef names a machine group a key belongs to.
type GroupRef struct {
	ID   int64
	Name string
}

// Key is a machine provisioning key without its secret: listings never hold key material.
type Key struct {
	ID            int64
	Name          string
	Groups        []GroupRef // one or more, sorted by name
	CertID        int64
	CertName      string
	Enabled       bool
	AllowReenroll bool
	Exportable    bool // View/Export after creation; once false, the material is gone for good
	Cloud         string
	Fingerprint   string
	Description   string
	MaxUsage      int64 // 0 = unlimited
	UsageCount    int64
	LastMachine   string    // the machine that enrolled with the key most recently; "" if none
	ExpiresAt     time.Time // zero = never
	CreatedAt     time.Time
	CreatedBy     string
	UpdatedAt     time.Time
	UpdatedBy     string
	Version       int64
}

// KeyState is a key's derived state.
type KeyState int

// Derived key states, in the order State reports them.
const (
	StateEnabled KeyState = iota
	StateDisabled
	StateExpired
	StateExhausted
)

func (s KeyState) String() string {
	switch s {
	case StateDisabled:
		return "Disabled"
	case StateExpired:
		return "Expired"
	case StateExhausted:
		return "Exhausted"
	}
	return "Enabled"
}

// State derives a key's state at now (see StateOf).
func (k Key) State(now time.Time) KeyState {
	return StateOf(k.Enabled, k.ExpiresAt, k.UsageCount, k.MaxUsage, now)
}

// StateOf is the one rule for a key's derived state at now: disabled wins, then expired (an
// expiry that is not zero and not after now), then exhausted (a maximum above 0 reached).
// Key.State, the filter and KeyTable.State all ask it, so they cannot disagree.
func StateOf(enabled bool, expiresAt time.Time, usage, maxUsage int64, now time.Time) KeyState {
	switch {
	case !enabled:
		return StateDisabled
	case !expiresAt.IsZero() && !now.Before(expiresAt):
		return StateExpired
	case maxUsage > 0 && usage >= maxUsage:
		return StateExhausted
	}
	return StateEnabled
}

// Status is the reference page's column: "Enabled" or "Disabled".
func (k Key) Status() string {
	if k.Enabled {
		return "Enabled"
	}
	return "Disabled"
}

// GroupNames lists the names of the key's machine groups.
func (k Key) GroupNames() []string {
	names := make([]string, len(k.Groups))
	for i, g := range k.Groups {
		names[i] = g.Name
	}
	return names
}

// KeyInput is what a person supplies to create or edit a key. Groups and Cert are names,
// resolved case-insensitively by the store.
type KeyInput struct {
	Name          string
	Groups        []string
	Cert          string
	Enabled       bool
	AllowReenroll bool
	Exportable    bool
	Cloud         string // empty = keyformat.DefaultHost
	Description   string
	MaxUsage      int64
	ExpiresAt     time.Time // zero = never
	Secret        string    // create/import only: an existing key to store instead of generating one
}

// Input returns the editable fields of k, for an edit that changes some of them.
func (k Key) Input() KeyInput {
	return KeyInput{
		Name: k.Name, Groups: k.GroupNames(), Cert: k.CertName, Enabled: k.Enabled,
		AllowReenroll: k.AllowReenroll, Exportable: k.Exportable, Cloud: k.Cloud,
		Description: k.Description, MaxUsage: k.MaxUsage, ExpiresAt: k.ExpiresAt,
	}
}

// Group is a machine group.
type Group struct {
	ID          int64
	Name        string
	Description string
	Enabled     bool
	KeyCount    int // keys that use the group
	CreatedAt   time.Time
	CreatedBy   string
	UpdatedAt   time.Time
	UpdatedBy   string
	Version     int64
}

// GroupInput is what a person supplies to create or edit a machine group.
type GroupInput struct {
	Name        string
	Description string
	Enabled     bool
}

// Cert is a signing certificate (an X.509 CA). Its private key, when provkeys generated it,
// never leaves the store.
type Cert struct {
	ID        int64
	Name      string
	PEM       string
	Subject   string
	Issuer    string
	NotAfter  time.Time
	KeyCount  int
	CreatedAt time.Time
	CreatedBy string
	// CanSign is true when the store holds the CA's private key; false is "verify only".
	CanSign bool
}

// AuditEvent is one append-only row of who did what. Old and New never hold key material.
type AuditEvent struct {
	ID         int64
	At         time.Time
	Actor      string
	Role       Role
	Remote     string
	Action     Action
	ObjectType ObjectType
	ObjectID   int64
	ObjectName string
	Old        string // JSON of the fields before, or empty
	New        string // JSON of the fields after, or empty
	Result     string // "ok" or the error's plain sentence
}

// SavedFilter is a named filter expression kept in the store, or one of BuiltinFilters.
type SavedFilter struct {
	ID   int64 // negative for a built-in filter
	Name string
	Expr string
}

// Builtin reports whether f is one of BuiltinFilters: read-only, in no store.
func (f SavedFilter) Builtin() bool { return f.ID < 0 }

// BuiltinFilters are the review filters every operator has (DESIGN §10), listed before the
// saved ones and never changed or deleted. Their ids are negative so that none is ever taken
// for a stored filter's.
func BuiltinFilters() []SavedFilter {
	return []SavedFilter{
		{ID: -1, Name: "Expiring in 30 days", Expr: "expires:<30d"},
		{ID: -2, Name: "Exhausted", Expr: "status:exhausted"},
		{ID: -3, Name: "Disabled", Expr: "status:disabled"},
		{ID: -4, Name: "Never used", Expr: "usage:0"},
	}
}
