package model

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sanitize makes any string safe to draw on a terminal: invalid UTF-8 becomes U+FFFD and
// control, format (bidi), private-use and surrogate runes are dropped, so an escape sequence
// in data shows as inert text and never reaches the terminal as a command.
func Sanitize(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || badRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if badRune(r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// badRune is true for runes no user-supplied string may hold.
func badRune(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Co, unicode.Cs)
}
