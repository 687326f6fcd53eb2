package postgres

import (
	"context"
	"errors"

	"provkeys/model"
	"provkeys/store"
)

// KeyColumns returns the acting operator's chosen Keys columns, or nil.
func (x *session) KeyColumns(ctx context.Context) ([]string, error) {
	if err := x.Authorize(model.ActionRead); err != nil {
		return nil, err
	}
	var cols string
	err := x.s.pool.QueryRow(ctx, "SELECT columns FROM operator_columns WHERE operator = $1", x.Actor().Name).Scan(&cols)
	if err = mapErr(err); errors.Is(err, model.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return store.SplitColumns(cols), nil
}

// SaveKeyColumns keeps the acting operator's Keys columns. Reading is enough to choose one's
// own columns, so viewers may; it is a preference, so no audit row.
func (x *session) SaveKeyColumns(ctx context.Context, columns []string) error {
	if err := store.ValidateColumns(columns); err != nil {
		return err
	}
	return x.change(ctx, model.ActionRead, model.ObjectFilter, 0, func(w *writeTx) error {
		_, err := w.Exec(w.ctx, `INSERT INTO operator_columns (operator, columns, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (operator) DO UPDATE SET columns = excluded.columns, updated_at = excluded.updated_at`,
			x.Actor().Name, store.JoinColumns(columns), w.now)
		return mapErr(err)
	})
}
