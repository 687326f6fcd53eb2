package ui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"provkeys/model"
)

// goldenKeys is a store with every state the table draws.
func goldenKeys() *fakeStore {
	a := testKey(1, "web-01", "Web Frontends")
	a.Description = "nginx in Frankfurt"
	a.MaxUsage, a.UsageCount = 10, 3
	b := testKey(2, "db-primary", "Database Servers", "Laptops")
	b.Enabled = false
	c := testKey(3, "kiosk-lobby", "Kiosks")
	c.ExpiresAt = testNow.Add(-time.Hour)
	e := testKey(4, "build-agent", "Linux Build Agents")
	e.MaxUsage, e.UsageCount = 5, 5
	e.Exportable = false
	e.AllowReenroll = true
	return newFake(a, b, c, e)
}

// screen renders d's view for a golden file: styling stripped, so colour profiles don't matter.
func screen(d *driver) string { return d.view() + "\n" }

func TestGoldenKeysTable(t *testing.T) {
	t.Parallel()
	d := newDriver(t, goldenKeys(), admin, Options{})
	golden.RequireEqual(t, screen(d))
}

func TestGoldenKeysExpanded80x24(t *testing.T) {
	t.Parallel()
	d := newDriver(t, goldenKeys(), admin, Options{})
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.press("G", "enter")
	golden.RequireEqual(t, screen(d))
}

func TestGoldenKeysExpandAll(t *testing.T) {
	t.Parallel()
	d := newDriver(t, goldenKeys(), admin, Options{})
	d.press("E")
	golden.RequireEqual(t, screen(d))
}

func TestGoldenFullHelp(t *testing.T) {
	t.Parallel()
	d := newDriver(t, goldenKeys(), admin, Options{})
	d.press("?")
	golden.RequireEqual(t, screen(d))
}

func TestGoldenWizardSettings(t *testing.T) {
	t.Parallel()
	d := newDriver(t, goldenKeys(), admin, Options{})
	d.press("n", "enter", "enter")
	d.typ("web-02")
	golden.RequireEqual(t, screen(d))
}

func TestGoldenWizardReview(t *testing.T) {
	t.Parallel()
	d := newDriver(t, goldenKeys(), admin, Options{})
	d.press("n", "enter", "enter")
	d.typ("web-02")
	d.press("enter", "enter", "enter", "enter", "enter")
	d.typ("7")
	d.press("enter")
	d.typ("30d")
	d.press("enter")
	golden.RequireEqual(t, screen(d))
}

func TestGoldenEmpty(t *testing.T) {
	t.Parallel()
	d := newDriver(t, newFake(), admin, Options{})
	golden.RequireEqual(t, screen(d))
}

func TestTooSmall(t *testing.T) {
	t.Parallel()
	d := newDriver(t, goldenKeys(), admin, Options{})
	d.send(tea.WindowSizeMsg{Width: 59, Height: 30})
	d.mustSee("terminal too small (need 60×12, have 59×30)")
	d.send(tea.WindowSizeMsg{Width: 100, Height: 11})
	d.mustSee("terminal too small (need 60×12, have 100×11)")
	d.press("d", "y") // unseen keys do nothing
	if d.keys().ask != nil || d.keys().set.Len() != 4 {
		t.Fatal("a key acted while the terminal was too small to show it")
	}
	d.send(tea.WindowSizeMsg{Width: 60, Height: 12})
	d.mustSee("web-01")
}

