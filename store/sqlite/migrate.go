package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"provkeys/store"
	"provkeys/store/internal/migrations"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// afterSteps are the Go steps keyed by migration number: each runs right after that step's SQL,
// in the same transaction, for data that needs Go (such as generated certificates).
var afterSteps = map[int]func(ctx context.Context, tx *sql.Tx, s *Store) error{
	1: seedV1,
	6: backfillPayloadHash,
}

// schemaLimit, when set, stops migrations at that schema: tests make an older store with it
// to prove the later steps carry its data over. Nothing else changes it.
var schemaLimit int

// SchemaVersion is the newest schema (PRAGMA user_version) this build knows.
func SchemaVersion() int {
	ms, _ := migrations.Read(migrationFS, 0)
	return len(ms)
}

// migrate brings the file to the newest schema. Two processes opening a brand-new file at
// once can see "database is locked" from the WAL switch, whose locking does not always wait in
// the busy handler, so the whole step is retried with backoff; it is idempotent.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations.Read(migrationFS, schemaLimit)
	if err != nil {
		return err
	}
	return retryBusy(ctx, func() error { return s.migrateOnce(ctx, ms) })
}

func (s *Store) migrateOnce(ctx context.Context, ms []migrations.Step) error {
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
//
// Foreign keys are off while it runs, as SQLite's procedure for rebuilding a table requires
// (PRAGMA foreign_keys is a no-op inside a transaction, so it is set around it): dropping the
// old copy of a parent table must not cascade into its children. PRAGMA foreign_key_check
// then proves every reference still holds before the commit.
func (s *Store) applyMigrations(ctx context.Context, conn *sql.Conn, ms []migrations.Step) (err error) {
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return s.openErr(err)
	}
	defer func() {
		if _, onErr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON"); onErr != nil {
			// The connection goes back to the pool: it must not stay without foreign keys.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			err = errors.Join(err, s.openErr(onErr))
		}
	}()
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
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("open store %s: migration %s: %w", s.path, m.Name, mapErr(err))
		}
		if after := afterSteps[m.Version]; after != nil {
			if err := after(ctx, tx, s); err != nil {
				return fmt.Errorf("open store %s: migration %s: %w", s.path, m.Name, mapErr(err))
			}
		}
	}
	if err := foreignKeyCheck(ctx, tx); err != nil {
		return fmt.Errorf("open store %s: %w", s.path, err)
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
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return s.openErr(err)
	}
	return s.sealer.CheckRecorded(s.path, id, err == nil)
}

// openErr words a failure while opening, keeping the cause for errors.Is.
func (s *Store) openErr(err error) error {
	if errors.Is(err, errNotADB) || isNotADB(err) {
		return fmt.Errorf("open store %s: not a provkeys store (the file is not an SQLite database): %w", s.path, errNotADB)
	}
	return fmt.Errorf("open store %s: %w", s.path, mapErr(err))
}

// foreignKeyCheck fails when a reference is broken, naming the first one.
func foreignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	var table, parent string
	var rowid sql.NullInt64
	var fkid int
	err := tx.QueryRowContext(ctx, "PRAGMA foreign_key_check").Scan(&table, &rowid, &parent, &fkid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return mapErr(err)
	}
	return fmt.Errorf("migration broke a reference: row %d of %s points to a missing %s", rowid.Int64, table, parent)
}
