package dash_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// focusedTitle is the first line of the form's focused field: huh marks it with "┃".
func focusedTitle(screen string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.HasPrefix(l, "┃") {
			return strings.TrimSpace(strings.TrimPrefix(l, "┃"))
		}
	}
	return ""
}

// nextField presses enter in the form and waits until the focus has moved, so no key press
// is lost to a screen that has not caught up.
func (tm *term) nextField() {
	tm.t.Helper()
	before := focusedTitle(tm.screen())
	tm.keys("Enter")
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := tm.screen()
		if f := focusedTitle(s); f != before || strings.Contains(s, "· Review") {
			return
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("the focus never left %q:\n%s", before, s)
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// TestE2EConflictDialogOverwrite is two operators on one store file: dashboard A edits key
// web-01 while the command line saves another change to it; A's save opens the conflict
// dialog with both values, o saves A's input over it, the audit trail records an overwrite,
// and dashboard B, watching, shows A's values.
func TestE2EConflictDialogOverwrite(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	db := filepath.Join(t.TempDir(), "conflict.db")
	cli(t, db, "groups", "add", "--name", "Web Frontends")
	cli(t, db, "keys", "add", "--name", "web-01", "--group", "Web Frontends", "--description", "original")
	bin := provkeysBinary(t)
	a := startTerm(t, 80, 24, nil, bin+" --db "+db)
	b := startTerm(t, 80, 24, nil, bin+" --db "+db)
	a.waitFor("1 of 1 keys")
	b.waitFor("1 of 1 keys")
	b.keys("Enter") // B expands the row, to watch the description
	b.waitFor("original")

	// A: edit the description. Name, groups, certificate, status, re-enrollment, View/Export.
	a.keys("e")
	a.waitFor("Edit key web-01")
	for range 6 {
		a.nextField()
	}
	if f := focusedTitle(a.screen()); f != "Description" {
		t.Fatalf("the focus is on %q, want the description:\n%s", f, a.screen())
	}
	a.keys("C-u")
	a.text("mine from A")
	a.waitFor("> mine from A")
	for range 3 { // description, max usage, expiry
		a.nextField()
	}
	a.waitFor("Edit key web-01 · Review")

	// Meanwhile someone else saves a change to the same key; B shows it, A's form keeps its input.
	cli(t, db, "keys", "edit", "web-01", "--description", "theirs")
	b.waitFor("theirs")

	a.keys("Enter")
	sc := a.waitFor("while you were editing")
	for _, want := range []string{"web-01 was changed by", "Theirs (stored now)", "⚠ Description", "theirs", "mine from A",
		"r reload theirs", "o overwrite with yours"} {
		if !strings.Contains(sc, want) {
			t.Fatalf("the dialog lacks %q:\n%s", want, sc)
		}
	}
	if got := showDescription(t, db); got != "theirs" {
		t.Fatalf("the dialog's save reached the store: %q", got)
	}

	a.keys("o")
	a.waitFor("saved over")
	if got := showDescription(t, db); got != "mine from A" {
		t.Fatalf("after the overwrite the store has description %q", got)
	}
	var events []struct {
		Action     string `json:"action"`
		ObjectName string `json:"object_name"`
		Result     string `json:"result"`
	}
	if err := json.Unmarshal([]byte(cli(t, db, "audit", "--json")), &events); err != nil {
		t.Fatalf("audit --json: %v", err)
	}
	if len(events) == 0 || events[0].Action != "overwrite" || events[0].ObjectName != "web-01" || events[0].Result != "ok" {
		t.Fatalf("the newest audit row is %+v, want an overwrite of web-01", events)
	}
	b.waitFor("mine from A")
}

// showDescription is key web-01's description as the command line shows it.
func showDescription(t *testing.T, db string) string {
	t.Helper()
	var k struct {
		Description string `json:"description"`
	}
	if err := json.Unmarshal([]byte(cli(t, db, "keys", "show", "web-01", "--json")), &k); err != nil {
		t.Fatalf("keys show --json: %v", err)
	}
	return k.Description
}
