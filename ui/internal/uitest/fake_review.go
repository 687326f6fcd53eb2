package uitest

import (
	"context"
	"slices"

	"provkeys/model"
)

// RotateKey gives key id a new secret, as the store does: same settings, version up.
func (f *FakeStore) RotateKey(_ context.Context, id, version int64) (model.Key, string, error) {
	f.record("RotateKey %d", id)
	f.Mu.Lock()
	defer f.Mu.Unlock()
	i, err := f.find(id, version)
	if err != nil {
		return model.Key{}, "", err
	}
	k := &f.Keys[i]
	k.Version++
	secret := SecretFor(*k) + "rotated"
	f.Secrets[id] = secret
	return *k, secret, nil
}

// KeyColumns is the columns saved by SaveKeyColumns (one operator: the fake has one).
func (f *FakeStore) KeyColumns(context.Context) ([]string, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	return slices.Clone(f.Columns), nil
}

// SaveKeyColumns keeps columns for KeyColumns.
func (f *FakeStore) SaveKeyColumns(_ context.Context, columns []string) error {
	f.record("SaveKeyColumns %v", columns)
	f.Mu.Lock()
	defer f.Mu.Unlock()
	f.Columns = slices.Clone(columns)
	if f.Columns == nil {
		f.Columns = []string{}
	}
	return nil
}
