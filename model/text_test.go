package model

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		// The corpus of REFERENCE.md, "Terminal safety".
		{"OSC 52 clipboard write ended by BEL", "name\x1b]52;c;aGVsbG8gd29ybGQ=\x07", "name"},
		{"OSC 52 ended by ST", "name\x1b]52;c;aGVsbG8=\x1b\\tail", "nametail"},
		{"OSC ended by C1 ST", "name\x1b]0;title\u009ctail", "nametail"},
		{"clear screen", "\x1b[2J", ""},
		{"carriage return", "evil\rgood", "evilgood"},
		{"8-bit CSI", "edge\u009b2J", "edge"},
		{"bidi override", "key-\u202egnp.exe", "key-gnp.exe"},

		{"clean ASCII", "web-01 prod_eu.1", "web-01 prod_eu.1"},
		{"clean Unicode", "Büro 東京 ✓", "Büro 東京 ✓"},
		{"literal replacement character kept", "a\ufffdb", "a\ufffdb"},
		{"colour", "\x1b[1;31mred\x1b[0m", "red"},
		{"CSI with private parameters", "a\x1b[?1049hb", "ab"},
		{"CSI with intermediate", "a\x1b[1 qb", "ab"},
		{"CSI cut by a control", "a\x1b[2\nJb", "aJb"},
		{"CSI cut by non-ASCII", "a\x1b[2éb", "aéb"},
		{"unterminated CSI", "a\x1b[12;", "a"},
		{"unterminated OSC runs to the end", "a\x1b]8;;http://evil", "a"},
		{"OSC 8 hyperlink", "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"OSC cut by CAN", "a\x1b]0;x\x18b", "ab"},
		{"OSC cut by a new ESC", "a\x1b]0;x\x1b[2Jb", "ab"},
		{"DCS", "a\x1bPq#0;2;0;0;0\x1b\\b", "ab"},
		{"APC", "a\x1b_Gf=100;AAAA\x1b\\b", "ab"},
		{"PM", "a\x1b^secret\x1b\\b", "ab"},
		{"SOS", "a\x1bXstring\x1b\\b", "ab"},
		{"8-bit OSC", "a\u009d52;c;aGk=\u0007b", "ab"},
		{"8-bit DCS", "a\u0090q\u009cb", "ab"},
		{"8-bit APC", "a\u009fx\u009cb", "ab"},
		{"two-byte ESC c reset", "a\x1bcb", "ab"},
		{"ESC 7 save cursor", "a\x1b7b", "ab"},
		{"nF charset", "a\x1b(0qqq\x1b(Bb", "aqqqb"},
		{"lone ESC at the end", "abc\x1b", "abc"},
		{"ESC before non-ASCII", "a\x1béb", "aéb"},
		{"double ESC", "a\x1b\x1b[2Jb", "ab"},
		{"C0 controls", "a\x00b\tc\nd\x7fe", "abcde"},
		{"backspace overwrite", "safe\b\b\b\bevil", "safeevil"},
		{"C1 NEL", "a\u0085b", "ab"},
		{"zero-width joiner and LRM", "a\u200db\u200ec", "abc"},
		{"byte order mark", "\ufeffname", "name"},
		{"private use", "a\ue000b\U000F0000c", "abc"},
		{"tag characters", "a\U000E0041b", "ab"},
		{"line separator", "a\u2028b\u2029c", "abc"},
		{"invalid UTF-8", "a\xffb\xc3", "a\ufffdb\ufffd"},
		{"UTF-8 encoded surrogate", "a\xed\xa0\x80b", "a\ufffd\ufffd\ufffdb"},
		{"raw 8-bit CSI byte", "a\x9b2Jb", "a\ufffd2Jb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Sanitize(tt.in)
			if got != tt.want {
				t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			assertSafe(t, got)
			if again := Sanitize(got); again != got {
				t.Errorf("Sanitize is not idempotent: %q then %q", got, again)
			}
		})
	}
}

// assertSafe fails when s holds anything a terminal could act on.
func assertSafe(t *testing.T, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%q is not valid UTF-8", s)
	}
	for i, r := range s {
		if r == 0x1b || r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || badRune(r) {
			t.Errorf("%q holds %U at byte %d", s, r, i)
		}
	}
}

func TestSanitizeCleanDoesNotAllocate(t *testing.T) {
	for _, s := range []string{"web-01", "Büro 東京", strings.Repeat("x", 500), "a\ufffdb", ""} {
		if n := testing.AllocsPerRun(100, func() { _ = Sanitize(s) }); n != 0 {
			t.Errorf("Sanitize(%q) allocates %v times, want 0", s, n)
		}
	}
}

func BenchmarkSanitize(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"clean", "web-prod-0042 Build agents in Frankfurt"},
		{"dirty", "name\x1b]52;c;aGVsbG8=\x07 and \x1b[1;31mred\x1b[0m key-\u202egnp.exe"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Sanitize(bc.in)
			}
		})
	}
}
