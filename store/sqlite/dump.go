package sqlite

import (
	"context"
	"database/sql"

	"provkeys/store"
)

// Dump reads every table of store.CopyTables in one read transaction (one snapshot), rows by
// their first column (the id), for a copy to another engine. Sealed columns stay sealed.
func (s *Store) Dump(ctx context.Context) ([]store.Table, error) {
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, mapErr(err)
	}
	defer tx.Rollback()
	var out []store.Table
	for _, name := range store.CopyTables {
		// The names come from store.CopyTables, never from input.
		rows, err := tx.QueryContext(ctx, "SELECT * FROM "+name+" ORDER BY 1")
		if err != nil {
			return nil, mapErr(err)
		}
		t := store.Table{Name: name}
		if t.Columns, err = rows.Columns(); err != nil {
			rows.Close()
			return nil, mapErr(err)
		}
		for rows.Next() {
			vals := make([]any, len(t.Columns))
			ptrs := make([]any, len(vals))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, mapErr(err)
			}
			t.Rows = append(t.Rows, vals)
		}
		if err := rows.Close(); err != nil {
			return nil, mapErr(err)
		}
		if err := rows.Err(); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, t)
	}
	return out, nil
}
