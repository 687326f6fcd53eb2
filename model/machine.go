package model

import "time"

// RoleMachine is the role recorded for a machine enrolling itself. It may not take any
// operator action (Can is false for every Action): enrollment is not an operator action.
const RoleMachine Role = "machine"

// Actions and object types of enrollment.
const (
	ActionEnroll   Action = "enroll"   // a new machine used one use of a key
	ActionReenroll Action = "reenroll" // a machine already enrolled with the key got a new certificate
	ActionRevoke   Action = "revoke"   // a machine certificate was put on its CA's revocation list
	ActionIssue    Action = "issue"    // a CA issued a certificate for provkeys itself (the service's TLS)

	ObjectMachine ObjectType = "machine"
)

// Field names of an enrollment request, as a machine's operator knows them.
const (
	FieldMachine = "machine"
	FieldCSR     = "csr"
	FieldPrivKey = "private key"
)

// Machine is one enrollment: a machine that presented a key and got a certificate. A
// re-enrollment is a new Machine; the one it replaced is revoked.
type Machine struct {
	ID          int64
	Name        string
	KeyID       int64  // 0 once the key is deleted
	KeyName     string // the key's name at enrollment
	Groups      []string
	CertID      int64  // the issuing CA
	CertName    string // the issuing CA's name at enrollment
	Serial      string // upper-case hex, as openssl prints it
	NotAfter    time.Time
	EnrolledAt  time.Time
	Remote      string
	RevokedAt   time.Time // zero while active
	UsedUse     bool      // false for a re-enrollment, which consumes no use
	Certificate []byte    // DER
}

// Active reports whether the machine's certificate is not revoked.
func (m Machine) Active() bool { return m.RevokedAt.IsZero() }

// EnrollRequest is what a machine sends: its key, its name and a PEM certificate request.
// Remote is the address it came from, for the machine row and the audit trail.
type EnrollRequest struct {
	Key     string
	Machine string
	CSR     string
	Remote  string
}

// Enrollment is what a machine gets back: its record, its certificate and the chain of the
// issuing CA up to the Root (PEM).
type Enrollment struct {
	Machine     Machine
	Certificate string
	Chain       string
}

// KeyRefusals counts a key's refused enrollments instead of one audit row each.
type KeyRefusals struct {
	Count      int64
	LastAt     time.Time
	LastReason string
}
