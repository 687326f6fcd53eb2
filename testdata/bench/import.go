package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
func runRSS(name string, args ...string) (time.Duration, int64, error) {
	cmd := exec.Command(name, args...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	t0 := time.Now()
	err := cmd.Run()
	d := time.Since(t0)
	if err != nil {
		return 0, 0, fmt.Errorf("%s %v: %w: %s", name, args, err, errb.String())
	}
	var peak int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		peak = ru.Maxrss * 1024 // kilobytes on Linux
	}
	return d, peak, nil
}

func slicesMax(v []int64) int64 {
	var m int64
	for _, x := range v {
		m = max(m, x)
	}
	return m
}
