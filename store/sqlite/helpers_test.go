package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"modernc.org/sqlite"

	"provkeys/model"
)

var (
	admin  = model.Actor{Name: "alice", Role: model.RoleAdmin, Remote: "192.0.2.7:5022"}
	viewer = model.Actor{Name: "victor", Role: model.RoleViewer}
)

// openAt opens the store at path with its data key beside it, as the command line's default.
func openAt(path string) (*Store, error) {
	return Open(Options{Path: path, DataKeyPath: path + ".key"})
}

// openTestStore opens a fresh store in t.TempDir() and closes it when the test ends.
func openTestStore(t testing.TB) *Store {
	t.Helper()
	s, err := openAt(filepath.Join(t.TempDir(), "provkeys.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// mustGroup creates a machine group.
func mustGroup(t testing.TB, x *session, name string) model.Group {
	t.Helper()
	g, err := x.CreateGroup(testCtx(t), model.GroupInput{Name: name, Enabled: true})
	if err != nil {
		t.Fatalf("CreateGroup %q: %v", name, err)
	}
	return g
}

// keyInput is a valid input for a key in group "Servers" signed by Client.
func keyInput(name string) model.KeyInput {
	return model.KeyInput{Name: name, Groups: []string{"Servers"}, Cert: "Client", Enabled: true, Exportable: true}
}

// mustKey creates a key (and the group "Servers" when missing) and returns it with its secret.
func mustKey(t testing.TB, x *session, in model.KeyInput) (model.Key, string) {
	t.Helper()
	ctx := testCtx(t)
	if _, err := x.GroupByName(ctx, "Servers"); errors.Is(err, model.ErrNotFound) {
		mustGroup(t, x, "Servers")
	}
	k, secret, err := x.CreateKey(ctx, in)
	if err != nil {
		t.Fatalf("CreateKey %q: %v", in.Name, err)
	}
	return k, secret
}

// rawDB opens the store file directly, for checks and for tampering the API refuses.
func rawDB(t testing.TB, s *Store) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(s.Path(), false))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// count runs a SELECT count(*) style query.
func count(t testing.TB, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// auditRows counts successful audit rows for an action on an object.
func auditRows(t testing.TB, s *Store, typ model.ObjectType, a model.Action, id int64) int {
	return count(t, rawDB(t, s), `SELECT count(*) FROM audit
		WHERE object_type = ? AND action = ? AND object_id = ? AND result = 'ok'`, string(typ), string(a), id)
}

// ofdInUse reports whether SQLite's locks survive another descriptor of the file closing.
func ofdInUse() bool { return sqlite.OFDLockingEnabled() }
