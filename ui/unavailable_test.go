package ui

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"provkeys/store"
)

// downStore is a store whose data version cannot be read while down is set, as the
// PostgreSQL store answers while its server restarts.
type downStore struct {
	*fakeStore
	down atomic.Bool
}

func (s *downStore) DataVersion(ctx context.Context) (int64, error) {
	if s.down.Load() {
		return 0, fmt.Errorf("%w (the PostgreSQL server cannot be reached: connection refused)", store.ErrUnavailable)
	}
	return s.fakeStore.DataVersion(ctx)
}

// TestStoreUnavailableIsOneStatusLineAndRecovers: while the store cannot be reached the
// status line says so, in one line that stays through every poll; the first good reading
// clears it and reloads the pages, which then show what changed during the outage.
func TestStoreUnavailableIsOneStatusLineAndRecovers(t *testing.T) {
	t.Parallel()
	st := &downStore{fakeStore: threeKeys()}
	d := newDriver(t, st, admin, Options{})
	d.send(pollMsg{})
	d.mustSee("3 of 3 keys")

	st.down.Store(true)
	for range 3 {
		d.send(pollMsg{})
		if got := d.status(); got != "store unavailable, retrying" {
			t.Fatalf("status while unavailable = %q", got)
		}
	}
	if n := strings.Count(d.view(), "store unavailable"); n != 1 {
		t.Fatalf("the screen says %d times that the store is unavailable, want once:\n%s", n, d.view())
	}
	// The version does not move during the outage here: the reload must come from recovery.
	st.mu.Lock()
	st.keys = st.keys[:1]
	st.mu.Unlock()
	st.down.Store(false)
	d.send(pollMsg{})
	if got := d.status(); got != "" {
		t.Fatalf("status after recovery = %q, want empty", got)
	}
	d.mustNotSee("store unavailable")
	d.mustSee("1 of 1 keys")
}
