package postgres

import (
	"testing"
	"time"

	"provkeys/store"
	"provkeys/store/storetest"
)

// TestConformance runs the behaviour every engine must show, each behaviour on a fresh
// database of the package's private server.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTestStore(t).Store })
}

var _ store.Store = (*Store)(nil)

// TestKeyActivityDayEdges: the per-day counts cut at UTC midnight, on enrollment times
// written into the database.
func TestKeyActivityDayEdges(t *testing.T) {
	s := openTestStore(t)
	storetest.KeyActivityDayEdges(t, s, func(id int64, at time.Time) error {
		_, err := s.pool.Exec(testCtx(t), "UPDATE machines SET enrolled_at = $1 WHERE id = $2", at, id)
		return err
	})
}
