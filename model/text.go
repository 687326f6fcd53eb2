package model

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sanitize makes any string safe to draw on a terminal. Escape sequences are removed whole
// (ESC [ … final byte, OSC … BEL or ST, DCS/SOS/PM/APC … ST, their 8-bit C1 forms such as
// U+009B, and two-byte ESC x), so none of their parameters is left behind as text; then every
// rune that ValidateText refuses (control, format such as bidi overrides, private use,
// surrogate, line and paragraph separators) is dropped and invalid UTF-8 becomes U+FFFD.
//
// A string that is already clean is returned as it is, without allocating: Sanitize runs for
// every cell the dashboard draws. Sanitize is idempotent.
func Sanitize(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			// Copy a run of printable ASCII at once.
			j := i + 1
			for j < len(s) && s[j] >= 0x20 && s[j] < 0x7f {
				j++
			}
			b.WriteString(s[i:j])
			i = j
			continue
		}
		if c == esc {
			i = skipEscape(s, i+1)
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteRune(utf8.RuneError)
		case r == c1CSI:
			i = skipCSI(s, i+n)
			continue
		case r == c1OSC || r == c1DCS || r == c1SOS || r == c1PM || r == c1APC:
			i = skipString(s, i+n)
			continue
		case !badRune(r):
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// Introducers of escape sequences. The C1 forms are the 8-bit equivalents of ESC [ and the
// rest; encoded as UTF-8 some terminals still obey them (REFERENCE.md, "Terminal safety").
const (
	esc    = 0x1b
	bel    = 0x07
	can    = 0x18
	sub    = 0x1a
	c1DCS  = 0x90
	c1SOS  = 0x98
	c1CSI  = 0x9b
	c1ST   = 0x9c
	c1OSC  = 0x9d
	c1PM   = 0x9e
	c1APC  = 0x9f
	c1Size = 2 // bytes of a C1 control in UTF-8
)

// firstUnsafe is the byte offset of the first thing Sanitize must change, or -1.
func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || badRune(r) {
			return i
		}
		i += n
	}
	return -1
}

// skipEscape returns the offset just past the escape sequence whose ESC ends at i. An ESC that
// starts no sequence is dropped alone, so what follows it is looked at afresh.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch c := s[i]; {
	case c == '[':
		return skipCSI(s, i+1)
	case c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_':
		return skipString(s, i+1)
	case c >= 0x20 && c <= 0x2f:
		// nF sequences such as ESC ( B: intermediates, then one final byte.
		for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
			i++
		}
		if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
			i++
		}
		return i
	case c >= 0x30 && c <= 0x7e:
		return i + 1 // two-byte sequences: ESC 7, ESC c, ESC M, ...
	}
	return i
}

// skipCSI returns the offset just past a control sequence whose parameters start at i. A byte
// that cannot be part of one ends it early; that byte is then handled on its own, and since
// every control is dropped, nothing a terminal would obey survives either way.
func skipCSI(s string, i int) int {
	for i < len(s) {
		c := s[i]
		switch {
		case c >= 0x40 && c <= 0x7e:
			return i + 1 // final byte
		case c >= 0x20 && c <= 0x3f:
			i++ // parameter or intermediate byte
		default:
			return i
		}
	}
	return i
}

// skipString returns the offset just past a control string (OSC, DCS, SOS, PM, APC) whose body
// starts at i. It ends at BEL, ST (ESC \ or U+009C), CAN or SUB, or at an ESC that starts
// something else; an unterminated string runs to the end, as it would on a terminal.
func skipString(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case bel, can, sub:
			return i + 1
		case esc:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i
		case 0xc2:
			if i+1 < len(s) && s[i+1] == c1ST {
				return i + c1Size
			}
		}
		i++
	}
	return i
}

// badRune is true for runes that no user-supplied string may hold and that Sanitize drops:
// control characters (C0, DEL, C1), format characters (Cf: bidi overrides, zero-width
// characters, tags), private-use and surrogate code points, and the line and paragraph
// separators, which some terminals treat as line breaks.
func badRune(r rune) bool {
	if r >= 0x20 && r < 0x7f {
		return false
	}
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Co, unicode.Cs, unicode.Zl, unicode.Zp)
}

// Refused reports whether no user-supplied string may hold r (ValidateText refuses it and
// Sanitize drops it); output that must keep such text (JSON) escapes exactly these.
func Refused(r rune) bool { return badRune(r) }
