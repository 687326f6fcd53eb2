package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"
)

// pgEnrollRounds is how many times figure 12 measures each of its set-ups, in turn.
const pgEnrollRounds = 5

// pgEnroll is figure 12: enrollments per second and their latency on the SQLite store, on the
// PostgreSQL store behind one `serve` replica and behind two, side by side on the same 100,000
// keys with figure 11's load (64 clients over HTTPS, split evenly between the replicas). The
// three set-ups take turns, pgEnrollRounds times, so load from elsewhere hits them alike;
// each figure is the median round's rate, and the latencies of every round together.
func (s *suite) pgEnroll() error {
	n, dir, db, err := s.enrollStore("pgenroll-")
	if err != nil || n == 0 {
		return err
	}
	defer os.RemoveAll(dir)
	pg, err := startPG()
	if err != nil {
		return err
	}
	defer func() {
		if err := pg.Stop(); err != nil {
			logf("postgres: %v", err)
		}
	}()
	if err := createDB(context.Background(), pg, "enroll"); err != nil {
		return err
	}
	url := pg.URL("enroll")
	logf("pgenroll: provkeys migrate --from the store's copy")
	mig := exec.Command(s.bin, "migrate", "--from", db, "--data-key", db+".key", "--to", url)
	mig.Stdout, mig.Stderr = os.Stderr, os.Stderr
	if err := mig.Run(); err != nil {
		return fmt.Errorf("migrate %d keys: %w", n, err)
	}
	s.recordLine(s.bin + " --db 'postgres:///keysN?…' --data-key $DIR/stores/N/provkeys.db.key serve --listen 127.0.0.1:0 --enroll-listen 127.0.0.1:PORT   # once or twice, on the same database")

	// Replicas sharing this machine are each given their share of its cores, as a
	// container's CPU limit would (Go sizes GOMAXPROCS by it); two with every core each are
	// measured too and reported, to show what oversubscribing the cores costs. Four replicas
	// join the curve where the machine has four cores or more.
	type setup struct {
		name     string
		args     []string
		replicas int
		cores    int     // GOMAXPROCS of each replica, 0: Go's default
		peer     int     // the set-up it is compared with (index), -1: none
		goal     float64 // its rate over the peer's at least, 0: reported only
		key      string
		root     []byte
		runs     []enrolled
	}
	pgArgs := []string{"--db", url, "--data-key", db + ".key"}
	shared := func(replicas int, goal float64) setup {
		cores := max(1, runtime.NumCPU()/replicas)
		return setup{name: fmt.Sprintf("PostgreSQL, %d replicas of %d core(s) each", replicas, cores), args: pgArgs,
			replicas: replicas, cores: cores, peer: 1, goal: goal}
	}
	setups := []setup{
		{name: "SQLite", args: []string{"--db", db}, replicas: 1, peer: -1},
		{name: "PostgreSQL, 1 replica", args: pgArgs, replicas: 1, peer: 0, goal: 0.7},
		shared(2, 1),
		{name: "PostgreSQL, 2 replicas, every core each", args: pgArgs, replicas: 2, peer: 1},
	}
	if runtime.NumCPU() >= 4 {
		setups = append(setups, shared(4, 1))
	}
	for i := range setups {
		st := &setups[i]
		if i >= 2 { // the same database as one replica's: the key is there already
			st.key, st.root = setups[1].key, setups[1].root
			continue
		}
		if st.key, st.root, err = s.enrollKey(st.args); err != nil {
			return err
		}
	}
	for round := range pgEnrollRounds {
		for _, i := range roundOrder(len(setups), round) {
			st := &setups[i]
			urls, pids, stop, err := s.startServes(dir, st.args, st.replicas, st.cores)
			if err != nil {
				return err
			}
			cpu := func() time.Duration { return cpuTime(pids...) }
			if i > 0 { // and the database server's processes
				cpu = func() time.Duration { return cpuTime(append(slices.Clone(pids), childrenOf(pg.PID())...)...) }
			}
			got, err := enrollStorm(urls, st.root, st.key, fmt.Sprintf("r%d-s%d-", round, i), cpu)
			stop()
			if err != nil {
				return fmt.Errorf("%s: %w", st.name, err)
			}
			logf("pgenroll round %d, %s: %.0f /s, p50 %s, p99 %s, CPU %s per enrollment", round+1, st.name, got.rate,
				ms(got.p50), ms(got.p99), ms(got.cpu))
			st.runs = append(st.runs, got)
		}
	}
	med := func(runs []enrolled) enrolled {
		rs := slices.Clone(runs)
		slices.SortFunc(rs, func(a, b enrolled) int { return cmp.Compare(a.rate, b.rate) })
		return rs[len(rs)/2]
	}
	what := fmt.Sprintf("enrollments per second, %d clients at once over HTTPS (median of %d rounds)", enrollClients, pgEnrollRounds)
	for _, st := range setups {
		if st.peer < 0 {
			continue
		}
		m, p := med(st.runs), med(setups[st.peer].runs)
		peerName := setups[st.peer].name
		if st.peer == 0 {
			peerName = "SQLite store, same keys"
		}
		s.compare(comparison{fig: "12", what: st.name + ": " + what, n: n,
			ours: m.rate, oursText: m.rateText(), peer: p.rate, peerText: p.rateText(),
			peerName:       peerName,
			higherIsBetter: true, maxRatio: st.goal})
	}
	for _, st := range setups {
		m := med(st.runs)
		s.add("12", fmt.Sprintf("%s: enrollment latency p50 / p99 (median round)", st.name), n, m.latencyText(), "", "", "", nil)
		s.add("12", fmt.Sprintf("%s: CPU time per enrollment, serve and database processes (median round)", st.name), n,
			ms(m.cpu), "", "", "", nil)
	}
	var each []string
	for _, st := range setups {
		each = append(each, st.name+" "+rates(st.runs))
	}
	s.notes = append(s.notes, fmt.Sprintf("enrollments at %s keys, rounds in turn (enrollments/s): %s.", count(n), strings.Join(each, "; ")))
	return nil
}

// roundOrder is the order the set-ups take their turns in round: SQLite first, then the
// PostgreSQL set-ups in turn, each round starting one further along. Each measurement adds
// its machines to the database, and the one after another may find what it left behind (a
// vacuum, a checkpoint) at work: no set-up is always the one that comes after another.
func roundOrder(n, round int) []int {
	order := []int{0}
	for j := range n - 1 {
		order = append(order, 1+(round+j)%(n-1))
	}
	return order
}

func rates(runs []enrolled) string {
	out := ""
	for i, r := range runs {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%.0f", r.rate)
	}
	return out
}
