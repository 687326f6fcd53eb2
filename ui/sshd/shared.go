package sshd

import (
	"context"
	"slices"
	"sync"

	"provkeys/model"
	"provkeys/ui"
)

// sharedLists are the lists every dashboard of one server reads alike and shares, as it
// shares the listing of the keys (keyset.Cache): the machine groups and the signing
// certificates. Each comes with how many keys use it, and counting those reads every key's
// index entry: at a million keys 60-250 ms and a read connection's filled page cache (about
// 5 MB in SQLite's allocator) for every session that opened, which made a session cost more
// memory at a million keys than at 100k (issue 14). Shared, one count serves every session
// until the store changes.
type sharedLists struct {
	groups sharedList[model.Group]
	certs  sharedList[model.Cert]
}

// sharedStore is one session's store with the server's shared lists.
type sharedStore struct {
	ui.Store
	lists *sharedLists
}

// open is the store acting as actor for one dashboard, with the lists the server's sessions
// share.
func (s *sshServer) open(actor model.Actor) ui.Store {
	return s.lists.share(s.cfg.Open(actor))
}

// share gives st the shared lists.
func (l *sharedLists) share(st ui.Store) ui.Store {
	if st == nil {
		return nil
	}
	return sharedStore{Store: st, lists: l}
}

func (s sharedStore) ListGroups(ctx context.Context) ([]model.Group, error) {
	return s.lists.groups.load(ctx, s.Store, s.Store.ListGroups)
}

func (s sharedStore) ListCerts(ctx context.Context) ([]model.Cert, error) {
	return s.lists.certs.load(ctx, s.Store, s.Store.ListCerts)
}

// sharedList is one list shared while the store's DataVersion is unchanged; concurrent reads
// of the same version wait for one another. The zero value is ready to use.
type sharedList[T any] struct {
	mu      sync.Mutex
	items   []T
	version int64
	have    bool
	loading chan struct{} // closed when the read in progress ends
}

// load returns the list for st's current data version, reading it with read if needed. The
// session's DataVersion answers only an operator allowed to read, as the list itself does.
// Every caller gets its own copy of the slice.
func (c *sharedList[T]) load(ctx context.Context, st interface {
	DataVersion(context.Context) (int64, error)
}, read func(context.Context) ([]T, error)) ([]T, error) {
	for {
		v, err := st.DataVersion(ctx)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		if c.have && c.version == v {
			items := slices.Clone(c.items)
			c.mu.Unlock()
			return items, nil
		}
		if wait := c.loading; wait != nil {
			c.mu.Unlock()
			select {
			case <-wait:
				continue // look again: the read may have been of this version
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		done := make(chan struct{})
		c.loading = done
		c.mu.Unlock()
		// The read starts after v was read, so it is at least as new as v: never stale.
		items, err := read(ctx)
		c.mu.Lock()
		c.loading = nil
		if err == nil {
			c.items, c.version, c.have = items, v, true
			items = slices.Clone(items)
		}
		c.mu.Unlock()
		close(done)
		return items, err
	}
}
