// Command bench is provkeys' performance suite: `go run ./testdata/bench` from the module
// root. It builds the binary, makes (or reuses) demo stores of 1,000, 100,000 and 1,000,000
// keys, runs the Go benchmarks for the in-process figures and drives the real program
// through a pseudo-terminal (and over SSH) for the whole-process ones, each next to its peer
// (fzf, the sqlite3 CLI) in the same run, prints a table and writes BENCHMARKS.md.
//
// It lives under testdata so that `go test ./...` and `go vet ./...` leave it alone: it needs
// fzf and sqlite3 on the PATH, minutes of time and gigabytes of disk.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// options are the suite's flags.
type options struct {
	sizes    []int
	dir      string // scratch: binary, stores, fixtures
	out      string // BENCHMARKS.md
	runs     int    // repetitions of whole-process timings
	sessions int    // SSH sessions for figure 8
	sshKeys  int    // the largest store size figure 8 runs on (it runs from 100,000 up)
	skipSSH  bool
	fresh    bool   // rebuild the demo stores even when cached
	only     string // comma-separated step names to run (see steps); empty: all
}

func main() {
	if os.Getenv(peakWrapperEnv) == "1" {
		os.Exit(peakWrapper(os.Args[1:]))
	}
	var o options
	sizes := flag.String("sizes", "1000,100000,1000000", "demo store sizes, comma-separated")
	flag.StringVar(&o.dir, "dir", defaultDir(), "scratch directory for the binary, the cached demo stores and fixtures")
	flag.StringVar(&o.out, "out", "BENCHMARKS.md", "where to write the report, relative to the module root (empty: don't)")
	flag.IntVar(&o.runs, "runs", 5, "repetitions of each whole-process timing at up to 100,000 keys")
	flag.IntVar(&o.sessions, "sessions", 20, "SSH sessions for figure 8")
	flag.IntVar(&o.sshKeys, "ssh-keys", 1_000_000, "figure 8 runs on the store sizes from 100,000 up to this")
	flag.BoolVar(&o.skipSSH, "skip-ssh", false, "skip figure 8")
	flag.BoolVar(&o.fresh, "fresh", false, "make the demo stores again even when cached")
	flag.StringVar(&o.only, "only", "", "run only these steps, comma-separated: "+stepIDs())
	flag.Parse()
	for _, f := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			fatalf("bad -sizes %q", *sizes)
		}
		o.sizes = append(o.sizes, n)
	}
	slices.Sort(o.sizes)
	if err := run(context.Background(), o); err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", a...)
	os.Exit(1)
}

// defaultDir is $PROVKEYS_BENCH_DIR, else a directory under the user's cache.
func defaultDir() string {
	if d := os.Getenv("PROVKEYS_BENCH_DIR"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "provkeys-bench")
	}
	return filepath.Join(os.TempDir(), "provkeys-bench")
}

// logf reports progress on stderr with the time since the suite started.
var suiteStart = time.Now()

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "[%5.1fs] %s\n", time.Since(suiteStart).Seconds(), fmt.Sprintf(format, a...))
}

// suite is one run: its options, the binary, the stores and the figures collected.
type suite struct {
	o      options
	root   string // module root
	bin    string
	stores map[int]*demoStore
	rows   []row
	cmds   []string // commands run, for the report
	notes  []string
	ran    []step // the steps taken, for the report
}

// demoStore is one cached demo store.
type demoStore struct {
	n        int
	db       string
	demoTime time.Duration // how long `demo --keys n` took when it was made
	cached   bool
	tsv      string // key fixture for the ui benchmarks
	names    string // one name per line, for fzf
}

func run(ctx context.Context, o options) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return err
	}
	todo, err := selected(o.only)
	if err != nil {
		return err
	}
	for _, tool := range []string{"sqlite3"} { // the stores' fixtures are made with it
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not installed (apt-get install -y %s)", tool, tool)
		}
	}
	for _, st := range todo {
		for _, tool := range st.tools {
			if _, err := exec.LookPath(tool); err != nil {
				return fmt.Errorf("step %s: %s is not installed (apt-get install -y %s)", st.id, tool, tool)
			}
		}
	}
	s := &suite{o: o, root: root, stores: map[int]*demoStore{}}
	// The binary is this run's own: runs from other checkouts share o.dir (its cached stores)
	// and must not replace the program this one measures.
	binDir, err := os.MkdirTemp(o.dir, "bin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(binDir)
	s.bin = filepath.Join(binDir, "provkeys")
	logf("building %s", s.bin)
	if err := s.sh(root, "go", "build", "-o", s.bin, "."); err != nil {
		return err
	}
	for _, n := range o.sizes {
		st, err := s.demoStore(n)
		if err != nil {
			return err
		}
		s.stores[n] = st
	}
	for _, st := range todo {
		logf("== %s", st.title)
		if err := st.run(s); err != nil {
			return fmt.Errorf("%s: %w", st.title, err)
		}
		s.ran = append(s.ran, st)
	}
	table := s.table()
	fmt.Println(table)
	if o.out != "" {
		report := s.report(table)
		out := o.out
		if !filepath.IsAbs(out) {
			out = filepath.Join(root, out)
		}
		if err := os.WriteFile(out, []byte(report), 0o644); err != nil {
			return err
		}
		logf("wrote %s", o.out)
	}
	return nil
}

