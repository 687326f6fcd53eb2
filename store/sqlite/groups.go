package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"provkeys/model"
	"provkeys/store"
)

const groupCols = `g.id, g.name, g.description, g.enabled,
	(SELECT count(*) FROM key_groups WHERE group_id = g.id),
	g.created_at, g.created_by, g.updated_at, g.updated_by, g.version`

func scanGroup(sc scanner) (model.Group, error) {
	var g model.Group
	var created, updated int64
	err := sc.Scan(&g.ID, &g.Name, &g.Description, &g.Enabled, &g.KeyCount,
		&created, &g.CreatedBy, &updated, &g.UpdatedBy, &g.Version)
	g.CreatedAt, g.UpdatedAt = fromMicros(created), fromMicros(updated)
	return g, mapErr(err)
}

// ListGroups returns every machine group sorted by name, with how many keys use each.
func (x *session) ListGroups(ctx context.Context) ([]model.Group, error) {
	if err := store.Authorize(x.actor, model.ActionRead); err != nil {
		return nil, err
	}
	return queryAll(ctx, x.s.rdb, scanGroup, "SELECT "+groupCols+" FROM groups g ORDER BY g.name")
}

func readGroup(ctx context.Context, q querier, where string, arg any) (model.Group, error) {
	return scanGroup(q.QueryRowContext(ctx, "SELECT "+groupCols+" FROM groups g WHERE "+where, arg))
}

// GroupByName returns one group by name (case-insensitive).
func (x *session) GroupByName(ctx context.Context, name string) (model.Group, error) {
	if err := store.Authorize(x.actor, model.ActionRead); err != nil {
		return model.Group{}, err
	}
	g, err := readGroup(ctx, x.s.rdb, "g.name_key = ?", strings.ToLower(name))
	if errors.Is(err, model.ErrNotFound) {
		return g, fmt.Errorf("machine group %q: %w", name, model.ErrNotFound)
	}
	return g, err
}

// CreateGroup creates a machine group.
func (x *session) CreateGroup(ctx context.Context, in model.GroupInput) (model.Group, error) {
	if err := store.Authorize(x.actor, model.ActionCreate); err != nil {
		return model.Group{}, x.refuse(ctx, model.ActionCreate, model.ObjectGroup, 0, err)
	}
	if err := in.Validate(); err != nil {
		return model.Group{}, err
	}
	var g model.Group
	err := x.change(ctx, model.ActionCreate, model.ObjectGroup, 0, func(w *writeTx) error {
		at, by := micros(w.now), w.x.actor.Name
		res, err := w.ExecContext(w.ctx, `INSERT INTO groups (name, name_key, description, enabled,
			created_at, created_by, updated_at, updated_by, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)`,
			in.Name, strings.ToLower(in.Name), in.Description, in.Enabled, at, by, at, by)
		if err != nil {
			return nameTaken(err, "machine group", in.Name)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return mapErr(err)
		}
		if g, err = readGroup(w.ctx, w, "g.id = ?", id); err != nil {
			return err
		}
		return w.audit(model.ActionCreate, model.ObjectGroup, id, g.Name, nil, store.AuditGroup(g))
	})
	if err != nil {
		return model.Group{}, err
	}
	return g, nil
}

// groupAt reads group id inside a change and checks it is still at version.
func (w *writeTx) groupAt(id, version int64) (model.Group, error) {
	old, err := readGroup(w.ctx, w, "g.id = ?", id)
	if err != nil {
		return model.Group{}, notFound(err, "machine group", id)
	}
	return old, store.StaleCheck("machine group", old.Name, old.Version, version, old.UpdatedBy, old.UpdatedAt)
}

// UpdateGroup replaces group id's fields if it is still at version.
func (x *session) UpdateGroup(ctx context.Context, id, version int64, in model.GroupInput) (model.Group, error) {
	if err := store.Authorize(x.actor, model.ActionUpdate); err != nil {
		return model.Group{}, x.refuse(ctx, model.ActionUpdate, model.ObjectGroup, id, err)
	}
	if err := in.Validate(); err != nil {
		return model.Group{}, err
	}
	var g model.Group
	err := x.change(ctx, model.ActionUpdate, model.ObjectGroup, id, func(w *writeTx) error {
		old, err := w.groupAt(id, version)
		if err != nil {
			return err
		}
		err = w.versioned("groups", "machine group", id, version,
			"name = ?, name_key = ?, description = ?, enabled = ?",
			in.Name, strings.ToLower(in.Name), in.Description, in.Enabled)
		if err != nil {
			return nameTaken(err, "machine group", in.Name)
		}
		if g, err = readGroup(w.ctx, w, "g.id = ?", id); err != nil {
			return err
		}
		return w.audit(model.ActionUpdate, model.ObjectGroup, id, g.Name, store.AuditGroup(old), store.AuditGroup(g))
	})
	if err != nil {
		return model.Group{}, err
	}
	return g, nil
}

// DeleteGroup deletes group id if still at version and no key uses it; otherwise the
// *model.InUseError names the keys.
func (x *session) DeleteGroup(ctx context.Context, id, version int64) error {
	return x.change(ctx, model.ActionDelete, model.ObjectGroup, id, func(w *writeTx) error {
		old, err := w.groupAt(id, version)
		if err != nil {
			return err
		}
		users, err := w.keyNames(`SELECT k.name FROM key_groups kg JOIN keys k ON k.id = kg.key_id
			WHERE kg.group_id = ? ORDER BY k.name`, id)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return &model.InUseError{Object: fmt.Sprintf("machine group %q", old.Name), Users: users}
		}
		if err := w.deleteVersioned("groups", "machine group", id, version); err != nil {
			return err
		}
		return w.audit(model.ActionDelete, model.ObjectGroup, id, old.Name, store.AuditGroup(old), nil)
	})
}

// keyNames runs a query that lists key names.
func (w *writeTx) keyNames(q string, args ...any) ([]string, error) {
	return queryAll(w.ctx, w, func(sc scanner) (n string, err error) { return n, sc.Scan(&n) }, q, args...)
}
