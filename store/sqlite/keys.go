package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"provkeys/model"
	"provkeys/store/internal/sqlcore"
)

// keyCols are the columns of model.Key, never material.
const keyCols = `k.id, k.name, k.cert_id, k.enabled, k.allow_reenroll, k.exportable, k.cloud,
	k.fingerprint, k.description, k.max_usage, k.usage_count, k.expires_at, k.created_at,
	k.created_by, k.updated_at, k.updated_by, k.version, k.last_machine`

// keyRow is the scan target for keyCols.
type keyRow struct {
	k                model.Key
	expires          sql.NullInt64
	created, updated int64
}

func (r *keyRow) dest() []any {
	k := &r.k
	return []any{&k.ID, &k.Name, &k.CertID, &k.Enabled, &k.AllowReenroll, &k.Exportable, &k.Cloud,
		&k.Fingerprint, &k.Description, &k.MaxUsage, &k.UsageCount, &r.expires, &r.created,
		&k.CreatedBy, &r.updated, &k.UpdatedBy, &k.Version, &k.LastMachine}
}

// names resolves group and certificate ids, and interns repeated strings so a million keys
// share one copy of each group name, cloud and actor.
type names struct {
	groups map[int64]string
	certs  map[int64]string
	intern map[string]string
}

func loadNames(ctx context.Context, q querier) (*names, error) {
	n := &names{groups: map[int64]string{}, certs: map[int64]string{}, intern: map[string]string{}}
	for _, t := range []struct {
		sql string
		m   map[int64]string
	}{{"SELECT id, name FROM groups", n.groups}, {"SELECT id, name FROM certs", n.certs}} {
		rows, err := q.QueryContext(ctx, t.sql)
		if err != nil {
			return nil, mapErr(err)
		}
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return nil, mapErr(err)
			}
			t.m[id] = name
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, mapErr(err)
		}
	}
	return n, nil
}

// str returns the shared copy of s; the map is capped so unique texts do not grow it forever.
func (n *names) str(s string) string {
	if v, ok := n.intern[s]; ok {
		return v
	}
	if len(n.intern) < 1<<14 {
		n.intern[s] = s
	}
	return s
}

// finish turns a scanned row into a Key.
func (n *names) finish(r *keyRow) model.Key {
	k := r.k
	k.ExpiresAt = fromNullMicros(r.expires)
	k.CreatedAt = fromMicros(r.created)
	k.UpdatedAt = fromMicros(r.updated)
	k.Cloud = n.str(k.Cloud)
	k.CreatedBy = n.str(k.CreatedBy)
	k.UpdatedBy = n.str(k.UpdatedBy)
	k.Description = n.str(k.Description)
	k.CertName = n.certs[k.CertID]
	return k
}

// sortRefs sorts one key's groups by name, as ListKeys does.
func sortRefs(g []model.GroupRef) {
	if len(g) > 1 {
		slices.SortFunc(g, func(a, b model.GroupRef) int {
			return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
		})
	}
}

// keyGroups reads key id's groups, sorted as ListKeys sorts them.
func (n *names) keyGroups(ctx context.Context, e sqlcore.Engine, q querier, id int64) ([]model.GroupRef, error) {
	refs, err := sqlcore.All(ctx, e, sqlQuerier{q: q}, func(r sqlcore.Row) (g model.GroupRef, err error) {
		err = r.Scan(&g.ID)
		g.Name = n.groups[g.ID]
		return g, err
	}, "SELECT group_id FROM key_groups WHERE key_id = ?", id)
	sortRefs(refs)
	return refs, err
}
