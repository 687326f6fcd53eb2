// Package migrations reads an engine's numbered schema steps from its embedded files; each
// engine applies them under its own lock (store/sqlite, store/postgres).
package migrations

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Step is one numbered schema step of an engine: the SQL of its file
// migrations/NNNN_name.sql. The engine runs it, then its Go step for that number, if any.
type Step struct {
	Version int
	Name    string
	SQL     string
}

// Read reads an engine's embedded migrations/*.sql files, which must be named
// NNNN_name.sql and numbered 1, 2, 3, … without a gap; it returns them in order. limit, when
// above 0, keeps only the first limit steps: tests make an older store with it.
func Read(fsys fs.FS, limit int) ([]Step, error) {
	entries, err := fs.ReadDir(fsys, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []Step
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration file %q is not named NNNN_name.sql", e.Name())
		}
		b, err := fs.ReadFile(fsys, path.Join("migrations", e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, Step{Version: v, Name: e.Name(), SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s: want number %d", m.Name, i+1)
		}
	}
	if limit > 0 {
		ms = ms[:limit]
	}
	return ms, nil
}
