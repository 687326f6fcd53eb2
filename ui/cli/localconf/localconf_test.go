package localconf

import (
	"os/user"
	"testing"

	"provkeys/model"
)

func TestStoreOptions(t *testing.T) {
	t.Setenv("PROVKEYS_DB", "/tmp/x/p.db")
	if o, err := StoreOptions("", ""); err != nil || o.DB != "/tmp/x/p.db" || o.DataKeyPath != "/tmp/x/p.db.key" {
		t.Fatalf("PROVKEYS_DB: got %+v, %v", o, err)
	}
	t.Setenv("PROVKEYS_DB", "")
	t.Setenv("XDG_DATA_HOME", "/srv/data")
	if o, _ := StoreOptions("", ""); o.DB != "/srv/data/provkeys/provkeys.db" {
		t.Fatalf("XDG_DATA_HOME: got %q", o.DB)
	}
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("HOME", "/home/op")
	if o, _ := StoreOptions("", ""); o.DB != "/home/op/.local/share/provkeys/provkeys.db" {
		t.Fatalf("default: got %q", o.DB)
	}
	t.Setenv("XDG_DATA_HOME", "relative/dir") // invalid per the XDG spec: ignored
	if o, _ := StoreOptions("", ""); o.DB != "/home/op/.local/share/provkeys/provkeys.db" {
		t.Fatalf("relative XDG_DATA_HOME: got %q", o.DB)
	}
	t.Setenv("PROVKEYS_DATA_KEY", "/keys/data.key")
	if o, _ := StoreOptions("/db/flag.db", ""); o.DB != "/db/flag.db" || o.DataKeyPath != "/keys/data.key" {
		t.Fatalf("--db and PROVKEYS_DATA_KEY: got %+v", o)
	}
	if o, _ := StoreOptions("/db/flag.db", "/keys/flag.key"); o.DataKeyPath != "/keys/flag.key" {
		t.Fatalf("--data-key: got %+v", o)
	}
	url := "postgres://op@db.example/provkeys"
	if o, _ := StoreOptions(url, ""); o.DB != url || o.DataKeyPath != "/keys/data.key" {
		t.Fatalf("a PostgreSQL URL: got %+v", o)
	}
	t.Setenv("PROVKEYS_DATA_KEY", "")
	t.Setenv("PROVKEYS_DB", "host=/run/postgresql dbname=provkeys")
	if o, _ := StoreOptions("", ""); o.DB != "host=/run/postgresql dbname=provkeys" || o.DataKeyPath != "" {
		t.Fatalf("PROVKEYS_DB as a connection string: got %+v", o)
	}
}

// TestLocalActor: without a passwd entry (docker run -u 1234) the actor is $USER only when it
// is a valid actor name; anything else (control characters, look-alikes) is recorded as uid:N.
func TestLocalActor(t *testing.T) {
	noPasswd := func() (*user.User, error) { return nil, user.UnknownUserIdError(1234) }
	for _, tt := range []struct{ env, want string }{
		{"alice", "alice"},
		{"", "uid:1234"},
		{"evil\x1b[2J", "uid:1234"},
		{"аlice", "uid:1234"}, // Cyrillic а
		{"root\nadmin", "uid:1234"},
	} {
		if got := actorFrom(1234, noPasswd, tt.env); got.Name != tt.want || got.Role != model.RoleAdmin {
			t.Errorf("USER=%q: actor %+v, want %q", tt.env, got, tt.want)
		}
	}
	withPasswd := func() (*user.User, error) { return &user.User{Username: "bob"}, nil }
	if got := actorFrom(1234, withPasswd, "mallory"); got.Name != "bob" {
		t.Errorf("the passwd entry lost to $USER: %q", got.Name)
	}
}
