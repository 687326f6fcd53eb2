package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"provkeys/model"
	"provkeys/store"
	"provkeys/store/ca"
	"provkeys/store/internal/sqlcore"
)

// Enroll implements store.Enroller.Enroll: sqlcore.Enroll runs this engine's two steps.
func (s *Store) Enroll(ctx context.Context, req model.EnrollRequest, certDays int) (model.Enrollment, error) {
	return sqlcore.Enroll(ctx, engine{s}, sqlcore.EnrollSteps{
		Prepare: s.prepareEnrollment, Commit: s.commitEnrollment, CountRefusal: s.countRefusal}, req, certDays)
}

const activeMachineSQL = `SELECT id, serial FROM machines WHERE key_id = $1 AND lower(name) = lower($2) AND revoked_at IS NULL`

// prepareEnrollment reads the key and signs the certificate outside any transaction.
func (s *Store) prepareEnrollment(ctx context.Context, chk store.EnrollCheck, req model.EnrollRequest, certDays int) (sqlcore.Issued, error) {
	var k sqlcore.EnrollKey
	var expires *time.Time
	err := s.pool.QueryRow(ctx, `SELECT id, cert_id, version, name, enabled, allow_reenroll, max_usage,
		usage_count, expires_at FROM keys WHERE fingerprint = $1`, chk.Fingerprint).Scan(&k.ID, &k.CertID,
		&k.Version, &k.Name, &k.Enabled, &k.Reenroll, &k.MaxUsage, &k.Usage, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return sqlcore.Issued{}, store.UnknownKey()
	}
	if err != nil {
		return sqlcore.Issued{}, mapErr(err)
	}
	k.Expires = utc(expires)
	t := now()
	if r := store.KeyAdmits(k.ID, k.Enabled, k.Expires, t); r != nil {
		return sqlcore.Issued{}, r
	}
	// Refused in the last committed state already: refuse without signing. The transaction
	// decides everything again; this only spares the signature.
	var prev int64
	err = s.pool.QueryRow(ctx, activeMachineSQL, k.ID, req.Machine).Scan(&prev, new(string))
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return sqlcore.Issued{}, mapErr(err)
	}
	if r := k.RefusedEarly(req.Machine, err == nil); r != nil {
		return sqlcore.Issued{}, r
	}
	return s.as(systemActor).SignEnrollment(ctx, k, chk, req, certDays, t)
}

// commitEnrollment is the short transaction of an enrollment. Refusals are *store.Refusal; a
// key edited since is sqlcore.ErrKeyChanged.
func (s *Store) commitEnrollment(ctx context.Context, is sqlcore.Issued, req model.EnrollRequest) (model.Enrollment, error) {
	x := s.as(store.MachineActor(req))
	wtx, err := engine{x.s}.Begin(ctx)
	if err != nil {
		return model.Enrollment{}, err
	}
	defer wtx.Rollback(context.WithoutCancel(ctx))
	w := x.wrap(x.In(ctx, wtx))
	tx := w.Tx
	k := is.Key
	var version int64
	var enabled bool
	var expires *time.Time
	err = tx.QueryRow(ctx, "SELECT version, enabled, expires_at FROM keys WHERE id = $1 FOR NO KEY UPDATE", k.ID).
		Scan(&version, &enabled, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return model.Enrollment{}, store.UnknownKey() // deleted meanwhile
	}
	if err != nil {
		return model.Enrollment{}, mapErr(err)
	}
	if version != k.Version {
		return model.Enrollment{}, sqlcore.ErrKeyChanged
	}
	if r := store.KeyAdmits(k.ID, enabled, utc(expires), w.now); r != nil {
		return model.Enrollment{}, r
	}
	var prevID int64
	var prevSerial string
	err = tx.QueryRow(ctx, activeMachineSQL, k.ID, req.Machine).Scan(&prevID, &prevSerial)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return model.Enrollment{}, mapErr(err)
	}
	reenroll := err == nil
	switch {
	case reenroll && !k.Reenroll:
		return model.Enrollment{}, store.AlreadyEnrolled(k.ID, req.Machine)
	case reenroll:
		if _, err := tx.Exec(ctx, "UPDATE machines SET revoked_at = $1 WHERE id = $2", w.now, prevID); err != nil {
			return model.Enrollment{}, mapErr(err)
		}
		if _, err := tx.Exec(ctx, "UPDATE keys SET last_machine = $2 WHERE id = $1", k.ID, req.Machine); err != nil {
			return model.Enrollment{}, mapErr(err)
		}
	default:
		// One conditional UPDATE takes the use: under any number of writers on any number
		// of replicas, a key with max usage N admits exactly N machines. The key's last
		// machine changes with it; its version does not (an enrollment is not an edit).
		tag, err := tx.Exec(ctx, `UPDATE keys SET usage_count = usage_count + 1, last_machine = $2
			WHERE id = $1 AND (max_usage = 0 OR usage_count < max_usage)`, k.ID, req.Machine)
		if err != nil {
			return model.Enrollment{}, mapErr(err)
		}
		if tag.RowsAffected() != 1 {
			return model.Enrollment{}, store.NoUsesLeft(k.ID, k.Usage, k.MaxUsage)
		}
	}
	m := model.Machine{Name: req.Machine, KeyID: k.ID, KeyName: k.Name, Groups: is.Groups,
		CertID: k.CertID, CertName: is.Issuer.Name, Serial: ca.SerialHex(is.Signed.Serial),
		NotAfter: is.Signed.NotAfter.UTC().Truncate(time.Microsecond), EnrolledAt: w.now,
		Remote: req.Remote, UsedUse: !reenroll, Certificate: is.Signed.DER}
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
	return model.Enrollment{Machine: m, Certificate: ca.EncodeDER(is.Signed.DER), Chain: is.Issuer.Chain}, nil
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
