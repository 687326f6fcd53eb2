package ui

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
)

// threeKeys is a small store: names sort alpha < bravo < charlie, groups the other way round.
func threeKeys() *fakeStore {
	a := testKey(1, "alpha", "Web Frontends")
	b := testKey(2, "bravo", "Laptops")
	c := testKey(3, "charlie", "Database Servers")
	b.Description = "the build box"
	return newFake(a, b, c)
}

func TestCursorAndExpansionFollowTheKeyAcrossFilterSortAndReload(t *testing.T) {
	t.Parallel()
	st := threeKeys()
	d := newDriver(t, st, admin, Options{})
	d.press("j") // bravo
	d.press("enter")
	if d.cursorName() != "bravo" || !d.keys().isExpanded(2) {
		t.Fatalf("cursor %q, expanded %v; want bravo expanded", d.cursorName(), d.keys().isExpanded(2))
	}
	d.mustSee("the build box")

	d.press("/")
	d.typ("name:r") // bravo and charlie match: bravo moves from position 1 to 0
	if got := len(d.keys().view); got != 2 {
		t.Fatalf("filter r: %d rows, want 2", got)
	}
	if d.cursorName() != "bravo" {
		t.Fatalf("after filter cursor on %q, want bravo", d.cursorName())
	}
	d.press("enter")

	d.press("s") // sort by machine group: Database Servers (charlie) before Laptops (bravo)
	if d.keys().cursor != 1 || d.cursorName() != "bravo" {
		t.Fatalf("after sort cursor at %d on %q, want 1 on bravo", d.keys().cursor, d.cursorName())
	}
	d.press("S")
	if d.keys().cursor != 0 || d.cursorName() != "bravo" {
		t.Fatalf("after reverse cursor at %d on %q, want 0 on bravo", d.keys().cursor, d.cursorName())
	}
	d.mustSee("MACHINE GROUP(S) ▼")

	// Another process adds a key that sorts first and changes bravo; reload keeps both.
	st.mu.Lock()
	st.keys = append(st.keys, testKey(4, "aardvark-r", "Zebras"))
	st.keys[1].Description = "renamed box"
	st.mu.Unlock()
	d.press("ctrl+r")
	if d.cursorName() != "bravo" || !d.keys().isExpanded(2) {
		t.Fatalf("after reload cursor %q expanded %v; want bravo expanded", d.cursorName(), d.keys().isExpanded(2))
	}
	d.mustSee("renamed box")

	d.press("/", "esc") // clearing the filter keeps the cursor on bravo too
	if d.cursorName() != "bravo" || len(d.keys().view) != 4 {
		t.Fatalf("after clearing: cursor %q, %d rows", d.cursorName(), len(d.keys().view))
	}
}

func TestFilterIsLiveAndABadTermIsExplainedInTheBar(t *testing.T) {
	t.Parallel()
	d := newDriver(t, threeKeys(), admin, Options{})
	d.press("/")
	d.typ("al")
	d.mustSee("1 of 3 keys", "alpha")
	d.mustNotSee("bravo")
	d.send(tea.PasteMsg{Content: " status:nonsense"}) // at once, as a paste
	v := d.view()
	if !strings.Contains(v, "✗") || !strings.Contains(v, "nonsense") {
		t.Fatalf("bad term not explained in the bar:\n%s", v)
	}
	d.mustSee("1 of 3 keys", "alpha") // the last good result stays
	// While typing, q is a letter, not quit.
	d.typ("q")
	if d.quit {
		t.Fatal("q quit while typing in the filter")
	}
	d.press("esc")
	d.mustSee("3 of 3 keys")
	if d.keys().filter.Value() != "" || d.keys().filterErr != "" {
		t.Fatal("esc did not clear the filter")
	}
	d.press("q")
	if !d.quit {
		t.Fatal("q did not quit from the table")
	}
}

func TestFilterEnterKeepsIt(t *testing.T) {
	t.Parallel()
	d := newDriver(t, threeKeys(), admin, Options{})
	d.press("/")
	d.typ("charlie")
	d.press("enter")
	if d.keys().Capturing() {
		t.Fatal("enter left the filter focused")
	}
	d.mustSee("1 of 3 keys", "/ charlie")
	d.press("j") // moves in the filtered table, does not type
	if d.keys().filter.Value() != "charlie" {
		t.Fatalf("filter became %q", d.keys().filter.Value())
	}
}

