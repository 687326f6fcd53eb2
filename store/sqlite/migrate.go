package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path"
	"provkeys/store"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one numbered schema step: its SQL, then an optional Go step that runs in the
// same transaction (for data that needs Go, such as generated certificates).
type migration struct {
	version int
	name    string
	sql     string
	after   func(ctx context.Context, tx *sql.Tx, s *Store) error
}

// afterSteps are the Go steps keyed by migration number.
var afterSteps = map[int]func(ctx context.Context, tx *sql.Tx, s *Store) error{
	1: seedV1,
}

// migrations reads the embedded files "NNNN_name.sql", which must be numbered 1, 2, 3, ...
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration file %q is not named NNNN_name.sql", e.Name())
		}
		b, err := migrationFS.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b), after: afterSteps[v]})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: want number %d", m.name, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion is the newest schema (PRAGMA user_version) this build knows.
func SchemaVersion() int {
	ms, _ := migrations()
	return len(ms)
}

// migrate brings the file to the newest schema. Two processes opening a brand-new file at
// once can see "database is locked" from the WAL switch, whose locking does not always wait in
// the busy handler, so the whole step is retried with backoff; it is idempotent.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	return retryBusy(ctx, func() error { return s.migrateOnce(ctx, ms) })
}

func (s *Store) migrateOnce(ctx context.Context, ms []migration) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return s.openErr(err)
	}
	defer conn.Close()
	// Read before anything can write: a non-SQLite or newer file must stay untouched.
	var uv int
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&uv); err != nil {
		return s.openErr(err)
	}
	if uv > len(ms) {
		return fmt.Errorf("open store %s: it was made by a newer provkeys (schema %d; this build knows up to %d): upgrade provkeys", s.path, uv, len(ms))
	}
	if s.sealer == nil {
		if s.sealer, err = store.LoadDataKey(s.keyPath, uv == 0); err != nil {
			return err
		}
	}
	// PRAGMA journal_mode cannot change inside a transaction (SQLite leaves the mode as it was),
	// so WAL is switched on here, on the migrating connection just before the first migration
	// transaction, under the same busy retry; it is persistent, so later opens skip it.
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return s.openErr(err)
	}
	if !strings.EqualFold(mode, "wal") {
		if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode); err != nil {
			return s.openErr(err)
		}
		if !strings.EqualFold(mode, "wal") {
			return fmt.Errorf("open store %s: could not switch to WAL mode (got %q)", s.path, mode)
		}
	}
	if uv < len(ms) {
		if err := s.applyMigrations(ctx, conn, ms); err != nil {
			return err
		}
	}
	return s.checkDataKey(ctx, conn)
}

// applyMigrations runs every missing step in one BEGIN IMMEDIATE transaction. The version is
// read again under the write lock: another process may have migrated in the meantime.
func (s *Store) applyMigrations(ctx context.Context, conn *sql.Conn, ms []migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return s.openErr(err)
	}
	defer tx.Rollback()
	var uv int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&uv); err != nil {
		return s.openErr(err)
	}
	if uv > len(ms) {
		return fmt.Errorf("open store %s: it was made by a newer provkeys (schema %d)", s.path, uv)
	}
	for _, m := range ms[uv:] {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("open store %s: migration %s: %w", s.path, m.name, mapErr(err))
		}
		if m.after != nil {
			if err := m.after(ctx, tx, s); err != nil {
				return fmt.Errorf("open store %s: migration %s: %w", s.path, m.name, mapErr(err))
			}
		}
	}
	// PRAGMA takes no parameters; len(ms) is our own integer.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(ms))); err != nil {
		return s.openErr(err)
	}
	if err := tx.Commit(); err != nil {
		return s.openErr(err)
	}
	s.commits.Add(1)
	return nil
}

// retryBusy runs f until it does not fail with SQLITE_BUSY/LOCKED, backing off with jitter,
// for up to a minute or until ctx ends.
func retryBusy(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(time.Minute)
	wait := 5 * time.Millisecond
	for {
		err := f()
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		t := time.NewTimer(wait/2 + rand.N(wait))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(wait*2, 500*time.Millisecond)
	}
}

// checkDataKey compares the loaded key with the one the store was made with.
func (s *Store) checkDataKey(ctx context.Context, conn *sql.Conn) error {
	var id string
	err := conn.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'data_key_id'").Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("open store %s: it records no data key; it was not made by provkeys", s.path)
	}
	if err != nil {
		return s.openErr(err)
	}
	if id != s.sealer.ID() {
		return s.sealer.WrongKey()
	}
	return nil
}

// openErr words a failure while opening, keeping the cause for errors.Is.
func (s *Store) openErr(err error) error {
	if errors.Is(err, errNotADB) || isNotADB(err) {
		return fmt.Errorf("open store %s: not a provkeys store (the file is not an SQLite database): %w", s.path, errNotADB)
	}
	return fmt.Errorf("open store %s: %w", s.path, mapErr(err))
}
