package keyset

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"provkeys/model"
)

// countingLister lists keys and counts how often.
type countingLister struct {
	keys    []model.Key
	version atomic.Int64
	lists   atomic.Int64
	delay   time.Duration
}

func (s *countingLister) ListKeyTable(context.Context) (*model.KeyTable, error) {
	s.lists.Add(1)
	time.Sleep(s.delay)
	return model.NewKeyTable(s.keys), nil
}

func (s *countingLister) DataVersion(context.Context) (int64, error) { return s.version.Load(), nil }

// generated is n keys in name order.
func generated(n int) []model.Key {
	keys := make([]model.Key, n)
	for i := range keys {
		keys[i] = model.Key{ID: int64(i + 1), Name: fmt.Sprintf("key-%04d", i), Enabled: true,
			Groups: []model.GroupRef{{ID: 1, Name: "Web"}}}
	}
	return keys
}

// TestCacheShares: concurrent loads of one data version list the keys once and share the
// Set; a new version loads again; the same version does not.
func TestCacheShares(t *testing.T) {
	st := &countingLister{keys: generated(50), delay: 20 * time.Millisecond}
	c := NewCache()
	ctx := context.Background()
	var wg sync.WaitGroup
	sets := make([]*Set, 8)
	for i := range sets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := c.Load(ctx, st)
			if err != nil {
				t.Error(err)
			}
			sets[i] = s
		}()
	}
	wg.Wait()
	if n := st.lists.Load(); n != 1 {
		t.Fatalf("8 concurrent loads of one version listed the keys %d times, want 1", n)
	}
	for _, s := range sets {
		if s != sets[0] || s.Len() != 50 {
			t.Fatal("concurrent loads did not share one listing")
		}
	}
	st.version.Add(1)
	s, _ := c.Load(ctx, st)
	if s == sets[0] || st.lists.Load() != 2 {
		t.Fatal("a new data version did not load again")
	}
	if s2, _ := c.Load(ctx, st); s2 != s || st.lists.Load() != 2 {
		t.Fatal("the same version loaded again")
	}
	if (*Cache)(nil).Warm() || !c.Warm() {
		t.Fatal("warm")
	}
}
