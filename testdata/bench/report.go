package main

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// row is one line of the results table.
type row struct {
	fig, what string
	n         int
	ours      string
	peer      string // the peer and its figure, or ""
	ratio     string
	target    string
	verdict   string // "met", "MISSED" or "" (reported only)
}

// add appends a row; ok is nil when the figure has no target.
func (s *suite) add(fig, what string, n int, ours, peer, ratio, target string, ok *bool) {
	v := ""
	if ok != nil {
		v = "met"
		if !*ok {
			v = "MISSED"
		}
	}
	s.rows = append(s.rows, row{fig, what, n, ours, peer, ratio, target, v})
}

func ptr(b bool) *bool { return &b }

func ms(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.0f µs", float64(d)/1e3)
}

func mib(b int64) string { return fmt.Sprintf("%.0f MB", float64(b)/1e6) }

func ratio(a, b time.Duration) string {
	if b <= 0 {
		return "–"
	}
	if r := float64(a) / float64(b); r < 0.1 {
		return fmt.Sprintf("%.3f", r)
	}
	return fmt.Sprintf("%.2f", float64(a)/float64(b))
}

func count(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	case n == 0:
		return "–"
	}
	return fmt.Sprint(n)
}

// table is the results as a Markdown table.
func (s *suite) table() string {
	var b strings.Builder
	b.WriteString("| # | figure | keys | provkeys | peer (same run) | ratio | target | |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	rows := slices.Clone(s.rows)
	slices.SortStableFunc(rows, func(a, b row) int {
		return cmp.Or(cmp.Compare(figOrder(a.fig), figOrder(b.fig)), cmp.Compare(a.n, b.n))
	})
	for _, r := range rows {
		peer, rt := r.peer, r.ratio
		if peer == "" {
			peer = "–"
		}
		if rt == "" {
			rt = "–"
		}
		t := r.target
		if t == "" {
			t = "reported"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", r.fig, r.what, count(r.n), r.ours, peer, rt, t, r.verdict)
	}
	return b.String()
}

// figOrder sorts figures by number, unnumbered ones last.
func figOrder(fig string) int {
	if n, err := strconv.Atoi(fig); err == nil {
		return n
	}
	return 99
}

// report is BENCHMARKS.md.
func (s *suite) report(table string) string {
	var b strings.Builder
	b.WriteString("# provkeys benchmarks\n\n")
	b.WriteString("Written by `go run ./testdata/bench` (see README.md, \"Performance\"); do not edit by hand.\n")
	b.WriteString("Every peer was measured in the same run as the figure it is compared with.\n\n")
	fmt.Fprintf(&b, "Date: %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	b.WriteString("## Machine\n\n")
	for _, l := range machine() {
		b.WriteString("- " + l + "\n")
	}
	b.WriteString("\n## Results\n\n")
	b.WriteString(table)
	if len(s.notes) > 0 {
		b.WriteString("\n## Notes\n\n")
		for _, n := range s.notes {
			b.WriteString("- " + n + "\n")
		}
	}
	b.WriteString("\n## How each figure is taken\n\n")
	b.WriteString(methods)
	b.WriteString("\n## Commands\n\n```\n")
	for _, c := range s.cmds {
		b.WriteString(c + "\n")
	}
	b.WriteString("```\n")
	return b.String()
}

const methods = `1. **Filter keystroke**: ` + "`BenchmarkKeysFilterKeystroke`" + ` (ui) loads the demo store's keys
   (a fixture exported with sqlite3), opens the filter bar and types a query one key at a time,
   then deletes it again, through the page's Update; the figure is the median keystroke. The
   peer runs ` + "`fzf --filter Q`" + ` (fuzzy, Debian's fzf) on the same names for every prefix Q of
   the same query; its time is a whole process that also reads the names.
2. **Frame**: ` + "`BenchmarkKeysFrame`" + ` (ui) renders the whole dashboard (` + "`View()`" + `) at
   120×40 with the cursor in the middle of the table.
3. **Start to first full frame**: the binary is started in a 120×40 pseudo-terminal; the clock
   stops at the read that completes the first frame showing "N of N keys", the table and the
   footer (a small terminal emulator follows the renderer's output). The dashboard draws its
   first screen from the first keys in name order while the rest loads ("loading…" in the
   bar); "every key loaded" stops the clock when that marker goes. The peer is the sqlite3
   CLI selecting the same columns (names of groups and certificate included, in name order)
   from the same file, output to /dev/null. Medians.
4. **Resident memory**: VmRSS of the dashboard process two seconds after every key loaded
   (anonymous and file-backed parts in the notes).
5. **Bytes written**: everything the program writes to the terminal for one key, from the key
   until 300 ms of silence.
6. **keys list --json**: whole process, output to /dev/null, against ` + "`sqlite3 -json`" + `
   selecting the same fields. Medians.
7. **Edit commit**: ` + "`BenchmarkUpdateKey`" + ` (store) on a copy of the 100,000-key store: read a key,
   save it back at its version, commit (WAL, synchronous FULL). The demo time is the wall time
   of ` + "`provkeys demo --keys N`" + ` when the cached store was made.
8. **SSH**: ` + "`provkeys serve`" + ` on the 100,000-key store; sessions connect one after another
   (x/crypto/ssh, PTY 120×40) and the server's VmRSS is read after each first frame; then every
   session presses j repeatedly, all at once, and each press is timed until its screen shows the
   cursor on the next row.
`
