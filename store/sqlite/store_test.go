package sqlite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"provkeys/internal/testenv"
	"provkeys/store/internal/migrations"
)

func TestOpenCreatesDirectoryAndFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := filepath.Join(dir, "provkeys.db")
	s, err := openAt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustKey(t, s.as(admin), keyInput("web-01")) // a write, so -wal and -shm exist
	want := map[string]os.FileMode{dir: 0o700, path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600, path + ".key": 0o600}
	for p, mode := range want {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if got := fi.Mode().Perm(); got != mode {
			t.Errorf("%s: mode %v, want %v", p, got, mode)
		}
	}
	if s.DataKeyPath() != path+".key" {
		t.Errorf("DataKeyPath = %q", s.DataKeyPath())
	}
}

func TestOpenLoosePermissionsTightened(t *testing.T) {
	s := openTestStore(t)
	path := s.Path()
	s.Close()
	for _, p := range []string{path, path + ".key"} {
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s2, err := openAt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	for _, p := range []string{path, path + ".key"} {
		if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", p, fi.Mode().Perm())
		}
	}
}

func TestPathWithURLCharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "odd dir", "a?b#c%d&e.db")
	s, err := openAt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustKey(t, s.as(admin), keyInput("web-01"))
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the store is not at the exact path: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "a?b#c%d&e.db") {
			t.Errorf("stray file %q beside the store", e.Name())
		}
	}
	var timeout int
	if err := s.db.QueryRow("PRAGMA busy_timeout").Scan(&timeout); err != nil || timeout != 5000 {
		t.Errorf("busy_timeout = %d, %v; the DSN lost its pragmas", timeout, err)
	}
}

// snapshot describes a store's schema and contents, to prove an open changed nothing.
func snapshot(t *testing.T, s *Store) string {
	t.Helper()
	db := rawDB(t, s)
	var b strings.Builder
	var uv int
	db.QueryRow("PRAGMA user_version").Scan(&uv)
	fmt.Fprintf(&b, "user_version=%d\n", uv)
	rows, err := db.Query("SELECT type, name, coalesce(sql, '') FROM sqlite_master ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var typ, name, sql string
		rows.Scan(&typ, &name, &sql)
		b.WriteString(typ + " " + name + " " + sql + "\n")
		if typ == "table" {
			tables = append(tables, name)
		}
	}
	for _, tb := range tables {
		fmt.Fprintf(&b, "%s: %d\n", tb, count(t, db, "SELECT count(*) FROM \""+tb+"\""))
	}
	return b.String()
}

