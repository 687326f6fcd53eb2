package sshd

import (
	"context"
	"slices"
	"strings"

	"provkeys/model"
)

// The operators the tests act as.
var (
	admin  = model.Actor{Name: "alice", Role: model.RoleAdmin}
	viewer = model.Actor{Name: "vic", Role: model.RoleViewer}
)

// listedFrom gives a test store the port's scale paths (the first screenful and the compact
// table) computed from its plain listing, as the real store's answers are.
type listedFrom struct {
	l interface {
		ListKeys(ctx context.Context) ([]model.Key, error)
	}
}

func (s listedFrom) ListKeysHead(ctx context.Context, limit int) ([]model.Key, int, error) {
	keys, err := s.l.ListKeys(ctx)
	if err != nil {
		return nil, 0, err
	}
	keys = slices.Clone(keys)
	slices.SortStableFunc(keys, func(a, b model.Key) int { return strings.Compare(a.Name, b.Name) })
	return keys[:min(limit, len(keys))], len(keys), nil
}

func (s listedFrom) ListKeyTable(ctx context.Context) (*model.KeyTable, error) {
	keys, err := s.l.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	return model.NewKeyTable(keys), nil
}
