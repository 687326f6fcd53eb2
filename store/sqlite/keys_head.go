package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"provkeys/model"
)

// ListKeysHead returns the first limit keys in ListKeys' order, and how many keys there are:
// enough to draw a first screen at once while the whole listing loads. It reads limit rows
// through the name index, whatever the number of keys.
func (x *session) ListKeysHead(ctx context.Context, limit int) ([]model.Key, int, error) {
	if err := x.Authorize(model.ActionRead); err != nil {
		return nil, 0, err
	}
	tx, err := x.s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, mapErr(err)
	}
	defer tx.Rollback()
	var total int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM keys").Scan(&total); err != nil {
		return nil, 0, mapErr(err)
	}
	n, err := loadNames(ctx, tx)
	if err != nil {
		return nil, 0, err
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+keyCols+" FROM keys k ORDER BY k.name LIMIT ?", max(limit, 0))
	if err != nil {
		return nil, 0, mapErr(err)
	}
	var keys []model.Key
	var r keyRow
	dest := r.dest()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, 0, mapErr(err)
		}
		keys = append(keys, n.finish(&r))
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, 0, mapErr(err)
	}
	for i := range keys {
		if keys[i].Groups, err = n.keyGroups(ctx, x.E, tx, keys[i].ID); err != nil {
			return nil, 0, err
		}
	}
	return keys, total, nil
}
