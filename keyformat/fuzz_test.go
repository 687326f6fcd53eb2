package keyformat

import (
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that every error is a *ParseError that points
// into the input, and that every accepted key formats back to exactly the trimmed input and
// holds what DESIGN §2 promises. The committed corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add(seedKey(f))
	f.Add("3|api.private.zscaler.com|AAECAw==")
	f.Add("2|api-f4.prod.zpath.net|AAECAwQ=")
	f.Add(" 3|h|AAAA\n")
	f.Add("3|h|AA=A")
	f.Add("3|api.private.zscaler.com|<string>")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := Parse(s)
		trimmed := strings.TrimSpace(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %T is not a *ParseError", s, err)
			}
			switch pe.Part {
			case "key", "version", "host", "payload":
			default:
				t.Fatalf("Parse(%q): unknown part %q", s, pe.Part)
			}
			if pe.Pos < 0 || pe.Pos > len(trimmed) || pe.Msg == "" {
				t.Fatalf("Parse(%q): error %+v points outside the input", s, pe)
			}
			if !reflect.DeepEqual(k, Key{}) {
				t.Fatalf("Parse(%q) returned %+v with an error", s, k)
			}
			// The differential check: input that meets every rule by another route must parse.
			if acceptable(trimmed) {
				t.Fatalf("Parse(%q) = %v, but the key meets every rule", s, err)
			}
			return
		}
		if got := Format(k); got != trimmed {
			t.Fatalf("Format(Parse(%q)) = %q, want %q", s, got, trimmed)
		}
		if !acceptable(trimmed) {
			t.Fatalf("Parse(%q) accepted a key that breaks a rule", s)
		}
		again, err := Parse(Format(k))
		if err != nil || !reflect.DeepEqual(again, k) {
			t.Fatalf("Parse(Format(k)) = %+v, %v; want %+v", again, err, k)
		}
		b, _ := base64.StdEncoding.Strict().DecodeString(k.Payload)
		wantWarnings := 0
		if k.Version != "3" {
			wantWarnings++
		}
		if len(b) != PayloadBytes {
			wantWarnings++
		}
		if len(k.Warnings) != wantWarnings {
			t.Fatalf("Parse(%q) warnings %q, want %d", s, k.Warnings, wantWarnings)
		}
	})
}

// acceptable restates DESIGN §2 with other tools (strings.SplitN, the standard library's
// strict base64 decoder) so the fuzzer compares two implementations of the same rules.
func acceptable(s string) bool {
	parts := strings.SplitN(s, "|", 3)
	if len(parts) != 3 || strings.ContainsAny(s, "<>{}$") || strings.Contains(s, "...") || strings.Contains(s, "…") {
		return false
	}
	if strings.IndexFunc(s, func(r rune) bool { return strings.TrimSpace(string(r)) == "" }) >= 0 {
		return false
	}
	v, h, p := parts[0], parts[1], parts[2]
	if v == "" || strings.Trim(v, "0123456789") != "" {
		return false
	}
	if CheckHost(h) != nil || p == "" || len(p)%4 != 0 || isPlaceholder(p) {
		return false
	}
	_, err := base64.StdEncoding.Strict().DecodeString(p)
	return err == nil
}

// FuzzGenerate checks that Generate either refuses a host that CheckHost refuses or makes a
// key that parses with no warning and keeps the host.
func FuzzGenerate(f *testing.F) {
	f.Add("")
	f.Add(DefaultHost)
	f.Add("api-f4.prod.zpath.net")
	f.Add("bad host")
	f.Fuzz(func(t *testing.T, h string) {
		s, err := Generate(h)
		want := h
		if want == "" {
			want = DefaultHost
		}
		if err != nil {
			if CheckHost(want) == nil {
				t.Fatalf("Generate(%q) = %v, but the host is valid", h, err)
			}
			return
		}
		k, err := Parse(s)
		if err != nil || len(k.Warnings) != 0 || k.Host != want || k.Version != "3" {
			t.Fatalf("Parse(Generate(%q)) = %+v, %v", h, k, err)
		}
	})
}
