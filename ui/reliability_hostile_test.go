package ui

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"

	"provkeys/keyformat"
	"provkeys/model"
	"provkeys/ui/theme"
)

// HostileEntry is one string of the shared corpus of hostile input.
type HostileEntry struct {
	Label, Value string
}

// HostileCorpus reads testdata/hostile/corpus.txt at the module root (see its header for the
// format). It is exported for this package's external tests (the tmux and command-line
// tests in reliability_e2e_test.go); model/hostile_test.go reads the same file.
func HostileCorpus(t testing.TB) []HostileEntry {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	f, err := os.Open(filepath.Join(filepath.Dir(here), "..", "testdata", "hostile", "corpus.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []HostileEntry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		label, raw, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("corpus line %q: no tab", line)
		}
		var v string
		switch raw {
		case "@paste10mb":
			v = strings.Repeat("ITfVkU6RBiV8X9fb", 10<<20/16)
		case "@wrappedkey":
			k, err := keyformat.Generate("")
			if err != nil {
				t.Fatal(err)
			}
			for len(k) > 64 {
				v += k[:64] + "\n"
				k = k[64:]
			}
			v += k
		default:
			if v, err = strconv.Unquote(raw); err != nil {
				t.Fatalf("corpus line %q: %v", line, err)
			}
		}
		out = append(out, HostileEntry{label, v})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// ScreenHazard returns what in raw terminal output could make a terminal do more than show
// text: any escape sequence other than SGR (colours and styles), a C1 control, a control
// character other than newline, a format character (bidi overrides, zero-width), a line or
// paragraph separator, or invalid UTF-8. "" means the output is inert.
func ScreenHazard(raw string) string {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c == 0x1b {
			// Only CSI ... m may pass: parameters are digits, ';' and ':'.
			j := i + 1
			if j >= len(raw) || raw[j] != '[' {
				return fmt.Sprintf("escape sequence %q", raw[i:min(len(raw), i+8)])
			}
			j++
			for j < len(raw) && (raw[j] >= '0' && raw[j] <= '9' || raw[j] == ';' || raw[j] == ':') {
				j++
			}
			if j >= len(raw) || raw[j] != 'm' {
				return fmt.Sprintf("escape sequence %q", raw[i:min(len(raw), j+1)])
			}
			i = j + 1
			continue
		}
		r, n := utf8.DecodeRuneInString(raw[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return fmt.Sprintf("invalid UTF-8 at byte %d", i)
		case r == '\n':
		case unicode.IsControl(r):
			return "control character " + strconv.QuoteRune(r)
		case unicode.In(r, unicode.Cf, unicode.Co, unicode.Zl, unicode.Zp):
			return "invisible character " + strconv.QuoteRune(r)
		}
		i += n
	}
	return ""
}

// checkScreen fails the test if the dashboard's output is not inert.
func (d *driver) checkScreen(step string) {
	d.t.Helper()
	if h := ScreenHazard(d.raw()); h != "" {
		d.t.Fatalf("%s: the screen carries %s", step, h)
	}
}

// validatingFake is a fake store that validates what it is given, as the real store does,
// and remembers every input that reached it.
func validatingFake() (*fakeStore, *[]model.KeyInput) {
	st := threeKeys()
	var mu sync.Mutex
	var got []model.KeyInput
	def, defUpd := st.createKey, st.updateKey
	st.createKey = func(in model.KeyInput) (model.Key, string, error) {
		mu.Lock()
		got = append(got, in)
		mu.Unlock()
		if err := in.Validate(); err != nil {
			return model.Key{}, "", err
		}
		return def(in)
	}
	st.updateKey = func(id, version int64, in model.KeyInput) (model.Key, error) {
		mu.Lock()
		got = append(got, in)
		mu.Unlock()
		if err := in.Validate(); err != nil {
			return model.Key{}, err
		}
		return defUpd(id, version, in)
	}
	return st, &got
}

// mustFocus fails unless the form's focus is on field id, so a paste lands where meant.
func mustFocus(t *testing.T, k *formKit, id string) {
	t.Helper()
	if k.form.GetFocusedField() != k.fields[id].field {
		t.Fatalf("the focus is not on the %s field", id)
	}
}

// enterThrough presses enter up to n times, checking the screen after each, and stops early
// once a field shows a refusal: from there on the form would only repeat it.
func (d *driver) enterThrough(step string, n int) {
	d.t.Helper()
	for range n {
		d.press("enter")
		d.checkScreen(step)
		if strings.Contains(d.view(), "✗") {
			return
		}
	}
}

// formVerdict fails unless the form either refused the hostile value with a message (a "✗"
// on screen, nothing saved) or what reached the store is plain text: the form's input drops
// control characters as they are typed or pasted, so "\x1b]0;pwned\x07" arrives as the
// harmless "]0;pwned", which validation then judges like any other text.
func formVerdict(t *testing.T, d *driver, what string, inputs []string, saved bool) {
	t.Helper()
	for _, s := range inputs {
		if strings.ContainsAny(s, "\x1b\u009b\u009d\r\b\x00\x7f") || !utf8.ValidString(s) || model.ValidateText("x", s, 0) != nil {
			t.Fatalf("%s: the store was given %q", what, trimTo(s, 60))
		}
	}
	if !saved && !strings.Contains(d.view(), "✗") {
		t.Fatalf("%s: nothing was saved and no message says why:\n%s", what, d.view())
	}
}

func trimTo(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// TestHostileInputInForms pastes every hostile string into the add-key wizard's name, the
// edit form's description (the wizard's description is the same field), the machine-group
// form's name and the filter bar.
func TestHostileInputInForms(t *testing.T) {
	t.Parallel()
	for _, e := range HostileCorpus(t) {
		t.Run(e.Label, func(t *testing.T) {
			t.Parallel()
			paste := tea.PasteMsg{Content: e.Value}
			inputsOf := func(got []model.KeyInput) []string {
				var out []string
				for _, in := range got {
					out = append(out, in.Name, in.Description)
					out = append(out, in.Groups...)
				}
				return out
			}

			// The wizard's name (step 3), then Enter through every field and the review.
			st, got := validatingFake()
			d := newDriver(t, st, admin, Options{})
			d.press("n", "enter", "enter")
			mustFocus(t, &d.keys().form.formKit, "name")
			d.send(paste)
			d.checkScreen("wizard name")
			d.enterThrough("wizard", 9)
			formVerdict(t, d, "wizard name", inputsOf(*got), len(*got) > 0 && !strings.Contains(d.view(), "✗"))

			// The edit form's description.
			st, got = validatingFake()
			d = newDriver(t, st, admin, Options{})
			d.press("e")
			for range 6 { // name, groups, certificate, status, re-enrollment, view/export
				d.press("tab")
			}
			mustFocus(t, &d.keys().form.formKit, "description")
			d.send(paste)
			d.checkScreen("edit")
			d.enterThrough("edit", 8)
			formVerdict(t, d, "edit description", inputsOf(*got), st.keys[0].Version > 1)

			// The machine-group form's name.
			vs := newViewsStore()
			d = openView(t, vs, admin, 1)
			d.press("n")
			mustFocus(t, &d.groups().form.formKit, "name")
			d.send(paste)
			d.checkScreen("group name")
			d.enterThrough("group form", 4)
			var names []string
			for _, in := range vs.got() {
				names = append(names, strings.Split(strings.TrimPrefix(in, "create: "), "|")[0])
			}
			formVerdict(t, d, "group name", names, len(vs.groups) > 3)

			// The filter bar: whatever is typed there is shown, never obeyed.
			d = newDriver(t, threeKeys(), admin, Options{})
			d.press("/")
			d.send(paste)
			d.checkScreen("filter")
			d.press("enter")
			d.checkScreen("filter kept")
		})
	}
}

// hostileStore is a fake whose every text came from somewhere hostile: what the sqlite3 CLI
// can write straight into the database, past validation.
func hostileStore(corpus []HostileEntry) *viewsStore {
	vs := newViewsStore()
	f := vs.fakeStore
	f.keys = nil
	for i, e := range corpus {
		v := e.Value
		k := testKey(int64(100+i), fmt.Sprintf("k%02d%s", i, v), "Database Servers")
		k.Description = v
		k.CreatedBy, k.UpdatedBy, k.CertName, k.Cloud = v, v, v, v
		k.Groups = []model.GroupRef{{ID: 1, Name: v}}
		f.keys = append(f.keys, k)
		f.secrets[k.ID] = secretFor(k)
		f.groups = append(f.groups, model.Group{ID: int64(100 + i), Name: v, Description: v, Enabled: true,
			CreatedBy: v, UpdatedBy: v, Version: 1})
		f.certs = append(f.certs, model.Cert{ID: int64(100 + i), Name: v, Subject: v, Issuer: v, CreatedBy: v})
		vs.audit = append(vs.audit, model.AuditEvent{ID: int64(100 + i), Actor: v, Role: model.Role(v), Remote: v,
			Action: model.Action(v), ObjectType: model.ObjectType(v), ObjectName: v, Old: v, New: v, Result: v})
	}
	return vs
}

// TestHostileDataRendersInert shows a store full of hostile strings in every view, rows
// expanded, and checks that what the dashboard sends the terminal is inert every step.
func TestHostileDataRendersInert(t *testing.T) {
	t.Parallel()
	var corpus []HostileEntry
	for _, e := range HostileCorpus(t) {
		if len(e.Value) > 1<<20 {
			e.Value = e.Value[:100<<10] // ten megabytes per field, times every field, is a test of RAM
		}
		corpus = append(corpus, e)
	}
	d := newDriver(t, hostileStore(corpus), admin, Options{})
	d.checkScreen("keys")
	d.mustSee("provkeys")
	d.press("E")
	d.checkScreen("keys expanded")
	for range len(corpus) {
		d.press("j")
		d.checkScreen("keys moving")
	}
	d.press("v")
	d.checkScreen("reveal")
	for view := 1; view <= 3; view++ {
		d.press("tab")
		d.checkScreen(fmt.Sprintf("view %d", view))
		d.press("E")
		d.checkScreen(fmt.Sprintf("view %d expanded", view))
		for range 5 {
			d.press("j", "enter")
			d.checkScreen(fmt.Sprintf("view %d moving", view))
		}
	}
	for _, size := range []tea.WindowSizeMsg{{Width: 40, Height: 10}, {Width: 250, Height: 60}, {Width: 8, Height: 3}} {
		d.send(size)
		d.checkScreen(fmt.Sprintf("%dx%d", size.Width, size.Height))
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
		if h := ScreenHazard(theme.Inert(in)); h != "" {
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
