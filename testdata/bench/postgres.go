package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"provkeys/model"
	"provkeys/store"
	"provkeys/store/engine"
	"provkeys/store/postgres/pgtest"
)

// editRuns is how many edits each store commits for figure 10's edit row.
const editRuns = 200

// postgresStores is figure 10: the PostgreSQL store against the SQLite store holding the same
// keys (the cached demo store, copied over with `provkeys migrate`), side by side: start to
// first full frame and to every key loaded, keys list --json, and one edit's commit.
func (s *suite) postgresStores() error {
	pg, err := startPG()
	if err != nil {
		return err
	}
	defer func() {
		if err := pg.Stop(); err != nil {
			logf("postgres: %v", err)
		}
	}()
	logf("postgres: private server in %s (%s)", pg.Dir, pg.Bin("postgres"))
	for _, n := range s.sizesUpTo(100_000) {
		if err := s.postgresAt(pg, n); err != nil {
			return err
		}
	}
	return nil
}

// postgresAt takes figure 10's rows at n keys.
func (s *suite) postgresAt(pg *pgtest.Server, n int) error {
	st := s.stores[n]
	key := st.db + ".key"
	dbName := fmt.Sprintf("keys%d", n)
	if err := createDB(context.Background(), pg, dbName); err != nil {
		return err
	}
	url := pg.URL(dbName)
	logf("postgres %d: provkeys migrate --from the cached store", n)
	t0 := time.Now()
	// Run directly rather than through s.sh: the recorded line below names the socket's
	// temporary directory in a form that stays the same from run to run.
	mig := exec.Command(s.bin, "migrate", "--from", st.db, "--data-key", key, "--to", url)
	mig.Stdout, mig.Stderr = os.Stderr, os.Stderr
	if err := mig.Run(); err != nil {
		return fmt.Errorf("migrate %d keys: %w", n, err)
	}
	logf("postgres %d: migrated in %v", n, time.Since(t0).Round(time.Millisecond))
	s.recordLine(s.bin + " migrate --from $DIR/stores/N/provkeys.db --data-key $DIR/stores/N/provkeys.db.key --to 'postgres:///keysN?host=$PGSOCK&user=provkeys'")
	pgArgs := []string{"--db", url, "--data-key", key}
	sqliteArgs := []string{"--db", st.db}

	// Start to first full frame and to every key loaded, alternating the two stores.
	var pgFirst, sqFirst, pgLoad, sqLoad []time.Duration
	for range s.runsFor(n) {
		for _, side := range []struct {
			args        []string
			first, load *[]time.Duration
		}{{pgArgs, &pgFirst, &pgLoad}, {sqliteArgs, &sqFirst, &sqLoad}} {
			first, load, err := s.startToLoaded(side.args, n)
			if err != nil {
				return err
			}
			*side.first, *side.load = append(*side.first, first), append(*side.load, load)
		}
	}
	s.recordLine(s.bin + " --db 'postgres:///keysN?…' --data-key $DIR/stores/N/provkeys.db.key   # in a 120x40 pseudo-terminal")
	s.compareStores("start to first full frame (median)", n, median(pgFirst), median(sqFirst))
	s.compareStores("start to every key loaded, filter ready (median)", n, median(pgLoad), median(sqLoad))

	// keys list --json, whole process.
	pgList, sqList, err := alternate(s.runsFor(n),
		func() (time.Duration, error) {
			return timeCmd("", s.bin, append(append([]string(nil), pgArgs...), "keys", "list", "--json")...)
		},
		func() (time.Duration, error) {
			return timeCmd("", s.bin, append(append([]string(nil), sqliteArgs...), "keys", "list", "--json")...)
		})
	if err != nil {
		return err
	}
	s.record(s.bin, "--db", "postgres:///keysN?…", "--data-key", "$DIR/stores/N/provkeys.db.key", "keys", "list", "--json")
	s.compareStores("keys list --json > /dev/null (median)", n, median(pgList), median(sqList))

	// One edit's commit, in process, on a copy of the SQLite store (the cache stays as made).
	copyDir, err := os.MkdirTemp(s.o.dir, "edit-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(copyDir)
	sqCopy := filepath.Join(copyDir, "provkeys.db")
	for _, f := range [][2]string{{st.db, sqCopy}, {key, sqCopy + ".key"}} {
		if err := copyFile(f[0], f[1]); err != nil {
			return err
		}
	}
	pgEdits, sqEdits, err := editLatencies(engine.Options{DB: url, DataKeyPath: key}, engine.Options{DB: sqCopy})
	if err != nil {
		return err
	}
	p50 := func(ds []time.Duration) time.Duration { return percentile(ds, 50) }
	p99 := func(ds []time.Duration) time.Duration { return percentile(ds, 99) }
	s.compareStores(fmt.Sprintf("one edit's commit, in process (p50 of %d)", editRuns), n, p50(pgEdits), p50(sqEdits))
	s.compareStores(fmt.Sprintf("one edit's commit, in process (p99 of %d)", editRuns), n, p99(pgEdits), p99(sqEdits))
	logf("postgres %d: first frame %v (SQLite %v), loaded %v (%v), list --json %v (%v), edit p50 %v (%v) p99 %v (%v)", n,
		median(pgFirst), median(sqFirst), median(pgLoad), median(sqLoad), median(pgList), median(sqList),
		p50(pgEdits), p50(sqEdits), p99(pgEdits), p99(sqEdits))
	return nil
}

// compareStores adds a row of figure 10: PostgreSQL against SQLite, lower better.
func (s *suite) compareStores(what string, n int, pg, sq time.Duration) {
	s.compare(comparison{fig: "10", what: "PostgreSQL store: " + what, n: n,
		ours: float64(pg), oursText: ms(pg), peer: float64(sq), peerText: ms(sq), peerName: "SQLite store, same keys"})
}

// startToLoaded starts the dashboard on args in the pseudo-terminal and returns the times to
// its first full frame and to every key loaded.
func (s *suite) startToLoaded(args []string, n int) (first, load time.Duration, err error) {
	t, start, err := startTerm(s.bin, args, termW, termH)
	if err != nil {
		return 0, 0, err
	}
	defer t.stop()
	at, err := t.waitFor("the first full frame", 5*time.Minute, fullFrame(n))
	if err != nil {
		return 0, 0, err
	}
	first = at.Sub(start)
	if at, err = t.waitFor("every key loaded", 5*time.Minute, allLoaded(n)); err != nil {
		return 0, 0, err
	}
	return first, at.Sub(start), nil
}

// editLatencies opens both stores in this process and times editRuns edits on each,
// alternating: read the key in the middle of the listing, save it back at its version with a
// new description, commit. It returns the times of each.
func editLatencies(pgOpt, sqOpt engine.Options) (pg, sq []time.Duration, err error) {
	ctx := context.Background()
	actor := model.Actor{Name: "bench", Role: model.RoleAdmin}
	open := func(opt engine.Options) (store.Store, store.Session, int64, error) {
		st, err := engine.Open(ctx, opt)
		if err != nil {
			return nil, nil, 0, err
		}
		x := st.Session(actor)
		keys, err := x.ListKeys(ctx)
		if err != nil || len(keys) == 0 {
			st.Close()
			return nil, nil, 0, fmt.Errorf("list keys of %s: %v (%d keys)", engine.Describe(opt), err, len(keys))
		}
		return st, x, keys[len(keys)/2].ID, nil
	}
	pgStore, pgX, pgID, err := open(pgOpt)
	if err != nil {
		return nil, nil, err
	}
	defer pgStore.Close()
	sqStore, sqX, sqID, err := open(sqOpt)
	if err != nil {
		return nil, nil, err
	}
	defer sqStore.Close()
	edit := func(x store.Session, id int64, description string) (time.Duration, error) {
		t0 := time.Now()
		k, err := x.Key(ctx, id)
		if err != nil {
			return 0, err
		}
		in := k.Input()
		in.Description = description
		if _, err := x.UpdateKey(ctx, k.ID, k.Version, in); err != nil {
			return 0, err
		}
		return time.Since(t0), nil
	}
	i := 0
	pg, sq, err = alternate(editRuns,
		func() (time.Duration, error) {
			i++
			return edit(pgX, pgID, "bench edit "+strconv.Itoa(i))
		},
		func() (time.Duration, error) { return edit(sqX, sqID, "bench edit "+strconv.Itoa(i)) })
	if err != nil {
		return nil, nil, fmt.Errorf("edit: %w", err)
	}
	return pg, sq, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
