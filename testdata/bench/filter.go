package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// filterQuery is typed one key at a time in figure 1.
const filterQuery = "fra-db"

// filterRounds is how many fresh processes of each program type the query at each size.
const filterRounds = 5

// settle is how long a screen must stay unchanged to count as the answer to a keystroke.
const settle = 300 * time.Millisecond

// fzfPeer is one way of running fzf against the filter bar.
type fzfPeer struct {
	name   string   // in the table
	args   []string // fzf's options
	target bool     // the target (≤ 0.5 × fzf) is on this one
	counts []int    // matches per prefix of filterQuery, from fzf --filter with the same options
	times  []time.Duration
	ahead  []time.Duration // how long before its settled screen the counter showed the new count
}

// filterKeystrokes is figure 1 as a person sees it: a keystroke in provkeys's filter bar to
// the screen showing its result, against the same keystroke in fzf running interactively on
// the same names, both in a termW×termH pseudo-terminal driven by the same code. fzf as a
// person starts it (fuzzy) carries the target; fzf --exact, which matches substrings as
// provkeys's filter does, is reported next to it.
func (s *suite) filterKeystrokes() error {
	for _, n := range s.o.sizes {
		if n < 100_000 && len(s.o.sizes) > 1 {
			continue
		}
		st := s.stores[n]
		peers := []*fzfPeer{
			{name: "fzf, interactive in the same pty", target: true},
			{name: "fzf --exact, interactive in the same pty", args: []string{"--exact"}},
		}
		for _, p := range peers {
			counts, err := fzfMatchCounts(st.names, p.args)
			if err != nil {
				return err
			}
			p.counts = counts
		}
		var ours []time.Duration
		var ourCounts []string
		for range filterRounds {
			// Alternate the programs so that load from elsewhere hits them alike.
			d, counts, err := s.provkeysKeystrokes(st.db, n)
			if err != nil {
				return err
			}
			ours, ourCounts = append(ours, d...), counts
			for _, p := range peers {
				if err := p.keystrokes(st.names, n); err != nil {
					return err
				}
			}
		}
		for _, p := range peers {
			var target float64
			if p.target && (n == 100_000 || n == 1_000_000) {
				target = 0.5
			}
			for _, pc := range []float64{50, 99} {
				o, f := percentile(ours, pc), percentile(p.times, pc)
				s.compare(comparison{fig: "1", n: n, ours: float64(o), peer: float64(f), oursText: ms(o), peerText: ms(f),
					what:     fmt.Sprintf("filter keystroke to screen, pty (p%.0f of %d)", pc, len(ours)),
					peerName: p.name, maxRatio: target})
			}
			ahead := 0
			for _, a := range p.ahead {
				if a > 0 {
					ahead++
				}
			}
			s.notes = append(s.notes, fmt.Sprintf("%s at %s keys: the counter showed the new count before the rest of the "+
				"screen settled in %d of %d keystrokes, at most %s ahead (the clock waits for the whole screen).",
				strings.TrimSuffix(p.name, ", interactive in the same pty"), count(n), ahead, len(p.ahead), ms(slices.Max(p.ahead))))
			logf("filter %d: p50 %v p99 %v (%s p50 %v p99 %v)", n, percentile(ours, 50), percentile(ours, 99),
				p.name, percentile(p.times, 50), percentile(p.times, 99))
		}
		var per []string
		for i := range filterQuery {
			per = append(per, fmt.Sprintf("%q %s / %d / %d", filterQuery[:i+1], ourCounts[i], peers[0].counts[i], peers[1].counts[i]))
		}
		s.notes = append(s.notes, fmt.Sprintf("Filter at %s keys, matches per prefix (provkeys, which also searches groups, "+
			"certificate and description / fzf / fzf --exact, names only): %s.", count(n), strings.Join(per, ", ")))
	}
	s.recordLine(s.bin + " --db $DIR/stores/N/provkeys.db   # in a 120x40 pseudo-terminal; / then each key of " + filterQuery)
	s.recordLine("fzf [--exact] < $DIR/stores/N/names.txt   # in a 120x40 pseudo-terminal; each key of " + filterQuery)
	s.recordLine("fzf [--exact] --filter Q < $DIR/stores/N/names.txt | wc -l   # Q: each prefix of " + filterQuery + "; the counts fzf must show")
	return nil
}

