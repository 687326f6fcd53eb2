package sqlcore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"provkeys/model"
	"provkeys/store"
	"provkeys/store/ca"
)

const machineCols = `m.id, m.name, COALESCE(m.key_id, 0), m.key_name, m.groups, m.cert_id, m.cert_name,
	m.serial, m.not_after, m.enrolled_at, m.remote, m.revoked_at, m.used_use, m.certificate`

func (x *Session) scanMachine(sc Row) (model.Machine, error) {
	var m model.Machine
	var groups []byte
	var notAfter, enrolled, revoked Time
	err := sc.Scan(&m.ID, &m.Name, &m.KeyID, &m.KeyName, &groups, &m.CertID, &m.CertName, &m.Serial,
		&notAfter, &enrolled, &m.Remote, &revoked, &m.UsedUse, &m.Certificate)
	if err != nil {
		return m, x.E.MapErr(err)
	}
	if err := json.Unmarshal(groups, &m.Groups); err != nil {
		return m, fmt.Errorf("machine %d: its groups do not read: %w", m.ID, err)
	}
	m.NotAfter, m.EnrolledAt, m.RevokedAt = notAfter.T, enrolled.T, revoked.T
	return m, nil
}

func (x *Session) queryMachines(ctx context.Context, q Querier, where string, args ...any) ([]model.Machine, error) {
	return All(ctx, x.E, q, x.scanMachine, "SELECT "+machineCols+" FROM machines m "+where, args...)
}

// ListMachines returns the machines enrolled with key keyID (0: every key, and those of
// deleted keys), newest first, revoked ones included.
func (x *Session) ListMachines(ctx context.Context, keyID int64) ([]model.Machine, error) {
	if err := x.Authorize(model.ActionRead); err != nil {
		return nil, err
	}
	if keyID == 0 {
		return x.queryMachines(ctx, x.Read(), "ORDER BY m.id DESC")
	}
	return x.queryMachines(ctx, x.Read(), "WHERE m.key_id = ? ORDER BY m.id DESC", keyID)
}

// Machine returns one machine by id.
func (x *Session) Machine(ctx context.Context, id int64) (model.Machine, error) {
	if err := x.Authorize(model.ActionRead); err != nil {
		return model.Machine{}, err
	}
	m, err := x.scanMachine(x.Read().QueryRow(ctx, "SELECT "+machineCols+" FROM machines m WHERE m.id = ?", id))
	return m, NotFound(err, "machine", id)
}

// MachineByName returns the machine named name (case-insensitive): its active enrollment, or
// when none is active its newest one. Several active enrollments under that name (with
// different keys) are model.ErrAmbiguous naming the keys (store.PickMachine).
func (x *Session) MachineByName(ctx context.Context, name string) (model.Machine, error) {
	if err := x.Authorize(model.ActionRead); err != nil {
		return model.Machine{}, err
	}
	d := x.E.Dialect()
	ms, err := x.queryMachines(ctx, x.Read(), "WHERE "+d.NameIs("m.name")+" ORDER BY m.revoked_at IS NOT NULL, m.id DESC", d.NameArg(name))
	if err != nil {
		return model.Machine{}, err
	}
	return store.PickMachine(name, ms)
}

// RevokeMachine revokes machine id's certificate (audited as revoke); its serial is on its
// CA's revocation list from then on. Revoking a revoked machine is a *model.ValidationError.
func (x *Session) RevokeMachine(ctx context.Context, id int64) (model.Machine, error) {
	var m model.Machine
	err := x.Change(ctx, model.ActionRevoke, model.ObjectMachine, id, func(w *W) error {
		var err error
		m, err = x.scanMachine(w.QueryRow(w.Ctx, "SELECT "+machineCols+" FROM machines m WHERE m.id = ?"+w.d.Lock("UPDATE"), id))
		if err != nil {
			return NotFound(err, "machine", id)
		}
		if !m.Active() {
			return &model.ValidationError{Field: model.FieldMachine, Msg: fmt.Sprintf("machine %q (serial %s) is already revoked", m.Name, m.Serial)}
		}
		return w.revoke(&m)
	})
	if err != nil {
		return model.Machine{}, err
	}
	return m, nil
}

