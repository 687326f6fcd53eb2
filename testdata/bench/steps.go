package main

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// step is one part of the suite: what -only names it, what it needs and how BENCHMARKS.md
// explains its figures. Adding a figure is one method on *suite that measures and calls
// s.add or s.compare, plus one entry in steps.
type step struct {
	id     string   // the name -only takes
	title  string   // for the progress log
	tools  []string // programs it needs on the PATH
	method string   // its part of "How each figure is taken" (Markdown, one item per figure)
	run    func(*suite) error
}

// steps run in this order.
var steps = []step{
	{id: "go", title: "Go benchmarks", method: methodGo, run: (*suite).goBenchmarks},
	{id: "filter", title: "filter keystroke vs fzf, in a pseudo-terminal", tools: []string{"fzf"}, method: methodFilter,
		run: (*suite).filterKeystrokes},
	{id: "dash", title: "dashboard through a pseudo-terminal", tools: []string{"sqlite3"}, method: methodDash,
		run: (*suite).dashboards},
	{id: "json", title: "keys list --json vs sqlite3 -json", tools: []string{"sqlite3"}, method: methodJSON,
		run: (*suite).listJSON},
	{id: "ssh", title: "SSH sessions", method: methodSSH, run: (*suite).ssh},
	{id: "import", title: "keys import vs demo", method: methodImport, run: (*suite).importKeys},
	{id: "postgres", title: "PostgreSQL store against SQLite", method: methodPostgres,
		run: (*suite).postgresStores},
	{id: "enroll", title: "enrollments over HTTPS vs a bare CSR check and sign", method: methodEnroll, run: (*suite).enroll},
	{id: "pgenroll", title: "enrollments on SQLite, PostgreSQL with one replica and with two", method: methodPGEnroll,
		run: (*suite).pgEnroll},
}

// stepIDs are the names -only takes.
func stepIDs() string {
	var ids []string
	for _, st := range steps {
		ids = append(ids, st.id)
	}
	return strings.Join(ids, ", ")
}

// selected are the steps -only asks for (all when it is empty); unknown names are an error.
func selected(only string) ([]step, error) {
	if only == "" {
		return steps, nil
	}
	var out []step
	for _, id := range strings.Split(only, ",") {
		i := slices.IndexFunc(steps, func(st step) bool { return st.id == strings.TrimSpace(id) })
		if i < 0 {
			return nil, fmt.Errorf("-only: no step %q (steps: %s)", id, stepIDs())
		}
		out = append(out, steps[i])
	}
	// Keep the suite's order whatever the order of -only.
	slices.SortStableFunc(out, func(a, b step) int {
		return slices.IndexFunc(steps, func(st step) bool { return st.id == a.id }) -
			slices.IndexFunc(steps, func(st step) bool { return st.id == b.id })
	})
	return out, nil
}

// comparison is a figure taken next to its peer in the same run, doing the same work; the
// target, if any, is on the ratio ours / peer. ours and peer are in the same unit, lower
// better (a time, or a time per operation for a rate); set higherIsBetter for rates given as
// rates, and then the target is a lowest ratio.
type comparison struct {
	fig, what          string
	n                  int // keys; 0 when the figure is not about a store size
	ours, peer         float64
	oursText, peerText string // how each reads in the table ("276 µs", "1,840 /s")
	peerName           string // what the peer is, as in "How each figure is taken"
	higherIsBetter     bool
	maxRatio           float64 // the target: ours ≤ maxRatio × peer (≥ when higherIsBetter); 0: reported only
	// also is a further target next to the ratio ("≤ 1.5 s"), met when alsoMet.
	also    string
	alsoMet bool
}

// compare adds c to the table.
func (s *suite) compare(c comparison) {
	r := "–"
	if c.peer > 0 {
		r = ratioText(c.ours / c.peer)
	}
	var targets []string
	met := true
	if c.maxRatio > 0 {
		if c.higherIsBetter {
			targets = append(targets, fmt.Sprintf("ratio ≥ %g", c.maxRatio))
			met = c.peer > 0 && c.ours >= c.maxRatio*c.peer
		} else {
			targets = append(targets, fmt.Sprintf("ratio ≤ %g", c.maxRatio))
			met = c.peer > 0 && c.ours <= c.maxRatio*c.peer
		}
	}
	if c.also != "" {
		targets = append(targets, c.also)
		met = met && c.alsoMet
	}
	var ok *bool
	if len(targets) > 0 {
		ok = ptr(met)
	}
	s.add(c.fig, c.what, c.n, c.oursText, c.peerName+": "+c.peerText, r, strings.Join(targets, ", "), ok)
}

// alternate times ours and then peer, runs times over, so that load from elsewhere hits both
// alike; it returns every time of each. Whole-process comparisons (keys list --json against
// sqlite3 -json, keys import against demo, …) are one call.
func alternate(runs int, ours, peer func() (time.Duration, error)) (o, p []time.Duration, err error) {
	for range runs {
		d, err := ours()
		if err != nil {
			return nil, nil, err
		}
		o = append(o, d)
		if d, err = peer(); err != nil {
			return nil, nil, err
		}
		p = append(p, d)
	}
	return o, p, nil
}
