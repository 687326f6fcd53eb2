package model

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// seedKey is the vendor's example key, shared with keyformat's tests.
func seedKey(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile("../keyformat/testdata/seed_key.txt")
	if err != nil {
		tb.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// wantValidation checks that err is a *ValidationError for field whose message holds msg.
func wantValidation(t *testing.T, err error, field, msg string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("error = %v, want nil", err)
		}
		return
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error = %v (%T), want a *ValidationError for %q", err, err, field)
	}
	if ve.Field != field || !strings.Contains(ve.Msg, msg) {
		t.Fatalf("error = {%q %q}, want {%q containing %q}", ve.Field, ve.Msg, field, msg)
	}
}

func TestValidateName(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantMsg string // "" = valid
	}{
		{"simple", "web-01", ""},
		{"every allowed kind", "Web Server_2.prod-eu", ""},
		{"one character", "a", ""},
		{"128 characters", strings.Repeat("a", 128), ""},
		{"dots only", "...", ""},
		{"empty", "", "must not be empty"},
		{"129 characters", strings.Repeat("a", 129), "is 129 characters long; at most 128"},
		{"leading space", " web", "must not start or end with a space"},
		{"trailing space", "web ", "must not start or end with a space"},
		{"only a space", " ", "must not start or end with a space"},
		{"leading dash", "-web", `must not start with "-"`},
		{"a flag", "--force", `must not start with "-"`},
		{"dash inside", "web-", ""},
		{"slash", "web/01", `'/' at character 4 is not allowed`},
		{"colon", "web:01", `':' at character 4`},
		{"non-ASCII letter", "Büro", `'ü' at character 2 is not allowed`},
		{"Cyrillic look-alike", "wеb", `'е' at character 2`},
		{"tab", "web\t01", "control character U+0009 at character 4"},
		{"escape", "web\x1b[2J", "control character U+001B at character 4"},
		{"bidi override", "key-\u202egnp.exe", "invisible formatting character U+202E at character 5"},
		{"no-break space", "web\u00a001", `'\u00a0' at character 4 is not allowed`},
		{"invalid UTF-8", "web\xff", "invalid UTF-8 (byte 0xFF) at character 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateName("name", tt.in)
			if tt.wantMsg == "" {
				wantValidation(t, err, "", "")
				return
			}
			wantValidation(t, err, "name", tt.wantMsg)
		})
	}
}

func TestValidateText(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		max     int
		wantMsg string
	}{
		{"empty", "", 10, ""},
		{"Unicode is fine", "Büro 東京 ✓ 👍🏽", 20, ""},
		{"at the limit in runes", strings.Repeat("é", 10), 10, ""},
		{"over the limit in runes", strings.Repeat("é", 11), 10, "is 11 characters long; at most 10"},
		{"no limit", strings.Repeat("x", 10000), 0, ""},
		{"newline", "a\nb", 0, "control character U+000A at character 2"},
		{"C1 CSI", "edge\u009b2J", 0, "control character U+009B at character 5"},
		{"DEL", "a\x7f", 0, "control character U+007F at character 2"},
		{"bidi isolate", "\u2066x", 0, "invisible formatting character U+2066 at character 1"},
		{"zero-width space", "a\u200bb", 0, "invisible formatting character U+200B"},
		{"byte order mark", "\ufeffa", 0, "U+FEFF at character 1"},
		{"private use", "é\ue000", 0, "private-use character U+E000 at character 2"},
		{"supplementary private use", "\U00100000", 0, "private-use character U+100000"},
		{"encoded surrogate", "ab\xed\xa0\x80", 0, "invalid UTF-8 (byte 0xED) at character 3"},
		{"truncated UTF-8", "ab\xc3", 0, "invalid UTF-8 (byte 0xC3) at character 3"},
		{"line separator", "a\u2028", 0, "line or paragraph separator U+2028 at character 2"},
		{"position counts runes", "ééé\x01", 0, "at character 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateText("description", tt.in, tt.max)
			if tt.wantMsg == "" {
				wantValidation(t, err, "", "")
				if Sanitize(tt.in) != tt.in {
					t.Errorf("Sanitize changed a string that ValidateText accepts")
				}
				return
			}
			wantValidation(t, err, "description", tt.wantMsg)
		})
	}
}

