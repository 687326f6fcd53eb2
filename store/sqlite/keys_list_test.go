package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"
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

// TestListKeysEveryField checks the listing against the read of Key for every field: expiry
// set and not, usage limits, text beyond ASCII, and control characters written behind the
// store's back (the unit separator that an earlier packed listing used, an empty
// creator).
func TestListKeysEveryField(t *testing.T) {
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
	if _, err := rawDB(t, s).Exec("UPDATE keys SET description = 'a' || char(31) || 'b', created_by = '' WHERE id = ?", odd.ID); err != nil {
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
// the connections it scanned with (their page caches go with them) and the read pool's idle
// ones, and that a small one keeps its two for the next listing; the store keeps working
// either way.
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
	idle := func() int {
		s.lite.mu.Lock()
		defer s.lite.mu.Unlock()
		return len(s.lite.idle)
	}
	for _, c := range []struct {
		after   int
		discard bool
	}{{1000, false}, {300, true}, {1000, false}} {
		discardConnsAfter = c.after
		if _, _, err := x.ListKeysHead(ctx, 10); err != nil { // a reader left idle in the pool
			t.Fatal(err)
		}
		table, err := x.ListKeyTable(ctx)
		if err != nil || table.Len() != 300 {
			t.Fatalf("ListKeyTable: %d keys, %v", table.Len(), err)
		}
		// The listing scanned on two connections (smallListChunks).
		if got, want := idle(), 2; c.discard {
			if got != 0 || s.rdb.Stats().Idle != 0 {
				t.Fatalf("discard at %d keys: %d listing connections and %d readers left idle", c.after, got, s.rdb.Stats().Idle)
			}
		} else if got != want {
			t.Fatalf("kept at %d keys: %d listing connections idle, want %d", c.after, got, want)
		}
		if _, err := x.ListKeys(ctx); err != nil {
			t.Fatalf("listing again: %v", err)
		}
	}
	// Kept connections close once idle for liteIdleTime.
	oldIdle := liteIdleTime
	liteIdleTime = 20 * time.Millisecond
	t.Cleanup(func() { liteIdleTime = oldIdle })
	if _, err := x.ListKeys(ctx); err != nil || idle() != 2 {
		t.Fatalf("listing: %d idle, %v", idle(), err)
	}
	for deadline := time.Now().Add(5 * time.Second); idle() != 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d listing connections still idle after %v", idle(), liteIdleTime)
		}
	}
	if _, err := x.ListKeys(ctx); err != nil {
		t.Fatalf("listing after the idle ones closed: %v", err)
	}
}

