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

// mib is b in MB, with a decimal below 10 MB, where the targets are ("≤ 5 MB").
func mib(b int64) string {
	if b < 10e6 {
		return fmt.Sprintf("%.1f MB", float64(b)/1e6)
	}
	return fmt.Sprintf("%.0f MB", float64(b)/1e6)
}

func ratio(a, b time.Duration) string {
	if b <= 0 {
		return "–"
	}
	return ratioText(float64(a) / float64(b))
}

func ratioText(r float64) string {
	if r < 0.1 {
		return fmt.Sprintf("%.3f", r)
	}
	return fmt.Sprintf("%.2f", r)
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
	b.WriteString(methodsByFigure(s.ran))
	b.WriteString("\n## Commands\n\n```\n")
	for _, c := range s.cmds {
		b.WriteString(c + "\n")
	}
	b.WriteString("```\n")
	return b.String()
}

// methodsByFigure joins the steps' parts of "How each figure is taken", its items ordered by
// figure number (a step may explain figures far apart, as "go" does 1, 2 and 7).
func methodsByFigure(ran []step) string {
	var items []string
	for _, st := range ran {
		for _, item := range strings.SplitAfter(st.method, "\n- ") {
			item = strings.TrimSuffix(strings.TrimPrefix(item, "- "), "- ")
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, "- "+item+"\n")
			}
		}
	}
	slices.SortStableFunc(items, func(a, b string) int { return cmp.Compare(methodFigure(a), methodFigure(b)) })
	return strings.Join(items, "")
}

// methodFigure is the number of the figure an item explains ("- **3. …"), 99 when none.
func methodFigure(item string) int {
	num, _, _ := strings.Cut(strings.TrimPrefix(item, "- **"), ".")
	return figOrder(num)
}
