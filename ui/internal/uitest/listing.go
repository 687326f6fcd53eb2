package uitest

import (
	"context"
	"slices"
	"strings"

	"provkeys/model"
)

// keyLister is the plain listing every test store has.
type keyLister interface {
	ListKeys(ctx context.Context) ([]model.Key, error)
}

// listedFrom gives a test store the port's scale paths (the first screenful and the compact
// table) computed from its plain listing, as the real store's answers are: name order, and
// the count of all keys.
type ListedFrom struct{ L keyLister }

func (s ListedFrom) ListKeysHead(ctx context.Context, limit int) ([]model.Key, int, error) {
	keys, err := s.L.ListKeys(ctx)
	if err != nil {
		return nil, 0, err
	}
	keys = slices.Clone(keys)
	slices.SortStableFunc(keys, func(a, b model.Key) int { return strings.Compare(a.Name, b.Name) })
	return keys[:min(limit, len(keys))], len(keys), nil
}

func (s ListedFrom) ListKeyTable(ctx context.Context) (*model.KeyTable, error) {
	keys, err := s.L.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	return model.NewKeyTable(keys), nil
}
