package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"provkeys/keyformat"
)

// importKeys is figure 9: `keys import` of an N-line file into a fresh store against `demo
// --keys N` into a fresh store, alternated in the same run: both write N keys in one process
// (import also parses and checks every line and writes one audit row per key; demo generates
// its keys and writes one audit row per batch). Peak resident memory of the import is its
// own figure.
func (s *suite) importKeys() error {
	for _, n := range s.sizesUpTo(1_000_000) {
		if n < 100_000 {
			continue
		}
		file, err := s.importFile(n)
		if err != nil {
			return err
		}
		var rss []int64
		fresh := func() (string, error) {
			dir, err := os.MkdirTemp(s.o.dir, "import-")
			return filepath.Join(dir, "provkeys.db"), err
		}
		ours, peers, err := alternate(s.runsFor(n)/2+1,
			func() (time.Duration, error) {
				db, err := fresh()
				if err != nil {
					return 0, err
				}
				defer os.RemoveAll(filepath.Dir(db))
				if _, _, err := runRSS(s.bin, "--db", db, "groups", "add", "--name", "Servers"); err != nil {
					return 0, err
				}
				d, peak, err := runRSS(s.bin, "--db", db, "keys", "import", file, "--group", "Servers")
				rss = append(rss, peak)
				return d, err
			},
			func() (time.Duration, error) {
				db, err := fresh()
				if err != nil {
					return 0, err
				}
				defer os.RemoveAll(filepath.Dir(db))
				d, _, err := runRSS(s.bin, "--db", db, "demo", "--keys", fmt.Sprint(n))
				return d, err
			})
		if err != nil {
			return err
		}
		o, p := median(ours), median(peers)
		s.compare(comparison{fig: "9", what: "keys import of N lines (median, fresh store)", n: n,
			ours: float64(o), oursText: ms(o), peer: float64(p), peerText: ms(p),
			peerName: "provkeys demo --keys N, fresh store", maxRatio: 1.5})
		peak := slicesMax(rss)
		s.add("9", "keys import of N lines: peak resident memory", n, mib(peak), "", "", "≤ 150 MB", ptr(peak <= 150e6))
		logf("import %d: %v, peak %s (demo %v)", n, o, mib(peak), p)
	}
	s.record(s.bin, "--db", "$FRESH/provkeys.db", "keys", "import", "$DIR/stores/import-N.tsv", "--group", "Servers")
	s.record(s.bin, "--db", "$FRESH/provkeys.db", "demo", "--keys", "N")
	return nil
}

// importFile is an import file of n "name<TAB>key" lines of fresh keys, made once and cached.
func (s *suite) importFile(n int) (string, error) {
	path := filepath.Join(s.o.dir, "stores", fmt.Sprintf("import-%d.tsv", n))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "import-*.tsv")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	w := bufio.NewWriter(f)
	for i := range n {
		k, err := keyformat.Generate("")
		if err != nil {
			return "", err
		}
		fmt.Fprintf(w, "imported-%07d\t%s\n", i+1, k)
	}
	if err := w.Flush(); err != nil {
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return path, os.Rename(f.Name(), path)
}

// runRSS runs a command to the end and returns its wall time and peak resident memory.
//
// The peak is taken by a fresh copy of this program (peakWrapper) that starts the command and
// reads its ru_maxrss, not by the suite itself: Go starts a child with vfork (CLONE_VM), and
// Linux folds the high-water mark of the memory the child shared until its exec, the
// suite's own, into the child's ru_maxrss. Measured: /bin/true started by a process holding
// 400 MB reports 403 MB. The wrapper holds a few MB, below any figure worth taking.
func runRSS(name string, args ...string) (time.Duration, int64, error) {
	self, err := os.Executable()
	if err != nil {
		return 0, 0, err
	}
	cmd := exec.Command(self, append([]string{name}, args...)...)
	cmd.Env = append(os.Environ(), peakWrapperEnv+"=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return 0, 0, fmt.Errorf("%s %v: %w: %s", name, args, err, errb.String())
	}
	var ns, peak int64
	if _, err := fmt.Sscan(out.String(), &ns, &peak); err != nil {
		return 0, 0, fmt.Errorf("%s %v: the wrapper said %q: %w", name, args, out.String(), err)
	}
	return time.Duration(ns), peak, nil
}

// peakWrapperEnv set to 1 makes this program peakWrapper instead of the suite.
const peakWrapperEnv = "PROVKEYS_BENCH_PEAK_OF"

// peakWrapper runs the command its arguments name (its output discarded, its errors passed
// on) and prints its wall time in nanoseconds and its peak resident memory in bytes.
func peakWrapper(argv []string) int {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, peakWrapperEnv+"=") })
	cmd.Stderr = os.Stderr
	t0 := time.Now()
	err := cmd.Run()
	d := time.Since(t0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var peak int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		peak = ru.Maxrss * 1024 // kilobytes on Linux
	}
	fmt.Println(d.Nanoseconds(), peak)
	return 0
}

func slicesMax(v []int64) int64 {
	var m int64
	for _, x := range v {
		m = max(m, x)
	}
	return m
}
