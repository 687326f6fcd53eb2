package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"provkeys/model"
	"provkeys/store"
	"provkeys/store/sqlite"
	"provkeys/ui/cli/localconf"
)

// verify exits 0 only for a key that could enroll: an expired key and an exhausted one are
// refused with exit 1 and a sentence that says which, never the key itself.
func TestVerifyRefusesExpiredAndExhausted(t *testing.T) {
	f := newFixture(t)
	f.addKey("web-01") // creates the store and its group
	keys := keyLines(t, 2)
	expired, exhausted := keys[0], keys[1]

	opt, err := localconf.StoreOptions(f.db, "")
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(sqlite.Options{Path: opt.DB, DataKeyPath: opt.DataKeyPath})
	if err != nil {
		t.Fatal(err)
	}
	in := func(name, secret string) model.KeyInput {
		return model.KeyInput{Name: name, Groups: []string{"Servers"}, Cert: "Client", Enabled: true, Exportable: true, Secret: secret}
	}
	old := in("old-01", expired)
	old.ExpiresAt = time.Now().Add(-time.Hour)
	full := in("full-01", exhausted)
	full.MaxUsage = 1
	err = st.Session(model.Actor{Name: "root", Role: model.RoleAdmin}).CreateKeys(context.Background(),
		[]store.NewKey{{KeyInput: old}, {KeyInput: full, UsageCount: 1}}, "test: an expired and an exhausted key")
	st.Close()
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct{ secret, name, want string }{
		{expired, "old-01", "expired"},
		{exhausted, "full-01", "exhausted"},
	} {
		stderr := f.fail(1, "verify", tc.secret)
		if !strings.Contains(stderr, tc.name) || !strings.Contains(strings.ToLower(stderr), tc.want) {
			t.Errorf("verify of the %s key: %q, want a sentence naming %s as %s", tc.want, stderr, tc.name, tc.want)
		}
		noMaterial(t, stderr, tc.secret)
	}
}
