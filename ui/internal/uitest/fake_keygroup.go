package uitest

import (
	"context"
	"slices"
	"strings"

	"provkeys/model"
)

// CreateKeyWithGroup records "CreateKeyWithGroup GROUP KEY" and makes both or neither, as the
// store does: the group under CreateGroup's rules (a refusal wrapped in *model.NewGroupError),
// then the key through OnCreateKey; a refused key takes its group away again.
func (f *FakeStore) CreateKeyWithGroup(_ context.Context, g model.GroupInput, in model.KeyInput) (model.Group, model.Key, string, error) {
	f.record("CreateKeyWithGroup %s %s", g.Name, in.Name)
	grp, err := f.addGroup(g)
	if err != nil {
		return model.Group{}, model.Key{}, "", &model.NewGroupError{Err: err}
	}
	if !slices.ContainsFunc(in.Groups, func(n string) bool { return strings.EqualFold(n, g.Name) }) {
		in.Groups = append(slices.Clone(in.Groups), g.Name)
	}
	k, secret, err := f.OnCreateKey(in)
	if err != nil {
		f.Mu.Lock()
		f.Groups = slices.DeleteFunc(f.Groups, func(x model.Group) bool { return x.ID == grp.ID })
		f.Mu.Unlock()
		return model.Group{}, model.Key{}, "", err
	}
	return grp, k, secret, nil
}
