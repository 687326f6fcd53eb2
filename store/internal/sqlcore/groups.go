package sqlcore

import (
	"context"
	"errors"
	"fmt"

	"provkeys/model"
	"provkeys/store"
)

const groupCols = `g.id, g.name, g.description, g.enabled,
	(SELECT count(*) FROM key_groups WHERE group_id = g.id),
	g.created_at, g.created_by, g.updated_at, g.updated_by, g.version`

func (x *Session) scanGroup(sc Row) (model.Group, error) {
	var g model.Group
	var created, updated Time
	err := sc.Scan(&g.ID, &g.Name, &g.Description, &g.Enabled, &g.KeyCount,
		&created, &g.CreatedBy, &updated, &g.UpdatedBy, &g.Version)
	g.CreatedAt, g.UpdatedAt = created.T, updated.T
	return g, x.E.MapErr(err)
}

// ListGroups returns every machine group sorted by name, with how many keys use each.
func (x *Session) ListGroups(ctx context.Context) ([]model.Group, error) {
	if err := x.Authorize(model.ActionRead); err != nil {
		return nil, err
	}
	return All(ctx, x.E, x.Read(), x.scanGroup, "SELECT "+groupCols+" FROM groups g ORDER BY "+x.E.Dialect().ByName("g.name"))
}

func (x *Session) readGroup(ctx context.Context, q Querier, where string, arg any) (model.Group, error) {
	return x.scanGroup(q.QueryRow(ctx, "SELECT "+groupCols+" FROM groups g WHERE "+where, arg))
}

// GroupByName returns one group by name (case-insensitive).
func (x *Session) GroupByName(ctx context.Context, name string) (model.Group, error) {
	if err := x.Authorize(model.ActionRead); err != nil {
		return model.Group{}, err
	}
	d := x.E.Dialect()
	g, err := x.readGroup(ctx, x.Read(), d.NameIs("g.name"), d.NameArg(name))
	if errors.Is(err, model.ErrNotFound) {
		return g, fmt.Errorf("machine group %q: %w", name, model.ErrNotFound)
	}
	return g, err
}

// CreateGroup creates a machine group.
func (x *Session) CreateGroup(ctx context.Context, in model.GroupInput) (model.Group, error) {
	if err := x.Authorize(model.ActionCreate); err != nil {
		return model.Group{}, x.Refuse(ctx, model.ActionCreate, model.ObjectGroup, 0, err)
	}
	if err := in.Validate(); err != nil {
		return model.Group{}, err
	}
	var g model.Group
	err := x.Change(ctx, model.ActionCreate, model.ObjectGroup, 0, func(w *W) (err error) {
		g, err = w.insertGroup(in)
		return err
	})
	if err != nil {
		return model.Group{}, err
	}
	return g, nil
}

// insertGroup stores a validated new group inside w, with its audit row, and reads it back.
func (w *W) insertGroup(in model.GroupInput) (model.Group, error) {
	x := w.X
	cols, marks, args := w.d.NameCols(in.Name)
	var id int64
	err := w.QueryRow(w.Ctx, `INSERT INTO groups (`+cols+`, description, enabled,
		created_at, created_by, updated_at, updated_by, version) VALUES (`+marks+`, ?, ?, ?, ?, ?, ?, 1) RETURNING id`,
		append(args, in.Description, in.Enabled, w.Now, x.actor.Name, w.Now, x.actor.Name)...).Scan(&id)
	if err != nil {
		return model.Group{}, w.NameTaken(err, "machine group", in.Name)
	}
	g, err := x.readGroup(w.Ctx, w, "g.id = ?", id)
	if err != nil {
		return model.Group{}, err
	}
	return g, w.Audit(model.ActionCreate, model.ObjectGroup, id, g.Name, nil, store.AuditGroup(g))
}

