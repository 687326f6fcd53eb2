package model

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzSanitize checks that Sanitize's output is always safe to print, that Sanitize is
// idempotent, and that it agrees with ValidateText: what ValidateText accepts, Sanitize leaves
// alone, and what Sanitize returns, ValidateText accepts. The committed corpus is in
// testdata/fuzz/FuzzSanitize.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		"name\x1b]52;c;aGVsbG8=\x07", "\x1b[2J", "evil\rgood", "edge\u009b2J", "key-\u202egnp.exe",
		"plain", "Büro", "\x1bP\x1b\\", "a\xffb",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Sanitize(%q) = %q: invalid UTF-8", s, out)
		}
		for i, r := range out {
			if r == 0x1b || badRune(r) {
				t.Fatalf("Sanitize(%q) = %q: %U at byte %d", s, out, r, i)
			}
		}
		if again := Sanitize(out); again != out {
			t.Fatalf("Sanitize(%q) = %q, but Sanitize of that = %q", s, out, again)
		}
		if err := ValidateText("text", out, 0); err != nil {
			t.Fatalf("ValidateText(Sanitize(%q)) = %v", s, err)
		}
		if ValidateText("text", s, 0) == nil && out != s {
			t.Fatalf("ValidateText accepts %q but Sanitize changes it to %q", s, out)
		}
		if len(out) > len(s)*3 {
			// Each invalid byte becomes a 3-byte U+FFFD; nothing else grows.
			t.Fatalf("Sanitize(%q) grew to %d bytes", s, len(out))
		}
	})
}

// fuzzKeys are keys with the awkward text filters meet: empty fields, non-ASCII, the two
// runes that fold to ASCII letters, invalid UTF-8, and every state.
var fuzzKeys = []Key{
	{},
	{Name: "web-01", Groups: groups("Servers"), CertName: "Client", Enabled: true, Exportable: true, Description: "Frontend"},
	{Name: "Kelvin", Groups: groups("\u212aiosks", ""), CertName: "\u017fecret", Enabled: true, ExpiresAt: filterNow},
	{Name: "x\xff\xfe", Groups: groups("Büro", "ǅ"), Description: "\x1b[2J straße ΣΊΣΥΦΟΣ 東京", MaxUsage: 1, UsageCount: 1, Enabled: true},
	{Name: strings.Repeat("ab", 40), Description: strings.Repeat("k", 17), AllowReenroll: true},
	{Name: "aged", Groups: groups("Lobby"), Enabled: true, CreatedAt: filterNow.Add(-100 * 24 * time.Hour), UpdatedAt: filterNow.Add(-time.Hour), ExpiresAt: filterNow.Add(29 * 24 * time.Hour), MaxUsage: 5, UsageCount: 4},
}

// FuzzParseFilter checks that ParseFilter never panics, that its errors are validation
// errors for "filter", and that a parsed filter matches every sort of key without panicking
// and the same way through Match, MatchPtr and an Index. The corpus is in
// testdata/fuzz/FuzzParseFilter.
func FuzzParseFilter(f *testing.F) {
	ix := NewIndex(fuzzKeys)
	for _, s := range []string{
		"", "web", `name:"web server"`, "status:enabled export:no", "colour:red", `"unterminated`,
		`"a\"b" group:x`, "büro", "K", "10:30", "-group:kiosks", "group:kiosks|lobby", "-",
		"expires:<30d", "expires:>30d", "expires:expired", "created:<7d", "updated:>90d",
		"usage:>80%", "usage:0", `name:"a|b"|c`, "status:disabled|", "-usage:<5%|>95%",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		flt, err := ParseFilter(expr)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != FieldFilter || ve.Msg == "" {
				t.Fatalf("ParseFilter(%q) error = %#v, want a *ValidationError for %q", expr, err, FieldFilter)
			}
			if !flt.Empty() {
				t.Fatalf("ParseFilter(%q) returned terms with its error", expr)
			}
			return
		}
		if flt.Expr != expr {
			t.Fatalf("Expr = %q, want %q", flt.Expr, expr)
		}
		for i := range fuzzKeys {
			byValue := flt.Match(fuzzKeys[i], filterNow)
			if byPtr := flt.MatchPtr(&fuzzKeys[i], filterNow); byPtr != byValue {
				t.Fatalf("%q on key %d: Match = %v, MatchPtr = %v", expr, i, byValue, byPtr)
			}
			if flt.Empty() && !byValue {
				t.Fatalf("empty filter %q refused key %d", expr, i)
			}
		}
		var want []int
		for i := range fuzzKeys {
			if flt.Match(fuzzKeys[i], filterNow) {
				want = append(want, i)
			}
		}
		if got := ix.Filter(flt, filterNow, nil); !slices.Equal(got, want) {
			t.Fatalf("Index.Filter(%q) = %v, want %v", expr, got, want)
		}
	})
}

// FuzzContainsFold compares the matcher (both its word-at-a-time path and its Unicode path)
// with the definition: some run of whole runes of s equals needle by strings.EqualFold.
func FuzzContainsFold(f *testing.F) {
	f.Add("Web-01", "web")
	f.Add("300\u212a", "300k")
	f.Add("\u017fecret", "SECRET")
	f.Add("Büro Empfang", "BÜRO")
	f.Add("xxxxxxxxxxxxxxxk", "K")
	f.Add("abcdefgh\u212a", "hk")
	f.Fuzz(func(t *testing.T, s, needle string) {
		if needle == "" || len(s) > 200 || len(needle) > 40 {
			return
		}
		tm := textTerm(termText, needle)
		got := tm.in(s)
		if want := containsFoldRunes(s, needle); got != want {
			t.Fatalf("%q contains %q: got %v, want %v", s, needle, got, want)
		}
	})
}

// containsFoldRunes is the reference for FuzzContainsFold: EqualFold over every run of whole
// runes of s (byte offsets where decoding s starts a rune, as range does).
func containsFoldRunes(s, needle string) bool {
	var starts []int
	for i := range s {
		starts = append(starts, i)
	}
	starts = append(starts, len(s))
	for a := range starts {
		for b := a; b < len(starts); b++ {
			if strings.EqualFold(s[starts[a]:starts[b]], needle) {
				return true
			}
		}
	}
	return false
}

// FuzzParseExpiry checks that ParseExpiry never panics and either refuses the input with a
// validation error for "expires" or gives the zero time or a time after now.
func FuzzParseExpiry(f *testing.F) {
	for _, s := range []string{"", "never", "720h", "30d", "2026-12-31", "2026-06-01T08:00:00Z", "-1h", "9999999999d"} {
		f.Add(s)
	}
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseExpiry(s, now)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != FieldExpires {
				t.Fatalf("ParseExpiry(%q) error = %#v", s, err)
			}
			return
		}
		if !got.IsZero() && !got.After(now) {
			t.Fatalf("ParseExpiry(%q) = %v, not after now", s, got)
		}
	})
}
