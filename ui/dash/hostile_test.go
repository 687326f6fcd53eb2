package dash

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/internal/uitest"
	"provkeys/ui/theme"
)

// hostileStore is a fake whose every text came from somewhere hostile: what the sqlite3 CLI
// can write straight into the database, past validation.
func hostileStore(corpus []uitest.HostileEntry) *uitest.ViewsStore {
	vs := uitest.NewViewsStore()
	f := vs.FakeStore
	f.Keys = nil
	for i, e := range corpus {
		v := e.Value
		k := uitest.TestKey(int64(100+i), fmt.Sprintf("k%02d%s", i, v), "Database Servers")
		k.Description = v
		k.CreatedBy, k.UpdatedBy, k.CertName, k.Cloud = v, v, v, v
		k.Groups = []model.GroupRef{{ID: 1, Name: v}}
		f.Keys = append(f.Keys, k)
		f.Secrets[k.ID] = uitest.SecretFor(k)
		f.Groups = append(f.Groups, model.Group{ID: int64(100 + i), Name: v, Description: v, Enabled: true,
			CreatedBy: v, UpdatedBy: v, Version: 1})
		f.Certs = append(f.Certs, model.Cert{ID: int64(100 + i), Name: v, Subject: v, Issuer: v, CreatedBy: v})
		vs.Audit = append(vs.Audit, model.AuditEvent{ID: int64(100 + i), Actor: v, Role: model.Role(v), Remote: v,
			Action: model.Action(v), ObjectType: model.ObjectType(v), ObjectName: v, Old: v, New: v, Result: v})
	}
	return vs
}

// TestHostileDataRendersInert shows a store full of hostile strings in every view, rows
// expanded, and checks that what the dashboard sends the terminal is inert every step.
func TestHostileDataRendersInert(t *testing.T) {
	t.Parallel()
	var corpus []uitest.HostileEntry
	for _, e := range uitest.HostileCorpus(t) {
		if len(e.Value) > 1<<20 {
			e.Value = e.Value[:100<<10] // ten megabytes per field, times every field, is a test of RAM
		}
		corpus = append(corpus, e)
	}
	d := newDriver(t, hostileStore(corpus), uitest.Admin, ui.Options{})
	d.CheckScreen("keys")
	d.MustSee("provkeys")
	d.Press("E")
	d.CheckScreen("keys expanded")
	for range len(corpus) {
		d.Press("j")
		d.CheckScreen("keys moving")
	}
	d.Press("v")
	d.CheckScreen("reveal")
	for view := 1; view <= 3; view++ {
		d.Press("tab")
		d.CheckScreen(fmt.Sprintf("view %d", view))
		d.Press("E")
		d.CheckScreen(fmt.Sprintf("view %d expanded", view))
		for range 5 {
			d.Press("j", "enter")
			d.CheckScreen(fmt.Sprintf("view %d moving", view))
		}
	}
	for _, size := range []tea.WindowSizeMsg{{Width: 40, Height: 10}, {Width: 250, Height: 60}, {Width: 8, Height: 3}} {
		d.Send(size)
		d.CheckScreen(fmt.Sprintf("%dx%d", size.Width, size.Height))
	}
}

// TestInertFrame checks the backstop every frame passes through: styles and line breaks stay,
// anything a terminal would act on or that hides text goes, and a clean frame is returned as
// it is.
func TestInertFrame(t *testing.T) {
	t.Parallel()
	clean := "\x1b[1;38;5;212mprovkeys\x1b[m ▸ Büro • ✓ 東京\nnext line"
	if got := theme.Inert(clean); got != clean {
		t.Fatalf("a clean frame changed: %q", got)
	}
	for in, want := range map[string]string{
		"key-\u202egnp.exe":        "key-gnp.exe",
		"a\u2066b\u2069c\u200bd":   "abcd",
		"evil\rgood\b!":            "evilgood!",
		"edge\u009b2J \u009dx":     "edge2J x",
		"a\u2028b\ue000c\x7fd\x00": "abcd",
		"bad \xff byte":            "bad \uFFFD byte",
		"\x1b[31mred\x1b[m":        "\x1b[31mred\x1b[m",
	} {
		if got := theme.Inert(in); got != want {
			t.Errorf("Inert(%q) = %q, want %q", in, got, want)
		}
		if h := uitest.ScreenHazard(theme.Inert(in)); h != "" {
			t.Errorf("Inert(%q) still carries %s", in, h)
		}
	}
}

// TestClipLong checks the cut pad makes before measuring a value: only values no cell could
// show are cut, always at a rune boundary, and styled text is left whole.
func TestClipLong(t *testing.T) {
	t.Parallel()
	short := strings.Repeat("é", 100)
	if theme.ClipLong(short) != short {
		t.Fatal("a short value was cut")
	}
	long := strings.Repeat("a€", 10<<20/4)
	got := theme.ClipLong(long)
	if len(got) > theme.MaxCellBytes || len(got) < theme.MaxCellBytes-utf8.UTFMax || !utf8.ValidString(got) || !strings.HasPrefix(long, got) {
		t.Fatalf("cut to %d bytes, valid UTF-8 %v", len(got), utf8.ValidString(got))
	}
	styled := "\x1b[1m" + long
	if theme.ClipLong(styled) != styled {
		t.Fatal("styled text was cut")
	}
	if w := len(theme.Pad(long, 40)); w > 200 {
		t.Fatalf("pad of a 10 MB value is %d bytes", w)
	}
}
