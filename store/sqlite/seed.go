package sqlite

import (
	"context"
	"database/sql"

	"provkeys/store/internal/sqlcore"
)

// systemActor signs what the store makes by itself, such as the default certificates.
var systemActor = sqlcore.SystemActor

// seedV1 runs inside the first migration: sqlcore.SeedV1 in the migration's transaction.
func seedV1(ctx context.Context, tx *sql.Tx, s *Store) error {
	return sqlcore.SeedV1(s.as(systemActor).In(ctx, sqlTx{sqlQuerier{q: tx}, tx, func() {}}))
}
