package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

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

// prepareEnrollment reads the key and signs the certificate outside any write transaction.
func (s *Store) prepareEnrollment(ctx context.Context, chk store.EnrollCheck, req model.EnrollRequest, certDays int) (sqlcore.Issued, error) {
	st, err := s.enrollStmts(ctx)
	if err != nil {
		return sqlcore.Issued{}, err
	}
	var k sqlcore.EnrollKey
	var expires sql.NullInt64
	err = st.keyByFP.QueryRowContext(ctx, chk.Fingerprint).Scan(&k.ID, &k.CertID, &k.Version, &k.Name,
		&k.Enabled, &k.Reenroll, &k.MaxUsage, &k.Usage, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return sqlcore.Issued{}, store.UnknownKey()
	}
	if err != nil {
		return sqlcore.Issued{}, mapErr(err)
	}
	k.Expires = fromNullMicros(expires)
	t := now()
	if r := store.KeyAdmits(k.ID, k.Enabled, k.Expires, t); r != nil {
		return sqlcore.Issued{}, r
	}
	// Refused in the last committed state already: refuse without signing. The transaction
	// decides everything again; this only spares the signature.
	var prev int64
	err = st.activeRead.QueryRowContext(ctx, k.ID, strings.ToLower(req.Machine)).Scan(&prev, new(string))
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return sqlcore.Issued{}, mapErr(err)
	}
	if r := k.RefusedEarly(req.Machine, err == nil); r != nil {
		return sqlcore.Issued{}, r
	}
	return s.as(systemActor).SignEnrollment(ctx, k, chk, req, certDays, t)
}

// commitEnrollment is the short writer transaction of an enrollment: it re-checks the key,
// counts the use (or revokes the certificate a re-enrollment replaces) and records the
// machine. Refusals are *store.Refusal; a key edited since is sqlcore.ErrKeyChanged.
func (s *Store) commitEnrollment(ctx context.Context, is sqlcore.Issued, req model.EnrollRequest) (model.Enrollment, error) {
	x := s.as(store.MachineActor(req))
	st, err := x.s.enrollStmts(ctx)
	if err != nil {
		return model.Enrollment{}, err
	}
	wtx, err := engine{x.s}.Begin(ctx)
	if err != nil {
		return model.Enrollment{}, err
	}
	defer wtx.Rollback(ctx)
	w := x.wrap(x.In(ctx, wtx))
	tx := w.Tx
	k := is.Key
	var version int64
	var enabled bool
	var expires sql.NullInt64
	err = tx.StmtContext(ctx, st.keyState).QueryRowContext(ctx, k.ID).Scan(&version, &enabled, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return model.Enrollment{}, store.UnknownKey() // deleted meanwhile
	}
	if err != nil {
		return model.Enrollment{}, mapErr(err)
	}
	if version != k.Version {
		return model.Enrollment{}, sqlcore.ErrKeyChanged
	}
	if r := store.KeyAdmits(k.ID, enabled, fromNullMicros(expires), w.now); r != nil {
		return model.Enrollment{}, r
	}
	var prevID int64
	var prevSerial string
	err = tx.StmtContext(ctx, st.activeWrite).QueryRowContext(ctx, k.ID, strings.ToLower(req.Machine)).Scan(&prevID, &prevSerial)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return model.Enrollment{}, mapErr(err)
	}
	reenroll := err == nil
	switch {
	case reenroll && !k.Reenroll:
		return model.Enrollment{}, store.AlreadyEnrolled(k.ID, req.Machine)
	case reenroll:
		if _, err := tx.StmtContext(ctx, st.revoke).ExecContext(ctx, micros(w.now), prevID); err != nil {
			return model.Enrollment{}, mapErr(err)
		}
		if _, err := tx.StmtContext(ctx, st.lastMachine).ExecContext(ctx, k.ID, req.Machine); err != nil {
			return model.Enrollment{}, mapErr(err)
		}
	default:
		if err := w.reserveUse(tx.StmtContext(ctx, st.reserve), k, req.Machine); err != nil {
			return model.Enrollment{}, err
		}
	}
	m := model.Machine{Name: req.Machine, KeyID: k.ID, KeyName: k.Name, Groups: is.Groups,
		CertID: k.CertID, CertName: is.Issuer.Name, Serial: ca.SerialHex(is.Signed.Serial),
		NotAfter: is.Signed.NotAfter.UTC().Truncate(time.Microsecond), EnrolledAt: w.now,
		Remote: req.Remote, UsedUse: !reenroll, Certificate: is.Signed.DER}
	if m.ID, err = insertMachine(ctx, tx.StmtContext(ctx, st.insert), m); err != nil {
		return model.Enrollment{}, err
	}
	a, old := model.ActionEnroll, any(nil)
	if reenroll {
		a, old = model.ActionReenroll, map[string]string{"serial": prevSerial}
	}
	if err := w.Audit(a, model.ObjectMachine, m.ID, m.Name, old, store.AuditMachine(m)); err != nil {
		return model.Enrollment{}, err
	}
	if err := tx.Commit(); err != nil {
		return model.Enrollment{}, mapErr(err)
	}
	x.s.commits.Add(1)
	return model.Enrollment{Machine: m, Certificate: ca.EncodeDER(is.Signed.DER), Chain: is.Issuer.Chain}, nil
}

// reserveUse takes one use of key k in a single statement (st, the prepared conditional
// UPDATE), so no interleaving of any number of writers can admit more machines than max usage.
func (w *writeTx) reserveUse(st *sql.Stmt, k sqlcore.EnrollKey, machine string) error {
	res, err := st.ExecContext(w.ctx, k.ID, machine)
	if err != nil {
		return mapErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return mapErr(err)
	}
	if n != 1 {
		return store.NoUsesLeft(k.ID, k.Usage, k.MaxUsage)
	}
	return nil
}

func insertMachine(ctx context.Context, st *sql.Stmt, m model.Machine) (int64, error) {
	groups, err := json.Marshal(m.Groups)
	if err != nil {
		return 0, err
	}
	res, err := st.ExecContext(ctx,
		m.Name, strings.ToLower(m.Name), m.KeyID, m.KeyName, string(groups), m.CertID, m.CertName,
		m.Serial, micros(m.NotAfter), micros(m.EnrolledAt), m.Remote, m.UsedUse, m.Certificate)
	if err != nil {
		return 0, mapErr(err)
	}
	return res.LastInsertId()
}

// countRefusal bumps a known key's refusal counter in its own transaction: best effort, since
// the refusal stands whether or not it is counted.
func (s *Store) countRefusal(ctx context.Context, r *store.Refusal) {
	if r.KeyID == 0 {
		return
	}
	release, err := s.writer.acquire(ctx)
	if err != nil {
		return
	}
	defer release()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `INSERT INTO key_refusals (key_id, count, last_at, last_reason)
		VALUES (?, 1, ?, ?) ON CONFLICT (key_id) DO UPDATE SET count = count + 1,
		last_at = excluded.last_at, last_reason = excluded.last_reason`, r.KeyID, micros(now()), r.Reason)
	if err == nil && tx.Commit() == nil {
		s.commits.Add(1)
	}
}
