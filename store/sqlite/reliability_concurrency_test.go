package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"provkeys/model"
)

// editResult is what one editing process reports: per key, the edits that landed.
type editResult struct {
	Updates   map[int64]int `json:"updates"` // UpdateKey calls that returned nil
	Toggles   map[int64]int `json:"toggles"` // SetKeyEnabled calls that returned nil
	Conflicts int           `json:"conflicts"`
	Busy      int           `json:"busy"` // SQLITE_BUSY/LOCKED that reached the caller
	Errors    []string      `json:"errors"`
}

// counterPrefix starts the description of every key the editors share: "count=N" is how many
// UpdateKey edits the key has had, so a lost update shows as a counter behind the audit trail.
const counterPrefix = "count="

// concurrentEditor is the helper process: G goroutines of one process, each making E
// read-modify-write edits through the real store code and retrying conflicts.
func concurrentEditor() {
	var ids []int64
	for f := range strings.FieldsSeq(os.Getenv("PROVKEYS_EDIT_IDS")) {
		id, _ := strconv.ParseInt(f, 10, 64)
		ids = append(ids, id)
	}
	goroutines, _ := strconv.Atoi(os.Getenv("PROVKEYS_EDIT_GOROUTINES"))
	edits, _ := strconv.Atoi(os.Getenv("PROVKEYS_EDIT_EDITS"))
	seed, _ := strconv.ParseUint(os.Getenv("PROVKEYS_EDIT_SEED"), 10, 64)
	s, err := openAt(os.Getenv("PROVKEYS_EDIT_DB"))
	if err != nil {
		fmt.Println("ERROR open:", err)
		os.Exit(3)
	}
	defer s.Close()
	x := s.as(model.Actor{Name: "editor-" + strconv.FormatUint(seed, 10), Role: model.RoleAdmin})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	res := editResult{Updates: map[int64]int{}, Toggles: map[int64]int{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(seed, uint64(g)))
			for done := 0; done < edits; {
				upd, tog, conflict, err := oneEdit(ctx, x, ids[r.IntN(len(ids))], r.IntN(4) == 0)
				mu.Lock()
				switch {
				case err != nil:
					if isBusy(err) || strings.Contains(err.Error(), "busy") {
						res.Busy++
					}
					res.Errors = append(res.Errors, err.Error())
				case conflict:
					res.Conflicts++
				default:
					res.Updates[upd]++
					res.Toggles[tog]++
					done++
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	delete(res.Updates, 0)
	delete(res.Toggles, 0)
	b, _ := json.Marshal(res)
	fmt.Printf("RESULT %s\n", b)
}

// oneEdit reads key id and either toggles it or raises its counter, from the version it read.
// It returns the id of the key updated or toggled, or conflict when another writer got there
// first (the caller retries); any other error is a failure.
func oneEdit(ctx context.Context, x *session, id int64, toggle bool) (updated, toggled int64, conflict bool, err error) {
	k, err := x.Key(ctx, id)
	if err != nil {
		return 0, 0, false, fmt.Errorf("read key %d: %w", id, err)
	}
	if toggle {
		_, err = x.SetKeyEnabled(ctx, id, k.Version, !k.Enabled)
		toggled = id
	} else {
		n, perr := strconv.Atoi(strings.TrimPrefix(k.Description, counterPrefix))
		if perr != nil {
			return 0, 0, false, fmt.Errorf("key %d: description %q", id, k.Description)
		}
		in := k.Input()
		in.Description = counterPrefix + strconv.Itoa(n+1)
		_, err = x.UpdateKey(ctx, id, k.Version, in)
		updated = id
	}
	if errors.Is(err, model.ErrConflict) {
		return 0, 0, true, nil
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("edit key %d: %w", id, err)
	}
	return updated, toggled, false, nil
}

// concurrencySize is processes × goroutines × edits for this run: the 4×4×500 with
// PROVKEYS_FULL=1, 4×2×50 with -short, 4×4×50 under the race detector (CI's run) and 4×4×125
// otherwise. Every commit waits for an fsync (synchronous=FULL) and writers that collide
// sleep in SQLite's busy handler, so the full size takes about 50 s on a 2-core machine
// without -race and several minutes with it; the full-size results are in RELIABILITY.md.
func concurrencySize() (procs, goroutines, edits int) {
	switch {
	case reliabilityFull():
		return 4, 4, 500
	case testing.Short():
		return 4, 2, 50
	case raceEnabled:
		return 4, 4, 50
	}
	return 4, 4, 125
}

// TestConcurrentProcessesEdit runs several OS processes, each with several goroutines, that
// edit the same keys through the real store code at once. Every edit must land exactly once
// or be told of the conflict: the counters, versions, enabled flags and audit rows come out
// exact, and no SQLITE_BUSY reaches a caller.
func TestConcurrentProcessesEdit(t *testing.T) {
	procs, goroutines, edits := concurrencySize()
	const nkeys = 16
	s := openTestStore(t)
	x := s.as(admin)
	var ids []string
	var keyIDs []int64
	for i := range nkeys {
		in := keyInput(fmt.Sprintf("shared-%02d", i))
		in.Description = counterPrefix + "0"
		k, _ := mustKey(t, x, in)
		ids = append(ids, strconv.FormatInt(k.ID, 10))
		keyIDs = append(keyIDs, k.ID)
	}
	start := time.Now()
	var wg sync.WaitGroup
	outs := make([]string, procs)
	errs := make([]error, procs)
	for p := range procs {
		wg.Go(func() {
			cmd := helperCommand("edit", "PROVKEYS_EDIT_DB="+s.Path(), "PROVKEYS_EDIT_IDS="+strings.Join(ids, " "),
				"PROVKEYS_EDIT_GOROUTINES="+strconv.Itoa(goroutines), "PROVKEYS_EDIT_EDITS="+strconv.Itoa(edits),
				"PROVKEYS_EDIT_SEED="+strconv.Itoa(p+1))
			out, err := cmd.CombinedOutput()
			outs[p], errs[p] = string(out), err
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	updates, toggles := map[int64]int{}, map[int64]int{}
	conflicts := 0
	for p := range procs {
		i := strings.Index(outs[p], "RESULT ")
		if errs[p] != nil || i < 0 {
			t.Fatalf("process %d: %v\n%s", p, errs[p], outs[p])
		}
		var res editResult
		line, _, _ := strings.Cut(outs[p][i+len("RESULT "):], "\n")
		if err := json.Unmarshal([]byte(line), &res); err != nil {
			t.Fatalf("process %d: %v\n%s", p, err, outs[p])
		}
		if res.Busy > 0 || len(res.Errors) > 0 {
			t.Fatalf("process %d: %d busy errors reached a caller; errors: %q", p, res.Busy, res.Errors)
		}
		for id, n := range res.Updates {
			updates[id] += n
		}
		for id, n := range res.Toggles {
			toggles[id] += n
		}
		conflicts += res.Conflicts
	}
	db := rawDB(t, s)
	total := 0
	for _, id := range keyIDs {
		k, err := x.Key(testCtx(t), id)
		if err != nil {
			t.Fatal(err)
		}
		u, tg := updates[id], toggles[id]
		total += u + tg
		if k.Description != counterPrefix+strconv.Itoa(u) {
			t.Errorf("%s: %q after %d acknowledged updates: an update was lost", k.Name, k.Description, u)
		}
		if k.Version != int64(1+u+tg) {
			t.Errorf("%s: version %d after %d updates and %d toggles", k.Name, k.Version, u, tg)
		}
		if k.Enabled != (tg%2 == 0) {
			t.Errorf("%s: enabled %v after %d toggles", k.Name, k.Enabled, tg)
		}
		if n := count(t, db, "SELECT count(*) FROM audit WHERE object_id = ? AND action = 'update' AND actor LIKE 'editor-%'", id); n != u {
			t.Errorf("%s: %d update audit rows, want %d", k.Name, n, u)
		}
		if n := count(t, db, "SELECT count(*) FROM audit WHERE object_id = ? AND action IN ('enable', 'disable') AND actor LIKE 'editor-%'", id); n != tg {
			t.Errorf("%s: %d enable/disable audit rows, want %d", k.Name, n, tg)
		}
	}
	if want := procs * goroutines * edits; total != want {
		t.Fatalf("%d edits landed, want %d", total, want)
	}
	t.Logf("%d processes × %d goroutines × %d edits on %d keys: %d edits, 0 lost, 0 busy, %d conflicts retried, in %v",
		procs, goroutines, edits, nkeys, total, conflicts, elapsed.Round(time.Millisecond))
}
