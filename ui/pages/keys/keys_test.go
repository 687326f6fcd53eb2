package keys

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/frame"
	"provkeys/ui/internal/uitest"
)

func TestCursorAndExpansionFollowTheKeyAcrossFilterSortAndReload(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("j") // bravo
	d.Press("enter")
	if cursorName(d) != "bravo" || !keysOf(d).isExpanded(2) {
		t.Fatalf("cursor %q, expanded %v; want bravo expanded", cursorName(d), keysOf(d).isExpanded(2))
	}
	d.MustSee("the build box")

	d.Press("/")
	d.Typ("name:r") // bravo and charlie match: bravo moves from position 1 to 0
	if got := len(keysOf(d).view); got != 2 {
		t.Fatalf("filter r: %d rows, want 2", got)
	}
	if cursorName(d) != "bravo" {
		t.Fatalf("after filter cursor on %q, want bravo", cursorName(d))
	}
	d.Press("enter")

	d.Press("s") // sort by machine group: Database Servers (charlie) before Laptops (bravo)
	if keysOf(d).cursor != 1 || cursorName(d) != "bravo" {
		t.Fatalf("after sort cursor at %d on %q, want 1 on bravo", keysOf(d).cursor, cursorName(d))
	}
	d.Press("S")
	if keysOf(d).cursor != 0 || cursorName(d) != "bravo" {
		t.Fatalf("after reverse cursor at %d on %q, want 0 on bravo", keysOf(d).cursor, cursorName(d))
	}
	d.MustSee("MACHINE GROUP(S) ▼")

	// Another process adds a key that sorts first and changes bravo; reload keeps both.
	st.Mu.Lock()
	st.Keys = append(st.Keys, uitest.TestKey(4, "aardvark-r", "Zebras"))
	st.Keys[1].Description = "renamed box"
	st.Mu.Unlock()
	d.Press("ctrl+r")
	if cursorName(d) != "bravo" || !keysOf(d).isExpanded(2) {
		t.Fatalf("after reload cursor %q expanded %v; want bravo expanded", cursorName(d), keysOf(d).isExpanded(2))
	}
	d.MustSee("renamed box")

	d.Press("/", "esc") // clearing the filter keeps the cursor on bravo too
	if cursorName(d) != "bravo" || len(keysOf(d).view) != 4 {
		t.Fatalf("after clearing: cursor %q, %d rows", cursorName(d), len(keysOf(d).view))
	}
}

func TestFilterIsLiveAndABadTermIsExplainedInTheBar(t *testing.T) {
	t.Parallel()
	d := newDriver(t, uitest.ThreeKeys(), uitest.Admin, ui.Options{})
	d.Press("/")
	d.Typ("al")
	d.MustSee("1 of 3 keys", "alpha")
	d.MustNotSee("bravo")
	d.Send(tea.PasteMsg{Content: " status:nonsense"}) // at once, as a paste
	v := d.View()
	if !strings.Contains(v, "✗") || !strings.Contains(v, "nonsense") {
		t.Fatalf("bad term not explained in the bar:\n%s", v)
	}
	d.MustSee("1 of 3 keys", "alpha") // the last good result stays
	// While typing, q is a letter, not quit.
	d.Typ("q")
	if d.Quit {
		t.Fatal("q quit while typing in the filter")
	}
	d.Press("esc")
	d.MustSee("3 of 3 keys")
	if keysOf(d).filter.Value() != "" || keysOf(d).filterErr != "" {
		t.Fatal("esc did not clear the filter")
	}
	d.Press("q")
	if !d.Quit {
		t.Fatal("q did not quit from the table")
	}
}

func TestFilterEnterKeepsIt(t *testing.T) {
	t.Parallel()
	d := newDriver(t, uitest.ThreeKeys(), uitest.Admin, ui.Options{})
	d.Press("/")
	d.Typ("charlie")
	d.Press("enter")
	if keysOf(d).Capturing() {
		t.Fatal("enter left the filter focused")
	}
	d.MustSee("1 of 3 keys", "/ charlie")
	d.Press("j") // moves in the filtered table, does not type
	if keysOf(d).filter.Value() != "charlie" {
		t.Fatalf("filter became %q", keysOf(d).filter.Value())
	}
}

func TestDeleteNeedsY(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("d")
	d.MustSee("Delete key alpha? y/n")
	d.Press("n")
	d.Press("d", "esc")
	d.Press("d", "x", "q") // other keys neither answer nor quit
	if st.Called("DeleteKey") || d.Quit {
		t.Fatal("deleted (or quit) without y")
	}
	d.Press("y")
	if !st.Called("DeleteKey 1 1") {
		t.Fatalf("y did not delete alpha: %v", st.Calls)
	}
	if keysOf(d).set.Name(0) != "bravo" || keysOf(d).set.Len() != 2 {
		t.Fatal("alpha is still in the table")
	}
	if !strings.Contains(d.Status(), "Deleted key alpha") {
		t.Fatalf("status %q", d.Status())
	}
}

