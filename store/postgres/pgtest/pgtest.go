// Package pgtest starts a private PostgreSQL server for a test package: initdb into a
// temporary directory, pg_ctl start on a Unix socket only (no TCP port to collide with), a
// fresh database per test, and pg_ctl stop when the package's tests end. No Docker and no
// download: it uses the server binaries installed on the machine (REFERENCE.md, "PostgreSQL
// on these machines").
//
// A test package calls Main from its TestMain and DB from each test. Without the binaries
// the tests skip, unless PROVKEYS_REQUIRE_E2E=1 (as CI sets it), which makes them fail.
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Server is one running private PostgreSQL.
type Server struct {
	// Dir is the temporary directory holding the data directory, the socket and the log.
	Dir      string
	DataDir  string
	SockDir  string
	LogFile  string
	bin      string
	asUser   []string // the command prefix that runs a server binary as its owner
	settings string   // the server's own -c options (StartWith)
	mu       sync.Mutex
}

var (
	startOnce sync.Once
	current   *Server
	startErr  error
	dbSeq     atomic.Int64
)

// Main runs the package's tests and stops the server if one of them started it; call it from
// TestMain as os.Exit(pgtest.Main(m)). The server starts on first use (Current), so a run
// that needs none — a -run that selects no PostgreSQL test, a fuzz worker — pays nothing.
func Main(m *testing.M) int {
	code := m.Run()
	if current != nil {
		if err := current.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
		}
	}
	return code
}

// Required reports whether a missing PostgreSQL must fail the tests instead of skipping them.
func Required() bool { return os.Getenv("PROVKEYS_REQUIRE_E2E") == "1" }

// Current is the package's server; it skips (or fails, see Required) when none could start.
func Current(t testing.TB) *Server {
	t.Helper()
	startOnce.Do(func() { current, startErr = Start() })
	if current == nil {
		if startErr == nil {
			startErr = errors.New("pgtest.Main was not called from TestMain")
		}
		if Required() {
			t.Fatalf("PostgreSQL is required (PROVKEYS_REQUIRE_E2E=1): %v", startErr)
		}
		t.Skipf("no PostgreSQL: %v", startErr)
	}
	return current
}

// DB creates a fresh database for t and returns its URL; the database is dropped when t ends.
func DB(t testing.TB) string {
	t.Helper()
	s := Current(t)
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = s.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return s.URL(name)
}

// URL is the connection URL of database db on this server.
func (s *Server) URL(db string) string {
	return "postgres:///" + db + "?host=" + s.SockDir + "&user=provkeys"
}

// Exec runs one statement on the maintenance database.
func (s *Server) Exec(ctx context.Context, sql string) error {
	c, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, sql)
	return err
}

// findBin finds the directory of initdb and pg_ctl: the PATH first, then Debian's layout.
func findBin() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if _, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- { // the newest version sorts last
		if _, err := os.Stat(filepath.Join(dirs[i], "pg_ctl")); err == nil {
			return dirs[i], nil
		}
	}
	return "", errors.New("initdb and pg_ctl are not on the PATH nor in /usr/lib/postgresql/*/bin (apt-get install postgresql)")
}

// Start runs initdb and starts a server for tests on a Unix socket in a new temporary
// directory, with fsync off: a test's commits need not outlive the machine.
func Start() (*Server, error) { return StartWith("-c fsync=off") }

// StartWith is Start with the server's -c options given, such as the benchmark suite's tuned
// and durable configuration. As root (CI), the server runs as the postgres system user:
// initdb refuses root.
func StartWith(settings string) (*Server, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "provkeys-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, DataDir: filepath.Join(dir, "data"), SockDir: filepath.Join(dir, "sock"),
		LogFile: filepath.Join(dir, "log", "postgres.log"), bin: bin, settings: settings}
	for _, d := range []string{s.SockDir, filepath.Dir(s.LogFile)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root needs the postgres system user to run the server: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		// The server's user must traverse the temporary directory and own what it writes.
		if err := os.Chmod(dir, 0o711); err != nil {
			return nil, err
		}
		for _, d := range []string{s.SockDir, filepath.Dir(s.LogFile)} {
			if err := os.Chown(d, uid, gid); err != nil {
				return nil, err
			}
		}
		if err := os.Mkdir(s.DataDir, 0o700); err != nil {
			return nil, err
		}
		if err := os.Chown(s.DataDir, uid, gid); err != nil {
			return nil, err
		}
		s.asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	if out, err := s.run("initdb", "-D", s.DataDir, "-A", "trust", "-U", "provkeys", "-E", "UTF8", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	// One role logs in with a password, so tests can check what a wrong one gives; every
	// other role is trusted on the socket (only this machine's users reach it, in a 0711
	// directory no one else can list).
	hba := "local all " + PasswordRole + " scram-sha-256\nlocal all all trust\n"
	if err := os.WriteFile(filepath.Join(s.DataDir, "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := s.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// PasswordRole is the role the server asks a password of (scram-sha-256); a test creates it
// with CREATE ROLE ... LOGIN PASSWORD '...'.
const PasswordRole = "pwtest"

func (s *Server) run(name string, args ...string) ([]byte, error) {
	argv := append(append([]string(nil), s.asUser...), filepath.Join(s.bin, name))
	argv = append(argv, args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

// Start starts the (initialised) server and waits until it accepts connections.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, err := s.run("pg_ctl", "-D", s.DataDir, "-o", "-k "+s.SockDir+" -c listen_addresses='' "+s.settings,
		"-l", s.LogFile, "-w", "-t", "60", "start")
	if err != nil {
		log, _ := os.ReadFile(s.LogFile)
		return fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, tail(log))
	}
	return nil
}

// Stop stops the server (fast mode: open sessions are ended) and removes its directory.
func (s *Server) Stop() error {
	err := s.Halt()
	os.RemoveAll(s.Dir)
	return err
}

// Halt stops the server and keeps its data, for Start again: a database restart.
func (s *Server) Halt() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if out, err := s.run("pg_ctl", "-D", s.DataDir, "-m", "fast", "-w", "stop"); err != nil {
		return fmt.Errorf("pg_ctl stop: %v\n%s", err, out)
	}
	return nil
}

// PID is the postmaster's process id (0 if unknown): the first line of postmaster.pid.
func (s *Server) PID() int {
	b, err := os.ReadFile(filepath.Join(s.DataDir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	n, _ := strconv.Atoi(strings.TrimSpace(line))
	return n
}

// Bin is the path of a PostgreSQL client or server program beside pg_ctl, or on the PATH.
func (s *Server) Bin(name string) string {
	if p := filepath.Join(s.bin, name); fileExists(p) {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return name
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func tail(b []byte) string {
	s := string(b)
	if lines := strings.Split(s, "\n"); len(lines) > 20 {
		s = strings.Join(lines[len(lines)-20:], "\n")
	}
	return s
}
