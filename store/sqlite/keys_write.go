package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"strings"

	"provkeys/keyformat"
	"provkeys/store"
	"provkeys/store/internal/sqlcore"
)

// keyWriter inserts new keys with prepared statements inside one change; ids are taken in
// order from the table's next one, so material is sealed to its row id before the INSERT.
type keyWriter struct {
	w                             *writeTx
	insKey, insMaterial, insGroup *sql.Stmt
	next                          int64
	// sctx runs the statements: each statement under a cancellable context starts a goroutine
	// to watch it, which at a hundred thousand keys is most of the cost, so they run detached
	// and insert checks w.Ctx itself.
	sctx context.Context
	n    int
}

func (w *writeTx) keyWriter() (*keyWriter, error) {
	kw := &keyWriter{w: w, sctx: context.WithoutCancel(w.Ctx)}
	var err error
	ids, err := engine{w.x.s}.NextIDs(w.Ctx, w.W, "keys", 1)
	if err != nil {
		return nil, err
	}
	kw.next = ids[0]
	kw.insKey, err = w.PrepareContext(w.Ctx, `INSERT INTO keys (id, name, name_key, cert_id, enabled,
		allow_reenroll, exportable, cloud, fingerprint, description, max_usage,
		usage_count, expires_at, created_at, created_by, updated_at, updated_by, version, payload_hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`)
	if err != nil {
		return nil, mapErr(err)
	}
	kw.insMaterial, err = w.PrepareContext(w.Ctx, "INSERT INTO key_material (key_id, material) VALUES (?, ?)")
	if err == nil {
		kw.insGroup, err = w.PrepareContext(w.Ctx, "INSERT INTO key_groups (key_id, group_id) VALUES (?, ?)")
	}
	if err != nil {
		kw.close()
		return nil, mapErr(err)
	}
	return kw, nil
}

func (kw *keyWriter) close() {
	for _, st := range []*sql.Stmt{kw.insKey, kw.insMaterial, kw.insGroup} {
		if st != nil {
			st.Close()
		}
	}
}

// insert stores one validated key and returns its id and secret; zero times mean now.
func (kw *keyWriter) insert(in store.NewKey) (int64, string, error) {
	w := kw.w
	if kw.n++; kw.n%256 == 0 && w.Ctx.Err() != nil {
		return 0, "", w.Ctx.Err()
	}
	certID, groupIDs, err := w.Resolve(in.KeyInput)
	if err != nil {
		return 0, "", err
	}
	secret, err := store.KeySecret(in.KeyInput)
	if err != nil {
		return 0, "", err
	}
	p, _ := keyformat.Parse(secret)
	hash, err := store.PayloadHash(secret)
	if err != nil {
		return 0, "", err
	}
	id := kw.next
	created, updated := cmp.Or(in.CreatedAt, w.Now), cmp.Or(in.UpdatedAt, in.CreatedAt, w.Now)
	by := w.x.Actor().Name
	_, err = kw.insKey.ExecContext(kw.sctx, id, in.Name, strings.ToLower(in.Name), certID, in.Enabled,
		in.AllowReenroll, in.Exportable, p.Host, keyformat.Fingerprint(secret),
		in.Description, in.MaxUsage, in.UsageCount, nullMicros(in.ExpiresAt), micros(created), by,
		micros(updated), by, hash)
	if err != nil {
		return 0, "", w.keyTaken(err, in.Name, hash)
	}
	if in.Exportable {
		material := w.x.s.sealer.Seal("key", id, []byte(secret))
		if _, err := kw.insMaterial.ExecContext(kw.sctx, id, material); err != nil {
			return 0, "", mapErr(err)
		}
	}
	for _, g := range groupIDs {
		if _, err := kw.insGroup.ExecContext(kw.sctx, id, g); err != nil {
			return 0, "", mapErr(err)
		}
	}
	kw.next++
	return id, secret, nil
}

// keyTaken words a failed key INSERT: a name taken says so; the same secret (payload or
// fingerprint) names the key that already holds it, which may be an earlier input of the
// same batch. SQLite rolls back only the failed statement, so the transaction can still ask.
func (w *writeTx) keyTaken(err error, name string, hash []byte) error {
	var d dupError
	if !errors.As(mapErr(err), &d) || strings.Contains(d.column(), ".name") {
		return w.NameTaken(err, "key", name)
	}
	var holder string
	if qerr := w.Tx.QueryRowContext(w.Ctx, "SELECT name FROM keys WHERE payload_hash = ?", hash).Scan(&holder); qerr != nil {
		return w.NameTaken(err, "key", name)
	}
	return store.HeldBy(holder)
}

// insertKeys stores validated inputs in order, calling done after each with its id and secret.
func (w *writeTx) insertKeys(in []store.NewKey, done func(i int, id int64, secret string) error) error {
	kw, err := w.keyWriter()
	if err != nil {
		return err
	}
	defer kw.close()
	for i, k := range in {
		id, secret, err := kw.insert(k)
		if err == nil {
			err = done(i, id, secret)
		}
		if err != nil {
			return sqlcore.Position(in, i, err)
		}
	}
	return nil
}

// InsertKeys is the engine's bulk path for new keys (sqlcore.KeyInserter): prepared
// statements inside the change.
func (e engine) InsertKeys(cw *sqlcore.W, in []store.NewKey, done func(i int, id int64, secret string) error) error {
	if done == nil {
		done = func(int, int64, string) error { return nil }
	}
	return e.s.as(cw.X.Actor()).wrap(cw).insertKeys(in, done)
}
