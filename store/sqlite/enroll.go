package sqlite

import (
	"context"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"provkeys/model"
	"provkeys/store"
	"provkeys/store/ca"
)

// enrollKey is what enrollment reads of a key.
type enrollKey struct {
	id, certID        int64
	name              string
	enabled, reenroll bool
	maxUsage, usage   int64
	expires           sql.NullInt64
}

// Enroll admits a machine with a provisioning key and returns its certificate, signed by the
// key's signing certificate, valid certDays days (<= 0: ca.DefaultMachineDays), with the chain
// of the issuing CA up to the Root.
//
// Everything happens in one BEGIN IMMEDIATE transaction: find the key by fingerprint (so keys
// whose material was erased still enroll), check its state, reserve one use for a new machine
// name with a single conditional UPDATE, unseal the CA key, sign, record the machine and write
// the audit row (actor: the machine name, from req.Remote). A machine name already enrolled
// with the key is re-enrolled only if the key allows it: a new certificate, the old one
// revoked, no use consumed.
//
// Errors: *model.ValidationError (field key, machine or csr); model.ErrKeyRefused (unknown,
// disabled or expired, told apart only in the key's refusal counter); model.ErrNoUsesLeft;
// model.ErrAlreadyEnrolled; model.ErrCannotSign (verify-only or expired CA). A refusal writes
// nothing but the key's refusal counter.
func (s *Store) Enroll(ctx context.Context, req model.EnrollRequest, certDays int) (model.Enrollment, error) {
	chk, err := store.CheckEnrollRequest(req)
	if err != nil {
		return model.Enrollment{}, err
	}
	x := s.as(store.MachineActor(req))
	tx, err := x.begin(ctx)
	if err != nil {
		return model.Enrollment{}, err
	}
	defer tx.Rollback()
	w := &writeTx{Tx: tx, ctx: ctx, x: x, now: now()}
	out, err := w.enroll(chk.Fingerprint, chk.CSR, req, certDays)
	var r *store.Refusal
	if errors.As(err, &r) {
		tx.Rollback()
		s.countRefusal(ctx, r)
		return model.Enrollment{}, r.Err
	}
	if err != nil {
		return model.Enrollment{}, x.ctxErr(ctx, err)
	}
	if err := tx.Commit(); err != nil {
		return model.Enrollment{}, x.ctxErr(ctx, mapErr(err))
	}
	s.commits.Add(1)
	return out, nil
}

func (w *writeTx) enroll(fp string, csr *x509.CertificateRequest, req model.EnrollRequest, certDays int) (model.Enrollment, error) {
	var k enrollKey
	err := w.QueryRowContext(w.ctx, `SELECT id, cert_id, name, enabled, allow_reenroll, max_usage,
		usage_count, expires_at FROM keys WHERE fingerprint = ?`, fp).
		Scan(&k.id, &k.certID, &k.name, &k.enabled, &k.reenroll, &k.maxUsage, &k.usage, &k.expires)
	if errors.Is(err, sql.ErrNoRows) {
		return model.Enrollment{}, store.UnknownKey()
	}
	if err != nil {
		return model.Enrollment{}, mapErr(err)
	}
	if r := store.KeyAdmits(k.id, k.enabled, fromNullMicros(k.expires), w.now); r != nil {
		return model.Enrollment{}, r
	}
	nameKey := strings.ToLower(req.Machine)
	var prevID int64
	var prevSerial string
	err = w.QueryRowContext(w.ctx, `SELECT id, serial FROM machines
		WHERE key_id = ? AND name_key = ? AND revoked_at IS NULL`, k.id, nameKey).Scan(&prevID, &prevSerial)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return model.Enrollment{}, mapErr(err)
	}
	reenroll := err == nil
	if reenroll && !k.reenroll {
		return model.Enrollment{}, store.AlreadyEnrolled(k.id, req.Machine)
	}
	issuer, err := w.x.s.caCert(w.ctx, w, k.certID)
	if err != nil {
		return model.Enrollment{}, err
	}
	signer, err := w.x.s.caSigner(w.ctx, w, k.certID, issuer.name)
	if errors.Is(err, model.ErrCannotSign) {
		return model.Enrollment{}, store.CannotSign(k.id, err)
	}
	if err != nil {
		return model.Enrollment{}, err
	}
	if err := ca.CanSign(issuer.cert, w.now); err != nil {
		err = fmt.Errorf("%w: %q %v", model.ErrCannotSign, issuer.name, err)
		return model.Enrollment{}, store.CannotSign(k.id, err)
	}
	if reenroll {
		if _, err := w.ExecContext(w.ctx, "UPDATE machines SET revoked_at = ? WHERE id = ?", micros(w.now), prevID); err != nil {
			return model.Enrollment{}, mapErr(err)
		}
	} else if err := w.reserveUse(k); err != nil {
		return model.Enrollment{}, err
	}
	groups, err := w.keyGroupNames(k.id)
	if err != nil {
		return model.Enrollment{}, err
	}
	signed, err := ca.SignMachine(issuer.cert, signer, ca.MachineCert{Request: csr, Machine: req.Machine,
		Groups: groups, Days: certDays, Now: w.now})
	if err != nil {
		return model.Enrollment{}, err
	}
	m := model.Machine{Name: req.Machine, KeyID: k.id, KeyName: k.name, Groups: groups,
		CertID: k.certID, CertName: issuer.name, Serial: ca.SerialHex(signed.Serial),
		NotAfter: signed.NotAfter.UTC().Truncate(time.Microsecond), EnrolledAt: w.now,
		Remote: req.Remote, UsedUse: !reenroll, Certificate: signed.DER}
	if m.ID, err = w.insertMachine(m); err != nil {
		return model.Enrollment{}, err
	}
	a, old := model.ActionEnroll, any(nil)
	if reenroll {
		a, old = model.ActionReenroll, map[string]string{"serial": prevSerial}
	}
	if err := w.audit(a, model.ObjectMachine, m.ID, m.Name, old, store.AuditMachine(m)); err != nil {
		return model.Enrollment{}, err
	}
	return model.Enrollment{Machine: m, Certificate: ca.EncodeDER(signed.DER), Chain: issuer.chain}, nil
}

// reserveUse takes one use of key k in a single statement, so no interleaving of any number
// of writers can admit more machines than max usage.
func (w *writeTx) reserveUse(k enrollKey) error {
	res, err := w.ExecContext(w.ctx, `UPDATE keys SET usage_count = usage_count + 1
		WHERE id = ? AND (max_usage = 0 OR usage_count < max_usage)`, k.id)
	if err != nil {
		return mapErr(err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err != nil {
			return mapErr(err)
		}
		return store.NoUsesLeft(k.id, k.usage, k.maxUsage)
	}
	return nil
}

// keyGroupNames lists key id's machine group names, sorted case-insensitively.
func (w *writeTx) keyGroupNames(id int64) ([]string, error) {
	rows, err := w.QueryContext(w.ctx, `SELECT g.name FROM key_groups kg JOIN groups g ON g.id = kg.group_id
		WHERE kg.key_id = ? ORDER BY lower(g.name), g.id`, id)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, n)
	}
	return out, mapErr(rows.Err())
}

func (w *writeTx) insertMachine(m model.Machine) (int64, error) {
	groups, err := json.Marshal(m.Groups)
	if err != nil {
		return 0, err
	}
	res, err := w.ExecContext(w.ctx, `INSERT INTO machines (name, name_key, key_id, key_name, groups,
		cert_id, cert_name, serial, not_after, enrolled_at, remote, used_use, certificate)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
