package postgres

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"provkeys/model"
	"provkeys/store/postgres/pgtest"
)

func TestMain(m *testing.M) {
	if spec := os.Getenv(writerEnv); spec != "" {
		crashWriter(spec) // another process's part in TestKillNineLosesNothingAcknowledged
	}
	os.Exit(pgtest.Main(m))
}

var (
	admin  = model.Actor{Name: "alice", Role: model.RoleAdmin, Remote: "192.0.2.7:5022"}
	viewer = model.Actor{Name: "victor", Role: model.RoleViewer}
)

// testStore is a store on a fresh database with its data key in a temporary directory.
type testStore struct {
	*Store
	url, keyPath string
}

// openTestStore opens a store on a fresh database and closes it when the test ends.
func openTestStore(t testing.TB) *testStore {
	t.Helper()
	url := pgtest.DB(t)
	keyPath := filepath.Join(t.TempDir(), "data.key")
	return &testStore{Store: openAt(t, url, keyPath), url: url, keyPath: keyPath}
}

// openAt opens another handle on url, as another process would, closed when the test ends.
func openAt(t testing.TB, url, keyPath string) *Store {
	t.Helper()
	s, err := Open(testCtx(t), Options{URL: url, DataKeyPath: keyPath})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
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