// TestListKeysAfterClose checks that a closed store refuses a listing and that the
// listing's connections are closed with it.
func TestListKeysAfterClose(t *testing.T) {
	s := openTestStore(t)
	x := s.as(admin)
	ctx := testCtx(t)
	mustKey(t, x, keyInput("one"))
	if _, err := x.ListKeys(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if len(s.lite.idle) != 0 {
		t.Fatalf("%d listing connections open after Close", len(s.lite.idle))
	}
	if _, err := x.ListKeys(ctx); err == nil {
		t.Fatal("a closed store listed its keys")
	}
}

// TestListKeyTableIsOneCommittedState lists the keys while another connection commits, again
// and again, one transaction that touches keys at both ends of the id range and in the name
// order: every key's description and version, the lowest id deleted, the highest renamed to
// sort first, a group link added to a middle key. Each listing (table and plain) must equal,
// row for row, the state one of those commits left, as that connection read it right after
// committing: a listing whose two connections read different snapshots, or whose order and
// rows came from different ones, cannot.
func TestListKeyTableIsOneCommittedState(t *testing.T) {
	s := openTestStore(t)
	x := s.as(admin)
	ctx := testCtx(t)
	if err := demo.Fill(ctx, x, 600, nil); err != nil {
		t.Fatal(err)
	}
	smallListChunks(t)
	db := rawDB(t, s)
	var mu sync.Mutex
	states := map[string][]string{} // a state's description → its rows, in name order
	record := func(desc string) {
		rows, err := db.Query(`SELECT k.id, k.name, k.description, k.version,
			(SELECT group_concat(group_id, ',') FROM (SELECT group_id FROM key_groups WHERE key_id = k.id ORDER BY group_id))
			FROM keys k ORDER BY k.name`)
		if err != nil {
			t.Error(err)
			return
		}
		defer rows.Close()
		var state []string
		for rows.Next() {
			var id, version int64
			var name, description, groups string
			if err := rows.Scan(&id, &name, &description, &version, &groups); err != nil {
				t.Error(err)
				return
			}
			state = append(state, fmt.Sprint(id, name, description, version, groups))
		}
		mu.Lock()
		states[desc] = state
		mu.Unlock()
	}
	if _, err := db.Exec("UPDATE keys SET description = 'gen 0'"); err != nil {
		t.Fatal(err)
	}
	record("gen 0")
	// Every third listing, a commit lands between the first connection's first reads and
	// the second's, and the listing must notice.
	committed := make(chan struct{}, 1)
	listings := 0
	listBetweenBegins = func() {
		if listings++; listings%3 == 0 {
			select {
			case <-committed:
			default:
			}
			select {
			case <-committed:
			case <-time.After(5 * time.Second):
				t.Error("no commit between the connections' first reads")
			}
		}
	}
	t.Cleanup(func() { listBetweenBegins = nil })
	done := make(chan struct{})
	var wg sync.WaitGroup
	stop := sync.OnceFunc(func() { close(done); wg.Wait() })
	t.Cleanup(stop) // before db closes
	wg.Add(1)
	go func() {
		defer wg.Done()
		for gen := 1; ; gen++ {
			select {
			case <-done:
				return
			default:
			}
			desc := fmt.Sprintf("gen %d", gen)
			tx, err := db.Begin()
			if err == nil {
				for _, q := range []string{
					"UPDATE keys SET description = ?1, version = version + 1",
					"DELETE FROM keys WHERE id = (SELECT min(id) FROM keys)",
					"UPDATE keys SET name = 'aaa-' || ?1, name_key = 'aaa-' || ?1 WHERE id = (SELECT max(id) FROM keys)",
					`INSERT OR IGNORE INTO key_groups (key_id, group_id)
						SELECT (SELECT id FROM keys ORDER BY id LIMIT 1 OFFSET 300), id FROM groups ORDER BY random() LIMIT 1`,
				} {
					if _, err = tx.Exec(q, desc); err != nil {
						break
					}
				}
				if err == nil {
					err = tx.Commit()
				} else {
					tx.Rollback()
				}
			}
			if err != nil {
				t.Error(err)
				return
			}
			record(desc)
			select {
			case committed <- struct{}{}:
			default:
			}
		}
	}()
	check := func(what string, n int, key func(i int) model.Key) {
		t.Helper()
		if n == 0 {
			t.Fatalf("%s: no keys", what)
		}
		desc := key(0).Description
		var want []string
		for deadline := time.Now().Add(10 * time.Second); want == nil; time.Sleep(time.Millisecond) {
			mu.Lock()
			want = states[desc]
			mu.Unlock()
			if want == nil && time.Now().After(deadline) {
				t.Fatalf("%s: the description %q is no committed state's", what, desc)
			}
		}
		if n != len(want) {
			t.Fatalf("%s: %d keys, the state %q has %d", what, n, desc, len(want))
		}
		for i := range n {
			k := key(i)
			ids := make([]int64, len(k.Groups))
			for j, g := range k.Groups {
				ids[j] = g.ID
			}
			slices.Sort(ids)
			groups := strings.Trim(strings.Join(strings.Fields(fmt.Sprint(ids)), ","), "[]")
			if got := fmt.Sprint(k.ID, k.Name, k.Description, k.Version, groups); got != want[i] {
				t.Fatalf("%s, state %q, row %d:\n got %s\nwant %s", what, desc, i, got, want[i])
			}
		}
	}
	for i := range 30 {
		if i%2 == 0 {
			table, err := x.ListKeyTable(ctx)
			if err != nil {
				t.Fatal(err)
			}
			check("ListKeyTable", table.Len(), table.Key)
		} else {
			keys, err := x.ListKeys(ctx)
			if err != nil {
				t.Fatal(err)
			}
			check("ListKeys", len(keys), func(i int) model.Key { return keys[i] })
		}
	}
	stop()
	mu.Lock()
	defer mu.Unlock()
	if len(states) < 10 || listings < 30 {
		t.Fatalf("%d states committed during %d two-connection listings: the test did not test", len(states), listings)
	}
}

// TestListKeyTableLongTexts lists keys whose texts (written behind the store's back) are too
// long for a batch's text buffer many times over, one of them longer than the whole buffer:
// each batch is handed over before its text would overflow, and every row keeps its own
// texts.
func TestListKeyTableLongTexts(t *testing.T) {
	s := openTestStore(t)
	x := s.as(admin)
	ctx := testCtx(t)
	if err := demo.Fill(ctx, x, 300, nil); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, s)
	if _, err := db.Exec(`UPDATE keys SET description = printf('%d %.*c', id, 3000 + id % 7, 'd'),
		last_machine = CASE WHEN id % 3 = 0 THEN printf('m%d-%.*c', id, 500, 'm') ELSE '' END`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE keys SET description = printf('%.*c', ?, 'x') WHERE id = (SELECT min(id) + 150 FROM keys)`, 2*batchText); err != nil {
		t.Fatal(err)
	}
	smallListChunks(t)
	keys, err := x.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	table, err := x.ListKeyTable(ctx)
	if err != nil || table.Len() != len(keys) || len(keys) != 300 {
		t.Fatalf("ListKeyTable: %d keys, ListKeys %d, %v", table.Len(), len(keys), err)
	}
	long := 0
	for i, k := range keys {
		one, err := x.Key(ctx, k.ID)
		if err != nil || !storetest.KeysEqual(k, one) || !storetest.KeysEqual(table.Key(i), one) {
			t.Fatalf("key %d:\nlisted %.200v\ntable  %.200v\nKey    %.200v %v", i, k, table.Key(i), one, err)
		}
		if len(k.Description) >= 2*batchText {
			long++
		}
	}
	if long != 1 {
		t.Fatalf("%d keys with a description longer than a batch's text, want 1", long)
	}
}
