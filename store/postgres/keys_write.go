package postgres

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"provkeys/keyformat"
	"provkeys/model"
	"provkeys/store"
	"provkeys/store/internal/sqlcore"
)

// newKey is one validated input made ready to store: its id, material and links.
type newKey struct {
	id       int64
	in       store.NewKey
	secret   string
	host, fp string
	hash     []byte // store.PayloadHash
	material []byte
	certID   int64
	groupIDs []int64
}

// prepare resolves and seals every input, naming the input by position when there are
// several, and refuses a batch that names a key or its secret twice, or a secret a stored key
// holds.
func (w *writeTx) prepare(in []store.NewKey) ([]newKey, error) {
	ids, err := engine{w.x.s}.NextIDs(w.Ctx, w.W, "keys", len(in))
	if err != nil {
		return nil, err
	}
	out := make([]newKey, len(in))
	names, hashes := map[string]bool{}, map[string]string{}
	for i, k := range in {
		if i%256 == 0 && w.Ctx.Err() != nil {
			return nil, w.Ctx.Err()
		}
		nk, err := w.prepareOne(ids[i], k)
		if err == nil && names[strings.ToLower(k.Name)] {
			err = fmt.Errorf("a key named %q %w", k.Name, model.ErrDuplicate)
		}
		if holder, ok := hashes[string(nk.hash)]; err == nil && ok {
			err = store.HeldBy(holder)
		}
		if err != nil {
			return nil, sqlcore.Position(in, i, err)
		}
		names[strings.ToLower(k.Name)], hashes[string(nk.hash)] = true, k.Name
		out[i] = nk
	}
	return out, w.heldAlready(in, out)
}

// heldAlready refuses inputs whose secret a stored key already holds, naming that key, in
// one query for the whole batch. It is asked before the INSERT because a failed statement
// ends a PostgreSQL transaction; the unique index stays the backstop against a concurrent
// insert.
func (w *writeTx) heldAlready(in []store.NewKey, nks []newKey) error {
	hashes := make([][]byte, len(nks))
	for i := range nks {
		hashes[i] = nks[i].hash
	}
	rows, err := w.Query(w.Ctx, "SELECT name, payload_hash FROM keys WHERE payload_hash = ANY($1) LIMIT 1", hashes)
	if err != nil {
		return mapErr(err)
	}
	type held struct {
		name string
		hash []byte
	}
	found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (h held, err error) {
		err = r.Scan(&h.name, &h.hash)
		return h, err
	})
	if err != nil || len(found) == 0 {
		return mapErr(err)
	}
	for i := range nks {
		if string(nks[i].hash) == string(found[0].hash) {
			return sqlcore.Position(in, i, store.HeldBy(found[0].name))
		}
	}
	return store.HeldBy(found[0].name)
}

func (w *writeTx) prepareOne(id int64, in store.NewKey) (newKey, error) {
	certID, groupIDs, err := w.Resolve(in.KeyInput)
	if err != nil {
		return newKey{}, err
	}
	secret, err := store.KeySecret(in.KeyInput)
	if err != nil {
		return newKey{}, err
	}
	p, _ := keyformat.Parse(secret)
	hash, err := store.PayloadHash(secret)
	if err != nil {
		return newKey{}, err
	}
	nk := newKey{id: id, in: in, secret: secret, host: p.Host, fp: keyformat.Fingerprint(secret),
		hash: hash, certID: certID, groupIDs: groupIDs}
	if in.Exportable {
		nk.material = w.x.s.sealer.Seal("key", id, []byte(secret))
	}
	return nk, nil
}

// keyColumns are the columns a new key's row fills, in row's order.
var keyColumns = []string{"id", "name", "cert_id", "enabled", "allow_reenroll", "exportable", "cloud",
	"fingerprint", "description", "max_usage", "usage_count", "expires_at", "created_at",
	"created_by", "updated_at", "updated_by", "version", "payload_hash"}

// row is nk's values for keyColumns; zero times mean now.
func (w *writeTx) row(nk *newKey) []any {
	in := nk.in
	created, updated := cmp.Or(in.CreatedAt, w.Now), cmp.Or(in.UpdatedAt, in.CreatedAt, w.Now)
	by := w.x.Actor().Name
	return []any{nk.id, in.Name, nk.certID, in.Enabled, in.AllowReenroll, in.Exportable, nk.host,
		nk.fp, in.Description, in.MaxUsage, in.UsageCount, nullTime(in.ExpiresAt), created,
		by, updated, by, int64(1), nk.hash}
}

// insertKeys stores validated inputs one INSERT each, calling done after each with its id
// and secret: the path of CreateKey and ImportKeys, which read every key back.
func (w *writeTx) insertKeys(in []store.NewKey, done func(i int, id int64, secret string) error) error {
	nks, err := w.prepare(in)
	if err != nil {
		return err
	}
	ins := `INSERT INTO keys (` + strings.Join(keyColumns, ", ") + `) VALUES ($1, $2, $3, $4, $5, $6,
		$7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`
	for i := range nks {
		nk := &nks[i]
		if _, err := w.Exec(w.Ctx, ins, w.row(nk)...); err != nil {
			return sqlcore.Position(in, i, w.NameTaken(err, "key", nk.in.Name))
		}
		if _, err := w.Exec(w.Ctx, "INSERT INTO key_groups (key_id, group_id) SELECT $1, unnest($2::bigint[])",
			nk.id, nk.groupIDs); err != nil {
			return sqlcore.Position(in, i, mapErr(err))
		}
		if nk.material != nil {
			if _, err := w.Exec(w.Ctx, "INSERT INTO key_material (key_id, material) VALUES ($1, $2)",
				nk.id, nk.material); err != nil {
				return sqlcore.Position(in, i, mapErr(err))
			}
		}
		if err := done(i, nk.id, nk.secret); err != nil {
			return sqlcore.Position(in, i, err)
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
	_, err = w.CopyFrom(w.Ctx, pgx.Identifier{"keys"}, keyColumns, pgx.CopyFromSlice(len(nks), func(i int) ([]any, error) {
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
	if _, err = w.CopyFrom(w.Ctx, pgx.Identifier{"key_groups"}, []string{"key_id", "group_id"}, pgx.CopyFromRows(links)); err != nil {
		return mapErr(err)
	}
	_, err = w.CopyFrom(w.Ctx, pgx.Identifier{"key_material"}, []string{"key_id", "material"}, pgx.CopyFromRows(materials))
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
			return sqlcore.Position(in, i, fmt.Errorf("a key named %q %w", k.Name, model.ErrDuplicate))
		}
	}
	return fmt.Errorf("this key is already stored (same fingerprint): %w", model.ErrDuplicate)
}

// InsertKeys is the engine's path for new keys (sqlcore.KeyInserter): one INSERT each when
// every key is read back, COPY for the bulk path (done == nil).
func (e engine) InsertKeys(cw *sqlcore.W, in []store.NewKey, done func(i int, id int64, secret string) error) error {
	w := e.s.as(cw.X.Actor()).wrap(cw)
	if done == nil {
		return w.copyKeys(in)
	}
	return w.insertKeys(in, done)
}