// moduleRoot is the directory holding provkeys' go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run the suite from inside the provkeys module")
	}
	return filepath.Dir(mod), nil
}

// sh runs a command in dir with its output on stderr, and records it for the report.
func (s *suite) sh(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	s.record(name, args...)
	return cmd.Run()
}

func (s *suite) record(name string, args ...string) {
	line := name
	for _, a := range args {
		if strings.ContainsAny(a, " \t'\"*|<>();") || a == "" {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		line += " " + a
	}
	s.recordLine(line)
}

// recordLine records a command line as written.
func (s *suite) recordLine(line string) {
	line = strings.ReplaceAll(line, s.bin, "$DIR/provkeys")
	line = strings.ReplaceAll(line, s.o.dir, "$DIR")
	line = storeDir.ReplaceAllString(line, "stores/N")
	line = tempDir.ReplaceAllString(line, "$1-*")
	if !slices.Contains(s.cmds, line) {
		s.cmds = append(s.cmds, line)
	}
}

// storeDir and tempDir match the parts of paths that change between runs.
var (
	storeDir = regexp.MustCompile(`stores/[0-9]+-[0-9a-f]+`)
	tempDir  = regexp.MustCompile(`(edit|serve)-[0-9]+`)
)

// schemaHash names the store layout, so cached stores are made again when the migrations
// change.
func (s *suite) schemaHash() string {
	h := sha256.New()
	// The demo stores are SQLite files: their layout is store/sqlite's migrations.
	_ = filepath.WalkDir(filepath.Join(s.root, "store", "sqlite", "migrations"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			h.Write([]byte(d.Name()))
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// demoStore makes the store of n keys with `provkeys demo`, or reuses the cached one.
func (s *suite) demoStore(n int) (*demoStore, error) {
	dir := filepath.Join(s.o.dir, "stores", fmt.Sprintf("%d-%s", n, s.schemaHash()))
	st := &demoStore{n: n, db: filepath.Join(dir, "provkeys.db")}
	stamp := filepath.Join(dir, "demo-seconds")
	s.recordLine(s.bin + " --db $DIR/stores/N/provkeys.db demo --keys N   # once per N, then cached")
	if b, err := os.ReadFile(stamp); err == nil && !s.o.fresh {
		secs, _ := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
		st.demoTime, st.cached = time.Duration(secs*float64(time.Second)), true
		logf("store of %d keys: cached (%s)", n, dir)
	} else {
		if err := os.RemoveAll(dir); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		logf("store of %d keys: provkeys demo --keys %d", n, n)
		cmd := exec.Command(s.bin, "--db", st.db, "demo", "--keys", strconv.Itoa(n))
		cmd.Stderr = os.Stderr
		t0 := time.Now()
		if out, err := cmd.Output(); err != nil {
			return nil, fmt.Errorf("demo --keys %d: %w: %s", n, err, out)
		}
		st.demoTime = time.Since(t0)
		// Fold the WAL into the file so every measurement starts from the same layout.
		if err := exec.Command("sqlite3", st.db, "PRAGMA wal_checkpoint(TRUNCATE);").Run(); err != nil {
			return nil, fmt.Errorf("checkpoint: %w", err)
		}
		logf("store of %d keys: made in %v", n, st.demoTime.Round(time.Millisecond))
		if err := os.WriteFile(stamp, []byte(fmt.Sprintf("%.3f\n", st.demoTime.Seconds())), 0o644); err != nil {
			return nil, err
		}
	}
	st.tsv = filepath.Join(dir, "keys.tsv")
	st.names = filepath.Join(dir, "names.txt")
	for _, f := range []struct{ path, query string }{
		{st.tsv, fixtureQuery},
		{st.names, "SELECT name FROM keys ORDER BY name"},
	} {
		if _, err := os.Stat(f.path); err == nil {
			continue
		}
		out, err := exec.Command("sqlite3", "-batch", "-separator", "\t", st.db, f.query).Output()
		if err != nil {
			return nil, fmt.Errorf("fixture %s: %w", f.path, err)
		}
		if err := os.WriteFile(f.path, out, 0o644); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// fixtureQuery writes the keys as the ui benchmarks read them (see ui/perf_bench_test.go):
// the fields of model.Key, groups as "id:name" joined by '|', times in Unix microseconds.
const fixtureQuery = `SELECT k.id, k.name,
	(SELECT group_concat(g.id || ':' || g.name, '|') FROM key_groups kg JOIN groups g ON g.id = kg.group_id WHERE kg.key_id = k.id),
	k.cert_id, c.name, k.enabled, k.allow_reenroll, k.exportable, k.cloud, k.fingerprint, k.description,
	k.max_usage, k.usage_count, coalesce(k.expires_at, 0), k.created_at, k.created_by, k.updated_at,
	k.updated_by, k.version
	FROM keys k JOIN certs c ON c.id = k.cert_id ORDER BY k.name`

// peerColumns is what the sqlite3 CLI selects as the dashboard's peer: every column the
// table and the filter use (the listing's columns), with the group and certificate names, in
// the dashboard's order (name, which the column's NOCASE index serves).
const peerColumns = `SELECT k.id, k.name,
	(SELECT group_concat(g.name, ', ') FROM key_groups kg JOIN groups g ON g.id = kg.group_id WHERE kg.key_id = k.id) AS groups,
	c.name AS signing_certificate, k.enabled, k.allow_reenroll, k.exportable, k.cloud, k.fingerprint,
	k.description, k.max_usage, k.usage_count, k.expires_at, k.created_at, k.created_by, k.updated_at,
	k.updated_by, k.version
	FROM keys k JOIN certs c ON c.id = k.cert_id ORDER BY k.name`

// peerFirstScreen is the cheapest query a person would write for what the first frame shows:
// the first screenful of rows in name order (through the index, no sort) and the count.
var peerFirstScreen = peerColumns + fmt.Sprintf(" LIMIT %d;\nSELECT count(*) FROM keys;", termH)

// peerScan is the cheapest read of the listing's key columns, for reference: no names of
// groups or certificates, no order.
const peerScan = `SELECT id, name, cert_id, enabled, allow_reenroll, exportable, cloud, fingerprint,
	description, max_usage, usage_count, expires_at, created_at, created_by, updated_at, updated_by,
	version FROM keys`

// peerJSON is the peer of `keys list --json`: the same join, the same fields under the same
// names and the same values where the CLI can make them (status as text, times as RFC 3339
// UTC text, groups made a JSON array by json_group_array, which the CLI then prints as a
// string); booleans stay 0/1, which sqlite3 -json cannot print as true/false.
const peerJSON = `SELECT k.id, k.name,
	(SELECT json_group_array(g.name) FROM key_groups kg JOIN groups g ON g.id = kg.group_id WHERE kg.key_id = k.id) AS groups,
	CASE k.enabled WHEN 1 THEN 'Enabled' ELSE 'Disabled' END AS status, k.enabled,
	c.name AS signing_certificate, k.allow_reenroll AS allow_reenrollment, k.exportable, k.cloud,
	k.fingerprint, k.description, k.max_usage, k.usage_count,
	strftime('%Y-%m-%dT%H:%M:%SZ', k.expires_at / 1000000, 'unixepoch') AS expires_at,
	strftime('%Y-%m-%dT%H:%M:%SZ', k.created_at / 1000000, 'unixepoch') AS created_at, k.created_by,
	strftime('%Y-%m-%dT%H:%M:%SZ', k.updated_at / 1000000, 'unixepoch') AS updated_at, k.updated_by,
	k.version
	FROM keys k JOIN certs c ON c.id = k.cert_id ORDER BY k.name`

// timeCmd runs a command with its output discarded and returns the wall time.
func timeCmd(stdin string, name string, args ...string) (time.Duration, error) {
	cmd := exec.Command(name, args...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if stdin != "" {
		f, err := os.Open(stdin)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		cmd.Stdin = f
	}
	t0 := time.Now()
	err := cmd.Run()
	d := time.Since(t0)
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && name == "fzf" && ee.ExitCode() == 1) { // fzf: 1 = no match
		return 0, fmt.Errorf("%s: %w: %s", name, err, errb.String())
	}
	return d, nil
}

// median of ds (which it sorts).
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// percentile p (0–100) of ds (which it sorts), nearest rank.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(float64(len(ds))*p/100+0.5) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

// sizesUpTo are the sizes at most limit.
func (s *suite) sizesUpTo(limit int) []int {
	var out []int
	for _, n := range s.o.sizes {
		if n <= limit {
			out = append(out, n)
		}
	}
	return out
}

// runsFor is how many times to repeat a whole-process timing at n keys.
func (s *suite) runsFor(n int) int {
	if n >= 1_000_000 {
		return max(1, min(2, s.o.runs))
	}
	return s.o.runs
}

// machine describes where the suite ran.
func machine() []string {
	out := func(name string, args ...string) string {
		b, err := exec.Command(name, args...).Output()
		if err != nil {
			return "?"
		}
		return strings.TrimSpace(string(b))
	}
	cpu := "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				_, cpu, _ = strings.Cut(l, ":")
				cpu = strings.TrimSpace(cpu)
				break
			}
		}
	}
	load := "?"
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	return []string{
		"nproc: " + out("nproc") + " (" + cpu + ")",
		"memory (free -h): " + strings.Join(strings.Fields(strings.Split(out("free", "-h"), "\n")[1])[1:2], "") + " total",
		"kernel: " + out("uname", "-sr"),
		"go: " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		"sqlite3: " + strings.Fields(out("sqlite3", "--version"))[0] + ", fzf: " + strings.Fields(out("fzf", "--version"))[0],
		"load average at the end: " + load,
	}
}
