package sqlite

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"provkeys/model"
)

// editLoop makes n successful read-modify-write edits to random keys of ids, each raising
// MaxUsage by one from the version it read; a conflict is counted and retried from a fresh
// read. Any other error stops it: that is the failure the test looks for (SQLITE_BUSY included).
func editLoop(ctx context.Context, x *session, ids []int64, n int, seed uint64) (conflicts int, err error) {
	r := rand.New(rand.NewPCG(seed, 1))
	for done := 0; done < n; {
		id := ids[r.IntN(len(ids))]
		k, err := x.Key(ctx, id)
		if err != nil {
			return conflicts, fmt.Errorf("read: %w", err)
		}
		in := k.Input()
		in.MaxUsage++
		if _, err := x.UpdateKey(ctx, id, k.Version, in); err != nil {
			if errors.Is(err, model.ErrConflict) {
				conflicts++
				continue
			}
			return conflicts, fmt.Errorf("edit %d: %w", done, err)
		}
		done++
	}
	return conflicts, nil
}

// TestHelperProcess is the body of the child processes of TestTwoProcessesEditSameKeys; run
// normally it does nothing.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("PROVKEYS_HELPER") != "edit" {
		return
	}
	var ids []int64
	for f := range strings.FieldsSeq(os.Getenv("PROVKEYS_HELPER_IDS")) {
		id, _ := strconv.ParseInt(f, 10, 64)
		ids = append(ids, id)
	}
	n, _ := strconv.Atoi(os.Getenv("PROVKEYS_HELPER_EDITS"))
	seed, _ := strconv.ParseUint(os.Getenv("PROVKEYS_HELPER_SEED"), 10, 64)
	s, err := openAt(os.Getenv("PROVKEYS_HELPER_DB"))
	if err != nil {
		fmt.Println("ERROR open:", err)
		os.Exit(3)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	actor := model.Actor{Name: "proc-" + os.Getenv("PROVKEYS_HELPER_SEED"), Role: model.RoleAdmin}
	conflicts, err := editLoop(ctx, s.as(actor), ids, n, seed)
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(4)
	}
	fmt.Printf("RESULT edits=%d conflicts=%d\n", n, conflicts)
}

// TestTwoProcessesEditSameKeys runs two OS processes (this test binary, re-executed) that
// edit the same few keys at once. Every edit must land or get the conflict error: the final
// counts are exact, and no SQLITE_BUSY reaches a caller.
func TestTwoProcessesEditSameKeys(t *testing.T) {
	const procs, edits = 2, 300
	s := openTestStore(t)
	x := s.as(admin)
	var ids []string
	var keyIDs []int64
	for i := range 3 {
		k, _ := mustKey(t, x, keyInput(fmt.Sprintf("shared-%d", i)))
		ids = append(ids, strconv.FormatInt(k.ID, 10))
		keyIDs = append(keyIDs, k.ID)
	}
	var wg sync.WaitGroup
	outs := make([]string, procs)
	errs := make([]error, procs)
	for p := range procs {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), "PROVKEYS_HELPER=edit", "PROVKEYS_HELPER_DB="+s.Path(),
				"PROVKEYS_HELPER_IDS="+strings.Join(ids, " "), "PROVKEYS_HELPER_EDITS="+strconv.Itoa(edits),
				"PROVKEYS_HELPER_SEED="+strconv.Itoa(p+1))
			out, err := cmd.CombinedOutput()
			outs[p], errs[p] = string(out), err
		})
	}
	wg.Wait()
	totalConflicts := 0
	for p := range procs {
		if errs[p] != nil || !strings.Contains(outs[p], "RESULT") {
			t.Fatalf("process %d: %v\n%s", p, errs[p], outs[p])
		}
		var n, c int
		line := outs[p][strings.Index(outs[p], "RESULT"):]
		fmt.Sscanf(line, "RESULT edits=%d conflicts=%d", &n, &c)
		totalConflicts += c
	}
	t.Logf("%d processes x %d edits: %d conflicts retried", procs, edits, totalConflicts)
	var sum int64
	for _, id := range keyIDs {
		k, err := x.Key(testCtx(t), id)
		if err != nil {
			t.Fatal(err)
		}
		if k.Version != 1+k.MaxUsage {
			t.Errorf("%s: version %d after %d edits: an edit was lost or doubled", k.Name, k.Version, k.MaxUsage)
		}
		sum += k.MaxUsage
	}
	if sum != procs*edits {
		t.Fatalf("%d edits landed, want %d", sum, procs*edits)
	}
	if n := count(t, rawDB(t, s), "SELECT count(*) FROM audit WHERE action = 'update' AND actor LIKE 'proc-%'"); n != procs*edits {
		t.Fatalf("%d update audit rows, want %d", n, procs*edits)
	}
}

// TestGoroutinesEditSameKeys is the in-process version: writers share one connection.
func TestGoroutinesEditSameKeys(t *testing.T) {
	const workers, edits = 4, 30
	s := openTestStore(t)
	x := s.as(admin)
	k, _ := mustKey(t, x, keyInput("hot"))
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			if _, err := editLoop(testCtx(t), x, []int64{k.ID}, edits, uint64(w)); err != nil {
				errs <- err
			}
		})
	}
	// A reader keeps listing meanwhile: WAL readers must not be blocked by the writers.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 20 {
			if _, err := x.ListKeys(testCtx(t)); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	<-done
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, _ := x.Key(testCtx(t), k.ID)
	if got.MaxUsage != workers*edits || got.Version != 1+workers*edits {
		t.Fatalf("max usage %d, version %d; want %d edits", got.MaxUsage, got.Version, workers*edits)
	}
}
