package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

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
	expires             sql.NullInt64
}

// issued is an enrollment prepared outside the writer: the key as read, the machine's
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

// Enroll implements store.Enroller.Enroll in two steps, so the cryptography never holds the
// single writer:
//
//  1. prepareEnrollment, on the read pool and in parallel across requests: find the key by
//     fingerprint, check its state (and refuse early what is already refused in the last
//     committed state), unseal its CA key and sign the certificate with a fresh serial.
//  2. commitEnrollment, one short BEGIN IMMEDIATE transaction: re-check the key (same
//     version, still admitting), take the use with one conditional UPDATE or revoke the
//     certificate a re-enrollment replaces, record the machine and its audit row.
//
// The certificate is returned only after step 2 committed; when step 2 refuses, the signed
// certificate is discarded (nothing lists its serial, nothing trusts it without the chain
// the machine never got). A refusal writes only the key's refusal counter.
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
		if errors.Is(err, errKeyChanged) && attempt < enrollAttempts {
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

// prepareEnrollment reads the key and signs the certificate outside any write transaction.
func (s *Store) prepareEnrollment(ctx context.Context, chk store.EnrollCheck, req model.EnrollRequest, certDays int) (issued, error) {
	st, err := s.enrollStmts(ctx)
	if err != nil {
		return issued{}, err
	}
	var k enrollKey
	err = st.keyByFP.QueryRowContext(ctx, chk.Fingerprint).Scan(&k.id, &k.certID, &k.version, &k.name,
		&k.enabled, &k.reenroll, &k.maxUsage, &k.usage, &k.expires)
	if errors.Is(err, sql.ErrNoRows) {
		return issued{}, store.UnknownKey()
	}
	if err != nil {
		return issued{}, mapErr(err)
	}
	t := now()
	if r := store.KeyAdmits(k.id, k.enabled, fromNullMicros(k.expires), t); r != nil {
		return issued{}, r
	}
	// Refused in the last committed state already: refuse without signing. The transaction
	// decides everything again; this only spares the signature.
	var prev int64
	err = st.activeRead.QueryRowContext(ctx, k.id, strings.ToLower(req.Machine)).Scan(&prev, new(string))
	switch {
	case err == nil && !k.reenroll:
		return issued{}, store.AlreadyEnrolled(k.id, req.Machine)
	case errors.Is(err, sql.ErrNoRows) && k.maxUsage > 0 && k.usage >= k.maxUsage:
		return issued{}, store.NoUsesLeft(k.id, k.usage, k.maxUsage)
	case err != nil && !errors.Is(err, sql.ErrNoRows):
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
	groups, err := queryAll(ctx, s.rdb, scanString, keyGroupNamesSQL, k.id)
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

// commitEnrollment is the short writer transaction of an enrollment: it re-checks the key,
// counts the use (or revokes the certificate a re-enrollment replaces) and records the
// machine. Refusals are *store.Refusal; a key edited since is errKeyChanged.
func (x *session) commitEnrollment(ctx context.Context, is issued, req model.EnrollRequest) (model.Enrollment, error) {
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
	k := is.key
	var version int64
	var enabled bool
	var expires sql.NullInt64
	err = tx.StmtContext(ctx, st.keyState).QueryRowContext(ctx, k.id).Scan(&version, &enabled, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return model.Enrollment{}, store.UnknownKey() // deleted meanwhile
	}
	if err != nil {
		return model.Enrollment{}, mapErr(err)
	}
	if version != k.version {
		return model.Enrollment{}, errKeyChanged
	}
	if r := store.KeyAdmits(k.id, enabled, fromNullMicros(expires), w.now); r != nil {
		return model.Enrollment{}, r
	}
	var prevID int64
	var prevSerial string
	err = tx.StmtContext(ctx, st.activeWrite).QueryRowContext(ctx, k.id, strings.ToLower(req.Machine)).Scan(&prevID, &prevSerial)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return model.Enrollment{}, mapErr(err)
	}
	reenroll := err == nil
	switch {
	case reenroll && !k.reenroll:
		return model.Enrollment{}, store.AlreadyEnrolled(k.id, req.Machine)
	case reenroll:
		if _, err := tx.StmtContext(ctx, st.revoke).ExecContext(ctx, micros(w.now), prevID); err != nil {
			return model.Enrollment{}, mapErr(err)
		}
		if _, err := tx.StmtContext(ctx, st.lastMachine).ExecContext(ctx, k.id, req.Machine); err != nil {
			return model.Enrollment{}, mapErr(err)
		}
	default:
		if err := w.reserveUse(tx.StmtContext(ctx, st.reserve), k, req.Machine); err != nil {
			return model.Enrollment{}, err
		}
	}
	m := model.Machine{Name: req.Machine, KeyID: k.id, KeyName: k.name, Groups: is.groups,
		CertID: k.certID, CertName: is.issuer.Name, Serial: ca.SerialHex(is.signed.Serial),
		NotAfter: is.signed.NotAfter.UTC().Truncate(time.Microsecond), EnrolledAt: w.now,
		Remote: req.Remote, UsedUse: !reenroll, Certificate: is.signed.DER}
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
	return model.Enrollment{Machine: m, Certificate: ca.EncodeDER(is.signed.DER), Chain: is.issuer.Chain}, nil
}

// reserveUse takes one use of key k in a single statement (st, the prepared conditional
// UPDATE), so no interleaving of any number of writers can admit more machines than max usage.
func (w *writeTx) reserveUse(st *sql.Stmt, k enrollKey, machine string) error {
	res, err := st.ExecContext(w.ctx, k.id, machine)
	if err != nil {
		return mapErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return mapErr(err)
	}
	if n != 1 {
		return store.NoUsesLeft(k.id, k.usage, k.maxUsage)
	}
	return nil
}

// keyGroupNamesSQL lists a key's machine group names, sorted case-insensitively.
const keyGroupNamesSQL = `SELECT g.name FROM key_groups kg JOIN groups g ON g.id = kg.group_id
	WHERE kg.key_id = ? ORDER BY lower(g.name), g.id`

func scanString(sc scanner) (string, error) {
	var v string
	err := sc.Scan(&v)
	return v, err
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
