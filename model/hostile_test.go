package model

import (
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"provkeys/internal/hostile"
	"provkeys/keyformat"
)

// inert reports what in s a terminal could act on: an ESC, any other control character,
// a format character (bidi overrides, zero-width), a line separator or invalid UTF-8. It
// returns "" for text that can only be displayed.
func inert(s string) string {
	if !utf8.ValidString(s) {
		return "invalid UTF-8"
	}
	for _, r := range s {
		switch {
		case r == 0x1b:
			return "ESC"
		case unicode.IsControl(r):
			return "control " + strconv.QuoteRune(r)
		case unicode.In(r, unicode.Cf, unicode.Co, unicode.Zl, unicode.Zp):
			return "invisible " + strconv.QuoteRune(r)
		}
	}
	return ""
}

// TestHostileCorpusRefusedByValidation checks every validation function the entry points
// share against every hostile string: each one is refused with a *ValidationError for the
// right field, and the message is short and safe to print.
func TestHostileCorpusRefusedByValidation(t *testing.T) {
	corpus := hostile.Corpus(t)
	check := func(t *testing.T, what, field string, err error) {
		t.Helper()
		ve, ok := err.(*ValidationError)
		if !ok {
			t.Errorf("%s: %v, want a *ValidationError", what, err)
			return
		}
		if ve.Field != field {
			t.Errorf("%s: error for field %q, want %q", what, ve.Field, field)
		}
		if msg := ve.Error(); len(msg) > 300 || inert(msg) != "" || Sanitize(msg) != msg {
			t.Errorf("%s: message unsafe or too long (%d bytes): %q", what, len(msg), trim(msg))
		}
	}
	for _, e := range corpus {
		t.Run(e.Label, func(t *testing.T) {
			v := e.Value
			check(t, "ValidateName", FieldName, ValidateName(FieldName, v))
			check(t, "ValidateText", FieldDescription, ValidateText(FieldDescription, v, MaxDescriptionRunes))
			in := KeyInput{Name: "web-01", Groups: []string{"Servers"}, Cert: "Client", Exportable: true}
			bad := in
			bad.Name = v
			check(t, "key name", FieldName, bad.Validate())
			bad = in
			bad.Description = v
			check(t, "key description", FieldDescription, bad.Validate())
			bad = in
			bad.Groups = []string{v}
			check(t, "key group", FieldGroups, bad.Validate())
			bad = in
			bad.Cert = v
			check(t, "key certificate", FieldCert, bad.Validate())
			bad = in
			bad.Secret = v
			check(t, "key material", FieldKey, bad.Validate())
			check(t, "group name", FieldName, GroupInput{Name: v}.Validate())
			check(t, "group description", FieldDescription, GroupInput{Name: "G", Description: v}.Validate())
			if _, err := keyformat.Parse(v); err == nil {
				t.Error("keyformat.Parse accepted it")
			}
		})
	}
}

// TestHostileCorpusSanitized checks the way to the screen: Sanitize leaves nothing a terminal
// acts on, removes each escape sequence whole (no "52;c;QUJD" or "pwned" left behind as
// text), and is idempotent.
func TestHostileCorpusSanitized(t *testing.T) {
	for _, e := range hostile.Corpus(t) {
		got := Sanitize(e.Value)
		if why := inert(got); why != "" {
			t.Errorf("%s: Sanitize left %s: %q", e.Label, why, trim(got))
		}
		if strings.ContainsAny(e.Value, "\x1b\u009b\u009d") {
			for _, rest := range []string{"QUJD", "pwned", "52;", "0;", "2;", "2J", "[H", "[K", "evil.example", "+q"} {
				if strings.Contains(got, rest) {
					t.Errorf("%s: Sanitize left a piece of an escape sequence, %q, in %q", e.Label, rest, trim(got))
				}
			}
		}
		if Sanitize(got) != got {
			t.Errorf("%s: Sanitize is not idempotent", e.Label)
		}
		if ValidateText("x", got, 0) != nil {
			t.Errorf("%s: ValidateText refuses Sanitize's output %q", e.Label, trim(got))
		}
	}
}

func trim(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
