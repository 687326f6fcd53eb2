package dash_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestE2EKeyReview drives key review (DESIGN §10) in tmux as an operator would: space marks
// rows ("N marked" in the bar), the palette (: then an action's name) disables the marked
// keys after one question and the status line sums up, the command line finds them disabled;
// esc clears the marks, then an applied filter; the column chooser (:columns) changes the
// table's header, and the choice is still there when the dashboard is opened again.
func TestE2EKeyReview(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	db := filepath.Join(t.TempDir(), "review.db")
	cli(t, db, "groups", "add", "--name", "Kiosks")
	for _, n := range []string{"kiosk-01", "kiosk-02", "kiosk-03", "kiosk-04", "web-01"} {
		cli(t, db, "keys", "add", "--name", n, "--group", "Kiosks", "--description", "desc of "+n)
	}
	bin := provkeysBinary(t) + " --db " + db

	tm := startTerm(t, 120, 32, nil, bin)
	tm.waitFor("5 of 5 keys")

	// Marks: space marks the cursor's row and moves down.
	tm.keys("Space")
	tm.waitFor("1 marked")
	tm.keys("Space")
	tm.waitFor("2 marked")

	// The palette: ":" then the action's name; the marked keys are disabled after one question.
	tm.keys(":")
	tm.waitFor("command…")
	tm.text("disable")
	tm.waitFor("› disable")
	tm.keys("Enter")
	tm.waitFor("Disable 2 marked keys (kiosk-01, kiosk-02)?")
	if !listKeys(t, db)["kiosk-01"].Enabled {
		t.Fatal("the keys were disabled before the answer")
	}
	tm.keys("y")
	tm.waitFor("Disabled 2 keys.")
	waitUntil(t, "the marked keys disabled in the store", func() bool {
		ks := listKeys(t, db)
		return !ks["kiosk-01"].Enabled && !ks["kiosk-02"].Enabled
	})
	for name, k := range listKeys(t, db) {
		if name != "kiosk-01" && name != "kiosk-02" && !k.Enabled {
			t.Fatalf("%s was disabled too", name)
		}
	}

	// esc clears the marks first, then the applied filter.
	tm.keys("/")
	tm.text("web")
	tm.waitFor("1 of 5 keys")
	tm.keys("Enter")
	tm.waitFor("2 marked")
	tm.keys("Escape")
	sc := tm.waitGone("marked")
	if !strings.Contains(sc, "1 of 5 keys") {
		t.Fatalf("the first esc cleared more than the marks:\n%s", sc)
	}
	tm.keys("Escape")
	sc = tm.waitFor("5 of 5 keys")
	for _, n := range []string{"kiosk-01", "kiosk-04", "web-01"} {
		if !strings.Contains(sc, n) {
			t.Fatalf("after esc cleared the filter, %s is not listed:\n%s", n, sc)
		}
	}

	// The column chooser: hide fingerprint, show description.
	if !strings.Contains(sc, "FINGERPRINT") || strings.Contains(sc, "DESCRIPTION") {
		t.Fatalf("the default columns:\n%s", sc)
	}
	tm.keys(":")
	tm.waitFor("command…")
	tm.text("columns")
	tm.waitFor("› columns")
	tm.keys("Enter")
	tm.waitFor("[x] fingerprint")
	tm.keys("Space") // the cursor starts on fingerprint
	tm.waitFor("[ ] fingerprint")
	tm.keys("j", "j", "j") // usage, updated, description
	tm.waitFor("› [ ] description")
	tm.keys("Space", "Enter")
	tm.waitFor("Saved your columns")
	sc = tm.waitFor("DESCRIPTION")
	if strings.Contains(sc, "FINGERPRINT") || !strings.Contains(sc, "desc of kiosk-03") {
		t.Fatalf("after the chooser:\n%s", sc)
	}
	tm.keys("q")
	waitUntil(t, "the dashboard to quit", func() bool {
		out, _ := exec.Command("tmux", "-L", tm.sock, "list-panes", "-a").CombinedOutput()
		return !strings.Contains(string(out), "%")
	})

	// The choice is the operator's, kept in the store: opened again, the table has it.
	tm = startTerm(t, 120, 32, nil, bin)
	tm.waitFor("5 of 5 keys")
	sc = tm.waitFor("DESCRIPTION")
	if strings.Contains(sc, "FINGERPRINT") {
		t.Fatalf("reopened, the table lost the chosen columns:\n%s", sc)
	}
}

// TestE2EGroupKeysAndAuditExport: K on a machine group opens the Keys view on its keys, and
// the Audit view's :export writes the events shown, the same bytes as `audit --format csv`.
func TestE2EGroupKeysAndAuditExport(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "jump.db")
	cli(t, db, "groups", "add", "--name", "Kiosks")
	cli(t, db, "groups", "add", "--name", "Web Frontends")
	cli(t, db, "keys", "add", "--name", "kiosk-01", "--group", "Kiosks")
	cli(t, db, "keys", "add", "--name", "web-01", "--group", "Web Frontends")

	tm := startTerm(t, 120, 32, nil, provkeysBinary(t)+" --db "+db)
	tm.waitFor("2 of 2 keys")
	tm.keys("Tab")
	tm.waitFor("2 of 2 groups")
	tm.keys("K") // on Kiosks, the first
	sc := tm.waitFor(`/ group:"Kiosks"`)
	if !strings.Contains(sc, "1 of 2 keys") || !strings.Contains(sc, "kiosk-01") || strings.Contains(sc, "web-01") {
		t.Fatalf("K on Kiosks:\n%s", sc)
	}

	tm.keys("Tab", "Tab", "Tab") // Audit
	tm.waitFor("of 4 events")
	tm.keys("/")
	tm.text("object:key")
	tm.waitFor("2 of 4 events")
	tm.keys("Enter")
	out := filepath.Join(dir, "keys-audit.csv")
	tm.keys(":")
	tm.waitFor("command…")
	tm.text("export " + out)
	tm.keys("Enter")
	tm.waitFor("Exported 2 audit events to " + out)
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var keyRows []string
	for _, l := range strings.Split(cli(t, db, "audit", "--format", "csv"), "\n") {
		if strings.HasPrefix(l, "id,") || strings.Contains(l, ",key,") {
			keyRows = append(keyRows, l)
		}
	}
	if string(got) != strings.Join(keyRows, "\n")+"\n" {
		t.Fatalf("the exported file:\n%s\nwant the key rows of audit --format csv:\n%s", got, strings.Join(keyRows, "\n"))
	}
}
