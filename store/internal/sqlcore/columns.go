package sqlcore

import (
	"context"
	"errors"

	"provkeys/model"
	"provkeys/store"
)

// KeyColumns returns the acting operator's chosen Keys columns, or nil.
func (x *Session) KeyColumns(ctx context.Context) ([]string, error) {
	if err := x.Authorize(model.ActionRead); err != nil {
		return nil, err
	}
	var cols string
	err := x.E.MapErr(x.Read().QueryRow(ctx, "SELECT columns FROM operator_columns WHERE operator = ?", x.Actor().Name).Scan(&cols))
	if errors.Is(err, model.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return store.SplitColumns(cols), nil
}

// SaveKeyColumns keeps the acting operator's Keys columns. Reading is enough to choose one's
// own columns, so viewers may; it is a preference, so no audit row.
func (x *Session) SaveKeyColumns(ctx context.Context, columns []string) error {
	if err := store.ValidateColumns(columns); err != nil {
		return err
	}
	return x.Change(ctx, model.ActionRead, model.ObjectFilter, 0, func(w *W) error {
		_, err := w.Exec(w.Ctx, `INSERT INTO operator_columns (operator, columns, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (operator) DO UPDATE SET columns = excluded.columns, updated_at = excluded.updated_at`,
			x.Actor().Name, store.JoinColumns(columns), w.Now)
		return w.MapErr(err)
	})
}
