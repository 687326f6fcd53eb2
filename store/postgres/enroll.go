package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"provkeys/model"
	"provkeys/store"
	"provkeys/store/ca"
	"provkeys/store/internal/sqlcore"
)

// enrollKey is what enrollment reads of a key.
type enrollKey struct {
	id, certID, version int64
	name                string
	enabled, reenroll   bool
	maxUsage, usage     int64
	expires             *time.Time
}

// issued is an enrollment prepared outside any transaction: the key as read, the machine's
// certificate already signed. It leaves the store only once commitEnrollment has counted the
// use; a refused one is dropped here and never seen.
type issued struct {
	key    enrollKey
	groups []string
	issuer *store.CAEntry
	signed ca.Signed
}

// errKeyChanged: the key was edited between the read that signed the certificate and the
// transaction; the certificate may carry stale groups or the wrong CA, so it is signed again.
var errKeyChanged = errors.New("the key changed during the enrollment")

// enrollAttempts bounds the re-signing when the key keeps changing under an enrollment.
const enrollAttempts = 3

// Enroll implements store.Enroller.Enroll in two steps, as the SQLite engine does, so the
// signature is made before the key's row is locked:
//
//  1. prepareEnrollment, outside any transaction: find the key by fingerprint, check its
//     state, unseal its CA key and sign the certificate with a fresh serial.
//  2. commitEnrollment, one short transaction: lock the key's row (FOR NO KEY UPDATE, which
//     queues the enrollments of one key, on every replica, for the rest of the
//     transaction), re-check it (same version, still admitting), take the use with one
//     conditional UPDATE or revoke the certificate a re-enrollment replaces, record the
//     machine and its audit row.
//
// The certificate is returned only after step 2 committed. A refusal writes only the key's
// refusal counter.
func (s *Store) Enroll(ctx context.Context, req model.EnrollRequest, certDays int) (model.Enrollment, error) {
	chk, err := store.CheckEnrollRequest(req)
	if err != nil {
		return model.Enrollment{}, err
	}
	x := s.as(store.MachineActor(req))
	for attempt := 1; ; attempt++ {
		var out model.Enrollment
		is, err := s.prepareEnrollment(ctx, chk, req, certDays)
		if err == nil {
			out, err = x.commitEnrollment(ctx, is, req)
		}
		if (errors.Is(err, errKeyChanged) || retryable(err)) && attempt < enrollAttempts {
			continue
		}
		var r *store.Refusal
		if errors.As(err, &r) {
			s.countRefusal(ctx, r)
			return model.Enrollment{}, r.Err
		}
		if err != nil {
			return model.Enrollment{}, sqlcore.CtxErr(ctx, err)
		}
		return out, nil
	}
}

const activeMachineSQL = `SELECT id, serial FROM machines WHERE key_id = $1 AND lower(name) = lower($2) AND revoked_at IS NULL`

// keyGroupNamesSQL lists a key's machine group names, sorted case-insensitively.
const keyGroupNamesSQL = `SELECT g.name FROM key_groups kg JOIN groups g ON g.id = kg.group_id
	WHERE kg.key_id = $1 ORDER BY lower(g.name), g.id`

// prepareEnrollment reads the key and signs the certificate outside any transaction.
func (s *Store) prepareEnrollment(ctx context.Context, chk store.EnrollCheck, req model.EnrollRequest, certDays int) (issued, error) {
	var k enrollKey
	err := s.pool.QueryRow(ctx, `SELECT id, cert_id, version, name, enabled, allow_reenroll, max_usage,
		usage_count, expires_at FROM keys WHERE fingerprint = $1`, chk.Fingerprint).Scan(&k.id, &k.certID,
		&k.version, &k.name, &k.enabled, &k.reenroll, &k.maxUsage, &k.usage, &k.expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return issued{}, store.UnknownKey()
	}
	if err != nil {
		return issued{}, mapErr(err)
	}
	t := now()
	if r := store.KeyAdmits(k.id, k.enabled, utc(k.expires), t); r != nil {
		return issued{}, r
	}
	// Refused in the last committed state already: refuse without signing. The transaction
	// decides everything again; this only spares the signature.
	var prev int64
	err = s.pool.QueryRow(ctx, activeMachineSQL, k.id, req.Machine).Scan(&prev, new(string))
	switch {
	case err == nil && !k.reenroll:
		return issued{}, store.AlreadyEnrolled(k.id, req.Machine)
	case errors.Is(err, pgx.ErrNoRows) && k.maxUsage > 0 && k.usage >= k.maxUsage:
		return issued{}, store.NoUsesLeft(k.id, k.usage, k.maxUsage)
	case err != nil && !errors.Is(err, pgx.ErrNoRows):
		return issued{}, mapErr(err)
	}
	sys := s.as(systemActor)
	issuer, err := sys.CACert(ctx, sys.Read(), k.certID)
	if err != nil {
		return issued{}, err
	}
	signer, err := sys.CASigner(ctx, sys.Read(), k.certID, issuer.Name)
	if errors.Is(err, model.ErrCannotSign) {
		return issued{}, store.CannotSign(k.id, err)
	}
	if err != nil {
		return issued{}, err
	}
	if err := ca.CanSign(issuer.Cert, t); err != nil {
		return issued{}, store.CannotSign(k.id, fmt.Errorf("%w: %q %v", model.ErrCannotSign, issuer.Name, err))
	}
	groups, err := queryAll(ctx, s.pool, scanString, keyGroupNamesSQL, k.id)
	if err != nil {
		return issued{}, err
	}
	signed, err := ca.SignMachine(issuer.Cert, signer, ca.MachineCert{Request: chk.CSR, Machine: req.Machine,
		Groups: groups, Days: certDays, Now: t})
	if err != nil {
		return issued{}, err
	}
	return issued{key: k, groups: groups, issuer: issuer, signed: signed}, nil
}

