// Package engine chooses the store engine a location names and opens it: a PostgreSQL URL or
// connection string opens store/postgres, anything else is a SQLite file (store/sqlite). It
// sits beside the engines, not in package store, because it imports both of them and store
// must stay free of any driver; the command line and the server call it so that neither
// knows which engine it got. Copy (migrate.go) moves a store from one engine to the other.
package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"provkeys/store"
	"provkeys/store/postgres"
	"provkeys/store/sqlite"
)

// Options says which store to open; the caller resolves flags and environment.
type Options struct {
	// DB is the store's location: postgres://…, postgresql://… or a "host=… dbname=…"
	// connection string for PostgreSQL, else the path of a SQLite file.
	DB string
	// DataKeyPath is the file holding the data key. For SQLite it defaults to the database
	// path plus ".key"; for PostgreSQL it is required, since the key must not live in the
	// database it protects.
	DataKeyPath string
	// MustExist opens only a SQLite store that is already there ("no store at PATH"
	// otherwise, creating nothing); read-only commands set it. A PostgreSQL server's
	// database is there or not by the server's say, so it does not apply.
	MustExist bool
}

// IsPostgres reports whether db names a PostgreSQL database rather than a SQLite file: a
// postgres:// or postgresql:// URL, or a key=value connection string naming a host or a
// database (libpq's form, "host=/run/postgresql dbname=provkeys").
func IsPostgres(db string) bool {
	lower := strings.ToLower(strings.TrimSpace(db))
	if strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://") {
		return true
	}
	for _, f := range strings.Fields(lower) {
		k, _, ok := strings.Cut(f, "=")
		if ok && (k == "host" || k == "dbname" || k == "hostaddr" || k == "service") {
			return true
		}
	}
	return false
}

// Open opens the store opt names, creating a new SQLite file (or a new PostgreSQL schema in
// an empty database) when there is none yet.
func Open(ctx context.Context, opt Options) (store.Store, error) {
	if IsPostgres(opt.DB) {
		return postgres.Open(ctx, postgres.Options{URL: opt.DB, DataKeyPath: opt.DataKeyPath})
	}
	if opt.DB == "" {
		return nil, fmt.Errorf("open store: no database given")
	}
	path, err := filepath.Abs(opt.DB)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", opt.DB, err)
	}
	key := opt.DataKeyPath
	if key == "" {
		key = path + ".key"
	}
	return sqlite.Open(sqlite.Options{Path: path, DataKeyPath: key, MustExist: opt.MustExist})
}

// Describe names the store opt points at for messages: the SQLite path, or the PostgreSQL
// database, user and host (never the password).
func Describe(opt Options) string {
	if !IsPostgres(opt.DB) {
		return opt.DB
	}
	return postgres.Describe(opt.DB)
}
