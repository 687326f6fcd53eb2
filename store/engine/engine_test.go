package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"provkeys/internal/testcert"
	"provkeys/model"
	"provkeys/store"
	"provkeys/store/demo"
	"provkeys/store/postgres"
	"provkeys/store/postgres/pgtest"
	"provkeys/store/sqlite"
	"provkeys/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var admin = model.Actor{Name: "alice", Role: model.RoleAdmin}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestIsPostgres(t *testing.T) {
	for db, want := range map[string]bool{
		"postgres://u@db.example/provkeys":        true,
		"postgresql:///provkeys?host=/run/pg":     true,
		"POSTGRES://u@h/d":                        true,
		"host=/run/postgresql dbname=provkeys":    true,
		"dbname=provkeys":                         true,
		"/var/lib/provkeys/provkeys.db":           false,
		"provkeys.db":                             false,
		"./host=weird.db":                         false,
		"file with spaces.db":                     false,
		"/srv/postgres/provkeys.db":               false,
		"postgres.db":                             false,
		"C:\\data\\provkeys.db":                   false,
		"":                                        false,
		"   postgres://u@h/d":                     true,
		"user=provkeys host=db.example sslmode=x": true,
	} {
		if got := IsPostgres(db); got != want {
			t.Errorf("IsPostgres(%q) = %v, want %v", db, got, want)
		}
	}
}

// TestOpenChoosesTheEngine: a path opens SQLite, a URL PostgreSQL, and PostgreSQL without a
// data key is refused in one sentence.
func TestOpenChoosesTheEngine(t *testing.T) {
	ctx := testCtx(t)
	path := filepath.Join(t.TempDir(), "p.db")
	s, err := Open(ctx, Options{DB: path})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*sqlite.Store); !ok {
		t.Fatalf("a path opened %T", s)
	}
	s.Close()
	if _, err := os.Stat(path + ".key"); err != nil {
		t.Fatalf("SQLite's default data key: %v", err)
	}
	url := pgtest.DB(t)
	if _, err := Open(ctx, Options{DB: url}); err == nil || !strings.Contains(err.Error(), "data key") {
		t.Fatalf("PostgreSQL without a data key: %v", err)
	}
	p, err := Open(ctx, Options{DB: url, DataKeyPath: filepath.Join(t.TempDir(), "k")})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, ok := p.(*postgres.Store); !ok {
		t.Fatalf("a URL opened %T", p)
	}
	if d := Describe(Options{DB: "postgres://op:hunter2@db.example:5433/pk"}); strings.Contains(d, "hunter2") || !strings.Contains(d, "db.example:5433") {
		t.Fatalf("Describe: %q", d)
	}
}

