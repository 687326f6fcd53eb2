package ui

import (
	"context"
	"sync"
)

// KeyCache lets the dashboards of one process share their listing of the keys: serve gives
// every SSH session the same one, so twenty operators hold one copy of a million keys, not
// twenty. A listing is reused while the store's DataVersion is unchanged; concurrent loads of
// the same version wait for one another. The zero value is ready to use.
type KeyCache struct {
	mu      sync.Mutex
	set     *keySet
	version int64
	loading chan struct{} // closed when the load in progress ends
}

// NewKeyCache returns an empty cache.
func NewKeyCache() *KeyCache { return &KeyCache{} }

// warm reports whether the cache holds a listing (perhaps of an older version); a nil cache
// never does.
func (c *KeyCache) warm() bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.set != nil
}

// load returns the keySet for st's current data version, loading it if needed.
func (c *KeyCache) load(ctx context.Context, st Store) (*keySet, error) {
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
		set, err := listKeySet(ctx, st)
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

// listKeySet lists the keys of st and builds their keySet.
func listKeySet(ctx context.Context, st Store) (*keySet, error) {
	t, err := st.ListKeyTable(ctx)
	if err != nil {
		return nil, err
	}
	return newKeySet(t), nil
}
