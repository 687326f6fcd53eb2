package theme

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// TestCellWidthAgrees holds the fast path to ansi.StringWidth: every rune it measures itself,
// alone, next to ASCII, next to each other and inside colour sequences, and text it must hand
// over (wide, combining, invisible, control).
func TestCellWidthAgrees(t *testing.T) {
	var runes []rune
	for r := rune(0x80); r < 0x2800; r++ {
		if oneCell(r) {
			runes = append(runes, r)
		}
	}
	cases := []string{"", "plain", "\x1b[38;5;252mcolour\x1b[m", "tab\there", "中文", "e\u0301", "zero\u200bwidth",
		"\x1b]8;;http://x\x1b\\link", "bidi\u202e", "emoji 👍", "⌚", "◽", "\x00", "\x1b[", "a\x1b[1"}
	for _, r := range runes {
		s := string(r)
		cases = append(cases, s, "a"+s+"b", s+s, "\x1b[1m"+s+"\x1b[m", s+"\u0301", s+"\ufe0f")
	}
	for _, s := range cases {
		if got, want := Width(s), ansi.StringWidth(s); got != want {
			t.Errorf("Width(%q) = %d, ansi.StringWidth = %d", s, got, want)
		}
	}
}

func TestPaintMatchesRender(t *testing.T) {
	st := Default()
	for _, s := range []lipgloss.Style{st.Row, st.Selected, st.Enabled, st.Disabled, st.Warn, st.Header} {
		for _, text := range []string{"› ▸ web-01  Servers", "plain", ""} {
			if got, want := ansi.Strip(PaintOf(s).Apply(text)), ansi.Strip(s.Render(text)); got != want {
				t.Errorf("paint %q, Render %q", got, want)
			}
			if text != "" && !strings.Contains(PaintOf(s).Apply(text), text) {
				t.Errorf("paint lost the text")
			}
		}
	}
}
