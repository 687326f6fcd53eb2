package sqlite

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"provkeys/model"
	"provkeys/store/demo"
	"provkeys/store/storetest"
)

// smallListChunks makes ListKeys use two connections and many id ranges even on a small
// store, for the length of the test.
func smallListChunks(t *testing.T) {
	oldMin, oldChunk := parallelListMin, listChunk
	parallelListMin, listChunk = 0, 97
	t.Cleanup(func() { parallelListMin, listChunk = oldMin, oldChunk })
}

// TestListKeysParallelMatchesSerial checks that the two-connection listing returns exactly
// what one connection and the single-key reads return.
func TestListKeysParallelMatchesSerial(t *testing.T) {
	s := openTestStore(t)
	x := s.as(admin)
	ctx := testCtx(t)
	if err := demo.Fill(ctx, x, 1500, nil); err != nil {
		t.Fatal(err)
	}
	// A key whose groups need sorting, and a hole in the ids.
	mustGroup(t, x, "aardvarks")
	in := keyInput("multi")
	in.Groups = []string{"Servers", "aardvarks", "Kiosks"}
	mustKey(t, x, in)
	k, _ := mustKey(t, x, keyInput("deleted"))
	if err := x.DeleteKey(ctx, k.ID, k.Version); err != nil {
		t.Fatal(err)
	}
	l, err := s.listKeys(ctx, false, false)
	if err != nil {
		t.Fatal(err)
	}
	serial := l.keys
	smallListChunks(t)
	par, err := x.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(par) != len(serial) || len(par) != 1501 {
		t.Fatalf("parallel %d keys, serial %d, want 1501", len(par), len(serial))
	}
	table, err := x.ListKeyTable(ctx)
	if err != nil || table.Len() != len(par) {
		t.Fatalf("ListKeyTable: %d keys, %v", table.Len(), err)
	}
	head, total, err := x.ListKeysHead(ctx, 40)
	if err != nil || total != len(par) || len(head) != 40 {
		t.Fatalf("ListKeysHead: %d keys of %d, %v", len(head), total, err)
	}
	for i := range head {
		if !storetest.KeysEqual(head[i], par[i]) {
			t.Fatalf("head key %d:\nhead %+v\nlist %+v", i, head[i], par[i])
		}
	}
	for i := range par {
		if k := table.Key(i); !storetest.KeysEqual(k, par[i]) {
			t.Fatalf("key %d:\ntable    %+v\nparallel %+v", i, k, par[i])
		}
		if !storetest.KeysEqual(par[i], serial[i]) {
			t.Fatalf("key %d:\nparallel %+v\nserial   %+v", i, par[i], serial[i])
		}
		if i%97 == 0 || par[i].Name == "multi" {
			one, err := x.Key(ctx, par[i].ID)
			if err != nil || !storetest.KeysEqual(par[i], one) {
				t.Fatalf("key %d:\nlisted %+v\nKey    %+v %v", i, par[i], one, err)
			}
		}
	}
}

// TestListKeysOneSnapshot lists keys while another goroutine imports batches of keys, each
// batch in one transaction: every listing must hold whole batches only, which fails if the
// two connections ever read different snapshots.
func TestListKeysOneSnapshot(t *testing.T) {
	s := openTestStore(t)
	x := s.as(admin)
	ctx := testCtx(t)
	mustKey(t, x, keyInput("seed"))
	smallListChunks(t)
	const batch = 7
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for b := 0; ; b++ {
			select {
			case <-done:
				return
			default:
			}
			in := make([]model.KeyInput, batch)
			for i := range in {
				in[i] = keyInput(fmt.Sprintf("b%03d-%d", b, i))
			}
			if _, err := x.ImportKeys(context.Background(), in); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for i := range 40 {
		keys, err := x.ListKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 {
			table, err := x.ListKeyTable(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if (table.Len()-1)%batch != 0 {
				t.Fatalf("a table of %d keys holds part of an import", table.Len())
			}
		}
		if (len(keys)-1)%batch != 0 {
			t.Fatalf("a listing of %d keys holds part of an import", len(keys))
		}
		for _, k := range keys {
			if len(k.Groups) == 0 || k.ID == 0 {
				t.Fatalf("incomplete key %+v", k)
			}
		}
	}
	close(done)
	wg.Wait()
}

// TestListKeysPackedRows checks the one-text-per-key listing against the column-by-column
// read of Key for every field: expiry set and not, usage limits, a description holding the
// packing's separator (written behind the store's back), which must fall back, not garble.
func TestListKeysPackedRows(t *testing.T) {
	s := openTestStore(t)
	x := s.as(admin)
	ctx := testCtx(t)
	if err := demo.Fill(ctx, x, 300, nil); err != nil {
		t.Fatal(err)
	}
	in := keyInput("limits")
	in.MaxUsage, in.Description = 12, "émoji ✓ text"
	in.ExpiresAt = time.Date(2031, 5, 6, 7, 8, 9, 123456000, time.UTC)
	mustKey(t, x, in)
	odd, _ := mustKey(t, x, keyInput("odd"))
	if _, err := rawDB(t, s).Exec("UPDATE keys SET description = 'a' || char(31) || 'b', created_by = char(31) WHERE id = ?", odd.ID); err != nil {
		t.Fatal(err)
	}
	smallListChunks(t)
	keys, err := x.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	table, err := x.ListKeyTable(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for i, k := range keys {
		one, err := x.Key(ctx, k.ID)
		if err != nil || !storetest.KeysEqual(k, one) || !storetest.KeysEqual(table.Key(i), one) {
			t.Fatalf("key %d:\nlisted %+v\ntable  %+v\nKey    %+v %v", i, k, table.Key(i), one, err)
		}
		if k.Name == "odd" || k.Name == "limits" {
			seen++
		}
		if k.Name == "odd" && k.Description != "a\x1fb" {
			t.Fatalf("odd description %q", k.Description)
		}
	}
	if seen != 2 {
		t.Fatal("the special keys were not listed")
	}
}

// TestListKeysDiscardsConnsOfALargeListing checks that a listing past discardConnsAfter closes
// the connections it scanned with (their page caches go with them) and that a small one
// returns them to the pool; the store keeps working either way.
func TestListKeysDiscardsConnsOfALargeListing(t *testing.T) {
	s := openTestStore(t)
	x := s.as(admin)
	ctx := testCtx(t)
	if err := demo.Fill(ctx, x, 300, nil); err != nil {
		t.Fatal(err)
	}
	smallListChunks(t)
	old := discardConnsAfter
	t.Cleanup(func() { discardConnsAfter = old })
	for _, c := range []struct {
		after   int
		discard bool
	}{{1000, false}, {300, true}} {
		discardConnsAfter = c.after
		open := s.rdb.Stats().OpenConnections
		table, err := x.ListKeyTable(ctx)
		if err != nil || table.Len() != 300 {
			t.Fatalf("ListKeyTable: %d keys, %v", table.Len(), err)
		}
		// The listing scanned on two connections (smallListChunks), taken from the pool's
		// idle ones when it has them: discarded, the pool is two short.
		after := s.rdb.Stats().OpenConnections
		if c.discard && (open < 3 || after != open-2) {
			t.Fatalf("discard at %d keys: %d connections open before, %d after", c.after, open, after)
		}
		if !c.discard && after < 3 {
			t.Fatalf("kept at %d keys: %d connections open after a two-connection listing", c.after, after)
		}
		if _, err := x.ListKeys(ctx); err != nil {
			t.Fatalf("listing again: %v", err)
		}
	}
}
