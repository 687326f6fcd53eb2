package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"provkeys/keyformat"
	"provkeys/model"
	"provkeys/store"
)

// resolve turns the group and certificate names of in into ids, case-insensitively. An
// unknown name is a *model.ValidationError naming it.
func (w *writeTx) resolve(in model.KeyInput) (certID int64, groupIDs []int64, err error) {
	for _, g := range in.Groups {
		id, err := w.idByName("groups", g)
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
	certID, err = w.idByName("certs", in.Cert)
	if errors.Is(err, model.ErrNotFound) {
		return 0, nil, &model.ValidationError{Field: model.FieldCert, Msg: fmt.Sprintf("signing certificate %q does not exist", in.Cert)}
	}
	return certID, groupIDs, err
}

// idByName looks a group's or certificate's id up by name, once per transaction: a bulk
// insert names the same few groups a hundred thousand times. FOR SHARE keeps the row from
// being deleted or renamed by another replica until this transaction ends.
func (w *writeTx) idByName(table, name string) (int64, error) {
	k := table + "\x00" + strings.ToLower(name)
	if id, ok := w.ids[k]; ok {
		return id, nil
	}
	var id int64
	err := w.QueryRow(w.ctx, "SELECT id FROM "+table+" WHERE lower(name) = lower($1) FOR SHARE", name).Scan(&id)
	if err != nil {
		return 0, mapErr(err)
	}
	if w.ids == nil {
		w.ids = map[string]int64{}
	}
	w.ids[k] = id
	return id, nil
}

// setGroups makes key id's groups exactly ids.
func (w *writeTx) setGroups(id int64, ids []int64) error {
	if _, err := w.Exec(w.ctx, "DELETE FROM key_groups WHERE key_id = $1", id); err != nil {
		return mapErr(err)
	}
	_, err := w.Exec(w.ctx, "INSERT INTO key_groups (key_id, group_id) SELECT $1, unnest($2::bigint[])", id, ids)
	return mapErr(err)
}

// nextIDs takes n ids of table's identity sequence: knowing a row's id up front lets its
// material be sealed to that id in the INSERT itself. Ids taken by a transaction that rolls
// back are skipped, as with any sequence.
func (w *writeTx) nextIDs(table string, n int) ([]int64, error) {
	rows, err := w.Query(w.ctx, "SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)", table, n)
	if err != nil {
		return nil, mapErr(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return ids, mapErr(err)
}

// newKey is one validated input made ready to store: its id, material and links.
type newKey struct {
	id       int64
	in       store.NewKey
	secret   string
	host, fp string
	material []byte
	certID   int64
	groupIDs []int64
}

// prepare resolves and seals every input, naming the input by position when there are
// several, and refuses a batch that names a key or its material twice.
func (w *writeTx) prepare(in []store.NewKey) ([]newKey, error) {
	ids, err := w.nextIDs("keys", len(in))
	if err != nil {
		return nil, err
	}
	out := make([]newKey, len(in))
	names, fps := map[string]bool{}, map[string]bool{}
	for i, k := range in {
		if i%256 == 0 && w.ctx.Err() != nil {
			return nil, w.ctx.Err()
		}
		nk, err := w.prepareOne(ids[i], k)
		if err == nil && names[strings.ToLower(k.Name)] {
			err = fmt.Errorf("a key named %q %w", k.Name, model.ErrDuplicate)
		}
		if err == nil && fps[nk.fp] {
			err = fmt.Errorf("this key is already stored (same fingerprint): %w", model.ErrDuplicate)
		}
		if err != nil {
			return nil, position(in, i, err)
		}
		names[strings.ToLower(k.Name)], fps[nk.fp] = true, true
		out[i] = nk
	}
	return out, nil
}

// position names input i in err when the batch has several.
func position(in []store.NewKey, i int, err error) error {
	if len(in) > 1 {
		return fmt.Errorf("key %d (%q): %w", i+1, in[i].Name, err)
	}
	return err
}

func (w *writeTx) prepareOne(id int64, in store.NewKey) (newKey, error) {
	certID, groupIDs, err := w.resolve(in.KeyInput)
	if err != nil {
		return newKey{}, err
	}
	secret, err := store.KeySecret(in.KeyInput)
	if err != nil {
		return newKey{}, err
	}
	p, _ := keyformat.Parse(secret)
	nk := newKey{id: id, in: in, secret: secret, host: p.Host, fp: keyformat.Fingerprint(secret),
		certID: certID, groupIDs: groupIDs}
	if in.Exportable {
		nk.material = w.x.s.sealer.Seal("key", id, []byte(secret))
	}
	return nk, nil
}

// keyColumns are the columns a new key's row fills, in row's order.
var keyColumns = []string{"id", "name", "cert_id", "enabled", "allow_reenroll", "exportable", "cloud",
	"fingerprint", "description", "max_usage", "usage_count", "expires_at", "created_at",
	"created_by", "updated_at", "updated_by", "version"}

// row is nk's values for keyColumns; zero times mean now.
func (w *writeTx) row(nk *newKey) []any {
	in := nk.in
	created, updated := cmp.Or(in.CreatedAt, w.now), cmp.Or(in.UpdatedAt, in.CreatedAt, w.now)
	by := w.x.actor.Name
	return []any{nk.id, in.Name, nk.certID, in.Enabled, in.AllowReenroll, in.Exportable, nk.host,
		nk.fp, in.Description, in.MaxUsage, in.UsageCount, nullTime(in.ExpiresAt), created,
		by, updated, by, int64(1)}
}

// insertKeys stores validated inputs one INSERT each, calling done after each with its id
// and secret: the path of CreateKey and ImportKeys, which read every key back.
func (w *writeTx) insertKeys(in []store.NewKey, done func(i int, id int64, secret string) error) error {
	nks, err := w.prepare(in)
	if err != nil {
		return err
	}
	ins := `INSERT INTO keys (` + strings.Join(keyColumns, ", ") + `) VALUES ($1, $2, $3, $4, $5, $6,
		$7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`
	for i := range nks {
		nk := &nks[i]
		if _, err := w.Exec(w.ctx, ins, w.row(nk)...); err != nil {
			return position(in, i, nameTaken(err, "key", nk.in.Name))
		}
		if _, err := w.Exec(w.ctx, "INSERT INTO key_groups (key_id, group_id) SELECT $1, unnest($2::bigint[])",
			nk.id, nk.groupIDs); err != nil {
			return position(in, i, mapErr(err))
		}
		if nk.material != nil {
			if _, err := w.Exec(w.ctx, "INSERT INTO key_material (key_id, material) VALUES ($1, $2)",
				nk.id, nk.material); err != nil {
				return position(in, i, mapErr(err))
			}
		}
		if err := done(i, nk.id, nk.secret); err != nil {
			return position(in, i, err)
		}
	}
	return nil
}

// copyKeys stores validated inputs with COPY, the bulk path: a hundred thousand keys in one
// round trip per table. A name or material already stored is found by the unique indexes;
// the error names the input from the index's message.
func (w *writeTx) copyKeys(in []store.NewKey) error {
	nks, err := w.prepare(in)
	if err != nil {
		return err
	}
	_, err = w.CopyFrom(w.ctx, pgx.Identifier{"keys"}, keyColumns, pgx.CopyFromSlice(len(nks), func(i int) ([]any, error) {
		return w.row(&nks[i]), nil
	}))
	if err != nil {
		return w.copyDup(in, err)
	}
	var links, materials [][]any
	for i := range nks {
		for _, g := range nks[i].groupIDs {
			links = append(links, []any{nks[i].id, g})
		}
		if nks[i].material != nil {
			materials = append(materials, []any{nks[i].id, nks[i].material})
		}
	}
	if _, err = w.CopyFrom(w.ctx, pgx.Identifier{"key_groups"}, []string{"key_id", "group_id"}, pgx.CopyFromRows(links)); err != nil {
		return mapErr(err)
	}
	_, err = w.CopyFrom(w.ctx, pgx.Identifier{"key_material"}, []string{"key_id", "material"}, pgx.CopyFromRows(materials))
	return mapErr(err)
}

// copyDup words a uniqueness failure of COPY, which names the value in its detail
// ("Key (lower(name))=(web-01) already exists."), as CreateKey would, naming the input.
func (w *writeTx) copyDup(in []store.NewKey, err error) error {
	err = mapErr(err)
	var d dupError
	if !errors.As(err, &d) {
		return err
	}
	_, val, _ := strings.Cut(d.pe.Detail, ")=(")
	val, _, _ = strings.Cut(val, ") already exists")
	for i, k := range in {
		if strings.EqualFold(k.Name, val) {
			return position(in, i, fmt.Errorf("a key named %q %w", k.Name, model.ErrDuplicate))
		}
	}
	return fmt.Errorf("this key is already stored (same fingerprint): %w", model.ErrDuplicate)
}

// CreateKey validates in, generates the key material (or stores in.Secret) and returns the new
// key and its secret, which the caller shows once.
func (x *session) CreateKey(ctx context.Context, in model.KeyInput) (model.Key, string, error) {
	keys, secrets, err := x.createKeys(ctx, model.ActionCreate, []store.NewKey{{KeyInput: in}})
	if err != nil {
		return model.Key{}, "", err
	}
	return keys[0], secrets[0], nil
}

// ImportKeys creates all keys or none, in one transaction with one audit row (import) per key.
func (x *session) ImportKeys(ctx context.Context, in []model.KeyInput) ([]model.Key, error) {
	nk := make([]store.NewKey, len(in))
	for i := range in {
		nk[i].KeyInput = in[i]
	}
	keys, _, err := x.createKeys(ctx, model.ActionImport, nk)
	return keys, err
}

// createKeys is CreateKey and ImportKeys: every key read back and audited one by one.
func (x *session) createKeys(ctx context.Context, a model.Action, in []store.NewKey) ([]model.Key, []string, error) {
	if err := x.validateNew(ctx, a, in); err != nil {
		return nil, nil, err
	}
	keys, secrets := make([]model.Key, len(in)), make([]string, len(in))
	err := x.change(ctx, a, model.ObjectKey, 0, func(w *writeTx) error {
		return w.insertKeys(in, func(i int, id int64, secret string) error {
			k, err := readKey(w.ctx, w, "k.id = $1", id)
			if err != nil {
				return err
			}
			keys[i], secrets[i] = k, secret
			return w.audit(a, model.ObjectKey, k.ID, k.Name, nil, store.AuditKey(k))
		})
	})
	if err != nil {
		return nil, nil, err
	}
	return keys, secrets, nil
}

// CreateKeys stores every key of in or none, in one transaction with one audit row for the
// batch: the bulk path, which reads nothing back.
func (x *session) CreateKeys(ctx context.Context, in []store.NewKey, label string) error {
	if err := x.validateNew(ctx, model.ActionCreate, in); err != nil {
		return err
	}
	return x.change(ctx, model.ActionCreate, model.ObjectKey, 0, func(w *writeTx) error {
		if err := w.copyKeys(in); err != nil {
			return err
		}
		return w.audit(model.ActionCreate, model.ObjectKey, 0, label, nil, store.BulkAudit{Label: label, Keys: len(in)})
	})
}

// validateNew is the checks before a create: the role (a refusal is audited), then every
// input, named by position when there are several.
func (x *session) validateNew(ctx context.Context, a model.Action, in []store.NewKey) error {
	if err := store.Authorize(x.actor, a); err != nil {
		return x.refuse(ctx, a, model.ObjectKey, 0, err)
	}
	for i, k := range in {
		if err := k.Validate(); err != nil {
			return position(in, i, err)
		}
	}
	return nil
}
