package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"provkeys/model"
	"provkeys/store"
)

// ListFilters returns the saved filters sorted by name.
func (x *session) ListFilters(ctx context.Context) ([]model.SavedFilter, error) {
	if err := store.Authorize(x.actor, model.ActionRead); err != nil {
		return nil, err
	}
	return queryAll(ctx, x.s.rdb, func(sc scanner) (f model.SavedFilter, err error) {
		return f, sc.Scan(&f.ID, &f.Name, &f.Expr)
	}, "SELECT id, name, expr FROM saved_filters ORDER BY name")
}

// SaveFilter saves expr under name, replacing a filter of the same name (case-insensitive).
// An expression the filter language does not accept is a *model.ValidationError.
func (x *session) SaveFilter(ctx context.Context, name, expr string) (model.SavedFilter, error) {
	if err := store.Authorize(x.actor, model.ActionUpdate); err != nil {
		return model.SavedFilter{}, x.refuse(ctx, model.ActionUpdate, model.ObjectFilter, 0, err)
	}
	if err := store.ValidateFilter(name, expr); err != nil {
		return model.SavedFilter{}, err
	}
	var f model.SavedFilter
	err := x.change(ctx, model.ActionUpdate, model.ObjectFilter, 0, func(w *writeTx) error {
		var old any // nil for a new filter: no "old" in the audit row
		var prev model.SavedFilter
		err := w.QueryRowContext(w.ctx, "SELECT id, name, expr FROM saved_filters WHERE name_key = ?",
			strings.ToLower(name)).Scan(&prev.ID, &prev.Name, &prev.Expr)
		switch err = mapErr(err); {
		case err == nil:
			old = prev
		case !errors.Is(err, model.ErrNotFound):
			return err
		}
		err = w.QueryRowContext(w.ctx, `INSERT INTO saved_filters (name, name_key, expr, updated_at, updated_by)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (name_key) DO UPDATE SET name = excluded.name, expr = excluded.expr,
				updated_at = excluded.updated_at, updated_by = excluded.updated_by
			RETURNING id, name, expr`,
			name, strings.ToLower(name), expr, micros(w.now), w.x.actor.Name).Scan(&f.ID, &f.Name, &f.Expr)
		if err != nil {
			return nameTaken(err, "filter", name)
		}
		a := model.ActionCreate
		if old != nil {
			a = model.ActionUpdate
		}
		return w.audit(a, model.ObjectFilter, f.ID, f.Name, old, f)
	})
	if err != nil {
		return model.SavedFilter{}, err
	}
	return f, nil
}

// DeleteFilter deletes a saved filter.
func (x *session) DeleteFilter(ctx context.Context, id int64) error {
	return x.change(ctx, model.ActionDelete, model.ObjectFilter, id, func(w *writeTx) error {
		var f model.SavedFilter
		err := w.QueryRowContext(w.ctx, "DELETE FROM saved_filters WHERE id = ? RETURNING id, name, expr", id).
			Scan(&f.ID, &f.Name, &f.Expr)
		if err != nil {
			return fmt.Errorf("filter %d: %w", id, mapErr(err))
		}
		return w.audit(model.ActionDelete, model.ObjectFilter, id, f.Name, f, nil)
	})
}
