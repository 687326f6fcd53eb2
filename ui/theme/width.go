package theme

import (
	"strings"
	"unicode/utf8"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// Drawing a frame measures every line several times (a cell, its row, the page, the screen),
// and ansi.StringWidth segments graphemes to do it: most of a frame's cost. Almost every line
// the dashboard draws is printable ASCII, colour sequences and a few one-cell symbols, which
// Width measures byte by byte; any other text goes to ansi.StringWidth, so the answers
// are always the same (width_test.go holds them to it).

// Width is ansi.StringWidth(s).
func Width(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= 0x20 && c < 0x7f:
			n++
			i++
		case c == 0x1b && i+1 < len(s) && s[i+1] == '[':
			// CSI: parameters and intermediates up to a final byte; no width.
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				if s[j] < 0x20 {
					return ansi.StringWidth(s)
				}
				j++
			}
			i = j + 1
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[i:])
			if !oneCell(r) {
				return ansi.StringWidth(s)
			}
			n++
			i += size
		default:
			return ansi.StringWidth(s)
		}
	}
	return n
}

// oneCell reports whether r is one cell wide on its own and cannot join a neighbour into one
// grapheme: Latin letters and the symbols the dashboard draws (› ▸ ▾ ● ○ ◐ ✕ ∞ … • ▲ ▼ —).
func oneCell(r rune) bool {
	switch {
	case r >= 0xc0 && r <= 0x24f: // Latin-1 letters, Latin Extended-A and -B
		return true
	case r >= 0x2010 && r <= 0x2027, r >= 0x2030 && r <= 0x205e: // punctuation, not the invisible ones
		return true
	case r >= 0x2190 && r <= 0x2319: // arrows, mathematical operators (∞), technical
		return true
	case r >= 0x2500 && r <= 0x25fc: // box drawing, blocks, geometric shapes
		return true
	case r >= 0x2713 && r <= 0x2718: // check and cross marks
		return true
	}
	return false
}

// Paint is a style that only sets colours and attributes, as the escape sequences around the
// text: the same cells as Style.Render, without measuring the text again.
type Paint struct{ pre, post string }

// PaintOf is s as a paint; s must have no width, padding, margin or border.
func PaintOf(s lipgloss.Style) Paint {
	pre, post, _ := strings.Cut(s.Render("x"), "x")
	return Paint{pre, post}
}

func (p Paint) Apply(s string) string { return p.pre + s + p.post }
