package postgres

import (
	"testing"

	"provkeys/store"
	"provkeys/store/storetest"
)

// TestConformance runs the behaviour every engine must show, each behaviour on a fresh
// database of the package's private server.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTestStore(t).Store })
}

var _ store.Store = (*Store)(nil)
