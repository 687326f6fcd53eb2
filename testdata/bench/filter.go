package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// filterQuery is typed one key at a time in figure 1.
const filterQuery = "fra-db"

// filterRounds is how many fresh processes of each program type the query at each size.
const filterRounds = 5

// settle is how long a screen must stay unchanged to count as the answer to a keystroke.
const settle = 300 * time.Millisecond

// filterKeystrokes is figure 1 as a person sees it: a keystroke in provkeys's filter bar to
// the screen showing its result, against the same keystroke in fzf running interactively on
// the same names, both in a termW×termH pseudo-terminal driven by the same code.
func (s *suite) filterKeystrokes() error {
	for _, n := range s.o.sizes {
		if n < 100_000 && len(s.o.sizes) > 1 {
			continue
		}
		st := s.stores[n]
		fzfCounts, err := fzfMatchCounts(st.names)
		if err != nil {
			return err
		}
		var ours, peers []time.Duration
		var ourCounts []string
		for range filterRounds {
			// Alternate the two so that load from elsewhere hits them alike.
			d, counts, err := s.provkeysKeystrokes(st.db, n)
			if err != nil {
				return err
			}
			ours, ourCounts = append(ours, d...), counts
			if d, err = fzfKeystrokes(st.names, n, fzfCounts); err != nil {
				return err
			}
			peers = append(peers, d...)
		}
		var target float64
		if n == 100_000 || n == 1_000_000 {
			target = 0.5
		}
		peerName := "fzf, interactive in the same pty"
		for _, p := range []float64{50, 99} {
			o, f := percentile(ours, p), percentile(peers, p)
			s.compare(comparison{fig: "1", n: n, ours: float64(o), peer: float64(f), oursText: ms(o), peerText: ms(f),
				what:     fmt.Sprintf("filter keystroke to screen, pty (p%.0f of %d)", p, len(ours)),
				peerName: peerName, maxRatio: target})
		}
		var per []string
		for i := range filterQuery {
			per = append(per, fmt.Sprintf("%q %s / %d", filterQuery[:i+1], ourCounts[i], fzfCounts[i]))
		}
		s.notes = append(s.notes, fmt.Sprintf("Filter at %s keys, matches per prefix (provkeys, which also searches groups, "+
			"certificate and description / fzf, names only): %s.", count(n), strings.Join(per, ", ")))
		logf("filter %d: p50 %v p99 %v (fzf p50 %v p99 %v)", n, percentile(ours, 50), percentile(ours, 99),
			percentile(peers, 50), percentile(peers, 99))
	}
	s.recordLine(s.bin + " --db $DIR/stores/N/provkeys.db   # in a 120x40 pseudo-terminal; / then each key of " + filterQuery)
	s.recordLine("fzf < $DIR/stores/N/names.txt   # in a 120x40 pseudo-terminal; each key of " + filterQuery)
	s.recordLine("fzf --filter Q < $DIR/stores/N/names.txt | wc -l   # Q: each prefix of " + filterQuery + "; the counts fzf must show")
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
		d, final, err := keystroke(t, filterQuery[i:i+1], "the bar to show "+prefix, func(sc *screen) bool {
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
		lat = append(lat, d)
		counts = append(counts, matchCount(final, total))
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

// fzfKeystrokes starts fzf on the names, waits until it has read all n of them and types
// filterQuery; it returns the time of each key to its screen. counts are the numbers of
// matches fzf --filter finds for each prefix: the info line must show them.
func fzfKeystrokes(names string, n int, counts []int) ([]time.Duration, error) {
	t, _, err := startTermStdin("fzf", nil, termW, termH, names)
	if err != nil {
		return nil, err
	}
	defer t.stop()
	if _, err := t.waitFor("fzf to read every name", 5*time.Minute, fzfInfo("", n, n)); err != nil {
		return nil, err
	}
	var lat []time.Duration
	for i := range filterQuery {
		prefix := filterQuery[:i+1]
		// fzf echoes the query at once and draws the list and the counter when the search
		// is done, in one refresh as a rule, but they are separate requests to its renderer:
		// the clock stops at the read after which the whole screen, list included, is what
		// it settles to (see keystroke), not at the counter alone.
		d, _, err := keystroke(t, filterQuery[i:i+1], fmt.Sprintf("fzf to show %d/%d for %s", counts[i], n, prefix),
			fzfInfo(prefix, counts[i], n))
		if err != nil {
			return nil, err
		}
		lat = append(lat, d)
	}
	return lat, nil
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

// keystroke types key once the screen has been quiet for settle, waits until ready holds,
// then until the screen has been quiet for settle again; the time is from the write to the
// first read after which the screen showed what it settled to. It returns that time and the
// settled screen.
func keystroke(t *term, key, what string, ready func(*screen) bool) (time.Duration, string, error) {
	t.quiet(settle, 10*time.Second)
	t.trace(true)
	defer t.trace(false)
	t0 := time.Now()
	if err := t.send(key); err != nil {
		return 0, "", err
	}
	if _, err := t.waitFor(what, 2*time.Minute, ready); err != nil {
		return 0, "", err
	}
	t.quiet(settle, 10*time.Second)
	final := t.screenText()
	at, ok := t.firstShowing(final)
	if !ok {
		t.mu.Lock()
		nf := len(t.frames)
		last := ""
		if nf > 0 {
			last = t.frames[nf-1].text
		}
		t.mu.Unlock()
		return 0, "", fmt.Errorf("no read of %d showed the settled screen after %q:\n%s\n---- last read:\n%s", nf, key, final, last)
	}
	return at.Sub(t0), final, nil
}

// fzfMatchCounts is how many names fzf matches for each prefix of filterQuery.
func fzfMatchCounts(names string) ([]int, error) {
	var counts []int
	for i := range filterQuery {
		f, err := os.Open(names)
		if err != nil {
			return nil, err
		}
		cmd := exec.Command("fzf", "--filter", filterQuery[:i+1])
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