func TestReopenIsIdempotent(t *testing.T) {
	s := openTestStore(t)
	mustKey(t, s.as(admin), keyInput("web-01"))
	before := snapshot(t, s)
	if !strings.Contains(before, fmt.Sprintf("user_version=%d\n", SchemaVersion())) {
		t.Fatalf("user_version not %d:\n%s", SchemaVersion(), before)
	}
	for i := 0; i < 2; i++ {
		s2, err := openAt(s.Path())
		if err != nil {
			t.Fatal(err)
		}
		s2.Close()
	}
	if after := snapshot(t, s); after != before {
		t.Fatalf("reopening changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	var mode string
	rawDB(t, s).QueryRow("PRAGMA journal_mode").Scan(&mode)
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
}

// fileBytes reads a whole file (the store must be closed: a close of another descriptor
// would drop POSIX locks, and OFD locks may be unavailable).
func fileBytes(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNewerSchemaRefused(t *testing.T) {
	s := openTestStore(t)
	path := s.Path()
	s.Close()
	db := rawDB(t, s)
	if _, err := db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	db.Close() // the last connection checkpoints and removes the WAL
	before := fileBytes(t, path)
	_, err := openAt(path)
	if err == nil || !strings.Contains(err.Error(), "made by a newer provkeys") {
		t.Fatalf("Open of a newer store: %v", err)
	}
	if !bytes.Equal(before, fileBytes(t, path)) {
		t.Fatal("refusing a newer store changed the file")
	}
}

func TestNonSQLiteFileRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "notes.db")
	content := []byte("these are my notes, not a database\n" + strings.Repeat("x", 5000))
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := openAt(path)
	if err == nil || !strings.Contains(err.Error(), "not an SQLite database") || !errors.Is(err, errNotADB) {
		t.Fatalf("Open of a text file: %v", err)
	}
	if !bytes.Equal(content, fileBytes(t, path)) {
		t.Fatal("refusing a non-SQLite file changed it")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("refusing a non-SQLite file left files beside it: %v", entries)
	}
}

// TestConcurrentOpenOfNewFile opens one brand-new file from several goroutines at once, each
// with its own connections (as separate processes would), many times: the WAL switch and the
// first migration must never surface "database is locked", and all share one data key.
func TestConcurrentOpenOfNewFile(t *testing.T) {
	for round := 0; round < 8; round++ {
		path := filepath.Join(t.TempDir(), "new.db")
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for i := 0; i < 4; i++ {
			wg.Go(func() {
				s, err := openAt(path)
				if err != nil {
					errs <- err
					return
				}
				defer s.Close()
				if _, err := s.as(admin).ListCerts(context.Background()); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("round %d: %v", round, err)
		}
		s, err := openAt(path)
		if err != nil {
			t.Fatal(err)
		}
		certs, _ := s.as(admin).ListCerts(context.Background())
		s.Close()
		if len(certs) != 2 {
			t.Fatalf("round %d: %d certificates, want Root and Client once", round, len(certs))
		}
	}
}

func TestSchemaVersion(t *testing.T) {
	if SchemaVersion() != 6 {
		t.Fatalf("SchemaVersion = %d", SchemaVersion())
	}
	if _, err := migrations.Read(migrationFS, 0); err != nil {
		t.Fatal(err)
	}
}

func TestWarnings(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "readable")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	first, err := openAt(filepath.Join(dir, "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	first.Close()
	os.Chmod(filepath.Join(dir, "p.db"), 0o644) // as another tool under umask 022 leaves it
	s, err := openAt(filepath.Join(dir, "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	wantMode(t, filepath.Join(dir, "p.db"), 0o600) // tightened: the file is ours
	if w := s.Warnings(); len(w) != 0 {
		t.Fatalf("warnings: %q", w)
	}
	if quiet := openTestStore(t); len(quiet.Warnings()) != 0 {
		t.Fatalf("warnings for a private directory: %q", quiet.Warnings())
	}
	if s.as(viewer).Actor() != viewer {
		t.Fatal("Actor")
	}
	if err := s.Close(); err != nil || s.Close() != nil {
		t.Fatal("Close twice")
	}
}

// TestRefusesPlantedFiles: in a directory others can write, another user plants a data key
// they know (or a database, WAL or SHM) before the first run; the store must refuse rather
// than seal secrets under it (as OpenSSH's StrictModes refuses loose files).
func TestRefusesPlantedFiles(t *testing.T) {
	shared := func(mode os.FileMode) string {
		dir := filepath.Join(t.TempDir(), "shared")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	refused := func(t *testing.T, dir, want string) {
		t.Helper()
		s, err := openAt(filepath.Join(dir, "p.db"))
		if err == nil {
			s.Close()
			t.Fatalf("opened a store beside planted files; want %q", want)
		}
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q, want %q", err, want)
		}
	}
	t.Run("world-writable directory", func(t *testing.T) {
		refused(t, shared(0o777), "writable by others")
	})
	t.Run("group-writable directory", func(t *testing.T) {
		refused(t, shared(0o770), "writable by others")
	})
	t.Run("sticky directory, our own files", func(t *testing.T) {
		dir := shared(0o777 | os.ModeSticky)
		s, err := openAt(filepath.Join(dir, "p.db"))
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		if s, err = openAt(filepath.Join(dir, "p.db")); err != nil {
			t.Fatalf("reopen: %v", err)
		}
		s.Close()
	})
	t.Run("our file writable by others", func(t *testing.T) {
		dir := shared(0o700)
		writeFileMode(t, filepath.Join(dir, "p.db.key"), plantedKey, 0o666)
		refused(t, dir, "data key")
	})
	for _, planted := range []string{"p.db.key", "p.db", "p.db-wal", "p.db-shm"} {
		t.Run("sticky directory, another user's "+planted, func(t *testing.T) {
			if os.Geteuid() != 0 {
				testenv.Missing(t, "planting another user's file needs root (chown)")
			}
			dir := shared(0o777 | os.ModeSticky)
			p := filepath.Join(dir, planted)
			body := []byte{}
			if planted == "p.db.key" {
				body = plantedKey
			}
			writeFileMode(t, p, body, 0o600)
			if err := os.Chown(p, 65534, 65534); err != nil { // nobody
				t.Fatal(err)
			}
			refused(t, dir, "belongs to another user")
		})
	}
}

// plantedKey is a data key an attacker knows.
var plantedKey = []byte("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")

func writeFileMode(t *testing.T, path string, b []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, b, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// TestOpenExistingOnly: MustExist opens a store that is there and never creates one (nor its
// directories); an existing empty file is a damaged store, never silently a new one.
func TestOpenExistingOnly(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "typo", "p.db")
	_, err := Open(Options{Path: missing, DataKeyPath: missing + ".key", MustExist: true})
	if err == nil || !strings.Contains(err.Error(), "no store at "+missing) {
		t.Fatalf("MustExist on a missing store: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(missing)); !os.IsNotExist(err) {
		t.Fatal("MustExist created the store's directory")
	}
	path := filepath.Join(dir, "p.db")
	s, err := openAt(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(Options{Path: path, DataKeyPath: path + ".key", MustExist: true}); err != nil {
		t.Fatalf("MustExist on an existing store: %v", err)
	}
	s.Close()
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	for _, mustExist := range []bool{false, true} {
		s, err := Open(Options{Path: path, DataKeyPath: path + ".key", MustExist: mustExist})
		if err == nil {
			s.Close()
			t.Fatalf("MustExist=%v: an empty database file was opened as a new store", mustExist)
		}
		if !strings.Contains(err.Error(), "empty") {
			t.Fatalf("MustExist=%v: %v", mustExist, err)
		}
	}
}
