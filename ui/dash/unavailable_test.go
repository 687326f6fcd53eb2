package dash

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"provkeys/store"
	"provkeys/ui"
	"provkeys/ui/components/frame"
	"provkeys/ui/internal/uitest"
)

// downStore is a store whose data version cannot be read while down is set, as the
// PostgreSQL store answers while its server restarts.
type downStore struct {
	*uitest.FakeStore
	down atomic.Bool
}

func (s *downStore) DataVersion(ctx context.Context) (int64, error) {
	if s.down.Load() {
		return 0, fmt.Errorf("%w (the PostgreSQL server cannot be reached: connection refused)", store.ErrUnavailable)
	}
	return s.FakeStore.DataVersion(ctx)
}

// TestStoreUnavailableIsOneStatusLineAndRecovers: while the store cannot be reached the
// status line says so, in one line that stays through every poll; the first good reading
// clears it and reloads the pages, which then show what changed during the outage.
func TestStoreUnavailableIsOneStatusLineAndRecovers(t *testing.T) {
	t.Parallel()
	st := &downStore{FakeStore: uitest.ThreeKeys()}
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Send(frame.PollMsg{})
	d.MustSee("3 of 3 keys")

	st.down.Store(true)
	for range 3 {
		d.Send(frame.PollMsg{})
		if got := d.Status(); got != "store unavailable, retrying" {
			t.Fatalf("status while unavailable = %q", got)
		}
	}
	if n := strings.Count(d.View(), "store unavailable"); n != 1 {
		t.Fatalf("the screen says %d times that the store is unavailable, want once:\n%s", n, d.View())
	}
	// The version does not move during the outage here: the reload must come from recovery.
	st.Mu.Lock()
	st.Keys = st.Keys[:1]
	st.Mu.Unlock()
	st.down.Store(false)
	d.Send(frame.PollMsg{})
	if got := d.Status(); got != "" {
		t.Fatalf("status after recovery = %q, want empty", got)
	}
	d.MustNotSee("store unavailable")
	d.MustSee("1 of 1 keys")
}
