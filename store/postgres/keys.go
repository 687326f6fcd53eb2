package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"provkeys/keyformat"
	"provkeys/model"
	"provkeys/store"
)

// keyCols are the columns of model.Key with its certificate's name, never material; they
// read keys k joined to certs c.
const keyCols = `k.id, k.name, k.cert_id, c.name, k.enabled, k.allow_reenroll, k.exportable, k.cloud,
	k.fingerprint, k.description, k.max_usage, k.usage_count, k.expires_at, k.created_at,
	k.created_by, k.updated_at, k.updated_by, k.version`

// keyFrom is the FROM clause keyCols need.
const keyFrom = ` FROM keys k JOIN certs c ON c.id = k.cert_id `

// keyRow is the scan target for keyCols; its dest slice is made once and reused per row.
type keyRow struct {
	k                model.Key
	expires          *time.Time
	created, updated time.Time
}

func (r *keyRow) dest() []any {
	k := &r.k
	return []any{&k.ID, &k.Name, &k.CertID, &k.CertName, &k.Enabled, &k.AllowReenroll, &k.Exportable,
		&k.Cloud, &k.Fingerprint, &k.Description, &k.MaxUsage, &k.UsageCount, &r.expires, &r.created,
		&k.CreatedBy, &r.updated, &k.UpdatedBy, &k.Version}
}

// key is the scanned row as a Key (without its groups).
func (r *keyRow) key() model.Key {
	k := r.k
	k.ExpiresAt, k.CreatedAt, k.UpdatedAt = utc(r.expires), r.created.UTC(), r.updated.UTC()
	return k
}

// groupOrder sorts a key's groups as ListKeys does: by name case-insensitively, then id.
const groupOrder = ` ORDER BY lower(g.name), g.id`

// readKey reads one key by a WHERE clause on keys k.
func readKey(ctx context.Context, q querier, where string, arg any) (model.Key, error) {
	var r keyRow
	if err := q.QueryRow(ctx, "SELECT "+keyCols+keyFrom+"WHERE "+where, arg).Scan(r.dest()...); err != nil {
		return model.Key{}, mapErr(err)
	}
	k := r.key()
	refs, err := queryAll(ctx, q, func(sc scanner) (g model.GroupRef, err error) {
		return g, sc.Scan(&g.ID, &g.Name)
	}, `SELECT g.id, g.name FROM key_groups kg JOIN groups g ON g.id = kg.group_id
		WHERE kg.key_id = $1`+groupOrder, k.ID)
	k.Groups = refs
	return k, err
}

// Key returns one key by id.
func (x *session) Key(ctx context.Context, id int64) (model.Key, error) {
	if err := store.Authorize(x.actor, model.ActionRead); err != nil {
		return model.Key{}, err
	}
	k, err := readKey(ctx, x.s.pool, "k.id = $1", id)
	if errors.Is(err, model.ErrNotFound) {
		return k, fmt.Errorf("key %d: %w", id, model.ErrNotFound)
	}
	return k, err
}

// KeyByName returns one key by name (case-insensitive).
func (x *session) KeyByName(ctx context.Context, name string) (model.Key, error) {
	if err := store.Authorize(x.actor, model.ActionRead); err != nil {
		return model.Key{}, err
	}
	k, err := readKey(ctx, x.s.pool, "lower(k.name) = lower($1)", name)
	if errors.Is(err, model.ErrNotFound) {
		return k, fmt.Errorf("key %q: %w", name, model.ErrNotFound)
	}
	return k, err
}

// VerifyKey finds the key whose fingerprint matches secret, also for keys whose material was
// erased; a secret that does not parse is a *model.ValidationError, an unknown one ErrNotFound.
func (x *session) VerifyKey(ctx context.Context, secret string) (model.Key, error) {
	if err := store.Authorize(x.actor, model.ActionRead); err != nil {
		return model.Key{}, err
	}
	p, err := keyformat.Parse(secret)
	if err != nil {
		return model.Key{}, &model.ValidationError{Field: model.FieldKey, Msg: err.Error()}
	}
	k, err := readKey(ctx, x.s.pool, "k.fingerprint = $1", keyformat.Fingerprint(keyformat.Format(p)))
	if errors.Is(err, model.ErrNotFound) {
		return k, fmt.Errorf("no stored key has this fingerprint: %w", model.ErrNotFound)
	}
	return k, err
}
