package sqlcore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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
// machine's active enrollment with the key as read (PrevID 0: none), the machine's
// certificate already signed. It leaves the store only once the commit has counted the use;
// a refused one is dropped there and never seen.
type Issued struct {
	Key        EnrollKey
	PrevID     int64
	PrevSerial string
	Groups     []string
	Issuer     *store.CAEntry
	Signed     ca.Signed
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

// errStale: what the enrollment was prepared on changed before its commit (the key was
// edited, or another enrollment of the same machine name won); the certificate may carry
// stale groups or the wrong CA, so it is prepared and signed again.
var errStale = errors.New("the key or the machine changed during the enrollment")

// enrollAttempts bounds the re-signing when the key keeps changing under an enrollment.
const enrollAttempts = 5

// Enroll implements store.Enroller.Enroll on engine e, so the cryptography never runs inside
// a write transaction: prepare reads and signs, commit decides. The certificate is returned
// only after the commit; when the commit refuses, the signed certificate is discarded
// (nothing lists its serial, nothing trusts it without the chain the machine never got). A
// key changed in between, or a transaction the server aborted, is signed again, a few times
// at most. A refusal writes only the key's refusal counter.
func Enroll(ctx context.Context, e Engine, req model.EnrollRequest, certDays int) (model.Enrollment, error) {
	chk, err := store.CheckEnrollRequest(req)
	if err != nil {
		return model.Enrollment{}, err
	}
	sys := NewSession(e, SystemActor)
	for attempt := 1; ; attempt++ {
		var out model.Enrollment
		is, err := sys.prepareEnrollment(ctx, chk, req, certDays)
		if err == nil {
			out, err = e.Enrollments().commit(ctx, NewSession(e, store.MachineActor(req)), is, req)
		}
		if (errors.Is(err, errStale) || e.Retryable(err)) && attempt < enrollAttempts {
			continue
		}
		var r *store.Refusal
		if errors.As(err, &r) {
			sys.countRefusal(ctx, r)
			return model.Enrollment{}, r.Err
		}
		if err != nil {
			return model.Enrollment{}, CtxErr(ctx, err)
		}
		return out, nil
	}
}

// EnrollStatements are the statements an enrollment runs, in the engine's spelling: reads
// (on the reader) and writes (inside the write transaction). An engine that can keep
// statements prepared (SQLite) prepares these: they run thousands of times a second.
func EnrollStatements(d Dialect) (reads, writes []string) {
	return []string{d.rebind(enrollKeySQL(d))},
		[]string{d.rebind(revokeReplacedSQL), d.rebind(insertMachinesSQL(d, 1)), d.rebind(auditSQL),
			d.rebind(takeUsesSQL), d.rebind(keyNowSQL)}
}

// enrollKeySQL reads the key by fingerprint and, in the same query, the machine's active
// enrollment with it (the machine name is the first argument) and the key's machine group
// names: a row per group, sorted case-insensitively, or one row with a NULL name. One round
// trip to the database instead of two, on each of thousands of enrollments a second.
func enrollKeySQL(d Dialect) string {
	return `SELECT k.id, k.cert_id, k.version, k.name, k.enabled, k.allow_reenroll, k.max_usage,
		k.usage_count, k.expires_at, m.id, m.serial, g.name FROM keys k
		LEFT JOIN machines m ON m.key_id = k.id AND ` + d.NameIs("m.name") + ` AND m.revoked_at IS NULL
		LEFT JOIN key_groups kg ON kg.key_id = k.id
		LEFT JOIN groups g ON g.id = kg.group_id
		WHERE k.fingerprint = ? ORDER BY lower(g.name), g.id`
}

// enrollRead is what prepare reads of the key in one query (enrollKeySQL).
type enrollRead struct {
	key        EnrollKey
	prevID     *int64 // the machine's active enrollment with the key, nil: none
	prevSerial *string
	groups     []string
}

// readEnrollKey reads the key whose fingerprint the request carries; model.ErrNotFound when
// no key has it.
func (x *Session) readEnrollKey(ctx context.Context, chk store.EnrollCheck, req model.EnrollRequest) (enrollRead, error) {
	d := x.E.Dialect()
	rows, err := x.Read().Query(ctx, enrollKeySQL(d), d.NameArg(req.Machine), chk.Fingerprint)
	if err != nil {
		return enrollRead{}, x.E.MapErr(err)
	}
	defer rows.Close()
	var r enrollRead
	found := false
	for rows.Next() {
		k := &r.key
		var expires Time
		var group *string
		if err := rows.Scan(&k.ID, &k.CertID, &k.Version, &k.Name, &k.Enabled, &k.Reenroll, &k.MaxUsage,
			&k.Usage, &expires, &r.prevID, &r.prevSerial, &group); err != nil {
			return enrollRead{}, x.E.MapErr(err)
		}
		k.Expires = expires.T
		if group != nil {
			r.groups = append(r.groups, *group)
		}
		found = true
	}
	if err := rows.Err(); err != nil {
		return enrollRead{}, x.E.MapErr(err)
	}
	if !found {
		return enrollRead{}, model.ErrNotFound
	}
	return r, nil
}

// prepareEnrollment reads the key, its groups and the machine's active enrollment, and signs
// the certificate, outside any write transaction.
func (x *Session) prepareEnrollment(ctx context.Context, chk store.EnrollCheck, req model.EnrollRequest, certDays int) (Issued, error) {
	r, err := x.readEnrollKey(ctx, chk, req)
	if errors.Is(err, model.ErrNotFound) {
		return Issued{}, store.UnknownKey()
	}
	if err != nil {
		return Issued{}, err
	}
	k := r.key
	t := Now()
	if r := store.KeyAdmits(k.ID, k.Enabled, k.Expires, t); r != nil {
		return Issued{}, r
	}
	if r := k.RefusedEarly(req.Machine, r.prevID != nil); r != nil {
		return Issued{}, r
	}
	is, err := x.SignEnrollment(ctx, k, r.groups, chk, req, certDays, t)
	if r.prevID != nil {
		is.PrevID, is.PrevSerial = *r.prevID, *r.prevSerial
	}
	return is, err
}

const (
	// revokeReplacedSQL revokes the certificate a re-enrollment replaces, only if it is still
	// active: a re-enrollment that raced this one and won leaves no row to revoke.
	revokeReplacedSQL = `UPDATE machines SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`
	// takeUsesSQL takes n uses of a key still at the version read, all or none, in one
	// conditional UPDATE: under any number of writers on any number of replicas, a key with
	// max usage N admits exactly N machines. Re-enrollments alone (n = 0) take none and are
	// not held to the limit. The key's last machine changes with it; its version does not
	// (an enrollment is not an edit).
	takeUsesSQL = `UPDATE keys SET usage_count = usage_count + ?, last_machine = ?
		WHERE id = ? AND version = ? AND (? = 0 OR max_usage = 0 OR usage_count + ? <= max_usage)`
	// keyNowSQL tells why the key's UPDATE changed nothing.
	keyNowSQL = `SELECT version, usage_count FROM keys WHERE id = ?`
)

// insertMachinesSQL inserts n machines (machineRow each) and returns their ids by serial.
func insertMachinesSQL(d Dialect, n int) string {
	cols, marks, _ := d.NameCols("")
	row := `(` + marks + `, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	return `INSERT INTO machines (` + cols + `, key_id, key_name, groups, cert_id, cert_name, serial,
		not_after, enrolled_at, remote, used_use, certificate) VALUES ` + row + strings.Repeat(", "+row, n-1) +
		` RETURNING id, serial`
}

// machineRow is the machine an enrollment records, and its row's values (insertMachinesSQL).
func (w *W) machineRow(is Issued, req model.EnrollRequest) (model.Machine, []any, error) {
	k := is.Key
	m := model.Machine{Name: req.Machine, KeyID: k.ID, KeyName: k.Name, Groups: is.Groups,
		CertID: k.CertID, CertName: is.Issuer.Name, Serial: ca.SerialHex(is.Signed.Serial),
		NotAfter: is.Signed.NotAfter.UTC().Truncate(time.Microsecond), EnrolledAt: w.Now,
		Remote: req.Remote, UsedUse: is.PrevID == 0, Certificate: is.Signed.DER}
	groups, err := json.Marshal(m.Groups)
	if err != nil {
		return m, nil, err
	}
	_, _, name := w.d.NameCols(m.Name)
	return m, append(name, m.KeyID, m.KeyName, string(groups), m.CertID, m.CertName, m.Serial, m.NotAfter,
		m.EnrolledAt, m.Remote, m.UsedUse, m.Certificate), nil
}

// enrollAudit is an enrollment's audit row: its action, and the old and new values.
func enrollAudit(is Issued, m model.Machine) (model.Action, any, any) {
	if is.PrevID != 0 {
		return model.ActionReenroll, map[string]string{"serial": is.PrevSerial}, store.AuditMachine(m)
	}
	return model.ActionEnroll, nil, store.AuditMachine(m)
}

// untouched tells why key k's UPDATE changed nothing for an enrollment alone: the key is
// gone, was edited (errStale: prepare again), or has no uses left.
func (w *W) untouched(k EnrollKey) error {
	var version, used int64
	err := w.MapErr(w.QueryRow(w.Ctx, keyNowSQL, k.ID).Scan(&version, &used))
	switch {
	case errors.Is(err, model.ErrNotFound):
		return store.UnknownKey() // deleted meanwhile
	case err != nil:
		return err
	case version != k.Version:
		return errStale
	}
	return store.NoUsesLeft(k.ID, used, k.MaxUsage)
}

// countRefusal bumps a known key's refusal counter in its own transaction: best effort, since
// the refusal stands whether or not it is counted.
func (x *Session) countRefusal(ctx context.Context, r *store.Refusal) {
	if r.KeyID == 0 {
		return
	}
	tx, err := x.E.Begin(ctx)
	if err != nil {
		return
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	w := x.In(ctx, tx)
	_, err = w.Exec(ctx, `INSERT INTO key_refusals (key_id, count, last_at, last_reason)
		VALUES (?, 1, ?, ?) ON CONFLICT (key_id) DO UPDATE SET count = key_refusals.count + 1,
		last_at = excluded.last_at, last_reason = excluded.last_reason`, r.KeyID, w.Now, r.Reason)
	if err == nil && x.E.BeforeCommit(ctx, tx) == nil && tx.Commit(ctx) == nil {
		x.E.Committed()
	}
}

// SignEnrollment is the end of prepare once the key admits the machine: it unseals the key's
// CA key and signs the machine's certificate at time t, with the key's groups.
func (x *Session) SignEnrollment(ctx context.Context, k EnrollKey, groups []string, chk store.EnrollCheck, req model.EnrollRequest, certDays int, t time.Time) (Issued, error) {
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
	signed, err := ca.SignMachine(issuer.Cert, signer, ca.MachineCert{Request: chk.CSR, Machine: req.Machine,
		Groups: groups, Days: certDays, Now: t})
	if err != nil {
		return Issued{}, err
	}
	return Issued{Key: k, Groups: groups, Issuer: issuer, Signed: signed}, nil
}
