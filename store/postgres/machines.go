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
)

const machineCols = `m.id, m.name, COALESCE(m.key_id, 0), m.key_name, m.groups, m.cert_id, m.cert_name,
	m.serial, m.not_after, m.enrolled_at, m.remote, m.revoked_at, m.used_use, m.certificate`

func scanMachine(sc scanner) (model.Machine, error) {
	var m model.Machine
	var groups []byte
	var notAfter, enrolled time.Time
	var revoked *time.Time
	err := sc.Scan(&m.ID, &m.Name, &m.KeyID, &m.KeyName, &groups, &m.CertID, &m.CertName, &m.Serial,
		&notAfter, &enrolled, &m.Remote, &revoked, &m.UsedUse, &m.Certificate)
	if err != nil {
		return m, mapErr(err)
	}
	if err := json.Unmarshal(groups, &m.Groups); err != nil {
		return m, fmt.Errorf("machine %d: its groups do not read: %w", m.ID, err)
	}
	m.NotAfter, m.EnrolledAt, m.RevokedAt = notAfter.UTC(), enrolled.UTC(), utc(revoked)
	return m, nil
}

func queryMachines(ctx context.Context, q querier, where string, args ...any) ([]model.Machine, error) {
	return queryAll(ctx, q, scanMachine, "SELECT "+machineCols+" FROM machines m "+where, args...)
}

// ListMachines returns the machines enrolled with key keyID (0: every key, and those of
// deleted keys), newest first, revoked ones included.
func (x *session) ListMachines(ctx context.Context, keyID int64) ([]model.Machine, error) {
	if err := store.Authorize(x.actor, model.ActionRead); err != nil {
		return nil, err
	}
	if keyID == 0 {
		return queryMachines(ctx, x.s.pool, "ORDER BY m.id DESC")
	}
	return queryMachines(ctx, x.s.pool, "WHERE m.key_id = $1 ORDER BY m.id DESC", keyID)
}

// Machine returns one machine by id.
func (x *session) Machine(ctx context.Context, id int64) (model.Machine, error) {
	if err := store.Authorize(x.actor, model.ActionRead); err != nil {
		return model.Machine{}, err
	}
	m, err := scanMachine(x.s.pool.QueryRow(ctx, "SELECT "+machineCols+" FROM machines m WHERE m.id = $1", id))
	return m, notFound(err, "machine", id)
}

// MachineByName returns the machine named name (case-insensitive): its active enrollment, or
// when none is active its newest one (store.PickMachine).
func (x *session) MachineByName(ctx context.Context, name string) (model.Machine, error) {
	if err := store.Authorize(x.actor, model.ActionRead); err != nil {
		return model.Machine{}, err
	}
	ms, err := queryMachines(ctx, x.s.pool, "WHERE lower(m.name) = lower($1) ORDER BY m.revoked_at IS NOT NULL, m.id DESC", name)
	if err != nil {
		return model.Machine{}, err
	}
	return store.PickMachine(name, ms)
}

// RevokeMachine revokes machine id's certificate (audited as revoke); its serial is on its
// CA's revocation list from then on. Revoking a revoked machine is a *model.ValidationError.
func (x *session) RevokeMachine(ctx context.Context, id int64) (model.Machine, error) {
	var m model.Machine
	err := x.change(ctx, model.ActionRevoke, model.ObjectMachine, id, func(w *writeTx) error {
		var err error
		m, err = scanMachine(w.QueryRow(w.ctx, "SELECT "+machineCols+" FROM machines m WHERE m.id = $1 FOR UPDATE", id))
		if err != nil {
			return notFound(err, "machine", id)
		}
		if !m.Active() {
			return &model.ValidationError{Field: model.FieldMachine, Msg: fmt.Sprintf("machine %q (serial %s) is already revoked", m.Name, m.Serial)}
		}
		if _, err := w.Exec(w.ctx, "UPDATE machines SET revoked_at = $1 WHERE id = $2", w.now, id); err != nil {
			return mapErr(err)
		}
		m.RevokedAt = w.now
		return w.audit(model.ActionRevoke, model.ObjectMachine, id, m.Name, nil, store.AuditMachine(m))
	})
	if err != nil {
		return model.Machine{}, err
	}
	return m, nil
}

// revokeKeyMachines revokes every active machine of key keyID, one audit row each; DeleteKey
// calls it in its own transaction, before the key goes.
func (w *writeTx) revokeKeyMachines(keyID int64) error {
	ms, err := queryMachines(w.ctx, w, "WHERE m.key_id = $1 AND m.revoked_at IS NULL ORDER BY m.id FOR UPDATE", keyID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if _, err := w.Exec(w.ctx, "UPDATE machines SET revoked_at = $1 WHERE id = $2", w.now, m.ID); err != nil {
			return mapErr(err)
		}
		m.RevokedAt = w.now
		if err := w.audit(model.ActionRevoke, model.ObjectMachine, m.ID, m.Name, nil, store.AuditMachine(m)); err != nil {
			return err
		}
	}
	return nil
}

// ActiveMachineCount is how many unrevoked machines key keyID has.
func (x *session) ActiveMachineCount(ctx context.Context, keyID int64) (int, error) {
	if err := store.Authorize(x.actor, model.ActionRead); err != nil {
		return 0, err
	}
	var n int
	err := x.s.pool.QueryRow(ctx, "SELECT count(*) FROM machines WHERE key_id = $1 AND revoked_at IS NULL", keyID).Scan(&n)
	return n, mapErr(err)
}

// KeyRefusals returns key keyID's refused-enrollment counter (zero when none).
func (x *session) KeyRefusals(ctx context.Context, keyID int64) (model.KeyRefusals, error) {
	if err := store.Authorize(x.actor, model.ActionRead); err != nil {
		return model.KeyRefusals{}, err
	}
	var r model.KeyRefusals
	var at time.Time
	err := x.s.pool.QueryRow(ctx, "SELECT count, last_at, last_reason FROM key_refusals WHERE key_id = $1", keyID).
		Scan(&r.Count, &at, &r.LastReason)
	if errors.Is(err, pgx.ErrNoRows) {
		return model.KeyRefusals{}, nil
	}
	if err != nil {
		return model.KeyRefusals{}, mapErr(err)
	}
	r.LastAt = at.UTC()
	return r, nil
}

// CRL returns CA caName's certificate revocation list (DER), signed by that CA, with every
// machine certificate it issued that is revoked. It is public, so it needs no actor; the CA's
// key is unsealed here and never leaves.
func (s *Store) CRL(ctx context.Context, caName string) ([]byte, error) {
	var id int64
	err := s.pool.QueryRow(ctx, "SELECT id FROM certs WHERE lower(name) = lower($1)", caName).Scan(&id)
	if err != nil {
		return nil, fmt.Errorf("signing certificate %q: %w", caName, mapErr(err))
	}
	e, err := s.caCert(ctx, s.pool, id)
	if err != nil {
		return nil, err
	}
	signer, err := s.caSigner(ctx, s.pool, id, e.Name)
	if err != nil {
		return nil, err
	}
	revoked, err := queryAll(ctx, s.pool, func(sc scanner) (r ca.Revoked, err error) {
		var at time.Time
		err = sc.Scan(&r.Serial, &at)
		r.At = at.UTC()
		return r, err
	}, "SELECT serial, revoked_at FROM machines WHERE cert_id = $1 AND revoked_at IS NOT NULL ORDER BY id", id)
	if err != nil {
		return nil, err
	}
	return ca.CRL(e.Cert, signer, revoked, now())
}
