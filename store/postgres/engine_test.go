package postgres

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"provkeys/model"
	"provkeys/store"
	"provkeys/store/postgres/pgtest"
)

// TestMigrationsOnceUnderTheLock: several stores opening a brand-new database at once (as
// replicas starting together) all open, and the schema and its seed are made exactly once.
func TestMigrationsOnceUnderTheLock(t *testing.T) {
	url := pgtest.DB(t)
	keyPath := filepath.Join(t.TempDir(), "data.key")
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	stores := make([]*Store, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = Open(testCtx(t), Options{URL: url, DataKeyPath: keyPath})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	ctx := testCtx(t)
	var migrations, certs int
	if err := stores[0].pool.QueryRow(ctx, "SELECT (SELECT count(*) FROM schema_migrations), (SELECT count(*) FROM certs)").
		Scan(&migrations, &certs); err != nil {
		t.Fatal(err)
	}
	if migrations != SchemaVersion() || certs != 2 {
		t.Fatalf("%d migration rows (want %d) and %d certificates (want 2)", migrations, SchemaVersion(), certs)
	}
	// Every handle works on the one schema with the one data key.
	for i, s := range stores {
		if _, err := s.as(admin).CreateGroup(ctx, model.GroupInput{Name: "g" + string(rune('a'+i)), Enabled: true}); err != nil {
			t.Fatalf("store %d: %v", i, err)
		}
	}
}

// TestChangeSeenByAnotherStoreWithinASecond: a commit through one handle (another replica)
// moves DataVersion of another within a second, without DataVersion querying the server.
func TestChangeSeenByAnotherStoreWithinASecond(t *testing.T) {
	a := openTestStore(t)
	b := openAt(t, a.url, a.keyPath)
	ctx := testCtx(t)
	xb := b.as(viewer)
	v0, err := xb.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		start := time.Now()
		mustGroup(t, a.as(admin), "elsewhere-"+string(rune('a'+i)))
		for {
			v, err := xb.DataVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if v != v0 {
				v0 = v
				break
			}
			if time.Since(start) > time.Second {
				t.Fatalf("change %d not seen by the other store within a second", i)
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Logf("change %d seen after %v", i, time.Since(start))
	}
	// And a quiet store's version stays put.
	time.Sleep(100 * time.Millisecond)
	if v, _ := xb.DataVersion(ctx); v != v0 {
		t.Fatal("DataVersion moved with no commit")
	}
}

// TestDataVersionAnswersFromMemory: polling DataVersion sends nothing to the server (50 open
// dashboards are no polling storm).
func TestDataVersionAnswersFromMemory(t *testing.T) {
	s := openTestStore(t)
	ctx := testCtx(t)
	// Every query takes a connection from the pool; the listener's own connection is not
	// the pool's and only waits.
	before := s.pool.Stat().AcquireCount()
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if _, err := s.as(viewer).DataVersion(ctx); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if d := s.pool.Stat().AcquireCount() - before; d != 0 {
		t.Fatalf("5000 DataVersion calls ran %d queries", d)
	}
	mustGroup(t, s.as(admin), "counted") // the count does move with a query
	if s.pool.Stat().AcquireCount() == before {
		t.Fatal("the pool does not count acquisitions")
	}
}

// TestServerRestartRecovers: while the server is down, calls fail with ErrUnavailable (no
// hang, no panic); when it is back, the same store works again by itself, and DataVersion
// moves so dashboards reload what they may have missed.
func TestServerRestartRecovers(t *testing.T) {
	srv := pgtest.Current(t)
	s := openTestStore(t)
	x := s.as(admin)
	ctx := testCtx(t)
	mustGroup(t, x, "before")
	v0, err := x.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Halt(); err != nil {
		t.Fatal(err)
	}
	restarted := false
	defer func() {
		if !restarted {
			srv.Start()
		}
	}()
	if _, err := x.ListGroups(ctx); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("ListGroups with the server down: %v", err)
	}
	if _, err := x.CreateGroup(ctx, model.GroupInput{Name: "during", Enabled: true}); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("CreateGroup with the server down: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := x.DataVersion(ctx)
		if errors.Is(err, store.ErrUnavailable) {
			t.Logf("DataVersion while down: %v", err)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("DataVersion with the server down: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	deadline = time.Now().Add(15 * time.Second)
	for {
		_, err := x.CreateGroup(ctx, model.GroupInput{Name: "after", Enabled: true})
		if err == nil {
			break
		}
		if !errors.Is(err, store.ErrUnavailable) || time.Now().After(deadline) {
			t.Fatalf("CreateGroup after the restart: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for {
		v, err := x.DataVersion(ctx)
		if err == nil && v != v0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("DataVersion after the restart: %d %v", v, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if gs, err := x.ListGroups(ctx); err != nil || len(gs) != 2 {
		t.Fatalf("groups after the restart: %+v %v", gs, err)
	}
}

// TestDumpHoldsNoKeyBytes: pg_dump of a store holds neither key material nor CA private keys
// in the clear, nor the data key that opens them (it lives in a file outside the database).
func TestDumpHoldsNoKeyBytes(t *testing.T) {
	srv := pgtest.Current(t)
	s := openTestStore(t)
	x := s.as(admin)
	ctx := testCtx(t)
	mustGroup(t, x, "Servers")
	var secrets []string
	for _, name := range []string{"web-01", "web-02", "db-01"} {
		_, secret, err := x.CreateKey(ctx, keyInput(name))
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, secret)
	}
	dbName := s.pool.Config().ConnConfig.Database
	cmd := exec.Command(srv.Bin("pg_dump"), "-h", srv.SockDir, "-U", "provkeys", "--no-owner", dbName)
	dump, err := cmd.Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	if !bytes.Contains(dump, []byte("web-01")) || !bytes.Contains(dump, []byte("BEGIN CERTIFICATE")) {
		t.Fatal("the dump does not look like this store's")
	}
	keyFile, err := os.ReadFile(s.keyPath)
	if err != nil {
		t.Fatal(err)
	}
	dataKey, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(keyFile)))
	if err != nil {
		t.Fatal(err)
	}
	forbidden := map[string]string{
		"the data key (base64)": strings.TrimSpace(string(keyFile)),
		"the data key (hex)":    hex.EncodeToString(dataKey),
		"a private key":         "PRIVATE KEY",
	}
	for i, sec := range secrets {
		forbidden["key material "+string(rune('1'+i))] = sec
		forbidden["key material (hex) "+string(rune('1'+i))] = hex.EncodeToString([]byte(sec))
	}
	for what, needle := range forbidden {
		if bytes.Contains(bytes.ToLower(dump), []byte(strings.ToLower(needle))) {
			t.Errorf("the dump holds %s", what)
		}
	}
}

// TestOpenErrorsAreOneSentence: what an operator gets for a URL that cannot work — one
// sentence naming the database, never the password.
func TestOpenErrorsAreOneSentence(t *testing.T) {
	srv := pgtest.Current(t)
	ctx := testCtx(t)
	keyPath := filepath.Join(t.TempDir(), "data.key")
	const password = "Sw0rdfish-never-shown"
	if err := srv.Exec(ctx, "DROP ROLE IF EXISTS "+pgtest.PasswordRole); err != nil {
		t.Fatal(err)
	}
	if err := srv.Exec(ctx, "CREATE ROLE "+pgtest.PasswordRole+" LOGIN PASSWORD 'right-one'"); err != nil {
		t.Fatal(err)
	}
	db := pgtest.DB(t)
	dbName := strings.TrimPrefix(strings.Split(db, "?")[0], "postgres:///")
	for _, c := range []struct {
		name, url, want string
	}{
		{"bad URL", "postgres://u:" + password + "@[::1:5432/db", "cannot be read"},
		{"missing database", srv.URL("no_such_db"), "does not exist"},
		{"wrong password", "postgres://" + pgtest.PasswordRole + ":" + password + "@/" + dbName + "?host=" + srv.SockDir, "refused the login"},
		{"no server", "postgres://u:" + password + "@/db?host=" + t.TempDir() + "&connect_timeout=2", "cannot be reached"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := Open(ctx, Options{URL: c.url, DataKeyPath: keyPath})
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			msg := err.Error()
			t.Logf("%s", msg)
			if !strings.Contains(msg, c.want) || strings.Contains(msg, password) || strings.Contains(msg, "\n") {
				t.Fatalf("want one sentence saying %q, without the password: %q", c.want, msg)
			}
		})
	}
	if _, err := Open(ctx, Options{URL: db}); err == nil || !strings.Contains(err.Error(), "data key") {
		t.Fatalf("no data key: %v", err)
	}
	if err := checkServerVersion(120022); err == nil || !strings.Contains(err.Error(), "12.0, too old") {
		t.Fatalf("PostgreSQL 12: %v", err)
	}
	if err := checkServerVersion(150018); err != nil {
		t.Fatalf("PostgreSQL 15: %v", err)
	}
}

// TestWrongDataKeyRefused: a store opened with another data key is refused before anything
// is sealed with it.
func TestWrongDataKeyRefused(t *testing.T) {
	s := openTestStore(t)
	other := filepath.Join(t.TempDir(), "other.key")
	if _, err := store.LoadDataKey(other, true); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(testCtx(t), Options{URL: s.url, DataKeyPath: other}); err == nil || !strings.Contains(err.Error(), "not the one") {
		t.Fatalf("wrong data key: %v", err)
	}
	if _, err := Open(testCtx(t), Options{URL: s.url, DataKeyPath: filepath.Join(t.TempDir(), "missing.key")}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("missing data key: %v", err)
	}
}

// TestAuditRefusesRewrites: the trigger refuses UPDATE, DELETE and TRUNCATE of the audit
// trail even to a client that bypasses the store.
func TestAuditRefusesRewrites(t *testing.T) {
	s := openTestStore(t)
	mustGroup(t, s.as(admin), "Servers")
	ctx := testCtx(t)
	c, err := pgx.Connect(ctx, s.url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for _, q := range []string{"UPDATE audit SET actor = 'mallory'", "DELETE FROM audit", "TRUNCATE audit"} {
		if _, err := c.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", q, err)
		}
	}
}

// TestPoolSize: a replica opens five connections for each core it may use, from 5 to 20,
// unless the URL's pool_max_conns says how many.
func TestPoolSize(t *testing.T) {
	for procs, want := range map[int]int32{1: 5, 2: 10, 3: 15, 4: 20, 8: 20} {
		old := runtime.GOMAXPROCS(procs)
		got := poolSize()
		runtime.GOMAXPROCS(old)
		if got != want {
			t.Errorf("GOMAXPROCS %d: pool of %d connections, want %d", procs, got, want)
		}
	}
	s := openTestStore(t)
	if got := s.pool.Config().MaxConns; got != poolSize() {
		t.Errorf("a store opened without pool_max_conns has a pool of %d, want %d", got, poolSize())
	}
	sep := "?"
	if strings.Contains(s.url, "?") {
		sep = "&"
	}
	s3 := openAt(t, s.url+sep+"pool_max_conns=3", s.keyPath)
	if got := s3.pool.Config().MaxConns; got != 3 {
		t.Errorf("pool_max_conns=3 in the URL gave a pool of %d", got)
	}
}