// provkeysKeystrokes starts the dashboard, waits for every key to load, opens the filter bar
// and types filterQuery; it returns the time of each key to its screen and the count of
// matches the bar showed after each.
func (s *suite) provkeysKeystrokes(db string, n int) ([]time.Duration, []string, error) {
	t, _, err := startTerm(s.bin, []string{"--db", db}, termW, termH)
	if err != nil {
		return nil, nil, err
	}
	defer t.stop()
	if _, err := t.waitFor("every key loaded", 5*time.Minute, allLoaded(n)); err != nil {
		return nil, nil, err
	}
	if _, _, err := press(t, "/", "the filter bar", func(sc *screen) bool {
		y := barRow(sc)
		return y >= 0 && sc.inverseAt(y) == len("/ ")
	}); err != nil {
		return nil, nil, err
	}
	total := fmt.Sprintf(" of %d keys", n)
	var lat []time.Duration
	var counts []string
	for i := range filterQuery {
		prefix := filterQuery[:i+1]
		// The bar, its count and the table come from one View(), so the bar showing the
		// prefix with the text cursor (inverse video) after it means the frame of this
		// keystroke is being drawn; the clock stops at the read that completes it (see
		// keystroke). The cursor tells "f" typed from the placeholder's "f".
		cursorAt := len("/ ") + len(prefix)
		r, err := keystroke(t, filterQuery[i:i+1], "the bar to show "+prefix, func(sc *screen) bool {
			y := barRow(sc)
			if y < 0 {
				return false
			}
			l := sc.line(y)
			return strings.HasPrefix(l, "/ "+prefix) && strings.Contains(l, total) && sc.inverseAt(y) == cursorAt
		})
		if err != nil {
			return nil, nil, err
		}
		lat = append(lat, r.settled)
		counts = append(counts, matchCount(r.screen, total))
	}
	return lat, counts, nil
}

// barRow is the row of the filter bar, or -1.
func barRow(sc *screen) int {
	for y := 0; y < sc.h; y++ {
		if l := sc.line(y); strings.Contains(l, " keys") && strings.Contains(l, " of ") {
			return y
		}
	}
	return -1
}

// matchCount is the K of "K of N keys" in the screen text.
func matchCount(text, total string) string {
	for _, l := range strings.Split(text, "\n") {
		if before, _, ok := strings.Cut(l, total); ok {
			f := strings.Fields(before)
			if len(f) > 0 {
				return f[len(f)-1]
			}
		}
	}
	return "?"
}

// keystrokes starts fzf on the names, waits until it has read all n of them and types
// filterQuery, adding the time of each key to its screen to p.times.
func (p *fzfPeer) keystrokes(names string, n int) error {
	t, _, err := startTermStdin("fzf", p.args, termW, termH, names)
	if err != nil {
		return err
	}
	defer t.stop()
	if _, err := t.waitFor("fzf to read every name", 5*time.Minute, fzfInfo("", n, n)); err != nil {
		return err
	}
	for i := range filterQuery {
		prefix := filterQuery[:i+1]
		// fzf echoes the query at once and draws the list and the counter when the search
		// is done, in one refresh as a rule, but they are separate requests to its renderer:
		// the clock stops at the read after which the whole screen, list included, is what
		// it settles to (see keystroke), not at the counter alone; how far ahead the counter
		// was goes to the notes.
		r, err := keystroke(t, filterQuery[i:i+1], fmt.Sprintf("fzf to show %d/%d for %s", p.counts[i], n, prefix),
			fzfInfo(prefix, p.counts[i], n))
		if err != nil {
			return err
		}
		p.times = append(p.times, r.settled)
		p.ahead = append(p.ahead, r.settled-r.ready)
	}
	return nil
}

// fzfInfo holds when fzf's prompt line (the bottom one, in its default layout) shows query
// and the info line above it the counter found/total, with no spinner: done reading.
func fzfInfo(query string, found, total int) func(*screen) bool {
	want := fmt.Sprintf("%d/%d", found, total)
	return func(sc *screen) bool {
		prompt, info := sc.line(sc.h-1), sc.line(sc.h-2)
		if strings.TrimRight(prompt, " ") != strings.TrimRight("> "+query, " ") {
			return false
		}
		f := strings.Fields(info)
		return len(f) > 0 && f[0] == want
	}
}

// keyResult is what keystroke measured: from the write of the key to the read after which
// ready first held, and to the read after which the screen first showed what it settled to.
type keyResult struct {
	ready, settled time.Duration
	screen         string // the settled screen
}

// keystroke types key once the screen has been quiet for settle (and a random phase), waits until ready holds,
// then until the screen has been quiet for settle again.
func keystroke(t *term, key, what string, ready func(*screen) bool) (keyResult, error) {
	t.quiet(settle, 10*time.Second)
	randomPhase()
	t.trace(true)
	defer t.trace(false)
	t0 := time.Now()
	if err := t.send(key); err != nil {
		return keyResult{}, err
	}
	readyAt, err := t.waitFor(what, 2*time.Minute, ready)
	if err != nil {
		return keyResult{}, err
	}
	t.quiet(settle, 10*time.Second)
	final := t.screenText()
	at, ok := t.firstShowing(final)
	if !ok {
		return keyResult{}, fmt.Errorf("no read showed the settled screen after %q:\n%s", key, final)
	}
	return keyResult{ready: readyAt.Sub(t0), settled: at.Sub(t0), screen: final}, nil
}

// fzfMatchCounts is how many names fzf with args matches for each prefix of filterQuery.
func fzfMatchCounts(names string, args []string) ([]int, error) {
	var counts []int
	for i := range filterQuery {
		f, err := os.Open(names)
		if err != nil {
			return nil, err
		}
		cmd := exec.Command("fzf", append(append([]string{}, args...), "--filter", filterQuery[:i+1])...)
		cmd.Stdin = f
		out, err := cmd.Output()
		f.Close()
		var ee *exec.ExitError
		if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) { // 1: no match
			return nil, fmt.Errorf("fzf --filter: %w", err)
		}
		counts = append(counts, bytes.Count(out, []byte("\n")))
	}
	return counts, nil
}
