package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"provkeys/store/postgres/pgtest"
)

// TestPostgresOpenFailuresAreOneSentence: every way a PostgreSQL store can fail to open — a
// URL that cannot be read, a wrong password, a database that does not exist, a server too
// old — is one sentence on stderr saying which, without the password, and exit status 1.
func TestPostgresOpenFailuresAreOneSentence(t *testing.T) {
	srv := pgtest.Current(t)
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const password = "Sw0rdfish-never-shown"
	for _, q := range []string{
		"DROP ROLE IF EXISTS " + pgtest.PasswordRole,
		"CREATE ROLE " + pgtest.PasswordRole + " LOGIN PASSWORD 'right-one'",
	} {
		if err := srv.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	good := pgtest.DB(t)
	dbName := strings.TrimPrefix(strings.Split(good, "?")[0], "postgres:///")

	// A server too old: this database answers server_version_num as PostgreSQL 12 would,
	// through a current_setting searched before pg_catalog. The version check is the first
	// thing Open asks, so nothing else sees the shadow.
	old := pgtest.DB(t)
	oldName := strings.TrimPrefix(strings.Split(old, "?")[0], "postgres:///")
	if err := srv.Exec(ctx, "ALTER DATABASE "+oldName+" SET search_path = pretend12, pg_catalog, public"); err != nil {
		t.Fatal(err)
	}
	if err := execIn(ctx, old, `CREATE SCHEMA pretend12;
		CREATE FUNCTION pretend12.current_setting(text) RETURNS text LANGUAGE sql
			AS $$ SELECT CASE WHEN $1 = 'server_version_num' THEN '120022' ELSE pg_catalog.current_setting($1) END $$`); err != nil {
		t.Fatal(err)
	}

	key := filepath.Join(f.dir, "data.key")
	for _, c := range []struct {
		name, url, want string
	}{
		{"bad URL", "postgres://u:" + password + "@[::1:5432/db", "cannot be read"},
		{"wrong password", "postgres://" + pgtest.PasswordRole + ":" + password + "@/" + dbName + "?host=" + srv.SockDir, "refused the login"},
		{"missing database", srv.URL("no_such_db"), "does not exist"},
		{"server too old", old, "too old"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &fixture{t: t, dir: f.dir, db: f.db}
			r := f.exec("", "--db", c.url, "--data-key", key, "keys", "list")
			t.Logf("%s", r.stderr)
			if r.code != 1 || !strings.Contains(r.stderr, c.want) || strings.Contains(r.stderr, password) {
				t.Fatalf("exit %d, want 1 and one sentence saying %q without the password: %q", r.code, c.want, r.stderr)
			}
			if n := strings.Count(r.stderr, "open "); n != 1 {
				t.Fatalf("the sentence says what failed to open %d times: %q", n, r.stderr)
			}
		})
	}
	// The good database opens with the same flags: the failures above are the cases', not the
	// fixture's.
	if r := f.exec("", "--db", good, "--data-key", key, "keys", "list"); r.code != 0 {
		t.Fatalf("the good database: exit %d: %s", r.code, r.stderr)
	}
}

// execIn runs sql (several statements) in the database at url.
func execIn(ctx context.Context, url, sql string) error {
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, sql)
	return err
}
