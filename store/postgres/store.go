// Package postgres is the PostgreSQL engine of the store contract (package store): provkeys'
// data on a server an organisation already runs, shared by several `serve` replicas. *Store
// implements store.Store and its sessions store.Session with the same behaviour as
// store/sqlite, proved by the same suite (store/storetest). The mapping (DESIGN.md §11):
//
//   - NOCASE unique names: unique indexes on lower(name) over COLLATE "C" columns;
//   - BEGIN IMMEDIATE: row locks (SELECT ... FOR UPDATE) and version-checked updates, and a
//     change that loses a serialization race is run again (nothing of it was committed);
//   - PRAGMA user_version: a schema_migrations table, written under an advisory lock by
//     whichever process opens the database first;
//   - PRAGMA data_version: the changes sequence plus NOTIFY, which one dedicated connection
//     LISTENs for, so DataVersion answers from memory (listen.go).
//
// Key material and CA private keys are sealed with store.Sealer under a data key kept in a
// file outside the database (required here), so a pg_dump holds no key bytes. It reads no
// environment: the caller says where the database and the data key are (Options).
package postgres

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"provkeys/model"
	"provkeys/store"
	"provkeys/store/internal/sqlcore"
)

// Options says what Open opens. The caller resolves them (flags, environment, defaults).
type Options struct {
	// URL is the connection string: postgres://, postgresql:// or "host=... dbname=...".
	URL string
	// DataKeyPath is the file holding the key that seals key material at rest. It is
	// required: the key must never live in the database it protects. It is created (0600)
	// with a brand-new store and must exist for an existing one.
	DataKeyPath string
}

// poolSize is how many connections a replica opens to the database when the URL does not
// say (pool_max_conns): five for each core it may use (GOMAXPROCS, which a container's CPU
// limit sets), from 5 to 20; the listener takes one more. A core keeps about five busy: a
// group's transaction and the reads of the enrollments signing meanwhile. More only queue
// inside PostgreSQL, where every connection is a process: replicas that share a machine's
// cores then open together what one replica with all of them would. Figure 12 on 2 cores:
// two replicas of one core each with 10 connections each, as many as one replica had, ran
// at 0.90-1.04 x one replica's enrollments per second (four runs, median 0.96); with 5
// each, 0.95-1.12 (seven runs, median 1.07).
func poolSize() int32 { return int32(min(max(5*runtime.GOMAXPROCS(0), 5), 20)) }

// Store is an open PostgreSQL store.
type Store struct {
	sqlcore.Public // DataKeyPath, CRL and ServerTLS, answered alike by every engine

	pool    *pgxpool.Pool
	target  string // where the database is, without any password: for messages
	keyPath string
	sealer  *store.Sealer
	cas     store.CACache
	// enrollments commits enrollments in groups (sqlcore.EnrollQueue).
	enrollments sqlcore.EnrollQueue
	changes     *listener
	closed      sync.Once
}

// session is the store seen by one actor; every change it makes is audited under that actor.
// The shared logic (sqlcore.Session) answers most of the contract; this engine adds its
// listing, DataVersion and Scrub.
type session struct {
	*sqlcore.Session
	s *Store
}

// MinServerVersion is the oldest PostgreSQL this engine runs on (server_version_num): 13
// brought what the schema and queries rely on, and older releases are out of support.
const MinServerVersion = 130000

// Open connects, checks the server, migrates the schema, checks the data key and starts
// listening for changes. Every failure is one sentence naming the database without its
// password.
func Open(ctx context.Context, opt Options) (*Store, error) {
	if opt.DataKeyPath == "" {
		return nil, errors.New("a PostgreSQL store needs a data key file (--data-key or PROVKEYS_DATA_KEY): the key that seals key material is never kept in the database")
	}
	cfg, err := pgxpool.ParseConfig(opt.URL)
	if err != nil {
		// pgx's parse error quotes the URL (its password masked only on a best-effort
		// basis), and the net/url error under it quotes it whole: neither is shown.
		return nil, errors.New("the PostgreSQL URL cannot be read; want postgres://USER@HOST/DATABASE, postgresql://… or \"host=… dbname=…\"")
	}
	if !strings.Contains(opt.URL, "pool_max_conns") {
		cfg.MaxConns = poolSize()
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "provkeys"
	// Every session works in UTC and in the "public" schema, whatever the role's defaults.
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	s := &Store{target: describe(cfg), keyPath: opt.DataKeyPath}
	s.Public = sqlcore.Public{E: engine{s}}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if s.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, s.openErr(err)
	}
	if err := s.open(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// open does Open's work once the pool exists.
func (s *Store) open(ctx context.Context) error {
	var version int
	if err := s.pool.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
		return s.openErr(err)
	}
	if err := checkServerVersion(version); err != nil {
		return fmt.Errorf("open store %s: %w", s.target, err)
	}
	if err := s.migrate(ctx); err != nil {
		return err
	}
	l, err := startListener(ctx, s.pool.Config().ConnConfig.Copy(), s.target)
	if err != nil {
		return s.openErr(err)
	}
	s.changes = l
	return nil
}

// checkServerVersion refuses a server older than MinServerVersion.
func checkServerVersion(num int) error {
	if num < MinServerVersion {
		return fmt.Errorf("the PostgreSQL server is version %d.%d, too old: provkeys needs %d or newer", num/10000, num%10000/100, MinServerVersion/10000)
	}
	return nil
}

// Warnings lists problems found at Open that do not stop the store working; a PostgreSQL
// store has none of the file-mode kind the SQLite one reports.
func (s *Store) Warnings() []string { return nil }

// Close stops listening and closes the pool; closing again does nothing. Neither step can
// fail (pgxpool's Close reports nothing), so neither can Close.
func (s *Store) Close() error {
	s.closed.Do(func() {
		if s.changes != nil {
			s.changes.close()
		}
		if s.pool != nil {
			s.pool.Close()
		}
	})
	return nil
}

// Target names the database (host, port, database, user; never the password).
func (s *Store) Target() string { return s.target }

// Session returns the store seen by actor a.
func (s *Store) Session(a model.Actor) store.Session { return s.as(a) }

func (s *Store) as(a model.Actor) *session {
	return &session{Session: sqlcore.NewSession(engine{s}, a), s: s}
}

// DataVersion (the session's, authorized by sqlcore) changes whenever anything in the
// database changes, from this process or any other, within the time a NOTIFY takes to
// arrive. It answers from memory: fifty dashboards polling it put no load on the server.
// While the listening connection is down it fails with ErrUnavailable, since changes could
// be missed; it moves once after the reconnect.
func (e engine) DataVersion(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return e.s.changes.version()
}

// errScrubServer says what Scrub cannot promise on PostgreSQL: the server keeps old row
// versions (and its WAL) until VACUUM and its own recycling, and does not zero them then.
var errScrubServer = errors.New("PostgreSQL keeps old row versions in its data files and WAL until the server reuses that space; only the server's administrator can make those copies go (VACUUM FULL, WAL recycling)")

// Scrub cannot reach into the server's files: the rows no longer hold the material, and
// errScrubServer says what may remain.
func (x *session) Scrub(ctx context.Context) error {
	if err := x.Authorize(model.ActionUpdate); err != nil {
		return err
	}
	return errScrubServer
}
