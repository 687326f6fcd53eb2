package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"provkeys/model"
	"provkeys/store/internal/sqlcore"
)

// Listing every key is the dashboard's start-up and the CLI's `keys list`. It is a handful of
// queries in one read-only REPEATABLE READ transaction (one snapshot), whatever the number of
// keys: the groups, every key-group link (held as one backing array, each key's groups a slice
// of it), then the keys in name order, streamed row by row into the result, so ListKeyTable
// never holds a model.Key per key.

// ListKeys returns every key, without key material, sorted by name case-insensitively.
func (x *session) ListKeys(ctx context.Context) ([]model.Key, error) {
	var keys []model.Key
	err := x.list(ctx, func(total int) { keys = make([]model.Key, 0, total) },
		func(_ int, k *model.Key) { keys = append(keys, *k) })
	if err != nil {
		return nil, err
	}
	return keys, nil
}

// ListKeyTable is ListKeys as a compact model.KeyTable, for holding many keys.
func (x *session) ListKeyTable(ctx context.Context) (*model.KeyTable, error) {
	var b *model.KeyTableBuilder
	err := x.list(ctx, func(total int) { b = model.NewKeyTableBuilder(total, 16*total) },
		func(i int, k *model.Key) { b.Set(i, k) })
	if err != nil {
		return nil, err
	}
	return b.Table(), nil
}

// ListKeysHead returns the first limit keys in ListKeys' order and how many keys there are:
// limit rows through the lower(name) index, whatever the number of keys.
func (x *session) ListKeysHead(ctx context.Context, limit int) ([]model.Key, int, error) {
	if err := x.Authorize(model.ActionRead); err != nil {
		return nil, 0, err
	}
	var keys []model.Key
	var total int
	err := x.s.readTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM keys").Scan(&total); err != nil {
			return err
		}
		var err error
		keys, err = sqlcore.All(ctx, x.E, pgQuerier{tx}, func(row sqlcore.Row) (model.Key, error) {
			var r keyRow
			err := row.Scan(r.dest()...)
			return r.key(), err
		}, "SELECT "+sqlcore.KeyCols+sqlcore.KeyFrom+"ORDER BY lower(k.name) LIMIT $1", max(limit, 0))
		if err != nil || len(keys) == 0 {
			return err
		}
		ids := make([]int64, len(keys))
		at := make(map[int64]int, len(keys))
		for i, k := range keys {
			ids[i], at[k.ID] = k.ID, i
		}
		rows, err := tx.Query(ctx, `SELECT kg.key_id, g.id, g.name FROM key_groups kg
			JOIN groups g ON g.id = kg.group_id WHERE kg.key_id = ANY($1)`+groupOrder, ids)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var kid int64
			var g model.GroupRef
			if err := rows.Scan(&kid, &g.ID, &g.Name); err != nil {
				return err
			}
			k := &keys[at[kid]]
			k.Groups = append(k.Groups, g)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	return keys, total, nil
}

// readTx runs fn in a read-only transaction on one snapshot.
func (s *Store) readTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return mapErr(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx); err != nil {
		return mapErr(err)
	}
	return mapErr(tx.Commit(ctx))
}

// list reads every key on one snapshot: start gets the number of keys, then put gets each
// key with its index in name order. put must copy what it keeps of k, which is reused.
func (x *session) list(ctx context.Context, start func(total int), put func(i int, k *model.Key)) error {
	if err := x.Authorize(model.ActionRead); err != nil {
		return err
	}
	return x.s.readTx(ctx, func(tx pgx.Tx) error {
		var total, links int
		if err := tx.QueryRow(ctx, "SELECT (SELECT count(*) FROM keys), (SELECT count(*) FROM key_groups)").
			Scan(&total, &links); err != nil {
			return err
		}
		groups, err := keyGroups(ctx, tx, links)
		if err != nil {
			return err
		}
		start(total)
		rows, err := tx.Query(ctx, "SELECT "+sqlcore.KeyCols+sqlcore.KeyFrom+"ORDER BY lower(k.name)")
		if err != nil {
			return err
		}
		defer rows.Close()
		var r keyRow
		dest := r.dest()
		in := newInterner()
		i := 0
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			if i >= total {
				return errors.New("store: list keys: more keys than counted")
			}
			k := r.key()
			k.Cloud, k.Description = in.str(k.Cloud), in.str(k.Description)
			k.CreatedBy, k.UpdatedBy, k.CertName = in.str(k.CreatedBy), in.str(k.UpdatedBy), in.str(k.CertName)
			if g := groups[k.ID]; len(g) > 0 {
				k.Groups = g
			}
			put(i, &k)
			i++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if i != total {
			return fmt.Errorf("store: list keys: %d keys counted, %d read", total, i)
		}
		return nil
	})
}

// keyGroups reads every key-group link, each key's groups sorted as ListKeys sorts them,
// into one backing array; each key's slice is capped so a caller's append cannot run into the
// next key's groups.
func keyGroups(ctx context.Context, tx pgx.Tx, links int) (map[int64][]model.GroupRef, error) {
	refs := make([]model.GroupRef, 0, links)
	byKey := make(map[int64][]model.GroupRef)
	rows, err := tx.Query(ctx, `SELECT kg.key_id, g.id, g.name FROM key_groups kg
		JOIN groups g ON g.id = kg.group_id ORDER BY kg.key_id, lower(g.name), g.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	in := newInterner()
	cur, from := int64(-1), 0
	flush := func() {
		if cur >= 0 {
			byKey[cur] = refs[from:len(refs):len(refs)]
		}
	}
	for rows.Next() {
		var kid int64
		var g model.GroupRef
		if err := rows.Scan(&kid, &g.ID, &g.Name); err != nil {
			return nil, err
		}
		if kid != cur {
			flush()
			cur, from = kid, len(refs)
		}
		g.Name = in.str(g.Name)
		if len(refs) == cap(refs) {
			return nil, errors.New("store: list keys: more links than counted")
		}
		refs = append(refs, g)
	}
	flush()
	return byKey, rows.Err()
}

// interner shares one copy of each repeated string. It is capped so that unique texts (most
// descriptions of a real fleet) do not grow it without end.
type interner struct{ m map[string]string }

func newInterner() *interner { return &interner{m: map[string]string{}} }

func (in *interner) str(s string) string {
	if v, ok := in.m[s]; ok {
		return v
	}
	if len(in.m) < 1<<14 {
		in.m[s] = s
	}
	return s
}