func TestDeleteNeedsY(t *testing.T) {
	t.Parallel()
	st := threeKeys()
	d := newDriver(t, st, admin, Options{})
	d.press("d")
	d.mustSee("Delete key alpha? y/n")
	d.press("n")
	d.press("d", "esc")
	d.press("d", "x", "q") // other keys neither answer nor quit
	if st.called("DeleteKey") || d.quit {
		t.Fatal("deleted (or quit) without y")
	}
	d.press("y")
	if !st.called("DeleteKey 1 1") {
		t.Fatalf("y did not delete alpha: %v", st.calls)
	}
	if d.keys().set.Name(0) != "bravo" || d.keys().set.Len() != 2 {
		t.Fatal("alpha is still in the table")
	}
	if !strings.Contains(d.status(), "Deleted key alpha") {
		t.Fatalf("status %q", d.status())
	}
}

func TestToggleFlipsStatus(t *testing.T) {
	t.Parallel()
	st := threeKeys()
	d := newDriver(t, st, admin, Options{})
	d.press("t")
	if !st.called("SetKeyEnabled 1 1 false") {
		t.Fatalf("calls %v", st.calls)
	}
	d.mustSee("○ Disabled")
	d.press("t")
	if !st.called("SetKeyEnabled 1 2 true") {
		t.Fatalf("second toggle did not use the reloaded version: %v", st.calls)
	}
}

func TestConflictIsOneSentenceInTheStatusLine(t *testing.T) {
	t.Parallel()
	st := threeKeys()
	st.setEnabled = func(id, version int64, enabled bool) (model.Key, error) {
		return model.Key{}, &model.ConflictError{Object: `key "alpha"`, By: "carol", At: testNow}
	}
	d := newDriver(t, st, admin, Options{})
	d.press("t")
	s := d.status()
	if !strings.Contains(s, "carol") || strings.Contains(s, "\n") || d.m.statusKind != statusErr {
		t.Fatalf("status %q", s)
	}
}

func TestCopySendsOSC52AndNativeClipboard(t *testing.T) {
	t.Parallel()
	st := threeKeys()
	var native []string
	d := newDriver(t, st, admin, Options{NativeClipboard: func(s string) error {
		native = append(native, s)
		return nil
	}})
	want := st.secrets[1]
	d.press("c")
	if len(d.clipboard) != 1 || d.clipboard[0] != want {
		t.Fatalf("OSC 52 got %q, want %q", d.clipboard, want)
	}
	if len(native) != 1 || native[0] != want {
		t.Fatalf("native clipboard got %q", native)
	}
	if !st.called("ExportKey 1") {
		t.Fatal("copy did not export through the store (audit)")
	}
	if s := d.status(); !strings.Contains(s, "copied alpha") && !strings.Contains(s, "Copied alpha") ||
		!strings.Contains(s, "system clipboard") {
		t.Fatalf("status %q", s)
	}
	d.mustNotSee(want) // copying never puts the key on screen
}

func TestCopyWithoutNativeClipboardSaysTerminal(t *testing.T) {
	t.Parallel()
	d := newDriver(t, threeKeys(), admin, Options{})
	d.press("y")
	if len(d.clipboard) != 1 {
		t.Fatal("y did not copy")
	}
	if s := d.status(); !strings.Contains(s, "terminal's clipboard") || strings.Contains(s, "system") {
		t.Fatalf("status %q", s)
	}
}

func TestNativeClipboardFailureIsReported(t *testing.T) {
	t.Parallel()
	d := newDriver(t, threeKeys(), admin, Options{NativeClipboard: func(string) error { return errors.New("no display") }})
	d.press("c")
	if len(d.clipboard) != 1 || !strings.Contains(d.status(), "no display") {
		t.Fatalf("clipboard %d, status %q", len(d.clipboard), d.status())
	}
}

func TestNotExportableRefusesCopyDownloadReveal(t *testing.T) {
	t.Parallel()
	k := testKey(1, "locked")
	k.Exportable = false
	st := newFake(k)
	d := newDriver(t, st, admin, Options{})
	for _, key := range []string{"c", "w", "v"} {
		d.m.status = ""
		d.press(key)
		if want := "locked is not exportable: View/Export was turned off"; !strings.Contains(d.status(), want) {
			t.Fatalf("%s: status %q, want %q", key, d.status(), want)
		}
	}
	if st.called("ExportKey") || st.called("RevealKey") || len(d.clipboard) > 0 || d.keys().ask != nil {
		t.Fatal("a non-exportable key released material or asked for a path")
	}
	d.press("?")
	d.mustNotSee("copy", "download", "reveal")
}

