package uitest

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"provkeys/internal/hostile"
	"provkeys/model"
	"provkeys/ui/components/form"
)

// HostileEntry is one string of the shared corpus of hostile input (package hostile).
type HostileEntry = hostile.Entry

// HostileCorpus is hostile.Corpus, for this package's external tests (the tmux and
// command-line tests in reliability_e2e_test.go).
func HostileCorpus(t testing.TB) []HostileEntry { return hostile.Corpus(t) }

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
func (d *Driver) CheckScreen(step string) {
	d.T.Helper()
	if h := ScreenHazard(d.Raw()); h != "" {
		d.T.Fatalf("%s: the screen carries %s", step, h)
	}
}

// validatingFake is a fake store that validates what it is given, as the real store does,
// and remembers every input that reached it.
func ValidatingFake() (*FakeStore, *[]model.KeyInput) {
	st := ThreeKeys()
	var mu sync.Mutex
	var got []model.KeyInput
	def, defUpd := st.OnCreateKey, st.OnUpdateKey
	st.OnCreateKey = func(in model.KeyInput) (model.Key, string, error) {
		mu.Lock()
		got = append(got, in)
		mu.Unlock()
		if err := in.Validate(); err != nil {
			return model.Key{}, "", err
		}
		return def(in)
	}
	st.OnUpdateKey = func(id, version int64, in model.KeyInput) (model.Key, error) {
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
func MustFocus(t *testing.T, k *form.Kit, id string) {
	t.Helper()
	if !k.HasFocus(id) {
		t.Fatalf("the focus is not on the %s field", id)
	}
}

// enterThrough presses enter up to n times, checking the screen after each, and stops early
// once a field shows a refusal: from there on the form would only repeat it.
func (d *Driver) EnterThrough(step string, n int) {
	d.T.Helper()
	for range n {
		d.Press("enter")
		d.CheckScreen(step)
		if strings.Contains(d.View(), "✗") {
			return
		}
	}
}

// formVerdict fails unless the form either refused the hostile value with a message (a "✗"
// on screen, nothing saved) or what reached the store is plain text: the form's input drops
// control characters as they are typed or pasted, so "\x1b]0;pwned\x07" arrives as the
// harmless "]0;pwned", which validation then judges like any other text.
func FormVerdict(t *testing.T, d *Driver, what string, inputs []string, saved bool) {
	t.Helper()
	for _, s := range inputs {
		if strings.ContainsAny(s, "\x1b\u009b\u009d\r\b\x00\x7f") || !utf8.ValidString(s) || model.ValidateText("x", s, 0) != nil {
			t.Fatalf("%s: the store was given %q", what, trimTo(s, 60))
		}
	}
	if !saved && !strings.Contains(d.View(), "✗") {
		t.Fatalf("%s: nothing was saved and no message says why:\n%s", what, d.View())
	}
}

func trimTo(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
