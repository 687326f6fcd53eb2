package store

import (
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"provkeys/keyformat"
	"provkeys/model"
	"provkeys/store/ca"
)

// The enrollment rules every engine applies the same way: what a request must be, when a key
// admits machines, what a refusal tells the machine and what it tells operators, and what the
// audit trail records of a machine. An engine only finds rows and writes them atomically.

// EnrollCheck is an enrollment request that passed CheckEnrollRequest.
type EnrollCheck struct {
	// Fingerprint finds the key (keyformat.Fingerprint of the normalised key text), so keys
	// whose material was erased still enroll and the secret is never compared as text.
	Fingerprint string
	// CSR is the machine's certificate request, its signature verified.
	CSR *x509.CertificateRequest
}

// CheckEnrollRequest validates what a machine sent, before any transaction: the key parses,
// the machine name is a valid name, the CSR is a signed request for that name with a key
// store/ca accepts, the remote address is sane. Errors are *model.ValidationError naming the
// field; the key is never quoted.
func CheckEnrollRequest(req model.EnrollRequest) (EnrollCheck, error) {
	p, err := keyformat.Parse(req.Key)
	if err != nil {
		return EnrollCheck{}, &model.ValidationError{Field: model.FieldKey, Msg: "not a provisioning key: " + err.Error()}
	}
	if err := model.ValidateName(model.FieldMachine, req.Machine); err != nil {
		return EnrollCheck{}, err
	}
	csr, err := ca.ParseCSR(req.CSR, req.Machine)
	if err != nil {
		return EnrollCheck{}, err
	}
	if err := model.ValidateText("remote address", req.Remote, 256); err != nil {
		return EnrollCheck{}, err
	}
	return EnrollCheck{Fingerprint: keyformat.Fingerprint(keyformat.Format(p)), CSR: csr}, nil
}

// MachineActor is who an enrollment acts as: the machine, from its address.
func MachineActor(req model.EnrollRequest) model.Actor {
	return model.Actor{Name: req.Machine, Role: model.RoleMachine, Remote: req.Remote}
}

// Refusal is an enrollment refused for a known key. Err is what the machine is told (a model
// sentinel); Reason is for operators, kept in the key's refusal counter (KeyRefusals) instead
// of an audit row. KeyID is 0 when no key matched: then nothing at all is written.
type Refusal struct {
	KeyID  int64
	Reason string
	Err    error
}

func (r *Refusal) Error() string { return r.Err.Error() }
func (r *Refusal) Unwrap() error { return r.Err }

// UnknownKey is the refusal for a fingerprint no key has.
func UnknownKey() *Refusal { return &Refusal{Err: model.ErrKeyRefused} }

// KeyAdmits is the state check of the key that matched: disabled and expired keys are
// refused with the same sentence an unknown key gets (model.ErrKeyRefused); only the
// counter's reason tells them apart. expires is zero for a key that never expires.
func KeyAdmits(keyID int64, enabled bool, expires, now time.Time) *Refusal {
	switch {
	case !enabled:
		return &Refusal{keyID, "the key is disabled", model.ErrKeyRefused}
	case !expires.IsZero() && !now.Before(expires):
		return &Refusal{keyID, "the key has expired", model.ErrKeyRefused}
	}
	return nil
}

// NoUsesLeft is the refusal of a new machine when the key's uses are all taken. An engine
// decides it with one conditional update (usage < max), never with a read then a write.
func NoUsesLeft(keyID, used, max int64) *Refusal {
	return &Refusal{keyID, fmt.Sprintf("no uses left (%d of %d used)", used, max), model.ErrNoUsesLeft}
}

// AlreadyEnrolled is the refusal of a machine name already enrolled with a key that does not
// allow re-enrollment.
func AlreadyEnrolled(keyID int64, machine string) *Refusal {
	return &Refusal{keyID, fmt.Sprintf("machine %q is already enrolled and re-enrollment is off", machine), model.ErrAlreadyEnrolled}
}

// CannotSign is the refusal when the key's CA cannot sign; err is model.ErrCannotSign with
// the reason (verify only, expired), which both the machine and the counter get.
func CannotSign(keyID int64, err error) *Refusal {
	return &Refusal{keyID, err.Error(), err}
}

// PickMachine chooses MachineByName's answer among the machines named name (any order): the
// active one, else the newest. Several active ones (with different keys) are
// model.ErrAmbiguous naming the keys; none is ErrNotFound.
func PickMachine(name string, ms []model.Machine) (model.Machine, error) {
	if len(ms) == 0 {
		return model.Machine{}, fmt.Errorf("machine %q: %w", name, model.ErrNotFound)
	}
	var active []model.Machine
	newest := ms[0]
	for _, m := range ms {
		if m.Active() {
			active = append(active, m)
		}
		if m.ID > newest.ID {
			newest = m
		}
	}
	switch len(active) {
	case 0:
		return newest, nil
	case 1:
		return active[0], nil
	}
	keys := make([]string, len(active))
	for i, m := range active {
		keys[i] = fmt.Sprintf("%q (id %d)", m.KeyName, m.ID)
	}
	return model.Machine{}, fmt.Errorf("machine %q is enrolled with %d keys: %s: %w", name, len(keys), strings.Join(keys, ", "), model.ErrAmbiguous)
}

// MachineAudit is what the audit trail records of a machine: never its certificate's key,
// never the provisioning key.
type MachineAudit struct {
	Name     string    `json:"name"`
	Key      string    `json:"key"`
	Groups   []string  `json:"groups"`
	CA       string    `json:"signing_certificate"`
	Serial   string    `json:"serial"`
	NotAfter time.Time `json:"not_after"`
	Remote   string    `json:"remote"`
}

// AuditMachine is m as the audit trail records it.
func AuditMachine(m model.Machine) MachineAudit {
	return MachineAudit{Name: m.Name, Key: m.KeyName, Groups: m.Groups, CA: m.CertName,
		Serial: m.Serial, NotAfter: m.NotAfter, Remote: m.Remote}
}