func TestToggleFlipsStatus(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("t")
	if !st.Called("SetKeyEnabled 1 1 false") {
		t.Fatalf("calls %v", st.Calls)
	}
	d.MustSee("○ Disabled")
	d.Press("t")
	if !st.Called("SetKeyEnabled 1 2 true") {
		t.Fatalf("second toggle did not use the reloaded version: %v", st.Calls)
	}
}

func TestConflictIsOneSentenceInTheStatusLine(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	st.SetEnabled = func(id, version int64, enabled bool) (model.Key, error) {
		return model.Key{}, &model.ConflictError{Object: `key "alpha"`, By: "carol", At: uitest.TestNow}
	}
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("t")
	s := d.Status()
	if !strings.Contains(s, "carol") || strings.Contains(s, "\n") || d.M.StatusKind() != ui.StatusErr {
		t.Fatalf("status %q", s)
	}
}

func TestCopySendsOSC52AndNativeClipboard(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	var native []string
	d := newDriver(t, st, uitest.Admin, ui.Options{NativeClipboard: func(s string) error {
		native = append(native, s)
		return nil
	}})
	want := st.Secrets[1]
	d.Press("c")
	if len(d.Clipboard) != 1 || d.Clipboard[0] != want {
		t.Fatalf("OSC 52 got %q, want %q", d.Clipboard, want)
	}
	if len(native) != 1 || native[0] != want {
		t.Fatalf("native clipboard got %q", native)
	}
	if !st.Called("ReleaseKey 1 copy") {
		t.Fatal("copy was not released through the store as a copy (audit)")
	}
	if s := d.Status(); !strings.Contains(s, "copied alpha") && !strings.Contains(s, "Copied alpha") ||
		!strings.Contains(s, "system clipboard") {
		t.Fatalf("status %q", s)
	}
	d.MustNotSee(want) // copying never puts the key on screen
}

func TestCopyWithoutNativeClipboardSaysTerminal(t *testing.T) {
	t.Parallel()
	d := newDriver(t, uitest.ThreeKeys(), uitest.Admin, ui.Options{})
	d.Press("y")
	if len(d.Clipboard) != 1 {
		t.Fatal("y did not copy")
	}
	if s := d.Status(); !strings.Contains(s, "terminal's clipboard") || strings.Contains(s, "system") {
		t.Fatalf("status %q", s)
	}
}

func TestNativeClipboardFailureIsReported(t *testing.T) {
	t.Parallel()
	d := newDriver(t, uitest.ThreeKeys(), uitest.Admin, ui.Options{NativeClipboard: func(string) error { return errors.New("no display") }})
	d.Press("c")
	if len(d.Clipboard) != 1 || !strings.Contains(d.Status(), "no display") {
		t.Fatalf("clipboard %d, status %q", len(d.Clipboard), d.Status())
	}
}

func TestNotExportableRefusesCopyDownloadReveal(t *testing.T) {
	t.Parallel()
	k := uitest.TestKey(1, "locked")
	k.Exportable = false
	st := uitest.NewFake(k)
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	for _, key := range []string{"c", "w", "v"} {
		d.Send(ui.StatusMsg{})
		d.Press(key)
		if want := "locked is not exportable: View/Export was turned off"; !strings.Contains(d.Status(), want) {
			t.Fatalf("%s: status %q, want %q", key, d.Status(), want)
		}
	}
	if st.Called("ExportKey") || st.Called("RevealKey") || st.Called("ReleaseKey") || len(d.Clipboard) > 0 || onTopIs[*question](keysOf(d)) {
		t.Fatal("a non-exportable key released material or asked for a path")
	}
	d.Press("?")
	d.MustNotSee("copy", "download", "reveal")
}

func TestViewerCannotChangeOrReleaseMaterial(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	d := newDriver(t, st, model.Actor{Name: "vic", Role: model.RoleViewer}, ui.Options{})
	d.Press("?")
	d.MustNotSee("add", "edit", "delete", "copy", "download", "reveal", "enable/disable")
	d.MustSee("filter", "expand")
	for _, key := range []string{"n", "a", "e", "d", "t", "c", "y", "w", "v"} {
		d.Send(ui.StatusMsg{})
		d.Press(key)
		if keysOf(d).Capturing() {
			t.Fatalf("%s opened something for a viewer", key)
		}
		if !strings.Contains(d.Status(), "Read-only") {
			t.Fatalf("%s: status %q", key, d.Status())
		}
	}
	// The release methods are asked, for the store to write its refused audit row
	// (TestViewerMaterialAttemptsReachTheStore); nothing they return is used.
	for _, c := range []string{"CreateKey", "UpdateKey", "DeleteKey", "SetKeyEnabled", "Key "} {
		if st.Called(c) {
			t.Fatalf("viewer reached %s", c)
		}
	}
	if len(d.Clipboard) > 0 {
		t.Fatalf("a viewer's copy reached the clipboard: %q", d.Clipboard)
	}
	d.Press("enter") // viewers may expand
	d.MustSee("Fingerprint")
}

