package theme

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"charm.land/bubbles/v2/textinput"
)

// Inert drops from a finished frame every rune a terminal could act on or that would
// hide or reorder text: C0 controls other than newline and the ESC that starts the styles,
// DEL, C1 controls, format characters (bidi overrides, zero-width), private-use and
// surrogate code points, and line and paragraph separators; invalid UTF-8 becomes U+FFFD.
//
// Data is sanitized where it is drawn (model.Sanitize). This is the backstop for text the
// operator is typing or pasting: the form and filter inputs drop control characters but echo
// the rest as it is, so a pasted U+202E would reorder the line it is shown on.
func Inert(s string) string {
	clean := true
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\n' && c != 0x1b || c == 0x7f {
				clean = false
				break
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || hiddenRune(r) {
			clean = false
			break
		}
		i += n
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if !(c < 0x20 && c != '\n' && c != 0x1b || c == 0x7f) {
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteRune(utf8.RuneError)
		case !hiddenRune(r):
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// hiddenRune is true for the non-ASCII runes Inert drops.
func hiddenRune(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Co, unicode.Cs, unicode.Zl, unicode.Zp)
}

// MaxTyped caps every text input. A typed name, description, filter or path is far shorter,
// and an input measures the width of its whole value on every message, cursor blinks
// included: a 10 MB paste cost about a second per frame (measured) and pinned a core for as
// long as the form stayed open. The cap is above every field's own limit, so an over-long
// paste is still refused with that field's "at most N characters" message.
const MaxTyped = 4096

// MaxCellBytes is more text than any cell can show: pad measures at most this much of a value.
const MaxCellBytes = 16 << 10

// ClipLong cuts a plain value longer than MaxCellBytes at a rune boundary before pad measures
// its width, which costs about 100 ns a character: a 10 MB description written straight into
// the database made every frame take over a second (measured) while its row was expanded.
// Values the store accepts are far shorter and pass unchanged, and so does styled text, whose
// escape sequences must not be cut.
func ClipLong(s string) string {
	if len(s) <= MaxCellBytes || strings.IndexByte(s, 0x1b) >= 0 {
		return s
	}
	i := MaxCellBytes
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// SteadyInput is a text input whose cursor does not blink: over SSH every blink is a
// repaint sent down the wire, and a steady block is just as easy to find.
func SteadyInput() textinput.Model {
	ti := textinput.New()
	ti.CharLimit = MaxTyped
	sty := ti.Styles()
	sty.Cursor.Blink = false
	ti.SetStyles(sty)
	return ti
}