// revoke marks machine m revoked now, audited.
func (w *W) revoke(m *model.Machine) error {
	if _, err := w.Exec(w.Ctx, "UPDATE machines SET revoked_at = ? WHERE id = ?", w.Now, m.ID); err != nil {
		return w.MapErr(err)
	}
	m.RevokedAt = w.Now
	return w.Audit(model.ActionRevoke, model.ObjectMachine, m.ID, m.Name, nil, store.AuditMachine(*m))
}

// revokeKeyMachines revokes every active machine of key keyID, one audit row each; DeleteKey
// calls it in its own transaction, before the key goes.
func (w *W) revokeKeyMachines(keyID int64) error {
	ms, err := w.X.queryMachines(w.Ctx, w, "WHERE m.key_id = ? AND m.revoked_at IS NULL ORDER BY m.id"+w.d.Lock("UPDATE"), keyID)
	if err != nil {
		return err
	}
	for i := range ms {
		if err := w.revoke(&ms[i]); err != nil {
			return err
		}
	}
	return nil
}

// ActiveMachineCount is how many unrevoked machines key keyID has: what deleting the key
// would revoke, for its confirmation.
func (x *Session) ActiveMachineCount(ctx context.Context, keyID int64) (int, error) {
	if err := x.Authorize(model.ActionRead); err != nil {
		return 0, err
	}
	var n int
	err := x.Read().QueryRow(ctx, "SELECT count(*) FROM machines WHERE key_id = ? AND revoked_at IS NULL", keyID).Scan(&n)
	return n, x.E.MapErr(err)
}

// ActiveMachineCounts is how many unrevoked machines each key has, by key id; keys with none
// are absent. One grouped scan of the machines, for the Keys view's machines column.
func (x *Session) ActiveMachineCounts(ctx context.Context) (map[int64]int, error) {
	if err := x.Authorize(model.ActionRead); err != nil {
		return nil, err
	}
	type count struct {
		key int64
		n   int
	}
	rows, err := All(ctx, x.E, x.Read(), func(sc Row) (c count, err error) { return c, sc.Scan(&c.key, &c.n) },
		"SELECT key_id, count(*) FROM machines WHERE key_id IS NOT NULL AND revoked_at IS NULL GROUP BY key_id")
	if err != nil {
		return nil, err
	}
	out := make(map[int64]int, len(rows))
	for _, c := range rows {
		out[c.key] = c.n
	}
	return out, nil
}

// KeyRefusals returns key keyID's refused-enrollment counter (zero when none).
func (x *Session) KeyRefusals(ctx context.Context, keyID int64) (model.KeyRefusals, error) {
	if err := x.Authorize(model.ActionRead); err != nil {
		return model.KeyRefusals{}, err
	}
	var r model.KeyRefusals
	var at Time
	err := x.E.MapErr(x.Read().QueryRow(ctx, "SELECT count, last_at, last_reason FROM key_refusals WHERE key_id = ?", keyID).
		Scan(&r.Count, &at, &r.LastReason))
	if errors.Is(err, model.ErrNotFound) {
		return model.KeyRefusals{}, nil
	}
	if err != nil {
		return model.KeyRefusals{}, err
	}
	r.LastAt = at.T
	return r, nil
}

// CRL returns CA caName's certificate revocation list (DER), signed by that CA, with every
// machine certificate it issued that is revoked. It is public (machines and relying parties
// fetch it), so it needs no role; the CA's key is unsealed here and never leaves.
func (x *Session) CRL(ctx context.Context, caName string) ([]byte, error) {
	q := x.Read()
	id, err := x.CAID(ctx, q, caName)
	if err != nil {
		return nil, err
	}
	e, err := x.CACert(ctx, q, id)
	if err != nil {
		return nil, err
	}
	signer, err := x.CASigner(ctx, q, id, e.Name)
	if err != nil {
		return nil, err
	}
	revoked, err := All(ctx, x.E, q, func(sc Row) (r ca.Revoked, err error) {
		var at Time
		err = sc.Scan(&r.Serial, &at)
		r.At = at.T
		return r, err
	}, "SELECT serial, revoked_at FROM machines WHERE cert_id = ? AND revoked_at IS NOT NULL ORDER BY id", id)
	if err != nil {
		return nil, err
	}
	return ca.CRL(e.Cert, signer, revoked, Now())
}
