package sqlcore

import (
	"context"
	"errors"
	"fmt"

	"provkeys/model"
	"provkeys/store"
)

// ListFilters returns the saved filters sorted by name.
func (x *Session) ListFilters(ctx context.Context) ([]model.SavedFilter, error) {
	if err := x.Authorize(model.ActionRead); err != nil {
		return nil, err
	}
	return All(ctx, x.E, x.Read(), func(sc Row) (f model.SavedFilter, err error) {
		return f, sc.Scan(&f.ID, &f.Name, &f.Expr)
	}, "SELECT id, name, expr FROM saved_filters ORDER BY "+x.E.Dialect().ByName("name"))
}

// SaveFilter saves expr under name, replacing a filter of the same name (case-insensitive).
// An expression the filter language does not accept is a *model.ValidationError.
func (x *Session) SaveFilter(ctx context.Context, name, expr string) (model.SavedFilter, error) {
	if err := x.Authorize(model.ActionUpdate); err != nil {
		return model.SavedFilter{}, x.Refuse(ctx, model.ActionUpdate, model.ObjectFilter, 0, err)
	}
	if err := store.ValidateFilter(name, expr); err != nil {
		return model.SavedFilter{}, err
	}
	var f model.SavedFilter
	err := x.Change(ctx, model.ActionUpdate, model.ObjectFilter, 0, func(w *W) error {
		var old any // nil for a new filter: no "old" in the audit row
		var prev model.SavedFilter
		err := w.QueryRow(w.Ctx, "SELECT id, name, expr FROM saved_filters WHERE "+w.d.NameIs("name")+w.d.Lock("UPDATE"),
			w.d.NameArg(name)).Scan(&prev.ID, &prev.Name, &prev.Expr)
		switch err = w.MapErr(err); {
		case err == nil:
			old = prev
		case !errors.Is(err, model.ErrNotFound):
			return err
		}
		cols, marks, args := w.d.NameCols(name)
		target := "(name_key)"
		if !w.d.NameKey {
			target = "((lower(name)))"
		}
		err = w.QueryRow(w.Ctx, `INSERT INTO saved_filters (`+cols+`, expr, updated_at, updated_by)
			VALUES (`+marks+`, ?, ?, ?)
			ON CONFLICT `+target+` DO UPDATE SET name = excluded.name, expr = excluded.expr,
				updated_at = excluded.updated_at, updated_by = excluded.updated_by
			RETURNING id, name, expr`,
			append(args, expr, w.Now, x.actor.Name)...).Scan(&f.ID, &f.Name, &f.Expr)
		if err != nil {
			return w.NameTaken(err, "filter", name)
		}
		a := model.ActionCreate
		if old != nil {
			a = model.ActionUpdate
		}
		return w.Audit(a, model.ObjectFilter, f.ID, f.Name, old, f)
	})
	if err != nil {
		return model.SavedFilter{}, err
	}
	return f, nil
}

// DeleteFilter deletes a saved filter.
func (x *Session) DeleteFilter(ctx context.Context, id int64) error {
	return x.Change(ctx, model.ActionDelete, model.ObjectFilter, id, func(w *W) error {
		var f model.SavedFilter
		err := w.QueryRow(w.Ctx, "DELETE FROM saved_filters WHERE id = ? RETURNING id, name, expr", id).
			Scan(&f.ID, &f.Name, &f.Expr)
		if err != nil {
			return fmt.Errorf("filter %d: %w", id, w.MapErr(err))
		}
		return w.Audit(model.ActionDelete, model.ObjectFilter, id, f.Name, f, nil)
	})
}
