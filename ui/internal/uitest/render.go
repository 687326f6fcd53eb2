package uitest

import (
	"regexp"
	"testing"
)

// screen renders d's view for a golden file: styling stripped, so colour profiles don't matter.
func Screen(d *Driver) string { return d.View() + "\n" }

// hostile names each try to reach the terminal: OSC 52 (clipboard write), clear screen,
// carriage return, a C1 CSI and a bidi override.
var Hostile = []string{
	"name\x1b]52;c;QUJD\x07",
	"\x1b[2J",
	"evil\rgood",
	"edge\u009b2J",
	"key-\u202egnp.exe",
}

// assertInert fails if raw holds anything but plain text and our SGR styling.
func AssertInert(t *testing.T, where, raw string) {
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

// onlySGR matches the escape sequences our own styles write: SGR only.
var onlySGR = regexp.MustCompile(`\x1b\[[0-9;:]*m`)
