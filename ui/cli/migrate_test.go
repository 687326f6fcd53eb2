package cli

import (
	"strings"
	"testing"

	"provkeys/store/postgres/pgtest"
)

// TestMigrateToPostgres: `provkeys migrate` copies the fixture's SQLite store into a new
// PostgreSQL database, which the command line then uses through --db URL and --data-key; a
// second copy into it is refused in one line, and PostgreSQL without a data key too.
func TestMigrateToPostgres(t *testing.T) {
	f := newFixture(t)
	secret := f.addKey("web-01")
	url := pgtest.DB(t)
	key := f.db + ".key"
	r := f.exec("", "migrate", "--from", f.db, "--to", url)
	if r.code != 0 || !strings.Contains(r.stdout, "keys 1,") {
		t.Fatalf("migrate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = f.exec("", "--db", url, "--data-key", key, "keys", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "web-01") {
		t.Fatalf("keys list on PostgreSQL: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = f.exec("", "--db", url, "--data-key", key, "verify", secret)
	if r.code != 0 || !strings.Contains(r.stdout, "web-01") {
		t.Fatalf("verify on PostgreSQL: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := f.exec("", "migrate", "--from", f.db, "--to", url); r.code != 1 || !strings.Contains(r.stderr, "not empty") {
		t.Fatalf("second migrate: exit %d\n%s", r.code, r.stderr)
	}
	if r := f.exec("", "--db", url, "keys", "list"); r.code != 1 || !strings.Contains(r.stderr, "data key") {
		t.Fatalf("PostgreSQL without a data key: exit %d\n%s", r.code, r.stderr)
	}
	if r := f.exec("", "migrate", "--from", f.db); r.code != 2 {
		t.Fatalf("migrate without --to: exit %d\n%s", r.code, r.stderr)
	}
}
