package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"provkeys/store"
	"provkeys/store/internal/migrations"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// afterSteps are the Go steps keyed by migration number: each runs right after that step's SQL,
// in the same transaction, for data that needs Go (such as generated certificates).
var afterSteps = map[int]func(w *writeTx) error{
	1: seedV1,
	6: backfillPayloadHash,
}

// SchemaVersion is the newest schema this build knows.
func SchemaVersion() int {
	ms, _ := migrations.Read(migrationFS, 0)
	return len(ms)
}

// schemaLimit, when above 0, stops migrate at that schema version: the tests build a database
// as an older provkeys left it, then open it with every step.
var schemaLimit int

// migrationLock is the advisory lock key every provkeys process takes before migrating
// ("provkeys" in ASCII), so several replicas starting at once on a new database migrate it
// exactly once: the first applies the steps, the others wait and then find nothing to do.
const migrationLock int64 = 0x70726f766b657973

// migrate brings the database to the newest schema and checks the data key, in one
// transaction under the migration lock. PostgreSQL's DDL is transactional: a failed step
// leaves the database as it was.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations.Read(migrationFS, schemaLimit)
	if err != nil {
		return err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return s.openErr(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLock); err != nil {
		return s.openErr(err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return s.openErr(err)
	}
	var have int
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&have); err != nil {
		return s.openErr(err)
	}
	if have > len(ms) {
		return fmt.Errorf("open store %s: it was made by a newer provkeys (schema %d; this build knows up to %d): upgrade provkeys", s.target, have, len(ms))
	}
	if have == 0 {
		// A database with tables of its own but no provkeys schema is someone else's.
		var others int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_name <> 'schema_migrations'`).Scan(&others); err != nil {
			return s.openErr(err)
		}
		if others > 0 {
			return fmt.Errorf("open store %s: the database holds %d tables but no provkeys schema; give provkeys a database of its own", s.target, others)
		}
	}
	if s.sealer, err = store.LoadDataKey(s.keyPath, have == 0); err != nil {
		return err
	}
	sys := s.as(systemActor)
	w := sys.wrap(sys.In(ctx, pgTx{pgQuerier{tx}, tx}))
	for _, m := range ms[have:] {
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("open store %s: migration %s: %w", s.target, m.Name, mapErr(err))
		}
		if after := afterSteps[m.Version]; after != nil {
			if err := after(w); err != nil {
				return fmt.Errorf("open store %s: migration %s: %w", s.target, m.Name, mapErr(err))
			}
		}
		if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name); err != nil {
			return s.openErr(err)
		}
	}
	if have < len(ms) {
		if err := (engine{w.x.s}).BeforeCommit(w.Ctx, w.Raw()); err != nil {
			return s.openErr(err)
		}
	}
	if err := s.checkDataKey(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return s.openErr(err)
	}
	return nil
}

// checkDataKey compares the loaded key with the one the store was made with.
func (s *Store) checkDataKey(ctx context.Context, tx pgx.Tx) error {
	var id string
	err := tx.QueryRow(ctx, "SELECT value FROM meta WHERE key = 'data_key_id'").Scan(&id)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return s.openErr(err)
	}
	return s.sealer.CheckRecorded(s.target, id, err == nil)
}