// commitEnrollment is the short transaction of an enrollment. Refusals are *store.Refusal; a
// key edited since is errKeyChanged.
func (x *session) commitEnrollment(ctx context.Context, is issued, req model.EnrollRequest) (model.Enrollment, error) {
	wtx, err := engine{x.s}.Begin(ctx)
	if err != nil {
		return model.Enrollment{}, err
	}
	defer wtx.Rollback(context.WithoutCancel(ctx))
	w := x.wrap(x.In(ctx, wtx))
	tx := w.Tx
	k := is.key
	var version int64
	var enabled bool
	var expires *time.Time
	err = tx.QueryRow(ctx, "SELECT version, enabled, expires_at FROM keys WHERE id = $1 FOR NO KEY UPDATE", k.id).
		Scan(&version, &enabled, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return model.Enrollment{}, store.UnknownKey() // deleted meanwhile
	}
	if err != nil {
		return model.Enrollment{}, mapErr(err)
	}
	if version != k.version {
		return model.Enrollment{}, errKeyChanged
	}
	if r := store.KeyAdmits(k.id, enabled, utc(expires), w.now); r != nil {
		return model.Enrollment{}, r
	}
	var prevID int64
	var prevSerial string
	err = tx.QueryRow(ctx, activeMachineSQL, k.id, req.Machine).Scan(&prevID, &prevSerial)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return model.Enrollment{}, mapErr(err)
	}
	reenroll := err == nil
	switch {
	case reenroll && !k.reenroll:
		return model.Enrollment{}, store.AlreadyEnrolled(k.id, req.Machine)
	case reenroll:
		if _, err := tx.Exec(ctx, "UPDATE machines SET revoked_at = $1 WHERE id = $2", w.now, prevID); err != nil {
			return model.Enrollment{}, mapErr(err)
		}
		if _, err := tx.Exec(ctx, "UPDATE keys SET last_machine = $2 WHERE id = $1", k.id, req.Machine); err != nil {
			return model.Enrollment{}, mapErr(err)
		}
	default:
		// One conditional UPDATE takes the use: under any number of writers on any number
		// of replicas, a key with max usage N admits exactly N machines. The key's last
		// machine changes with it; its version does not (an enrollment is not an edit).
		tag, err := tx.Exec(ctx, `UPDATE keys SET usage_count = usage_count + 1, last_machine = $2
			WHERE id = $1 AND (max_usage = 0 OR usage_count < max_usage)`, k.id, req.Machine)
		if err != nil {
			return model.Enrollment{}, mapErr(err)
		}
		if tag.RowsAffected() != 1 {
			return model.Enrollment{}, store.NoUsesLeft(k.id, k.usage, k.maxUsage)
		}
	}
	m := model.Machine{Name: req.Machine, KeyID: k.id, KeyName: k.name, Groups: is.groups,
		CertID: k.certID, CertName: is.issuer.Name, Serial: ca.SerialHex(is.signed.Serial),
		NotAfter: is.signed.NotAfter.UTC().Truncate(time.Microsecond), EnrolledAt: w.now,
		Remote: req.Remote, UsedUse: !reenroll, Certificate: is.signed.DER}
	groups, err := json.Marshal(m.Groups)
	if err != nil {
		return model.Enrollment{}, err
	}
	err = tx.QueryRow(ctx, `INSERT INTO machines (name, key_id, key_name, groups, cert_id, cert_name,
		serial, not_after, enrolled_at, remote, used_use, certificate)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		m.Name, m.KeyID, m.KeyName, string(groups), m.CertID, m.CertName, m.Serial, m.NotAfter,
		m.EnrolledAt, m.Remote, m.UsedUse, m.Certificate).Scan(&m.ID)
	if err != nil {
		return model.Enrollment{}, mapErr(err)
	}
	a, old := model.ActionEnroll, any(nil)
	if reenroll {
		a, old = model.ActionReenroll, map[string]string{"serial": prevSerial}
	}
	if err := w.Audit(a, model.ObjectMachine, m.ID, m.Name, old, store.AuditMachine(m)); err != nil {
		return model.Enrollment{}, err
	}
	if err := (engine{w.x.s}).BeforeCommit(w.ctx, w.Raw()); err != nil {
		return model.Enrollment{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return model.Enrollment{}, mapErr(err)
	}
	x.s.changes.committed()
	return model.Enrollment{Machine: m, Certificate: ca.EncodeDER(is.signed.DER), Chain: is.issuer.Chain}, nil
}

func scanString(sc scanner) (string, error) {
	var v string
	err := sc.Scan(&v)
	return v, err
}

// countRefusal bumps a known key's refusal counter in its own transaction: best effort, since
// the refusal stands whether or not it is counted.
func (s *Store) countRefusal(ctx context.Context, r *store.Refusal) {
	if r.KeyID == 0 {
		return
	}
	_, err := s.pool.Exec(ctx, `WITH counted AS (
			INSERT INTO key_refusals (key_id, count, last_at, last_reason) VALUES ($1, 1, $2, $3)
			ON CONFLICT (key_id) DO UPDATE SET count = key_refusals.count + 1,
				last_at = excluded.last_at, last_reason = excluded.last_reason)
		SELECT pg_notify('`+channel+`', nextval('changes')::text)`, r.KeyID, now(), r.Reason)
	if err == nil {
		s.changes.committed()
	}
}
