package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"provkeys/store/postgres"
	"provkeys/store/sqlite"
)

// Migrate copies the SQLite store at fromPath (its data key at fromKey; "" is fromPath plus
// ".key") into the PostgreSQL database to names, which must be new or empty: every row or
// none, ids kept, each table's count checked. The destination uses the same data key file,
// so the sealed material moves as is and is never decrypted on the way. It returns how many
// rows each table received.
func Migrate(ctx context.Context, fromPath, fromKey, to string) (map[string]int, error) {
	if !IsPostgres(to) {
		return nil, errors.New("migrate: the destination must be a PostgreSQL URL (postgres://…)")
	}
	abs, err := filepath.Abs(fromPath)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if fi, err := os.Stat(abs); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("migrate: there is no SQLite store at %s", abs)
	}
	if fromKey == "" {
		fromKey = abs + ".key"
	}
	src, err := sqlite.Open(sqlite.Options{Path: abs, DataKeyPath: fromKey})
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	defer src.Close()
	tables, err := src.Dump(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: read %s: %w", abs, err)
	}
	dst, err := postgres.Open(ctx, postgres.Options{URL: to, DataKeyPath: fromKey})
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	defer dst.Close()
	counts, err := dst.Load(ctx, tables)
	if err != nil {
		return nil, fmt.Errorf("migrate: nothing was copied: %w", err)
	}
	return counts, nil
}
