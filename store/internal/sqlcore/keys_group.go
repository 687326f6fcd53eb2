package sqlcore

import (
	"context"
	"errors"
	"slices"
	"strings"

	"provkeys/model"
	"provkeys/store"
)

// CreateKeyWithGroup creates the machine group g and a key that joins it, both or neither, in
// one transaction with an audit row each: the add wizard's new group must not outlive a key
// the store refused.
func (x *Session) CreateKeyWithGroup(ctx context.Context, g model.GroupInput, in model.KeyInput) (model.Group, model.Key, string, error) {
	if err := x.Authorize(model.ActionCreate); err != nil {
		return model.Group{}, model.Key{}, "", x.Refuse(ctx, model.ActionCreate, model.ObjectKey, 0, err)
	}
	if err := g.Validate(); err != nil {
		return model.Group{}, model.Key{}, "", &model.NewGroupError{Err: err}
	}
	if !slices.ContainsFunc(in.Groups, func(n string) bool { return strings.EqualFold(n, g.Name) }) {
		in.Groups = append(slices.Clone(in.Groups), g.Name)
	}
	nk := []store.NewKey{{KeyInput: in}}
	if err := x.validateNew(ctx, model.ActionCreate, nk); err != nil {
		return model.Group{}, model.Key{}, "", err
	}
	var (
		group  model.Group
		key    model.Key
		secret string
	)
	err := x.Change(ctx, model.ActionCreate, model.ObjectKey, 0, func(w *W) error {
		var err error
		if group, err = w.insertGroup(g); err != nil {
			if errors.Is(err, model.ErrDuplicate) {
				return &model.NewGroupError{Err: err}
			}
			return err
		}
		return x.E.InsertKeys(w, nk, func(_ int, id int64, s string) error {
			k, err := x.ReadKey(w.Ctx, w, "k.id = ?", id)
			if err != nil {
				return err
			}
			key, secret = k, s
			return w.Audit(model.ActionCreate, model.ObjectKey, k.ID, k.Name, nil, store.AuditKey(k))
		})
	})
	if err != nil {
		return model.Group{}, model.Key{}, "", err
	}
	return group, key, secret, nil
}
