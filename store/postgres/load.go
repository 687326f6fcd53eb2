package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"provkeys/model"
	"provkeys/store"
)

// Load fills this store, which must be new (its default certificates aside, which the copy
// replaces), with tables another engine dumped (store.CopyTables), all in one transaction:
// every row or none. Ids are kept, so sealed material opens under the same data key, which
// is checked first; identity sequences continue after the copied ids. Each table's row count
// is checked after the copy. Values are converted to the column's type here (SQLite keeps
// times as Unix microseconds and flags as 0/1); a source column this schema does not have
// (SQLite's name_key) is dropped. It returns how many rows each table received.
func (s *Store) Load(ctx context.Context, tables []store.Table) (map[string]int, error) {
	counts := map[string]int{}
	x := s.as(systemActor)
	err := x.change(ctx, model.ActionImport, model.ObjectKey, 0, func(w *writeTx) error {
		if _, err := w.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLock); err != nil {
			return mapErr(err)
		}
		var used int
		if err := w.QueryRow(ctx, `SELECT (SELECT count(*) FROM keys) + (SELECT count(*) FROM groups) +
			(SELECT count(*) FROM saved_filters) + (SELECT count(*) FROM machines) + (SELECT count(*) FROM audit) +
			(SELECT count(*) FROM certs WHERE created_by <> $1)`, systemActor.Name).Scan(&used); err != nil {
			return mapErr(err)
		}
		if used > 0 {
			return fmt.Errorf("the destination %s is not empty; copy into a new database", s.target)
		}
		if _, err := w.Exec(ctx, "DELETE FROM certs"); err != nil {
			return mapErr(err)
		}
		for _, t := range tables {
			if t.Name == "meta" {
				if err := s.checkSourceKey(t); err != nil {
					return err
				}
				continue
			}
			n, err := w.loadTable(t)
			if err != nil {
				return fmt.Errorf("copy table %s: %w", t.Name, err)
			}
			counts[t.Name] = n
			if m, ok := materialTable(t); ok {
				// The copy's keys carry their material (store.CopyTables); here it lives
				// in key_material (migration 3).
				n, err := w.loadTable(m)
				if err != nil {
					return fmt.Errorf("copy the key material: %w", err)
				}
				counts[m.Name] = n
			}
		}
		// The copied trail ends with the copy itself.
		return w.Audit(model.ActionImport, model.ObjectKey, 0, "migration", nil,
			store.BulkAudit{Label: "copied from another store", Keys: counts["keys"]})
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// materialTable is the key_material rows of a copied keys table whose rows carry a material
// column: one row per key that has material.
func materialTable(t store.Table) (store.Table, bool) {
	id, mat := slices.Index(t.Columns, "id"), slices.Index(t.Columns, "material")
	if t.Name != "keys" || id < 0 || mat < 0 {
		return store.Table{}, false
	}
	m := store.Table{Name: "key_material", Columns: []string{"key_id", "material"}}
	for _, r := range t.Rows {
		if r[mat] != nil {
			m.Rows = append(m.Rows, []any{r[id], r[mat]})
		}
	}
	return m, true
}

// checkSourceKey refuses a copy whose source was sealed with another data key than this
// store's: its material would not open here.
func (s *Store) checkSourceKey(meta store.Table) error {
	k, v := slices.Index(meta.Columns, "key"), slices.Index(meta.Columns, "value")
	for _, r := range meta.Rows {
		if k >= 0 && v >= 0 && fmt.Sprint(r[k]) == "data_key_id" {
			if fmt.Sprint(r[v]) != s.sealer.ID() {
				return fmt.Errorf("the source store's material is sealed with another data key than %s; open the destination with the source's data key", s.keyPath)
			}
			return nil
		}
	}
	return fmt.Errorf("the source store records no data key; it was not made by provkeys")
}

// loadTable copies one table's rows with COPY, converting each value to its column's type,
// then moves the table's identity on and checks the count.
func (w *writeTx) loadTable(t store.Table) (int, error) {
	types := map[string]string{}
	rows, err := w.Query(w.Ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1`, t.Name)
	if err != nil {
		return 0, mapErr(err)
	}
	for rows.Next() {
		var c, typ string
		if err := rows.Scan(&c, &typ); err != nil {
			rows.Close()
			return 0, mapErr(err)
		}
		types[c] = typ
	}
	rows.Close()
	if len(types) == 0 {
		return 0, fmt.Errorf("no such table here")
	}
	var cols []string
	var idx []int
	for i, c := range t.Columns {
		if _, ok := types[c]; ok {
			cols, idx = append(cols, c), append(idx, i)
		}
	}
	var convErr error
	src := pgx.CopyFromSlice(len(t.Rows), func(r int) ([]any, error) {
		out := make([]any, len(idx))
		for j, i := range idx {
			v, err := convert(t.Rows[r][i], types[cols[j]])
			if err != nil {
				convErr = fmt.Errorf("row %d, column %s: %w", r+1, cols[j], err)
				return nil, convErr
			}
			out[j] = v
		}
		return out, nil
	})
	n, err := w.CopyFrom(w.Ctx, pgx.Identifier{t.Name}, cols, src)
	if convErr != nil {
		return 0, convErr
	}
	if err != nil {
		return 0, mapErr(err)
	}
	if _, ok := types["id"]; ok {
		if _, err := w.Exec(w.Ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), max(id)) FROM `+
			pgx.Identifier{t.Name}.Sanitize()+` HAVING count(*) > 0`, t.Name); err != nil {
			return 0, mapErr(err)
		}
	}
	var have int
	if err := w.QueryRow(w.Ctx, "SELECT count(*) FROM "+pgx.Identifier{t.Name}.Sanitize()).Scan(&have); err != nil {
		return 0, mapErr(err)
	}
	if have != len(t.Rows) || int(n) != len(t.Rows) {
		return 0, fmt.Errorf("%d rows to copy, %d copied, %d in the table", len(t.Rows), n, have)
	}
	return have, nil
}

// convert turns a value as another engine's driver gave it into one for a column of type typ.
func convert(v any, typ string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch typ {
	case "timestamp with time zone":
		if n, ok := v.(int64); ok {
			return time.UnixMicro(n).UTC(), nil
		}
	case "boolean":
		if n, ok := v.(int64); ok {
			return n != 0, nil
		}
	case "jsonb", "text":
		if b, ok := v.([]byte); ok {
			return string(b), nil
		}
	}
	switch v.(type) {
	case int64, string, []byte, bool, time.Time, float64:
		return v, nil
	}
	return nil, fmt.Errorf("a %T cannot be stored as %s", v, typ)
}
