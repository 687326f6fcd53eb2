// Package sqlite is the SQLite engine of the store contract (package store): provkeys' data
// in one file (modernc.org/sqlite, no cgo), WAL mode, embedded numbered migrations. *Store
// implements store.Store and its sessions store.Session, with the errors that contract lists;
// driver errors become model sentinels in one place (mapErr). It reads no environment: the
// caller says where the file and the data key are (Options).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"

	"provkeys/model"
	"provkeys/store"
	"provkeys/store/internal/sqlcore"
)

// Store is an open provkeys database file.
type Store struct {
	sqlcore.Public // DataKeyPath, CRL and ServerTLS, answered alike by every engine

	path    string
	keyPath string
	// db is the writer: one connection per process, so this process's writers queue in Go
	// instead of spinning in SQLite's busy handler (measured: worst case 541 ms -> 20 ms).
	db *sql.DB
	// writer queues this process's write transactions first come, first served (writer.go).
	writer writerQueue
	// rdb serves reads; in WAL mode they never wait for the writer.
	rdb *sql.DB
	// dv is pinned so PRAGMA data_version always compares against the same connection.
	dv   *sql.Conn
	dvMu sync.Mutex
	// commits counts this process's own commits; see DataVersion.
	commits atomic.Int64
	sealer  *store.Sealer
	cas     store.CACache
	// enrollments commits enrollments in groups (sqlcore.EnrollQueue).
	enrollments sqlcore.EnrollQueue
	// lite is the listing's own connections (lite.go).
	lite litePool
	// hotPrep is enrollment's statements, kept prepared (hot.go).
	hotPrep  hotPrep
	closed   sync.Once
	closeErr error
	warns    []string
}

// session is the store seen by one actor; every change it makes is audited under that actor.
// The shared logic (sqlcore.Session) answers most of the contract; this engine adds its
// listing fast paths, DataVersion and Scrub.
type session struct {
	*sqlcore.Session
	s *Store
}

// Options says what Open opens. The caller resolves them (flags, environment, defaults):
// the engine reads no environment variable.
type Options struct {
	// Path is the database file; its directory is created (0700) when missing.
	Path string
	// DataKeyPath is the file holding the key that seals key material at rest; it is created
	// (0600) with a brand-new store and must exist for an existing one.
	DataKeyPath string
	// MustExist opens only a store that is already there: a missing file is "no store at
	// PATH" and nothing (not even a directory) is created. Read-only commands set it, so a
	// mistyped path is an error instead of a new empty store.
	MustExist bool
}

var driverInit sync.Once

// initDriver sets the process-wide driver switches before the first connection exists, which
// is the only time OFD locking can still be chosen.
func initDriver() {
	driverInit.Do(func() {
		// OFD locks survive a close() of another descriptor of the file anywhere in the
		// process; POSIX locks do not. Unavailable off Linux: then POSIX locks it is.
		_, _ = sqlite.OFDLocking(true)
		sqlite.StrictPragmas(true)
	})
}

// dsn builds the connection string with net/url, so a '?' or '#' in the path stays part of
// the path instead of silently becoming the query (and dropping busy_timeout).
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)")
	// Freed cells are zeroed, so erased key material does not linger in free space.
	q.Add("_pragma", "secure_delete(1)")
	if readOnly {
		// Readers scan whole tables (ListKeys), and every page a scan touches through a
		// memory map stays in the process's resident memory for as long as the map lives:
		// 700 MiB for a million keys. Read through a small page cache instead; the kernel's
		// page cache keeps repeated scans fast (measured: the same CPU time as the map).
		q.Add("_pragma", "cache_size(-2048)")
		q.Add("_pragma", "mmap_size(0)")
	} else {
		q.Add("_pragma", "cache_size(-32768)") // 32 MiB: the default 2 MiB thrashes past ~50k keys
		q.Add("_pragma", "mmap_size(1073741824)")
	}
	q.Set("_txlock", "immediate")
	if readOnly {
		q.Set("_query_only", "1")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}

