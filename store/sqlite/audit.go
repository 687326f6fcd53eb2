package sqlite

import (
	"context"

	"provkeys/model"
	"provkeys/store"
)

// ListAudit returns the newest limit audit events, newest first (limit <= 0: all).
func (x *session) ListAudit(ctx context.Context, limit int) ([]model.AuditEvent, error) {
	if err := store.Authorize(x.actor, model.ActionRead); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	return queryAll(ctx, x.s.rdb, scanAuditEvent, `SELECT id, at, actor, role, remote, action,
		object_type, object_id, object_name, old, new, result FROM audit ORDER BY id DESC LIMIT ?`, limit)
}

func scanAuditEvent(sc scanner) (model.AuditEvent, error) {
	var e model.AuditEvent
	var at int64
	var role, action, typ string
	err := sc.Scan(&e.ID, &at, &e.Actor, &role, &e.Remote, &action, &typ, &e.ObjectID, &e.ObjectName, &e.Old, &e.New, &e.Result)
	e.At, e.Role, e.Action, e.ObjectType = fromMicros(at), model.Role(role), model.Action(action), model.ObjectType(typ)
	return e, err
}

// audit appends a successful action's row. old and new are marshalled to JSON; callers pass
// only non-secret fields (the *JSON helpers), never key material.
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
	_, err = w.ExecContext(w.ctx, `INSERT INTO audit
		(at, actor, role, remote, action, object_type, object_id, object_name, old, new, result)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		micros(w.now), act.Name, string(act.Role), act.Remote, string(a), string(t), id, name, o, n, result)
	return mapErr(err)
}
