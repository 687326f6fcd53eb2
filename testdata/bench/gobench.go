package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// benchResult is one benchmark line: unit → value ("ns/op", "p50-ms", …).
type benchResult map[string]float64

// goBench runs `go test -run ^$ -bench re -benchtime bt pkg` with env added and returns the
// results by benchmark name, the GOMAXPROCS suffix removed. A run that reports no benchmark is
// an error: a benchmark that moved to another package must not drop its figure silently.
func (s *suite) goBench(pkg, re, bt string, env ...string) (map[string]benchResult, error) {
	args := []string{"test", "-run", "^$", "-bench", re, "-benchtime", bt, "-count", "1", "-timeout", "30m", pkg}
	s.record("env", append(append([]string{}, env...), append([]string{"go"}, args...)...)...)
	cmd := exec.Command("go", args...)
	cmd.Dir = s.root
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout = io.MultiWriter(&out, os.Stderr)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
	}
	res := map[string]benchResult{}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		r := benchResult{}
		for i := 2; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				r[f[i+1]] = v
			}
		}
		res[name] = r
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("go %s: no benchmark matched %s in %s", strings.Join(args, " "), re, pkg)
	}
	return res, nil
}

// goBenchmarks takes figures 1 (in process), 2 and 7 from the Go benchmarks.
func (s *suite) goBenchmarks() error {
	frames := map[int]float64{}
	for _, n := range s.o.sizes {
		res, err := s.goBench("./ui/pages/keys", "^BenchmarkKeys(FilterKeystroke|Frame)$", "20x", "PROVKEYS_BENCH_KEYS="+s.stores[n].tsv)
		if err != nil {
			return err
		}
		for name, r := range res {
			switch {
			case strings.HasPrefix(name, "BenchmarkKeysFrame/"):
				frames[n] = r["ns/op"]
				s.add("2", "View(), cursor mid-table, 120×40 ("+strings.TrimPrefix(name, "BenchmarkKeysFrame/")+")", n,
					ms(time.Duration(r["ns/op"])), "", "", "≤ 1 ms, flat in N", ptr(r["ns/op"] <= 1e6))
			case strings.HasPrefix(name, "BenchmarkKeysFilterKeystroke"):
				p50, p99 := time.Duration(r["p50-ns"]), time.Duration(r["p99-ns"])
				target, ok := "", (*bool)(nil)
				switch n {
				case 100_000:
					target, ok = "≤ 2 ms", ptr(p50 > 0 && p50 <= 2*time.Millisecond)
				case 1_000_000:
					target, ok = "≤ 20 ms", ptr(p50 > 0 && p50 <= 20*time.Millisecond)
				}
				s.add("1", "filter keystroke in process (Update only; p50, p99 "+ms(p99)+")", n, ms(p50), "", "", target, ok)
			}
		}
	}
	if lo, hi := frames[s.o.sizes[0]], frames[s.o.sizes[len(s.o.sizes)-1]]; lo > 0 && len(s.o.sizes) > 1 {
		s.notes = append(s.notes, fmt.Sprintf("View() at %s keys costs %.2f× what it costs at %s.",
			count(s.o.sizes[len(s.o.sizes)-1]), hi/lo, count(s.o.sizes[0])))
	}
	// Figure 7 on a copy of the 100,000-key store (or the biggest one up to it), which the
	// edits change.
	sizes := s.sizesUpTo(100_000)
	if len(sizes) == 0 {
		return nil
	}
	n := sizes[len(sizes)-1]
	dir, err := os.MkdirTemp(s.o.dir, "edit-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db := filepath.Join(dir, "provkeys.db")
	for _, suffix := range []string{"", ".key"} {
		b, err := os.ReadFile(s.stores[n].db + suffix)
		if err != nil {
			return err
		}
		if err := os.WriteFile(db+suffix, b, 0o600); err != nil {
			return err
		}
	}
	res, err := s.goBench("./store/sqlite", "^BenchmarkUpdateKey$", "200x", "PROVKEYS_BENCH_DB="+db)
	if err != nil {
		return err
	}
	list, err := s.goBench("./store/sqlite", "^BenchmarkListKeys$", "5x", "PROVKEYS_BENCH_DB="+db)
	if err != nil {
		return err
	}
	for name, r := range list {
		res[name] = r
	}
	for name, r := range res {
		switch {
		case strings.HasPrefix(name, "BenchmarkUpdateKey"):
			s.add("7", "one edit, commit to disk: p50 / p99", n,
				ms(time.Duration(r["p50-ns"]))+" / "+ms(time.Duration(r["p99-ns"])), "", "", "", nil)
		case strings.HasPrefix(name, "BenchmarkListKeys"):
			s.add("–", "ListKeys in process (store)", n, ms(time.Duration(r["ns/op"])), "", "", "", nil)
		}
	}
	for _, n := range s.o.sizes {
		st := s.stores[n]
		what := "provkeys demo --keys N (wall)"
		if st.cached {
			what += ", when the cached store was made"
		}
		s.add("7", what, n, ms(st.demoTime), "", "", "", nil)
	}
	return nil
}
