package sqlcore

import (
	"context"
	"math"

	"provkeys/model"
	"provkeys/store"
)

// ListAudit returns the newest limit audit events, newest first (limit <= 0: all).
func (x *Session) ListAudit(ctx context.Context, limit int) ([]model.AuditEvent, error) {
	if err := x.Authorize(model.ActionRead); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = math.MaxInt32 // both engines: a limit no trail reaches
	}
	return All(ctx, x.E, x.Read(), scanAuditEvent, `SELECT id, at, actor, role, remote, action,
		object_type, object_id, object_name, old, new, result FROM audit ORDER BY id DESC LIMIT ?`, limit)
}

func scanAuditEvent(sc Row) (model.AuditEvent, error) {
	var e model.AuditEvent
	var at Time
	var role, action, typ string
	err := sc.Scan(&e.ID, &at, &e.Actor, &role, &e.Remote, &action, &typ, &e.ObjectID, &e.ObjectName, &e.Old, &e.New, &e.Result)
	e.At, e.Role, e.Action, e.ObjectType = at.T, model.Role(role), model.Action(action), model.ObjectType(typ)
	return e, err
}

// Audit appends a successful action's row. old and new are marshalled to JSON; callers pass
// only non-secret fields (the store.Audit* shapes), never key material.
func (w *W) Audit(a model.Action, t model.ObjectType, id int64, name string, old, new any) error {
	return w.AuditResult(a, t, id, name, old, new, "ok")
}

const (
	auditSQL = `INSERT INTO audit
	(at, actor, role, remote, action, object_type, object_id, object_name, old, new, result)
	VALUES ` + auditRow
	auditRow = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
)

// AuditResult appends an action's row with its result ("ok" or why it was refused).
func (w *W) AuditResult(a model.Action, t model.ObjectType, id int64, name string, old, new any, result string) error {
	args, err := w.auditArgs(a, t, id, name, old, new, result)
	if err != nil {
		return err
	}
	_, err = w.Exec(w.Ctx, auditSQL, args...)
	return w.MapErr(err)
}

// auditArgs are the values of one audit row (auditRow), as this change's actor at its time.
func (w *W) auditArgs(a model.Action, t model.ObjectType, id int64, name string, old, new any, result string) ([]any, error) {
	o, err := store.AuditJSON(old)
	if err != nil {
		return nil, err
	}
	n, err := store.AuditJSON(new)
	if err != nil {
		return nil, err
	}
	act := w.X.actor
	return []any{w.Now, act.Name, string(act.Role), act.Remote, string(a), string(t), id, name, o, n, result}, nil
}

// AuditEvent appends a row for an event outside the store's own changes (an SSH session
// ended by a reload), as this session's actor.
func (x *Session) AuditEvent(ctx context.Context, a model.Action, t model.ObjectType, name, result string) error {
	if err := store.ValidateAuditEvent(a, t, name, result); err != nil {
		return err
	}
	return x.Change(ctx, model.ActionRead, t, 0, func(w *W) error {
		return w.AuditResult(a, t, 0, name, nil, nil, result)
	})
}