// TestNoPanicAtAnySize draws every mode at every size from 1×1 up, and checks that nothing
// is wider or taller than the terminal.
func TestNoPanicAtAnySize(t *testing.T) {
	t.Parallel()
	st := goldenKeys()
	modes := map[string][]string{
		"table":    nil,
		"expanded": {"E", "v"},
		"help":     {"?"},
		"filter":   {"/"},
		"wizard":   {"n", "enter", "enter"},
		"review":   {"n", "enter", "enter", "x", "enter", "enter", "enter", "enter", "enter", "enter", "enter"},
		"delete":   {"d"},
		"saved":    {"F"},
	}
	sizes := [][2]int{}
	for w := 1; w <= 300; w += 11 {
		for h := 1; h <= 100; h += 7 {
			sizes = append(sizes, [2]int{w, h})
		}
	}
	sizes = append(sizes, [2]int{60, 12}, [2]int{80, 24}, [2]int{300, 100}, [2]int{0, 0})
	for name, keys := range modes {
		d := newDriver(t, st, admin, Options{})
		d.press(keys...)
		for _, s := range sizes {
			_, _ = d.m.Update(tea.WindowSizeMsg{Width: s[0], Height: s[1]})
			v := d.view()
			lines := strings.Split(v, "\n")
			if s[1] > 0 && len(lines) > s[1] {
				t.Fatalf("%s at %dx%d: %d lines", name, s[0], s[1], len(lines))
			}
			for _, l := range lines {
				if w := ansi.StringWidth(l); w > s[0] {
					t.Fatalf("%s at %dx%d: line %d wide: %q", name, s[0], s[1], w, l)
				}
			}
		}
	}
}

// hostile names each try to reach the terminal: OSC 52 (clipboard write), clear screen,
// carriage return, a C1 CSI and a bidi override.
var hostile = []string{
	"name\x1b]52;c;QUJD\x07",
	"\x1b[2J",
	"evil\rgood",
	"edge\u009b2J",
	"key-\u202egnp.exe",
}

// onlySGR matches the escape sequences our own styles write: SGR only.
var onlySGR = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

// assertInert fails if raw holds anything but plain text and our SGR styling.
func assertInert(t *testing.T, where, raw string) {
	t.Helper()
	rest := onlySGR.ReplaceAllString(raw, "")
	for i, r := range rest {
		switch {
		case r == '\n':
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			t.Fatalf("%s: control %U at byte %d in %q", where, r, i, rest)
		case r == '\u202e' || r == '\u202d' || r == '\u2066' || r == '\u2067' || r == '\u2068' || r == '\u200f':
			t.Fatalf("%s: bidi control %U at byte %d", where, r, i)
		}
	}
}

func TestHostileNamesRenderInert(t *testing.T) {
	t.Parallel()
	var keys []model.Key
	for i, n := range hostile {
		k := testKey(int64(i+1), n, n)
		k.Description, k.CertName, k.CreatedBy, k.UpdatedBy, k.Cloud = n, n, n, n, n
		keys = append(keys, k)
	}
	st := newFake(keys...)
	st.groups = append(st.groups, model.Group{ID: 9, Name: hostile[0], Description: hostile[1], Version: 1})
	st.certs = append(st.certs, model.Cert{ID: 9, Name: hostile[2], Subject: hostile[3]})
	st.filters = []model.SavedFilter{{ID: 1, Name: hostile[4], Expr: hostile[0]}}
	st.setEnabled = func(int64, int64, bool) (model.Key, error) { return model.Key{}, fmt.Errorf("boom %s", hostile[0]) }
	actor := model.Actor{Name: hostile[0], Role: model.RoleAdmin}
	d := newDriver(t, st, actor, Options{})
	steps := [][]string{
		nil, {"E"}, {"v"}, {"t"}, {"d"}, {"esc"}, {"F"}, {"esc"}, {"?"}, {"?"},
		{"n"}, {"enter"}, {"G"}, {"esc"}, {"e"}, {"esc"},
		{"tab"}, {"enter"}, {"tab"}, {"enter"}, {"tab"}, {"enter"}, {"tab"},
	}
	for i, s := range steps {
		d.press(s...)
		assertInert(t, fmt.Sprintf("step %d %v", i, s), d.raw())
	}
	d.press("E")                                 // collapse all, so every name is on screen
	d.mustSee("key-gnp.exe", "evilgood", "edge") // what is left is readable text
}