func TestViewerCannotChangeOrReleaseMaterial(t *testing.T) {
	t.Parallel()
	st := threeKeys()
	d := newDriver(t, st, model.Actor{Name: "vic", Role: model.RoleViewer}, Options{})
	d.press("?")
	d.mustNotSee("add", "edit", "delete", "copy", "download", "reveal", "enable/disable")
	d.mustSee("filter", "expand")
	for _, key := range []string{"n", "a", "e", "d", "t", "c", "y", "w", "v"} {
		d.m.status = ""
		d.press(key)
		if d.keys().Capturing() {
			t.Fatalf("%s opened something for a viewer", key)
		}
		if !strings.Contains(d.status(), "Read-only") {
			t.Fatalf("%s: status %q", key, d.status())
		}
	}
	// ExportKey and RevealKey are asked, for the store to write its refused audit row
	// (TestViewerMaterialAttemptsReachTheStore); nothing they return is used.
	for _, c := range []string{"CreateKey", "UpdateKey", "DeleteKey", "SetKeyEnabled", "Key "} {
		if st.called(c) {
			t.Fatalf("viewer reached %s", c)
		}
	}
	if len(d.clipboard) > 0 {
		t.Fatalf("a viewer's copy reached the clipboard: %q", d.clipboard)
	}
	d.press("enter") // viewers may expand
	d.mustSee("Fingerprint")
}

func TestRevealShowsThenHidesOnMoveAndTimeout(t *testing.T) {
	t.Parallel()
	st := threeKeys()
	d := newDriver(t, st, admin, Options{})
	d.press("v")
	d.mustSee(st.secrets[1], "Key (shown)")
	d.press("j")
	d.mustNotSee(st.secrets[1])
	d.press("v")
	d.mustSee(st.secrets[2])
	p := d.keys()
	d.send(revealTimeoutMsg{token: p.revealToken - 1}) // an older reveal's timer
	d.mustSee(st.secrets[2])
	d.send(revealTimeoutMsg{token: p.revealToken})
	d.mustNotSee(st.secrets[2])
	d.mustSee("3|api.private.zscaler.com|••••")
}

func TestExpandAllAndCollapse(t *testing.T) {
	t.Parallel()
	d := newDriver(t, threeKeys(), admin, Options{})
	d.press("E")
	if n := strings.Count(d.view(), "Fingerprint  "); n != 3 {
		t.Fatalf("expand all shows %d detail blocks, want 3", n)
	}
	d.press("h") // collapse the one under the cursor
	if n := strings.Count(d.view(), "Fingerprint  "); n != 2 {
		t.Fatalf("after h %d blocks, want 2", n)
	}
	d.press("E")
	d.mustNotSee("Fingerprint  ")
	d.press("l", "space") // expand and collapse again
	d.mustNotSee("Fingerprint  ")
}

func TestMovementKeys(t *testing.T) {
	t.Parallel()
	var keys []model.Key
	for i := 1; i <= 200; i++ {
		keys = append(keys, testKey(int64(i), fmt.Sprintf("k%03d", i)))
	}
	d := newDriver(t, newFake(keys...), admin, Options{})
	steps := []struct {
		key  string
		want string
	}{
		{"j", "k002"}, {"down", "k003"}, {"k", "k002"}, {"up", "k001"}, {"G", "k200"}, {"g", "k001"},
		{"end", "k200"}, {"home", "k001"}, {"pgdown", "k026"}, {"pgup", "k001"}, {"ctrl+d", "k013"}, {"ctrl+u", "k001"},
	}
	for _, s := range steps {
		d.press(s.key)
		if d.cursorName() != s.want {
			t.Fatalf("after %s cursor on %s, want %s", s.key, d.cursorName(), s.want)
		}
		d.mustSee("› ▸ " + s.want)
	}
}

func TestEmptyStoreIsFriendly(t *testing.T) {
	t.Parallel()
	d := newDriver(t, newFake(), admin, Options{})
	d.mustSee("No keys yet. Press n to add one, or run `provkeys demo` to load sample data.")
}

func TestStatusClearsOnlyItsOwnMessage(t *testing.T) {
	t.Parallel()
	d := newDriver(t, threeKeys(), admin, Options{})
	d.send(statusMsg{text: "first"})
	old := d.m.statusID
	d.send(statusMsg{text: "second"})
	d.send(clearStatusMsg{id: old})
	if d.status() != "second" {
		t.Fatalf("an old tick cleared the newer message: %q", d.status())
	}
	d.send(clearStatusMsg{id: d.m.statusID})
	if d.status() != "" {
		t.Fatal("status did not clear")
	}
}

func TestStaleLoadIsDropped(t *testing.T) {
	t.Parallel()
	d := newDriver(t, threeKeys(), admin, Options{})
	p := d.keys()
	d.send(keysLoadedMsg{seq: p.loadSeq - 1, keys: nil})
	if p.set.Len() != 3 {
		t.Fatal("a stale load replaced the keys")
	}
}

func TestDataVersionChangeReloads(t *testing.T) {
	t.Parallel()
	st := threeKeys()
	d := newDriver(t, st, admin, Options{})
	d.send(pollMsg{}) // first reading
	st.mu.Lock()
	st.keys = st.keys[:1]
	st.version++
	st.mu.Unlock()
	d.send(pollMsg{})
	d.mustSee("1 of 1 keys")
}
