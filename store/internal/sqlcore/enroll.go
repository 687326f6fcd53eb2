package sqlcore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"provkeys/model"
	"provkeys/store"
	"provkeys/store/ca"
)

// EnrollKey is what enrollment reads of a key. Expires is zero for a key that never expires.
type EnrollKey struct {
	ID, CertID, Version int64
	Name                string
	Enabled, Reenroll   bool
	MaxUsage, Usage     int64
	Expires             time.Time
}

// Issued is an enrollment prepared outside any write transaction: the key as read, the
// machine's certificate already signed. It leaves the store only once the engine's commit
// step has counted the use; a refused one is dropped there and never seen.
type Issued struct {
	Key    EnrollKey
	Groups []string
	Issuer *store.CAEntry
	Signed ca.Signed
}

// RefusedEarly is what the key as read already refuses before anything is signed: machine
// enrolled again (enrolled: its name holds an active enrollment with the key) when the key
// does not allow re-enrollment, or a new machine when no uses are left. The commit decides
// everything again; this only spares the signature.
func (k EnrollKey) RefusedEarly(machine string, enrolled bool) error {
	switch {
	case enrolled && !k.Reenroll:
		return store.AlreadyEnrolled(k.ID, machine)
	case !enrolled && k.MaxUsage > 0 && k.Usage >= k.MaxUsage:
		return store.NoUsesLeft(k.ID, k.Usage, k.MaxUsage)
	}
	return nil
}

// ErrKeyChanged: the key was edited between the read that signed the certificate and the
// transaction; the certificate may carry stale groups or the wrong CA, so it is signed again.
var ErrKeyChanged = errors.New("the key changed during the enrollment")

// enrollAttempts bounds the re-signing when the key keeps changing under an enrollment.
const enrollAttempts = 3

// EnrollSteps are an engine's two steps of an enrollment, which Enroll runs and retries.
type EnrollSteps struct {
	// Prepare reads the key (refusing early what is already refused) and signs the
	// certificate, outside any write transaction; it ends in SignEnrollment.
	Prepare func(ctx context.Context, chk store.EnrollCheck, req model.EnrollRequest, certDays int) (Issued, error)
	// Commit is one short write transaction: re-check the key (same version, else
	// ErrKeyChanged; still admitting), take the use or revoke the certificate a
	// re-enrollment replaces, record the machine and its audit row.
	Commit func(ctx context.Context, is Issued, req model.EnrollRequest) (model.Enrollment, error)
	// CountRefusal bumps a known key's refusal counter, best effort.
	CountRefusal func(ctx context.Context, r *store.Refusal)
}

// Enroll implements store.Enroller.Enroll over an engine's steps, so the cryptography never
// runs inside a write transaction: Prepare signs, Commit decides. The certificate is returned
// only after Commit committed; when Commit refuses, the signed certificate is discarded
// (nothing lists its serial, nothing trusts it without the chain the machine never got). A
// key changed in between, or a transaction the server aborted, is signed again, a few times
// at most. A refusal writes only the key's refusal counter.
func Enroll(ctx context.Context, e Engine, steps EnrollSteps, req model.EnrollRequest, certDays int) (model.Enrollment, error) {
	chk, err := store.CheckEnrollRequest(req)
	if err != nil {
		return model.Enrollment{}, err
	}
	for attempt := 1; ; attempt++ {
		var out model.Enrollment
		is, err := steps.Prepare(ctx, chk, req, certDays)
		if err == nil {
			out, err = steps.Commit(ctx, is, req)
		}
		if (errors.Is(err, ErrKeyChanged) || e.Retryable(err)) && attempt < enrollAttempts {
			continue
		}
		var r *store.Refusal
		if errors.As(err, &r) {
			steps.CountRefusal(ctx, r)
			return model.Enrollment{}, r.Err
		}
		if err != nil {
			return model.Enrollment{}, CtxErr(ctx, err)
		}
		return out, nil
	}
}

// keyGroupNamesSQL lists a key's machine group names, sorted case-insensitively.
const keyGroupNamesSQL = `SELECT g.name FROM key_groups kg JOIN groups g ON g.id = kg.group_id
	WHERE kg.key_id = ? ORDER BY lower(g.name), g.id`

// SignEnrollment is the end of Prepare once the key admits the machine: it unseals the key's
// CA key and signs the machine's certificate at time t, with the key's groups.
func (x *Session) SignEnrollment(ctx context.Context, k EnrollKey, chk store.EnrollCheck, req model.EnrollRequest, certDays int, t time.Time) (Issued, error) {
	issuer, err := x.CACert(ctx, x.Read(), k.CertID)
	if err != nil {
		return Issued{}, err
	}
	signer, err := x.CASigner(ctx, x.Read(), k.CertID, issuer.Name)
	if errors.Is(err, model.ErrCannotSign) {
		return Issued{}, store.CannotSign(k.ID, err)
	}
	if err != nil {
		return Issued{}, err
	}
	if err := ca.CanSign(issuer.Cert, t); err != nil {
		return Issued{}, store.CannotSign(k.ID, fmt.Errorf("%w: %q %v", model.ErrCannotSign, issuer.Name, err))
	}
	groups, err := All(ctx, x.E, x.Read(), func(r Row) (name string, err error) { return name, r.Scan(&name) },
		keyGroupNamesSQL, k.ID)
	if err != nil {
		return Issued{}, err
	}
	signed, err := ca.SignMachine(issuer.Cert, signer, ca.MachineCert{Request: chk.CSR, Machine: req.Machine,
		Groups: groups, Days: certDays, Now: t})
	if err != nil {
		return Issued{}, err
	}
	return Issued{Key: k, Groups: groups, Issuer: issuer, Signed: signed}, nil
}
