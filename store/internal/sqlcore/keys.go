package sqlcore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"provkeys/keyformat"
	"provkeys/model"
	"provkeys/store"
)

// KeyCols are the columns of model.Key with its certificate's name, never material; they
// read keys k joined to certs c (KeyFrom). The engines' own key readers select them too, so
// that every reader scans the same columns in the same order.
const KeyCols = `k.id, k.name, k.cert_id, c.name, k.enabled, k.allow_reenroll, k.exportable, k.cloud,
	k.fingerprint, k.description, k.max_usage, k.usage_count, k.expires_at, k.created_at,
	k.created_by, k.updated_at, k.updated_by, k.version, k.last_machine`

// KeyFrom is the FROM clause KeyCols need.
const KeyFrom = ` FROM keys k JOIN certs c ON c.id = k.cert_id `

// SortRefs sorts one key's groups as ListKeys does: by name case-insensitively, then id.
func SortRefs(g []model.GroupRef) {
	if len(g) > 1 {
		slices.SortFunc(g, func(a, b model.GroupRef) int {
			return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
		})
	}
}

// ReadKey reads one key, with its groups, by a WHERE clause on keys k.
func (x *Session) ReadKey(ctx context.Context, q Querier, where string, arg any) (model.Key, error) {
	var k model.Key
	var expires, created, updated Time
	err := q.QueryRow(ctx, "SELECT "+KeyCols+KeyFrom+"WHERE "+where, arg).Scan(&k.ID, &k.Name, &k.CertID,
		&k.CertName, &k.Enabled, &k.AllowReenroll, &k.Exportable, &k.Cloud, &k.Fingerprint, &k.Description,
		&k.MaxUsage, &k.UsageCount, &expires, &created, &k.CreatedBy, &updated, &k.UpdatedBy, &k.Version, &k.LastMachine)
	if err != nil {
		return model.Key{}, x.E.MapErr(err)
	}
	k.ExpiresAt, k.CreatedAt, k.UpdatedAt = expires.T, created.T, updated.T
	k.Groups, err = All(ctx, x.E, q, func(sc Row) (g model.GroupRef, err error) {
		return g, sc.Scan(&g.ID, &g.Name)
	}, `SELECT g.id, g.name FROM key_groups kg JOIN groups g ON g.id = kg.group_id WHERE kg.key_id = ?`, k.ID)
	SortRefs(k.Groups)
	return k, err
}

// Key returns one key by id.
func (x *Session) Key(ctx context.Context, id int64) (model.Key, error) {
	if err := x.Authorize(model.ActionRead); err != nil {
		return model.Key{}, err
	}
	k, err := x.ReadKey(ctx, x.Read(), "k.id = ?", id)
	if errors.Is(err, model.ErrNotFound) {
		return k, fmt.Errorf("key %d: %w", id, model.ErrNotFound)
	}
	return k, err
}

// KeyByName returns one key by name (case-insensitive).
func (x *Session) KeyByName(ctx context.Context, name string) (model.Key, error) {
	if err := x.Authorize(model.ActionRead); err != nil {
		return model.Key{}, err
	}
	d := x.E.Dialect()
	k, err := x.ReadKey(ctx, x.Read(), d.NameIs("k.name"), d.NameArg(name))
	if errors.Is(err, model.ErrNotFound) {
		return k, fmt.Errorf("key %q: %w", name, model.ErrNotFound)
	}
	return k, err
}

// VerifyKey finds the key that holds secret's payload, whatever its spelling (version "03",
// host in capitals, another host), so a variant of a disabled key is that disabled key. It
// looks the payload hash up, so it works for keys whose material was erased; a secret that
// does not parse is a *model.ValidationError, and an unknown one is ErrNotFound.
func (x *Session) VerifyKey(ctx context.Context, secret string) (model.Key, error) {
	if err := x.Authorize(model.ActionRead); err != nil {
		return model.Key{}, err
	}
	hash, err := store.PayloadHash(secret)
	if err != nil {
		return model.Key{}, err
	}
	k, err := x.ReadKey(ctx, x.Read(), "k.payload_hash = ?", hash)
	if errors.Is(err, model.ErrNotFound) {
		// A key whose material was erased before payload hashes were kept has none: its
		// fingerprint still finds it when the spelling is the stored one.
		p, _ := keyformat.Parse(secret)
		k, err = x.ReadKey(ctx, x.Read(), "k.payload_hash IS NULL AND k.fingerprint = ?", keyformat.Fingerprint(keyformat.Format(p)))
	}
	if errors.Is(err, model.ErrNotFound) {
		return k, fmt.Errorf("no stored key holds this payload: %w", model.ErrNotFound)
	}
	return k, err
}

// Resolve turns the group and certificate names of in into ids, case-insensitively. An
// unknown name is a *model.ValidationError naming it.
func (w *W) Resolve(in model.KeyInput) (certID int64, groupIDs []int64, err error) {
	for _, g := range in.Groups {
		id, err := w.IDByName("groups", g)
		if errors.Is(err, model.ErrNotFound) {
			return 0, nil, &model.ValidationError{Field: model.FieldGroups, Msg: fmt.Sprintf("machine group %q does not exist", g)}
		}
		if err != nil {
			return 0, nil, err
		}
		if !slices.Contains(groupIDs, id) {
			groupIDs = append(groupIDs, id)
		}
	}
	if len(groupIDs) == 0 {
		return 0, nil, &model.ValidationError{Field: model.FieldGroups, Msg: "a key needs at least one machine group"}
	}
	certID, err = w.IDByName("certs", in.Cert)
	if errors.Is(err, model.ErrNotFound) {
		return 0, nil, &model.ValidationError{Field: model.FieldCert, Msg: fmt.Sprintf("signing certificate %q does not exist", in.Cert)}
	}
	return certID, groupIDs, err
}

// IDByName looks a group's or certificate's id up by name, once per transaction: a bulk
// insert names the same few groups a hundred thousand times. Where writers run at once, FOR
// SHARE keeps the row from being deleted or renamed until this transaction ends.
func (w *W) IDByName(table, name string) (int64, error) {
	k := table + "\x00" + strings.ToLower(name)
	if id, ok := w.ids[k]; ok {
		return id, nil
	}
	var id int64
	err := w.QueryRow(w.Ctx, "SELECT id FROM "+table+" WHERE "+w.d.NameIs("name")+w.d.Lock("SHARE"), w.d.NameArg(name)).Scan(&id)
	if err != nil {
		return 0, w.MapErr(err)
	}
	if w.ids == nil {
		w.ids = map[string]int64{}
	}
	w.ids[k] = id
	return id, nil
}

// setGroups makes key id's groups exactly ids.
func (w *W) setGroups(id int64, ids []int64) error {
	if _, err := w.Exec(w.Ctx, "DELETE FROM key_groups WHERE key_id = ?", id); err != nil {
		return w.MapErr(err)
	}
	for _, g := range ids {
		if _, err := w.Exec(w.Ctx, "INSERT INTO key_groups (key_id, group_id) VALUES (?, ?)", id, g); err != nil {
			return w.MapErr(err)
		}
	}
	return nil
}
