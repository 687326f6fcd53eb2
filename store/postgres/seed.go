package postgres

import "provkeys/store/internal/sqlcore"

// systemActor signs what the store makes by itself, such as the default certificates.
var systemActor = sqlcore.SystemActor

// seedV1 runs inside the first migration: sqlcore.SeedV1 in the migration's transaction.
func seedV1(w *writeTx) error { return sqlcore.SeedV1(w.W) }