// Open opens (creating file and directory if needed) and migrates the store at opt.Path.
func Open(opt Options) (*Store, error) {
	initDriver()
	path := opt.Path
	if path == "" {
		return nil, errors.New("open store: empty path")
	}
	if opt.DataKeyPath == "" {
		return nil, fmt.Errorf("open store %s: no data key file given", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := checkFiles(abs, opt.DataKeyPath); err != nil {
		return nil, fmt.Errorf("open store %s: %w", abs, err)
	}
	switch fi, err := os.Stat(abs); {
	case errors.Is(err, fs.ErrNotExist) && opt.MustExist:
		return nil, fmt.Errorf("no store at %s", abs)
	case errors.Is(err, fs.ErrNotExist):
		if err := create(abs, opt.DataKeyPath); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("open store %s: %w", abs, err)
	case fi.Mode().IsRegular() && fi.Size() == 0:
		// A new store is never an empty file (create links a whole one into place), so this
		// one was truncated: making a new store here would hide the loss.
		return nil, fmt.Errorf("open store %s: the database file is empty (0 bytes): a damaged store, not a new one; restore it from a backup, or remove it to start a new store", abs)
	}
	s := &Store{path: abs, keyPath: opt.DataKeyPath, writer: newWriterQueue()}
	s.Public = sqlcore.Public{E: engine{s}}
	if err := s.open(); err != nil {
		s.Close()
		return nil, err
	}
	// Again now that SQLite has made its -wal and -shm: in a sticky directory another user
	// could have created either name between the first look and SQLite's open.
	if err := checkFiles(abs, opt.DataKeyPath); err != nil {
		s.Close()
		return nil, fmt.Errorf("open store %s: %w", abs, err)
	}
	return s, nil
}

// checkFiles refuses a store whose directory others can write (unless sticky), or whose data
// key, database, -wal or -shm another user owns or could have written: a data key planted
// there before the first run would seal every secret under a key its planter knows.
func checkFiles(db, dataKey string) error {
	for _, dir := range []string{filepath.Dir(db), filepath.Dir(dataKey)} {
		if err := store.CheckDir(dir); err != nil {
			return err
		}
	}
	for _, f := range []struct{ path, what string }{
		{dataKey, "data key"}, {db, "database"}, {db + "-wal", "database's WAL file"}, {db + "-shm", "database's shared-memory file"},
	} {
		if err := store.CheckFile(f.path, f.what); err != nil {
			return err
		}
	}
	return nil
}

// create makes a brand-new store at path: built and migrated under a temporary name, then
// hard-linked into place, which fails if the name exists. So the file at path is always a
// whole store (an empty one is damaged, never half-made), and two processes creating a store at
// once both end up on whichever was linked first. The temporary file is made with O_EXCL and
// mode 0600, so SQLite gives its -wal and -shm the same mode.
func create(path, keyPath string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("open store: create directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".new-*")
	if err != nil {
		return fmt.Errorf("open store %s: %w", path, err)
	}
	name := tmp.Name()
	tmp.Close()
	defer func() {
		for _, p := range []string{name, name + "-wal", name + "-shm"} {
			os.Remove(p)
		}
	}()
	s := &Store{path: name, keyPath: keyPath, writer: newWriterQueue()}
	s.Public = sqlcore.Public{E: engine{s}}
	err = s.open()
	if cerr := s.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("open store %s: %w", path, cerr)
	}
	if err != nil {
		return errors.New(strings.ReplaceAll(err.Error(), name, path))
	}
	if err := os.Link(name, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("open store %s: %w", path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync() // make the new name durable before secrets depend on it
		d.Close()
	}
	return nil
}

func (s *Store) open() error {
	var err error
	if s.db, err = sql.Open("sqlite", dsn(s.path, false)); err != nil {
		return fmt.Errorf("open store %s: %w", s.path, err)
	}
	s.db.SetMaxOpenConns(1)
	s.db.SetMaxIdleConns(1)
	s.db.SetConnMaxLifetime(0)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := s.migrate(ctx); err != nil {
		return err
	}
	if s.rdb, err = sql.Open("sqlite", dsn(s.path, true)); err != nil {
		return fmt.Errorf("open store %s: %w", s.path, err)
	}
	s.rdb.SetMaxOpenConns(readPool) // four readers plus the pinned data_version connection
	s.rdb.SetMaxIdleConns(readPool)
	// A reader that scanned every key holds its page cache and statements (about 7 MB in
	// modernc's allocator, measured at a million keys) for as long as it lives: close readers
	// left idle, so a dashboard at rest gives that back. The next read opens one again.
	s.rdb.SetConnMaxIdleTime(10 * time.Second)
	if s.dv, err = s.rdb.Conn(ctx); err != nil {
		return fmt.Errorf("open store %s: %w", s.path, mapErr(err))
	}
	s.tightenModes()
	return nil
}

// readPool is how many connections the read pool holds at most, open or idle.
const readPool = 5

// dropIdleReaders closes the read connections nobody is using (database/sql closes the idle
// ones past a lower limit at once); the next read opens one again, in about a millisecond.
func (s *Store) dropIdleReaders() {
	s.rdb.SetMaxIdleConns(0)
	s.rdb.SetMaxIdleConns(readPool)
}

// tightenModes makes the store and its WAL files 0600. Files made by this version already are;
// this catches stores created by other tools under a looser umask.
func (s *Store) tightenModes() {
	for _, p := range []string{s.path, s.path + "-wal", s.path + "-shm"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o077 != 0 {
			_ = os.Chmod(p, 0o600) // not ours to change (another owner): leave it, Warnings says so
		}
	}
	if fi, err := os.Stat(s.path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		s.warns = append(s.warns, fmt.Sprintf("the store %s is readable by others (mode %v)", s.path, fi.Mode().Perm()))
	}
}

// Warnings lists problems found at Open that do not stop the store from working, such as a
// directory others can write to; the caller shows them to the operator.
func (s *Store) Warnings() []string { return append([]string(nil), s.warns...) }

// Close closes the database; closing again does nothing.
func (s *Store) Close() error {
	s.closed.Do(func() {
		var errs []error
		s.hotPrep.close()
		s.lite.close()
		if s.dv != nil {
			errs = append(errs, s.dv.Close())
		}
		if s.rdb != nil {
			errs = append(errs, s.rdb.Close())
		}
		if s.db != nil {
			errs = append(errs, s.db.Close())
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// Session returns the store seen by actor a.
func (s *Store) Session(a model.Actor) store.Session { return s.as(a) }

// as is Session with the engine's own type, for the engine and its tests.
func (s *Store) as(a model.Actor) *session {
	return &session{Session: sqlcore.NewSession(engine{s}, a), s: s}
}

// DataVersion (the session's, authorized by sqlcore) changes whenever any connection or process
// commits; poll it to notice changes.
//
// It is PRAGMA data_version on one pinned read connection plus a counter of this process's
// own commits. data_version only moves for commits made by *other* connections; the pinned
// connection never writes, so it sees this process's writer too, but the counter keeps the
// promise even if that ever changes (a commit on the polling connection itself would not
// move data_version). Both parts only grow, so their sum changes whenever either does. The
// value means nothing by itself: compare it with the previous one.
func (e engine) DataVersion(ctx context.Context) (int64, error) {
	s := e.s
	s.dvMu.Lock()
	defer s.dvMu.Unlock()
	var v int64
	if err := s.dv.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
		return 0, mapErr(err)
	}
	return v + s.commits.Load(), nil
}