// groupAt reads group id inside a change, locking its row, and checks it is still at version.
func (w *W) groupAt(id, version int64) (model.Group, error) {
	old, err := w.X.readGroup(w.Ctx, w, "g.id = ?"+w.d.Lock("UPDATE OF g"), id)
	if err != nil {
		return model.Group{}, NotFound(err, "machine group", id)
	}
	return old, store.StaleCheck("machine group", old.Name, old.Version, version, old.UpdatedBy, old.UpdatedAt)
}

// UpdateGroup replaces group id's fields if it is still at version.
func (x *Session) UpdateGroup(ctx context.Context, id, version int64, in model.GroupInput) (model.Group, error) {
	return x.editGroup(ctx, model.ActionUpdate, id, version, in)
}

// OverwriteGroup is UpdateGroup saved on purpose over the newer version the operator was
// shown in the conflict dialog (version is that one): every rule of an update, the version
// check included, so a third change made meanwhile is a conflict again; audited as an
// overwrite, with the overwritten version as the old values.
func (x *Session) OverwriteGroup(ctx context.Context, id, version int64, in model.GroupInput) (model.Group, error) {
	return x.editGroup(ctx, model.ActionOverwrite, id, version, in)
}

// editGroup is UpdateGroup and OverwriteGroup: the same version-checked change, audited as a.
func (x *Session) editGroup(ctx context.Context, a model.Action, id, version int64, in model.GroupInput) (model.Group, error) {
	if err := x.Authorize(a); err != nil {
		return model.Group{}, x.Refuse(ctx, a, model.ObjectGroup, id, err)
	}
	if err := in.Validate(); err != nil {
		return model.Group{}, err
	}
	var g model.Group
	err := x.Change(ctx, a, model.ObjectGroup, id, func(w *W) error {
		old, err := w.groupAt(id, version)
		if err != nil {
			return err
		}
		set, args := w.d.NameSet(in.Name)
		err = w.Versioned("groups", "machine group", id, version, set+", description = ?, enabled = ?",
			append(args, in.Description, in.Enabled)...)
		if err != nil {
			return w.NameTaken(err, "machine group", in.Name)
		}
		if g, err = x.readGroup(w.Ctx, w, "g.id = ?", id); err != nil {
			return err
		}
		return w.Audit(a, model.ObjectGroup, id, g.Name, store.AuditGroup(old), store.AuditGroup(g))
	})
	if err != nil {
		return model.Group{}, err
	}
	return g, nil
}

// DeleteGroup deletes group id if still at version and no key uses it; otherwise the
// *model.InUseError names the keys.
func (x *Session) DeleteGroup(ctx context.Context, id, version int64) error {
	return x.Change(ctx, model.ActionDelete, model.ObjectGroup, id, func(w *W) error {
		old, err := w.groupAt(id, version)
		if err != nil {
			return err
		}
		if err := w.inUse(fmt.Sprintf("machine group %q", old.Name),
			"FROM key_groups kg JOIN keys k ON k.id = kg.key_id WHERE kg.group_id = ?", id); err != nil {
			return err
		}
		if err := w.DeleteVersioned("groups", "machine group", id, version); err != nil {
			return err
		}
		return w.Audit(model.ActionDelete, model.ObjectGroup, id, old.Name, store.AuditGroup(old), nil)
	})
}

// inUse is the *model.InUseError for object when keys use it, nil when none: how many, and
// the first model.InUseShown names (a certificate used by a million keys must not put a
// million names in one error). from is the FROM and WHERE of the keys k that use it, with
// the object's id as its one parameter.
func (w *W) inUse(object, from string, id int64) error {
	var n int
	if err := w.QueryRow(w.Ctx, "SELECT count(*) "+from, id).Scan(&n); err != nil {
		return w.MapErr(err)
	}
	if n == 0 {
		return nil
	}
	names, err := All(w.Ctx, w.X.E, w, func(sc Row) (n string, err error) { return n, sc.Scan(&n) },
		"SELECT k.name "+from+" ORDER BY "+w.d.ByName("k.name")+" LIMIT ?", id, model.InUseShown)
	if err != nil {
		return err
	}
	return &model.InUseError{Object: object, Users: names, Count: n}
}