func validKeyInput() KeyInput {
	return KeyInput{
		Name: "web-01", Groups: []string{"Servers", "Build Agents"}, Cert: "Client",
		Enabled: true, Exportable: true, Description: "Build agents in Frankfurt", MaxUsage: 10,
	}
}

func TestKeyInputValidate(t *testing.T) {
	seed := seedKey(t)
	tests := []struct {
		name      string
		edit      func(*KeyInput)
		wantField string // "" = valid
		wantMsg   string
	}{
		{"valid", func(*KeyInput) {}, "", ""},
		{"with cloud", func(in *KeyInput) { in.Cloud = "api-f4.prod.zpath.net" }, "", ""},
		{"with secret", func(in *KeyInput) { in.Secret = seed }, "", ""},
		{"secret and its cloud", func(in *KeyInput) { in.Secret, in.Cloud = seed, "API.private.zscaler.com" }, "", ""},
		{"old-version secret is accepted", func(in *KeyInput) { in.Secret = "2|api.private.zscaler.com|AAECAw==" }, "", ""},
		{"unlimited usage", func(in *KeyInput) { in.MaxUsage = 0 }, "", ""},
		{"512-rune description", func(in *KeyInput) { in.Description = strings.Repeat("ü", 512) }, "", ""},

		{"empty name", func(in *KeyInput) { in.Name = "" }, "name", "must not be empty"},
		{"bad name", func(in *KeyInput) { in.Name = "web$01" }, "name", `'$' at character 4`},
		{"no groups", func(in *KeyInput) { in.Groups = nil }, "groups", "at least one"},
		{"empty group", func(in *KeyInput) { in.Groups = []string{"Servers", ""} }, "groups", `"": must not be empty`},
		{"bad group", func(in *KeyInput) { in.Groups = []string{"Serv/ers"} }, "groups", `"Serv/ers": '/' at character 5`},
		{"unsafe group not echoed", func(in *KeyInput) { in.Groups = []string{"a", "x\x1b[2J"} }, "groups", "group 2: control character U+001B"},
		{"duplicate group", func(in *KeyInput) { in.Groups = []string{"Servers", "Laptops", "servers"} }, "groups", `"servers" is listed twice`},
		{"no cert", func(in *KeyInput) { in.Cert = "" }, "signing certificate", "choose a signing certificate"},
		{"bad cert", func(in *KeyInput) { in.Cert = "Client\u202e" }, "signing certificate", "U+202E"},
		{"cloud with a scheme", func(in *KeyInput) { in.Cloud = "https://api.example.com" }, "cloud", `':' is not allowed`},
		{"cloud with an escape", func(in *KeyInput) { in.Cloud = "api\x1b]0;x\x07" }, "cloud", "control character U+001B"},
		{"cloud too long", func(in *KeyInput) { in.Cloud = strings.Repeat("a.", 200) }, "cloud", "at most 253"},
		{"description too long", func(in *KeyInput) { in.Description = strings.Repeat("ü", 513) }, "description", "at most 512"},
		{"description with newline", func(in *KeyInput) { in.Description = "line\nbreak" }, "description", "U+000A at character 5"},
		{"negative max usage", func(in *KeyInput) { in.MaxUsage = -1 }, "max usage", "0 (unlimited) or more"},
		{"secret truncated", func(in *KeyInput) { in.Secret = seed[:60] + "..." }, "key", "payload at position 61"},
		{"secret line-wrapped", func(in *KeyInput) { in.Secret = seed[:100] + "\n" + seed[100:] }, "key", "white space inside"},
		{"secret URL-safe", func(in *KeyInput) { in.Secret = strings.NewReplacer("+", "-", "/", "_").Replace(seed) }, "key", "URL-safe"},
		{"secret for another cloud", func(in *KeyInput) { in.Secret, in.Cloud = seed, "api-f4.prod.zpath.net" }, "cloud", `is not the key's host "api.private.zscaler.com"`},
		{"first problem wins", func(in *KeyInput) { in.Name, in.MaxUsage = "", -1 }, "name", "must not be empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validKeyInput()
			tt.edit(&in)
			err := in.Validate()
			wantValidation(t, err, tt.wantField, tt.wantMsg)
			if err != nil && in.Secret != "" {
				assertNoSecret(t, err.Error(), in.Secret)
			}
		})
	}
}

