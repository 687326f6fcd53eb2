package dash_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"provkeys/internal/testcert"
	"provkeys/model"
	"provkeys/store/sqlite"
)

// enrollMachines makes a store at db with key "fleet" and the machines enrolled with it, in
// order, as the enrollment service would record them.
func enrollMachines(t *testing.T, db string, machines ...string) {
	t.Helper()
	st, err := sqlite.Open(sqlite.Options{Path: db, DataKeyPath: db + ".key"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	x := st.Session(model.Actor{Name: "alice", Role: model.RoleAdmin})
	if _, err := x.CreateGroup(ctx, model.GroupInput{Name: "Kiosks", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	_, secret, err := x.CreateKey(ctx, model.KeyInput{Name: "fleet", Groups: []string{"Kiosks"}, Cert: "Client", Enabled: true, Exportable: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range machines {
		csr := testcert.CSR(t, m)
		if _, err := st.Enroll(ctx, model.EnrollRequest{Key: secret, Machine: m, CSR: csr, Remote: "192.0.2.10:40000"}, 0); err != nil {
			t.Fatal(err)
		}
	}
}

// TestE2EMachinesTab drives the Machines tab in tmux as an operator would: the enrolled
// machines listed newest first, filtered, one expanded, one revoked after the confirmation,
// and the store agreeing.
func TestE2EMachinesTab(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	db := filepath.Join(t.TempDir(), "e2e.db")
	enrollMachines(t, db, "lobby-01", "lobby-02", "dock-07")

	tm := startTerm(t, 130, 30, nil, provkeysBinary(t)+" --db "+db)
	tm.waitFor("of 1 keys")
	// m on a key opens the Machines tab on that key's machines.
	tm.keys("m")
	screen := tm.waitFor("3 of 3 machines")
	if !strings.Contains(screen, "/ fleet") {
		t.Fatalf("m did not filter the Machines tab to the key:\n%s", screen)
	}
	tm.keys("/")
	time.Sleep(200 * time.Millisecond)
	tm.keys("Escape") // clear the filter
	tm.waitGone("/ fleet")
	for _, want := range []string{"[Machines]", "MACHINE", "KEY", "CERT EXPIRES", "STATUS", "FROM", "192.0.2.10:40000", "Kiosks"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("the Machines tab lacks %q:\n%s", want, screen)
		}
	}
	// Newest first: dock-07 enrolled last.
	if i, j := strings.Index(screen, "dock-07"), strings.Index(screen, "lobby-01"); i < 0 || j < 0 || i > j {
		t.Fatalf("not newest first:\n%s", screen)
	}

	tm.keys("/")
	tm.text("lobby")
	tm.waitFor("2 of 3 machines")
	tm.keys("Enter") // keep the filter
	tm.keys("Enter") // expand lobby-02, the newer of the two
	screen = tm.waitFor("Serial")
	if !strings.Contains(screen, "took one use of the key") || !strings.Contains(screen, "Signed by") {
		t.Fatalf("expanded row:\n%s", screen)
	}

	tm.keys("d")
	tm.waitFor("Revoke machine lobby-02")
	tm.keys("n")
	tm.waitFor("Kept machine lobby-02")
	tm.keys("d")
	tm.waitFor("Revoke machine lobby-02")
	tm.keys("y")
	tm.waitFor("Revoked machine lobby-02")
	tm.waitFor("revoked")

	var ms []struct {
		Name      string  `json:"name"`
		RevokedAt *string `json:"revoked_at"`
	}
	if err := json.Unmarshal([]byte(cli(t, db, "machines", "list", "--json")), &ms); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if (m.RevokedAt != nil) != (m.Name == "lobby-02") {
			t.Fatalf("after revoking lobby-02 in the dashboard: %+v", ms)
		}
	}
	// A revoked machine cannot be revoked again: d says so instead of asking.
	tm.keys("d")
	tm.waitFor("already revoked")
}
