package sqlcore

import (
	"context"
	"fmt"

	"provkeys/model"
	"provkeys/store"
)

// KeyInserter is an engine's path for new keys: it stores validated inputs in order inside
// w, calling done after each with its id and secret. A nil done is the bulk path, where
// nothing is read back (PostgreSQL COPYs the rows).
type KeyInserter interface {
	InsertKeys(w *W, in []store.NewKey, done func(i int, id int64, secret string) error) error
}

// CreateKey validates in, generates the key material (or stores in.Secret) and returns the new
// key and its secret, which the caller shows once.
func (x *Session) CreateKey(ctx context.Context, in model.KeyInput) (model.Key, string, error) {
	keys, secrets, err := x.createKeys(ctx, model.ActionCreate, []store.NewKey{{KeyInput: in}})
	if err != nil {
		return model.Key{}, "", err
	}
	return keys[0], secrets[0], nil
}

// ImportKeys creates all keys or none, in one transaction with one audit row (import) per key.
// An error names the input it is about by position and name.
func (x *Session) ImportKeys(ctx context.Context, in []model.KeyInput) ([]model.Key, error) {
	nk := make([]store.NewKey, len(in))
	for i := range in {
		nk[i].KeyInput = in[i]
	}
	keys, _, err := x.createKeys(ctx, model.ActionImport, nk)
	return keys, err
}

// createKeys is CreateKey and ImportKeys: every key read back and audited one by one.
func (x *Session) createKeys(ctx context.Context, a model.Action, in []store.NewKey) ([]model.Key, []string, error) {
	if err := x.validateNew(ctx, a, in); err != nil {
		return nil, nil, err
	}
	keys, secrets := make([]model.Key, len(in)), make([]string, len(in))
	err := x.Change(ctx, a, model.ObjectKey, 0, func(w *W) error {
		return x.E.InsertKeys(w, in, func(i int, id int64, secret string) error {
			k, err := x.ReadKey(w.Ctx, w, "k.id = ?", id)
			if err != nil {
				return err
			}
			keys[i], secrets[i] = k, secret
			return w.Audit(a, model.ObjectKey, k.ID, k.Name, nil, store.AuditKey(k))
		})
	})
	if err != nil {
		return nil, nil, err
	}
	return keys, secrets, nil
}

// CreateKeys stores every key of in or none, in one transaction with one audit row for the
// batch: the bulk path, which reads nothing back.
func (x *Session) CreateKeys(ctx context.Context, in []store.NewKey, label string) error {
	if err := x.validateNew(ctx, model.ActionCreate, in); err != nil {
		return err
	}
	return x.Change(ctx, model.ActionCreate, model.ObjectKey, 0, func(w *W) error {
		if err := x.E.InsertKeys(w, in, nil); err != nil {
			return err
		}
		return w.Audit(model.ActionCreate, model.ObjectKey, 0, label, nil, store.BulkAudit{Label: label, Keys: len(in)})
	})
}

// validateNew is the checks before a create: the role (a refusal is audited), then every
// input, named by position when there are several.
func (x *Session) validateNew(ctx context.Context, a model.Action, in []store.NewKey) error {
	if err := x.Authorize(a); err != nil {
		return x.Refuse(ctx, a, model.ObjectKey, 0, err)
	}
	for i, k := range in {
		if err := k.Validate(); err != nil {
			return Position(in, i, err)
		}
	}
	return nil
}

// Position names input i of in when there are several, so an error says which one it is.
func Position(in []store.NewKey, i int, err error) error {
	if len(in) > 1 {
		return fmt.Errorf("key %d (%q): %w", i+1, in[i].Name, err)
	}
	return err
}
