package keys

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/internal/uitest"
)

// goldenKeys is a store with every state the table draws.
func goldenKeys() *uitest.FakeStore {
	a := uitest.TestKey(1, "web-01", "Web Frontends")
	a.Description = "nginx in Frankfurt"
	a.MaxUsage, a.UsageCount = 10, 3
	b := uitest.TestKey(2, "db-primary", "Database Servers", "Laptops")
	b.Enabled = false
	c := uitest.TestKey(3, "kiosk-lobby", "Kiosks")
	c.ExpiresAt = uitest.TestNow.Add(-time.Hour)
	e := uitest.TestKey(4, "build-agent", "Linux Build Agents")
	e.MaxUsage, e.UsageCount = 5, 5
	e.Exportable = false
	e.AllowReenroll = true
	return uitest.NewFake(a, b, c, e)
}

func TestGoldenKeysTable(t *testing.T) {
	t.Parallel()
	d := newDriver(t, goldenKeys(), uitest.Admin, ui.Options{})
	golden.RequireEqual(t, uitest.Screen(d))
}

func TestGoldenKeysExpanded80x24(t *testing.T) {
	t.Parallel()
	d := newDriver(t, goldenKeys(), uitest.Admin, ui.Options{})
	d.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.Press("G", "enter")
	golden.RequireEqual(t, uitest.Screen(d))
}

func TestGoldenKeysExpandAll(t *testing.T) {
	t.Parallel()
	d := newDriver(t, goldenKeys(), uitest.Admin, ui.Options{})
	d.Press("E")
	golden.RequireEqual(t, uitest.Screen(d))
}

func TestGoldenFullHelp(t *testing.T) {
	t.Parallel()
	d := newDriver(t, goldenKeys(), uitest.Admin, ui.Options{})
	d.Press("?")
	golden.RequireEqual(t, uitest.Screen(d))
}

func TestGoldenWizardSettings(t *testing.T) {
	t.Parallel()
	d := newDriver(t, goldenKeys(), uitest.Admin, ui.Options{})
	d.Press("n", "enter", "enter")
	d.Typ("web-02")
	golden.RequireEqual(t, uitest.Screen(d))
}

func TestGoldenWizardReview(t *testing.T) {
	t.Parallel()
	d := newDriver(t, goldenKeys(), uitest.Admin, ui.Options{})
	d.Press("n", "enter", "enter")
	d.Typ("web-02")
	d.Press("enter", "enter", "enter", "enter", "enter")
	d.Typ("7")
	d.Press("enter")
	d.Typ("30d")
	d.Press("enter")
	golden.RequireEqual(t, uitest.Screen(d))
}

func TestGoldenEmpty(t *testing.T) {
	t.Parallel()
	d := newDriver(t, uitest.NewFake(), uitest.Admin, ui.Options{})
	golden.RequireEqual(t, uitest.Screen(d))
}

func TestTooSmall(t *testing.T) {
	t.Parallel()
	d := newDriver(t, goldenKeys(), uitest.Admin, ui.Options{})
	d.Send(tea.WindowSizeMsg{Width: 59, Height: 30})
	d.MustSee("terminal too small (need 60×12, have 59×30)")
	d.Send(tea.WindowSizeMsg{Width: 100, Height: 11})
	d.MustSee("terminal too small (need 60×12, have 100×11)")
	d.Press("d", "y") // unseen keys do nothing
	if onTopIs[*question](keysOf(d)) || keysOf(d).set.Len() != 4 {
		t.Fatal("a key acted while the terminal was too small to show it")
	}
	d.Send(tea.WindowSizeMsg{Width: 60, Height: 12})
	d.MustSee("web-01")
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
		d := newDriver(t, st, uitest.Admin, ui.Options{})
		d.Press(keys...)
		for _, s := range sizes {
			_, _ = d.M.Update(tea.WindowSizeMsg{Width: s[0], Height: s[1]})
			v := d.View()
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

func TestHostileNamesRenderInert(t *testing.T) {
	t.Parallel()
	var keys []model.Key
	for i, n := range uitest.Hostile {
		k := uitest.TestKey(int64(i+1), n, n)
		k.Description, k.CertName, k.CreatedBy, k.UpdatedBy, k.Cloud = n, n, n, n, n
		keys = append(keys, k)
	}
	st := uitest.NewFake(keys...)
	st.Groups = append(st.Groups, model.Group{ID: 9, Name: uitest.Hostile[0], Description: uitest.Hostile[1], Version: 1})
	st.Certs = append(st.Certs, model.Cert{ID: 9, Name: uitest.Hostile[2], Subject: uitest.Hostile[3]})
	st.Filters = []model.SavedFilter{{ID: 1, Name: uitest.Hostile[4], Expr: uitest.Hostile[0]}}
	st.SetEnabled = func(int64, int64, bool) (model.Key, error) {
		return model.Key{}, fmt.Errorf("boom %s", uitest.Hostile[0])
	}
	actor := model.Actor{Name: uitest.Hostile[0], Role: model.RoleAdmin}
	d := newDriver(t, st, actor, ui.Options{})
	steps := [][]string{
		nil, {"E"}, {"v"}, {"t"}, {"d"}, {"esc"}, {"F"}, {"esc"}, {"?"}, {"?"},
		{"n"}, {"enter"}, {"G"}, {"esc"}, {"e"}, {"esc"},
		{"tab"}, {"enter"}, {"tab"}, {"enter"}, {"tab"}, {"enter"}, {"tab"},
	}
	for i, s := range steps {
		d.Press(s...)
		uitest.AssertInert(t, fmt.Sprintf("step %d %v", i, s), d.Raw())
	}
	d.Press("E")                                 // collapse all, so every name is on screen
	d.MustSee("key-gnp.exe", "evilgood", "edge") // what is left is readable text
}