func TestRevealShowsThenHidesOnMoveAndTimeout(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("v")
	d.MustSee(st.Secrets[1], "Key (shown)")
	d.Press("j")
	d.MustNotSee(st.Secrets[1])
	d.Press("v")
	d.MustSee(st.Secrets[2])
	// Each reveal schedules its own hide, after exactly the reveal timeout (30 s by default).
	timers := d.TimersOf(revealTimeoutMsg{})
	if len(timers) != 2 {
		t.Fatalf("%d reveal timers scheduled, want one per reveal (2)", len(timers))
	}
	for _, tm := range timers {
		if tm.After != 30*time.Second {
			t.Fatalf("reveal hides after %v, want 30s", tm.After)
		}
	}
	d.Send(timers[0].Msg) // the older reveal's timer leaves the newer reveal alone
	d.MustSee(st.Secrets[2])
	d.Fire(revealTimeoutMsg{})
	d.MustNotSee(st.Secrets[2])
	d.MustSee("3|api.private.zscaler.com|••••")
}

// TestRevealTimeoutOption: a configured reveal timeout is the hide timer's duration.
func TestRevealTimeoutOption(t *testing.T) {
	t.Parallel()
	d := newDriver(t, uitest.ThreeKeys(), uitest.Admin, ui.Options{RevealTimeout: 5 * time.Second})
	d.Press("v")
	timers := d.TimersOf(revealTimeoutMsg{})
	if len(timers) != 1 || timers[0].After != 5*time.Second {
		t.Fatalf("reveal timers %v, want one of 5s", timers)
	}
}

func TestExpandAllAndCollapse(t *testing.T) {
	t.Parallel()
	d := newDriver(t, uitest.ThreeKeys(), uitest.Admin, ui.Options{})
	d.Send(tea.WindowSizeMsg{Width: 120, Height: 40}) // three expanded rows fit
	d.Press("E")
	if n := strings.Count(d.View(), "Fingerprint  "); n != 3 {
		t.Fatalf("expand all shows %d detail blocks, want 3", n)
	}
	d.Press("h") // collapse the one under the cursor
	if n := strings.Count(d.View(), "Fingerprint  "); n != 2 {
		t.Fatalf("after h %d blocks, want 2", n)
	}
	d.Press("E")
	d.MustNotSee("Fingerprint  ")
	d.Press("l", "enter") // expand and collapse again (space marks: DESIGN.md §10)
	d.MustNotSee("Fingerprint  ")
}

func TestMovementKeys(t *testing.T) {
	t.Parallel()
	var keys []model.Key
	for i := 1; i <= 200; i++ {
		keys = append(keys, uitest.TestKey(int64(i), fmt.Sprintf("k%03d", i)))
	}
	d := newDriver(t, uitest.NewFake(keys...), uitest.Admin, ui.Options{})
	steps := []struct {
		key  string
		want string
	}{
		{"j", "k002"}, {"down", "k003"}, {"k", "k002"}, {"up", "k001"}, {"G", "k200"}, {"g", "k001"},
		{"end", "k200"}, {"home", "k001"}, {"pgdown", "k025"}, {"pgup", "k001"}, {"ctrl+d", "k013"}, {"ctrl+u", "k001"},
	}
	for _, s := range steps {
		d.Press(s.key)
		if cursorName(d) != s.want {
			t.Fatalf("after %s cursor on %s, want %s", s.key, cursorName(d), s.want)
		}
		d.MustSee("› ▸ " + s.want)
	}
}

func TestEmptyStoreIsFriendly(t *testing.T) {
	t.Parallel()
	d := newDriver(t, uitest.NewFake(), uitest.Admin, ui.Options{})
	d.MustSee("No keys yet. Press n to add one, or run `provkeys demo` to load sample data.")
}

func TestStaleLoadIsDropped(t *testing.T) {
	t.Parallel()
	d := newDriver(t, uitest.ThreeKeys(), uitest.Admin, ui.Options{})
	p := keysOf(d)
	d.Send(keysLoadedMsg{seq: p.loadSeq - 1, keys: nil})
	if p.set.Len() != 3 {
		t.Fatal("a stale load replaced the keys")
	}
}

func TestDataVersionChangeReloads(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Send(frame.PollMsg{}) // first reading
	st.Mu.Lock()
	st.Keys = st.Keys[:1]
	st.Version++
	st.Mu.Unlock()
	d.Send(frame.PollMsg{})
	d.MustSee("1 of 1 keys")
}

// TestDeleteNamesTheMachinesItRevokes: the question counts the key's active machines only.
func TestDeleteNamesTheMachinesItRevokes(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	st.Machines = []model.Machine{
		{ID: 1, Name: "m1", KeyID: 1}, {ID: 2, Name: "m2", KeyID: 1},
		{ID: 3, Name: "old", KeyID: 1, RevokedAt: time.Now()}, {ID: 4, Name: "other", KeyID: 2},
	}
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("d")
	d.MustSee("Delete key alpha and revoke the 2 active machine(s) enrolled with it? y/n")
	d.Press("n")
	if st.Called("DeleteKey") {
		t.Fatal("deleted without y")
	}
}
