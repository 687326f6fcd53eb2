package postgres

import (
	"context"
	"time"

	"provkeys/model"
	"provkeys/store"
)

// ListAudit returns the newest limit audit events, newest first (limit <= 0: all).
func (x *session) ListAudit(ctx context.Context, limit int) ([]model.AuditEvent, error) {
	if err := store.Authorize(x.actor, model.ActionRead); err != nil {
		return nil, err
	}
	var lim any // NULL: no limit
	if limit > 0 {
		lim = limit
	}
	return queryAll(ctx, x.s.pool, scanAuditEvent, `SELECT id, at, actor, role, remote, action,
		object_type, object_id, object_name, old, new, result FROM audit ORDER BY id DESC LIMIT $1`, lim)
}

func scanAuditEvent(sc scanner) (model.AuditEvent, error) {
	var e model.AuditEvent
	var at time.Time
	var role, action, typ string
	err := sc.Scan(&e.ID, &at, &e.Actor, &role, &e.Remote, &action, &typ, &e.ObjectID, &e.ObjectName, &e.Old, &e.New, &e.Result)
	e.At, e.Role, e.Action, e.ObjectType = at.UTC(), model.Role(role), model.Action(action), model.ObjectType(typ)
	return e, err
}

// audit appends a successful action's row. old and new are marshalled to JSON; callers pass
// only non-secret fields (the store.Audit* shapes), never key material.
func (w *writeTx) audit(a model.Action, t model.ObjectType, id int64, name string, old, new any) error {
	return w.auditResult(a, t, id, name, old, new, "ok")
}

func (w *writeTx) auditResult(a model.Action, t model.ObjectType, id int64, name string, old, new any, result string) error {
	o, err := store.AuditJSON(old)
	if err != nil {
		return err
	}
	n, err := store.AuditJSON(new)
	if err != nil {
		return err
	}
	act := w.x.actor
	_, err = w.Exec(w.ctx, `INSERT INTO audit
		(at, actor, role, remote, action, object_type, object_id, object_name, old, new, result)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		w.now, act.Name, string(act.Role), act.Remote, string(a), string(t), id, name, o, n, result)
	return mapErr(err)
}
