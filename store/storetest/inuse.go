package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"provkeys/model"
	"provkeys/store"
)

// testInUseNamesCapped: a group or certificate used by many keys refuses to go with an
// error that says how many keys use it and carries only the first model.InUseShown names
// (a certificate used by a million keys must not carry a million names).
func testInUseNamesCapped(t *testing.T, open Opener) {
	_, x, ctx := openAsAdmin(t, open)
	mustGroup(t, x, "Servers")
	const n = model.InUseShown + 3
	var batch []store.NewKey
	for i := range n {
		batch = append(batch, store.NewKey{KeyInput: keyInput(fmt.Sprintf("k%02d", i))})
	}
	if err := x.CreateKeys(ctx, batch, "test"); err != nil {
		t.Fatal(err)
	}
	g, err := x.GroupByName(ctx, "Servers")
	if err != nil {
		t.Fatal(err)
	}
	c, err := x.CertByName(ctx, "Client")
	if err != nil {
		t.Fatal(err)
	}
	for what, err := range map[string]error{
		"DeleteGroup": x.DeleteGroup(ctx, g.ID, g.Version),
		"DeleteCert":  x.DeleteCert(ctx, c.ID),
	} {
		var iu *model.InUseError
		if !errors.As(err, &iu) {
			t.Fatalf("%s: %v; want *model.InUseError", what, err)
		}
		if iu.Count != n || len(iu.Users) != model.InUseShown || iu.Users[0] != "k00" || iu.Users[model.InUseShown-1] != fmt.Sprintf("k%02d", model.InUseShown-1) {
			t.Errorf("%s: Count %d, Users %q; want %d and the first %d names", what, iu.Count, iu.Users, n, model.InUseShown)
		}
		if msg := err.Error(); !strings.Contains(msg, fmt.Sprintf("used by %d key(s)", n)) || !strings.Contains(msg, "and 3 more") {
			t.Errorf("%s: %q", what, msg)
		}
	}
}