// assertNoSecret fails when msg holds any 6-character run of secret's payload: an error
// message may point at a character, never quote the key.
func assertNoSecret(t *testing.T, msg, secret string) {
	t.Helper()
	payload := secret[strings.LastIndexByte(secret, '|')+1:]
	for i := 0; i+6 <= len(payload); i++ {
		if strings.Contains(msg, payload[i:i+6]) {
			t.Fatalf("message %q holds part of the secret (%q)", msg, payload[i:i+6])
		}
	}
}

func TestGroupInputValidate(t *testing.T) {
	tests := []struct {
		name      string
		in        GroupInput
		wantField string
		wantMsg   string
	}{
		{"valid", GroupInput{Name: "Build Agents", Description: "CI runners", Enabled: true}, "", ""},
		{"no description", GroupInput{Name: "Servers"}, "", ""},
		{"empty name", GroupInput{}, "name", "must not be empty"},
		{"trailing space", GroupInput{Name: "Servers "}, "name", "must not start or end with a space"},
		{"bidi in description", GroupInput{Name: "Servers", Description: "evil\u202e"}, "description", "U+202E at character 5"},
		{"long description", GroupInput{Name: "Servers", Description: strings.Repeat("x", 513)}, "description", "at most 512"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantValidation(t, tt.in.Validate(), tt.wantField, tt.wantMsg)
		})
	}
}

func TestParseExpiry(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, berlin)
	tests := []struct {
		name    string
		in      string
		want    time.Time
		wantMsg string
	}{
		{"empty", "", time.Time{}, ""},
		{"never", "never", time.Time{}, ""},
		{"Never with spaces", "  Never ", time.Time{}, ""},
		{"hours", "720h", now.Add(720 * time.Hour), ""},
		{"mixed duration", "1h30m", now.Add(90 * time.Minute), ""},
		{"days", "30d", time.Date(2026, 4, 9, 12, 0, 0, 0, berlin), ""},
		{"one day", "1d", time.Date(2026, 3, 11, 12, 0, 0, 0, berlin), ""},
		{"date is the start of that day where now is", "2026-12-31", time.Date(2026, 12, 31, 0, 0, 0, 0, berlin), ""},
		{"RFC 3339", "2026-06-01T08:00:00Z", time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC), ""},
		{"RFC 3339 with fraction and offset", "2026-06-01T08:00:00.5+02:00", time.Date(2026, 6, 1, 6, 0, 0, 5e8, time.UTC), ""},

		{"zero duration", "0s", time.Time{}, `"0s" is not in the future`},
		{"negative duration", "-1h", time.Time{}, "not in the future"},
		{"zero days", "0d", time.Time{}, "not in the future"},
		{"past date", "2020-01-01", time.Time{}, `"2020-01-01" is not in the future`},
		{"today", "2026-03-10", time.Time{}, "not in the future"},
		{"weeks are not a unit", "2w", time.Time{}, `"2w" is not a duration (720h), a number of days (30d), a date`},
		{"fractional days", "1.5d", time.Time{}, "is not a duration"},
		{"absurd days", "99999999999d", time.Time{}, "is not a duration"},
		{"US date", "12/31/2026", time.Time{}, "is not a duration"},
		{"impossible date", "2026-02-30", time.Time{}, "is not a duration"},
		{"unsafe input is not echoed", "\x1b[2J", time.Time{}, "the expiry is not a duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseExpiry(tt.in, now)
			if tt.wantMsg != "" {
				wantValidation(t, err, "expires", tt.wantMsg)
				if !got.IsZero() {
					t.Errorf("ParseExpiry returned %v with its error", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseExpiry(%q) = %v", tt.in, err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("ParseExpiry(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