// TestMigrateCopiesEverything: a SQLite store with keys (one erased), groups, an imported
// CA, a saved filter, an enrolled machine and its audit trail moves to PostgreSQL whole:
// the same listings, the same secrets, CAs that still sign; a second copy into the now
// non-empty database is refused and changes nothing.
func TestMigrateCopiesEverything(t *testing.T) {
	ctx := testCtx(t)
	path := filepath.Join(t.TempDir(), "p.db")
	src, err := sqlite.Open(sqlite.Options{Path: path, DataKeyPath: path + ".key"})
	if err != nil {
		t.Fatal(err)
	}
	x := src.Session(admin)
	if err := demo.Fill(ctx, x, 300, nil); err != nil {
		t.Fatal(err)
	}
	keys, _ := x.ListKeys(ctx)
	erased := keys[3]
	in := erased.Input()
	in.Exportable = false
	if _, err := x.UpdateKey(ctx, erased.ID, erased.Version, in); err != nil {
		t.Fatal(err)
	}
	if _, err := x.ImportCert(ctx, "Corp CA", storetest.TestCA(t, true)); err != nil {
		t.Fatal(err)
	}
	if _, err := x.SaveFilter(ctx, "off", "status:disabled"); err != nil {
		t.Fatal(err)
	}
	kin := keys[0].Input()
	kin.Name = "enrolling"
	// The demo's first key may be disabled, expired or exhausted: this one must enroll.
	kin.Enabled, kin.ExpiresAt, kin.MaxUsage = true, time.Time{}, 0
	_, secret, err := x.CreateKey(ctx, kin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Enroll(ctx, model.EnrollRequest{Key: secret, Machine: "m-1", CSR: testcert.CSR(t, "m-1")}, 0); err != nil {
		t.Fatal(err)
	}
	before, lastAudit := snapshot(t, src, 0)
	src.Close()

	url := pgtest.DB(t)
	counts, err := Migrate(ctx, path, "", url)
	if err != nil {
		t.Fatal(err)
	}
	if counts["keys"] != 301 || counts["machines"] != 1 || counts["certs"] != 3 || counts["saved_filters"] != 1 || counts["audit"] == 0 {
		t.Fatalf("counts: %v", counts)
	}
	dst, err := Open(ctx, Options{DB: url, DataKeyPath: path + ".key"})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if after, _ := snapshot(t, dst, lastAudit); after != before {
		t.Fatalf("the copy differs:\n%s", firstDiff(before, after))
	}
	// The generated CAs' private keys came along sealed and still sign.
	if _, _, err := dst.ServerTLS(ctx, "Root", []string{"provkeys.example"}); err != nil {
		t.Fatalf("ServerTLS after the copy: %v", err)
	}
	// New rows continue after the copied ids.
	if _, err := dst.Session(admin).CreateGroup(ctx, model.GroupInput{Name: "after-copy", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := Migrate(ctx, path, "", url); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("a second copy: %v", err)
	}
	if gs, _ := dst.Session(admin).ListGroups(ctx); countName(gs, "after-copy") != 1 {
		t.Fatal("the refused copy changed the destination")
	}
}

// TestMigrateRefusals: a missing source, a destination that is not PostgreSQL.
func TestMigrateRefusals(t *testing.T) {
	ctx := testCtx(t)
	if _, err := Migrate(ctx, filepath.Join(t.TempDir(), "none.db"), "", pgtest.DB(t)); err == nil || !strings.Contains(err.Error(), "no SQLite store") {
		t.Fatalf("missing source: %v", err)
	}
	if _, err := Migrate(ctx, "x.db", "", "/tmp/y.db"); err == nil || !strings.Contains(err.Error(), "PostgreSQL") {
		t.Fatalf("SQLite destination: %v", err)
	}
}

func countName(gs []model.Group, name string) int {
	n := 0
	for _, g := range gs {
		if g.Name == name {
			n++
		}
	}
	return n
}

// snapshot is what a store holds, as text: every listing, every key's material (or why
// not), and the audit trail up to before that reading.
// Audit rows after upTo (0: none are) are left out, and the newest id listed is returned.
func snapshot(t *testing.T, s store.Store, upTo int64) (string, int64) {
	t.Helper()
	x, ctx := s.Session(admin), testCtx(t)
	audit, err := x.ListAudit(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	keys, err1 := x.ListKeys(ctx)
	groups, err2 := x.ListGroups(ctx)
	certs, err3 := x.ListCerts(ctx)
	filters, err4 := x.ListFilters(ctx)
	machines, err5 := x.ListMachines(ctx, 0)
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "groups %+v\ncerts %+v\nfilters %+v\nmachines %+v\n", groups, certs, filters, machines)
	for _, k := range keys {
		sec, err := x.ExportKey(ctx, k.ID)
		fmt.Fprintf(&b, "key %+v material %q %v\n", k, sec, errors.Is(err, model.ErrNotExportable))
	}
	var last int64
	for _, e := range audit {
		if upTo > 0 && e.ID > upTo {
			continue // the copy's own row, and the source's reading of the material
		}
		last = max(last, e.ID)
		fmt.Fprintf(&b, "audit %d %s %s %s %s %s %s\n", e.ID, e.At.Format(time.RFC3339Nano), e.Actor, e.Action, e.ObjectName, e.Old, e.New)
	}
	return b.String(), last
}

// firstDiff is the first line where a and b differ.
func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n SQLite:     %s\n PostgreSQL: %s", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("%d lines vs %d", len(la), len(lb))
}
