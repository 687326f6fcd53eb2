package keyset

import (
	"context"
	"provkeys/model"
	"sync"
)

// Cache lets the dashboards of one process share their listing of the keys: serve gives
// every SSH session the same one, so twenty operators hold one copy of a million keys, not
// twenty. A listing is reused while the store's DataVersion is unchanged; concurrent loads of
// the same version wait for one another. The zero value is ready to use.
type Cache struct {
	mu      sync.Mutex
	set     *Set
	version int64
	loading chan struct{} // closed when the load in progress ends
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{} }

// Warm reports whether the cache holds a listing (perhaps of an older version); a nil cache
// never does.
func (c *Cache) Warm() bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.set != nil
}

// Load returns the keySet for st's current data version, loading it if needed.
func (c *Cache) Load(ctx context.Context, st Lister) (*Set, error) {
	for {
		v, err := st.DataVersion(ctx)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		if c.set != nil && c.version == v {
			set := c.set
			c.mu.Unlock()
			return set, nil
		}
		if wait := c.loading; wait != nil {
			c.mu.Unlock()
			select {
			case <-wait:
				continue // look again: the load may be of this version
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		done := make(chan struct{})
		c.loading = done
		c.mu.Unlock()
		// The listing starts after v was read, so it is at least as new as v: never stale.
		set, err := List(ctx, st)
		c.mu.Lock()
		c.loading = nil
		if err == nil {
			c.set, c.version = set, v
		}
		c.mu.Unlock()
		close(done)
		return set, err
	}
}

// Lister is what a listing is loaded from: the dashboard's Store has it.
type Lister interface {
	ListKeyTable(ctx context.Context) (*model.KeyTable, error)
	DataVersion(ctx context.Context) (int64, error)
}

// List lists the keys of st and builds their keySet.
func List(ctx context.Context, st Lister) (*Set, error) {
	t, err := st.ListKeyTable(ctx)
	if err != nil {
		return nil, err
	}
	return New(t), nil
}
