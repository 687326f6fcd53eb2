package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

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
// insert names the same few groups a hundred thousand times, and nothing else in the
// transaction renames them.
func (w *writeTx) idByName(table, name string) (int64, error) {
	k := table + "\x00" + strings.ToLower(name)
	if id, ok := w.ids[k]; ok {
		return id, nil
	}
	var id int64
	err := w.QueryRowContext(w.ctx, "SELECT id FROM "+table+" WHERE name_key = ?", strings.ToLower(name)).Scan(&id)
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
	if _, err := w.ExecContext(w.ctx, "DELETE FROM key_groups WHERE key_id = ?", id); err != nil {
		return mapErr(err)
	}
	for _, g := range ids {
		if _, err := w.ExecContext(w.ctx, "INSERT INTO key_groups (key_id, group_id) VALUES (?, ?)", id, g); err != nil {
			return mapErr(err)
		}
	}
	return nil
}

// nextID is the id the next row of an AUTOINCREMENT table gets. Inside a write transaction
// nobody else can take it, and knowing it up front lets material be sealed to its row id in
// the INSERT itself.
func (w *writeTx) nextID(table string) (int64, error) {
	var id int64
	err := w.QueryRowContext(w.ctx,
		"SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?), 0) + 1", table).Scan(&id)
	return id, mapErr(err)
}

// keyWriter inserts new keys with prepared statements inside one change; ids are taken in
// order from the table's next one, so material is sealed to its row id in the INSERT itself.
type keyWriter struct {
	w                *writeTx
	insKey, insGroup *sql.Stmt
	next             int64
	// sctx runs the statements: each statement under a cancellable context starts a goroutine
	// to watch it, which at a hundred thousand keys is most of the cost, so they run detached
	// and insert checks w.ctx itself.
	sctx context.Context
	n    int
}

func (w *writeTx) keyWriter() (*keyWriter, error) {
	kw := &keyWriter{w: w, sctx: context.WithoutCancel(w.ctx)}
	var err error
	if kw.next, err = w.nextID("keys"); err != nil {
		return nil, err
	}
	kw.insKey, err = w.PrepareContext(w.ctx, `INSERT INTO keys (id, name, name_key, cert_id, enabled,
		allow_reenroll, exportable, cloud, fingerprint, material, description, max_usage,
		usage_count, expires_at, created_at, created_by, updated_at, updated_by, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`)
	if err != nil {
		return nil, mapErr(err)
	}
	if kw.insGroup, err = w.PrepareContext(w.ctx, "INSERT INTO key_groups (key_id, group_id) VALUES (?, ?)"); err != nil {
		kw.insKey.Close()
		return nil, mapErr(err)
	}
	return kw, nil
}

func (kw *keyWriter) close() {
	kw.insKey.Close()
	kw.insGroup.Close()
}

// insert stores one validated key and returns its id and secret; zero times mean now.
func (kw *keyWriter) insert(in store.NewKey) (int64, string, error) {
	w := kw.w
	if kw.n++; kw.n%256 == 0 && w.ctx.Err() != nil {
		return 0, "", w.ctx.Err()
	}
	certID, groupIDs, err := w.resolve(in.KeyInput)
	if err != nil {
		return 0, "", err
	}
	secret, err := store.KeySecret(in.KeyInput)
	if err != nil {
		return 0, "", err
	}
	p, _ := keyformat.Parse(secret)
	id := kw.next
	var material []byte
	if in.Exportable {
		material = w.x.s.sealer.Seal("key", id, []byte(secret))
	}
	created, updated := cmp.Or(in.CreatedAt, w.now), cmp.Or(in.UpdatedAt, in.CreatedAt, w.now)
	by := w.x.actor.Name
	_, err = kw.insKey.ExecContext(kw.sctx, id, in.Name, strings.ToLower(in.Name), certID, in.Enabled,
		in.AllowReenroll, in.Exportable, p.Host, keyformat.Fingerprint(secret), material,
		in.Description, in.MaxUsage, in.UsageCount, nullMicros(in.ExpiresAt), micros(created), by,
		micros(updated), by)
	if err != nil {
		return 0, "", nameTaken(err, "key", in.Name)
	}
	for _, g := range groupIDs {
		if _, err := kw.insGroup.ExecContext(kw.sctx, id, g); err != nil {
			return 0, "", mapErr(err)
		}
	}
	kw.next++
	return id, secret, nil
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
			if len(in) > 1 {
				return fmt.Errorf("key %d (%q): %w", i+1, k.Name, err)
			}
			return err
		}
	}
	return nil
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
// An error names the input it is about by position and name.
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
			k, err := readKey(w.ctx, w, "k.id = ?", id)
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
		err := w.insertKeys(in, func(int, int64, string) error { return nil })
		if err != nil {
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
			if len(in) > 1 {
				return fmt.Errorf("key %d (%q): %w", i+1, k.Name, err)
			}
			return err
		}
	}
	return nil
}
