package sqlite

import (
	"context"
	"fmt"
	"sync"
	"testing"

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
