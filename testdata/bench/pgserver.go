package main

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

	"github.com/jackc/pgx/v5"
)

// pgServer is the suite's own private PostgreSQL: initdb into a temporary directory, pg_ctl
// start on a Unix socket only (no TCP port), stopped and removed at the end of the step. It
// follows store/postgres/pgtest, written again here as plain code because that package is
// built around *testing.M. Unlike the tests' server it keeps fsync on: its commits are
// measured against SQLite's, which syncs every commit (synchronous FULL). See pgSettings.
type pgServer struct {
	dir, dataDir, sockDir, logFile string
	bin                            string   // the directory of initdb and pg_ctl
	asUser                         []string // the command prefix that runs them as their owner
}

// pgSettings tune the server as an operator would for this load, the same for every figure,
// and keep every commit durable: fsync, synchronous_commit and full_page_writes stay on as
// installed. Enough shared buffers for the 100,000-key store's tables and indexes, and
// checkpoints spaced so none falls in the middle of a measurement; room for the replicas'
// pools (10 connections each, and a listener).
const pgSettings = "-c shared_buffers=256MB -c wal_buffers=16MB -c max_wal_size=4GB -c checkpoint_timeout=30min -c max_connections=200"

// pgBinDir finds the directory of initdb and pg_ctl: the PATH first, then Debian's layout.
func pgBinDir() (string, error) {
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
	return "", errors.New("initdb and pg_ctl are not on the PATH nor in /usr/lib/postgresql/*/bin (apt-get install -y postgresql)")
}

// startPG initialises and starts a server. As root the server runs as the postgres system
// user (initdb refuses root), so the temporary directory is 0711 for it to traverse.
func startPG() (*pgServer, error) {
	bin, err := pgBinDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "provkeys-bench-pg-")
	if err != nil {
		return nil, err
	}
	s := &pgServer{dir: dir, dataDir: filepath.Join(dir, "data"), sockDir: filepath.Join(dir, "sock"),
		logFile: filepath.Join(dir, "log", "postgres.log"), bin: bin}
	fail := func(err error) (*pgServer, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	for _, d := range []string{s.sockDir, filepath.Dir(s.logFile)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fail(err)
		}
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fail(fmt.Errorf("running as root needs the postgres system user to run the server: %w", err))
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chmod(dir, 0o711); err != nil {
			return fail(err)
		}
		if err := os.Mkdir(s.dataDir, 0o700); err != nil {
			return fail(err)
		}
		for _, d := range []string{s.sockDir, filepath.Dir(s.logFile), s.dataDir} {
			if err := os.Chown(d, uid, gid); err != nil {
				return fail(err)
			}
		}
		s.asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	if out, err := s.run("initdb", "-D", s.dataDir, "-A", "trust", "-U", "provkeys", "-E", "UTF8"); err != nil {
		return fail(fmt.Errorf("initdb: %v\n%s", err, out))
	}
	// Only this machine's users reach the socket, in a directory no one else can list.
	if err := os.WriteFile(filepath.Join(s.dataDir, "pg_hba.conf"), []byte("local all all trust\n"), 0o600); err != nil {
		return fail(err)
	}
	out, err := s.run("pg_ctl", "-D", s.dataDir, "-o", "-k "+s.sockDir+" -c listen_addresses='' "+pgSettings,
		"-l", s.logFile, "-w", "-t", "60", "start")
	if err != nil {
		log, _ := os.ReadFile(s.logFile)
		return fail(fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, lastLines(string(log), 20)))
	}
	return s, nil
}

// url is the connection URL of database db on this server.
func (s *pgServer) url(db string) string {
	return "postgres:///" + db + "?host=" + s.sockDir + "&user=provkeys"
}

// createDB creates database name, from the maintenance database.
func (s *pgServer) createDB(ctx context.Context, name string) error {
	c, err := pgx.Connect(ctx, s.url("postgres"))
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// pid is the postmaster's process id (0 if unknown): the first line of postmaster.pid.
func (s *pgServer) pid() int {
	b, err := os.ReadFile(filepath.Join(s.dataDir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	n, _ := strconv.Atoi(strings.TrimSpace(line))
	return n
}

// stop stops the server (fast mode) and removes its directory.
func (s *pgServer) stop() error {
	out, err := s.run("pg_ctl", "-D", s.dataDir, "-m", "fast", "-w", "stop")
	os.RemoveAll(s.dir)
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %v\n%s", err, out)
	}
	return nil
}

func (s *pgServer) run(name string, args ...string) ([]byte, error) {
	argv := append(append([]string(nil), s.asUser...), filepath.Join(s.bin, name))
	argv = append(argv, args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

func lastLines(s string, n int) string {
	if lines := strings.Split(s, "\n"); len(lines) > n {
		s = strings.Join(lines[len(lines)-n:], "\n")
	}
	return s
}
