package keyformat

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"go/build"
	"os"
	"reflect"
	"strings"
	"testing"
)

const host = "api.private.zscaler.com"

// seedKey is the example key from the vendor's documentation (shared/seed), copied into
// testdata so the tests do not depend on files outside the module.
func seedKey(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile("testdata/seed_key.txt")
	if err != nil {
		tb.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestSeedKey(t *testing.T) {
	s := seedKey(t)
	k, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(seed): %v", err)
	}
	if k.Version != "3" || k.Host != host || len(k.Warnings) != 0 {
		t.Errorf("Parse(seed) = version %q host %q warnings %q; want 3, %s, none", k.Version, k.Host, k.Warnings, host)
	}
	b, err := base64.StdEncoding.DecodeString(k.Payload)
	if err != nil || len(b) != PayloadBytes || len(k.Payload) != 384 {
		t.Errorf("seed payload: %d characters, %d bytes, err %v; want 384, 288, nil", len(k.Payload), len(b), err)
	}
	if got := Format(k); got != s {
		t.Errorf("Format(Parse(seed)) differs from seed")
	}
}

func TestParseValid(t *testing.T) {
	seed := seedKey(t)
	payload := seed[strings.LastIndexByte(seed, '|')+1:]
	tests := []struct {
		name     string
		in       string
		want     Key
		warnings int
	}{
		{"seed", seed, Key{Version: "3", Host: host, Payload: payload}, 0},
		{"surrounding white space is trimmed", " \t" + seed + "\r\n", Key{Version: "3", Host: host, Payload: payload}, 0},
		{"another cloud", "3|api-f4.prod.zpath.net|" + payload, Key{Version: "3", Host: "api-f4.prod.zpath.net", Payload: payload}, 0},
		{"upper-case host kept as written", "3|API.Private.Zscaler.COM|" + payload, Key{Version: "3", Host: "API.Private.Zscaler.COM", Payload: payload}, 0},
		{"single-label host", "3|localhost|" + payload, Key{Version: "3", Host: "localhost", Payload: payload}, 0},
		{"63-character label", "3|" + strings.Repeat("a", 63) + ".com|" + payload, Key{Version: "3", Host: strings.Repeat("a", 63) + ".com", Payload: payload}, 0},
		{"older version warns", "2|" + host + "|" + payload, Key{Version: "2", Host: host, Payload: payload}, 1},
		{"leading zero warns", "03|" + host + "|" + payload, Key{Version: "03", Host: host, Payload: payload}, 1},
		{"newer version warns", "10|" + host + "|" + payload, Key{Version: "10", Host: host, Payload: payload}, 1},
		{"short payload with == warns", "3|" + host + "|AAECAw==", Key{Version: "3", Host: host, Payload: "AAECAw=="}, 1},
		{"short payload with = warns", "3|" + host + "|AAECAwQ=", Key{Version: "3", Host: host, Payload: "AAECAwQ="}, 1},
		{"289 bytes warns", "3|" + host + "|" + payload + "AA==", Key{Version: "3", Host: host, Payload: payload + "AA=="}, 1},
		{"old version and odd size warn twice", "1|" + host + "|AAECAw==", Key{Version: "1", Host: host, Payload: "AAECAw=="}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(got.Warnings) != tt.warnings {
				t.Errorf("warnings = %q, want %d", got.Warnings, tt.warnings)
			}
			got.Warnings = nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse = %+v, want %+v", got, tt.want)
			}
			if f := Format(got); f != strings.TrimSpace(tt.in) {
				t.Errorf("Format(Parse(s)) = %q, want %q", f, strings.TrimSpace(tt.in))
			}
		})
	}
}

func TestParseWarningText(t *testing.T) {
	k, err := Parse("2|" + host + "|AAECAw==")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"version 2 is not the current version 3", "payload is 4 bytes, real keys have 288"}
	if !reflect.DeepEqual(k.Warnings, want) {
		t.Errorf("warnings = %q, want %q", k.Warnings, want)
	}
}

func TestParseErrors(t *testing.T) {
	seed := seedKey(t)
	payload := seed[strings.LastIndexByte(seed, '|')+1:]
	const pre = "3|" + host + "|" // the payload starts at byte 26
	plus := strings.IndexByte(payload, '+')
	slash := strings.IndexByte(payload, '/')

	tests := []struct {
		name    string
		in      string
		wantErr ParseError // Part and Pos must match; Msg must contain wantErr.Msg
	}{
		{"empty", "", ParseError{"key", 0, "empty"}},
		{"only white space", " \t\r\n", ParseError{"key", 0, "empty"}},
		{"no separators", "3", ParseError{"key", 0, `missing "|"`}},
		{"payload alone", payload, ParseError{"key", 0, `missing "|"`}},
		{"no payload field", "3|" + host, ParseError{"payload", len("3|" + host), "second"}},
		{"empty payload", pre, ParseError{"payload", len(pre), "empty"}},
		{"empty version", "|" + host + "|" + payload, ParseError{"version", 0, "empty"}},
		{"letter version", "v3|" + host + "|" + payload, ParseError{"version", 0, `'v' is not a digit`}},
		{"digit then letter", "3a|" + host + "|" + payload, ParseError{"version", 1, `'a' is not a digit`}},
		{"full-width digit", "３|" + host + "|" + payload, ParseError{"version", 0, `'３' is not a digit`}},
		{"negative version", "-3|" + host + "|" + payload, ParseError{"version", 0, "not a digit"}},
		{"empty host", "3||" + payload, ParseError{"host", 2, "empty"}},
		{"underscore in host", "3|api_private.zscaler.com|" + payload, ParseError{"host", 5, `'_' is not allowed`}},
		{"URL as host", "3|https://api.private.zscaler.com|" + payload, ParseError{"host", 7, `':' is not allowed`}},
		{"non-ASCII host", "3|api.zürich.example|" + payload, ParseError{"host", 7, `'ü' is not allowed`}},
		{"invalid UTF-8 in host", "3|api.\xffx.com|" + payload, ParseError{"host", 6, `'�' is not allowed`}},
		{"label starts with -", "3|-api.example.com|" + payload, ParseError{"host", 2, "starts with '-'"}},
		{"label ends with -", "3|api-.example.com|" + payload, ParseError{"host", 5, "ends with '-'"}},
		{"empty label", "3|api..example.com|" + payload, ParseError{"host", 6, "empty label"}},
		{"trailing dot", "3|example.com.|" + payload, ParseError{"host", 14, "empty label"}},
		{"leading dot", "3|.example.com|" + payload, ParseError{"host", 2, "empty label"}},
		{"label of 64", "3|" + strings.Repeat("a", 64) + ".com|" + payload, ParseError{"host", 2, "longer than 63"}},
		{"host of 254", "3|" + strings.Repeat(strings.Repeat("a", 62)+".", 4) + "abc|" + payload, ParseError{"host", 2 + 253, "longer than 253"}},
		{"line-wrapped payload", pre + payload[:76] + "\n" + payload[76:], ParseError{"payload", len(pre) + 76, "white space inside"}},
		{"CRLF-wrapped payload", pre + payload[:64] + "\r\n" + payload[64:], ParseError{"payload", len(pre) + 64, "line-wrapped"}},
		{"space in host", "3|api. private.zscaler.com|" + payload, ParseError{"host", 6, "white space"}},
		{"space after version", "3 |" + host + "|" + payload, ParseError{"version", 1, "white space"}},
		{"no-break space in payload", pre + payload[:10] + "\u00a0" + payload[10:], ParseError{"payload", len(pre) + 10, "white space"}},
		{"ideographic space in payload", pre + payload[:10] + "\u3000" + payload[10:], ParseError{"payload", len(pre) + 10, "white space"}},
		{"truncated with ...", pre + payload[:16] + "...", ParseError{"payload", len(pre) + 16, "truncated"}},
		{"truncated in the middle", pre + payload[:16] + "..." + payload[len(payload)-8:], ParseError{"payload", len(pre) + 16, "truncated"}},
		{"truncated with …", pre + payload[:16] + "…", ParseError{"payload", len(pre) + 16, "truncated"}},
		{"placeholder <string>", pre + "<string>", ParseError{"payload", len(pre), "placeholder"}},
		{"whole placeholder", "<provisioning key>", ParseError{"key", 0, "placeholder"}},
		{"shell variable", "${PROVISIONING_KEY}", ParseError{"key", 0, "placeholder"}},
		{"template", pre + "{{.Key}}", ParseError{"payload", len(pre), "placeholder"}},
		{"XXXXXX", pre + "XXXXXX", ParseError{"payload", len(pre), "placeholder"}},
		{"XXXX...", pre + "XXXXXXXX...", ParseError{"payload", len(pre), "placeholder"}},
		{"whole key XXXX...", "XXXXXX...", ParseError{"key", 0, "placeholder"}},
		{"payload alone, wrapped", payload[:64] + "\n" + payload[64:], ParseError{"key", 64, "white space"}},
		{"short run then ...", pre + "ABC...", ParseError{"payload", len(pre) + 3, "truncated"}},
		{"many X", pre + strings.Repeat("X", 384), ParseError{"payload", len(pre), "placeholder"}},
		{"all A", pre + strings.Repeat("A", 384), ParseError{"payload", len(pre), "placeholder"}},
		{"upper-case words", pre + "YOUR_PROVISIONING_KEY", ParseError{"payload", len(pre), "placeholder"}},
		{"whole key XXXXXX", "XXXXXXXX", ParseError{"key", 0, "placeholder"}},
		{"URL-safe -", pre + payload[:plus] + "-" + payload[plus+1:], ParseError{"payload", len(pre) + plus, "URL-safe"}},
		{"URL-safe _", pre + payload[:slash] + "_" + payload[slash+1:], ParseError{"payload", len(pre) + slash, "URL-safe"}},
		{"not base64", pre + "AAAA!AAA", ParseError{"payload", len(pre) + 4, `'!' is not a base64 character`}},
		{"third separator", pre + payload + "|x", ParseError{"payload", len(pre) + len(payload), `'|' is not a base64 character`}},
		{"non-ASCII in payload", pre + "AAAé", ParseError{"payload", len(pre) + 3, `'é' is not a base64`}},
		{"one character short", pre + payload[:len(payload)-1], ParseError{"payload", len(pre) + len(payload) - 2, "not a multiple of 4"}},
		{"missing padding", pre + "AAECAw", ParseError{"payload", len(pre) + 5, "missing '=' padding"}},
		{"padding in the middle", pre + "AA=A", ParseError{"payload", len(pre) + 3, "after '=' padding"}},
		{"padding too early", pre + "A===", ParseError{"payload", len(pre) + 1, "only allowed at the end"}},
		{"only padding", pre + "====", ParseError{"payload", len(pre), "only allowed at the end"}},
		{"padding in a full key", pre + payload[:200] + "=" + payload[201:], ParseError{"payload", len(pre) + 200, "only allowed at the end"}},
		{"stray bits before ==", pre + "AAECAx==", ParseError{"payload", len(pre) + 5, "non-canonical"}},
		{"stray bits before =", pre + "AAECAwR=", ParseError{"payload", len(pre) + 6, "non-canonical"}},
		{"first problem wins", "x|bad_host|!!", ParseError{"version", 0, "not a digit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse = %+v, want error", k)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			if pe.Part != tt.wantErr.Part || pe.Pos != tt.wantErr.Pos || !strings.Contains(pe.Msg, tt.wantErr.Msg) {
				t.Errorf("error = {%s %d %q}, want {%s %d containing %q}", pe.Part, pe.Pos, pe.Msg, tt.wantErr.Part, tt.wantErr.Pos, tt.wantErr.Msg)
			}
			if !reflect.DeepEqual(k, Key{}) {
				t.Errorf("Parse returned %+v with its error, want the zero Key", k)
			}
		})
	}
}

func TestParseErrorMessage(t *testing.T) {
	_, err := Parse("3|" + host + "|AAAA!AAA")
	const want = "payload at position 31: '!' is not a base64 character"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestParseDoesNotAllocate(t *testing.T) {
	s := seedKey(t)
	if n := testing.AllocsPerRun(100, func() { _, _ = Parse(s) }); n != 0 {
		t.Errorf("Parse(seed) allocates %v times, want 0", n)
	}
}

func TestFingerprintAllocations(t *testing.T) {
	s := seedKey(t)
	// One allocation: the returned string. The hash input must not be copied to the heap.
	if n := testing.AllocsPerRun(100, func() { _ = Fingerprint(s) }); n > 1 {
		t.Errorf("Fingerprint allocates %v times, want 1", n)
	}
}

func TestGenerate(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantHost string
		wantErr  bool
	}{
		{"default host", "", DefaultHost, false},
		{"given host", "api-f4.prod.zpath.net", "api-f4.prod.zpath.net", false},
		{"bad host", "not a host", "", true},
		{"URL", "https://example.com", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Generate(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Generate(%q) = %q, want error", tt.in, s)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			k, err := Parse(s)
			if err != nil {
				t.Fatalf("Parse(Generate()) = %v", err)
			}
			if k.Version != "3" || k.Host != tt.wantHost || len(k.Warnings) != 0 || len(k.Payload) != 384 {
				t.Errorf("Generate = version %s host %s warnings %q payload %d chars", k.Version, k.Host, k.Warnings, len(k.Payload))
			}
		})
	}
	a, _ := Generate("")
	b, _ := Generate("")
	if a == b {
		t.Error("two generated keys are equal")
	}
}

// TestGenerateManyParseClean guards against rare payloads (say one that looks like a
// placeholder) that Generate might produce and Parse refuse.
func TestGenerateManyParseClean(t *testing.T) {
	for i := 0; i < 2000; i++ {
		s, err := Generate("")
		if err != nil {
			t.Fatal(err)
		}
		if k, err := Parse(s); err != nil || len(k.Warnings) != 0 {
			t.Fatalf("Parse(%q) = %v, %q", s, err, k.Warnings)
		}
	}
}

// opensshFingerprint computes a fingerprint the long way round, as `ssh-keygen -l` does:
// hex digest, back to bytes, padded base64 with the padding cut off.
func opensshFingerprint(s string) string {
	sum := sha256.Sum256([]byte(s))
	raw, _ := hex.DecodeString(hex.EncodeToString(sum[:]))
	return "SHA256:" + strings.TrimRight(base64.StdEncoding.EncodeToString(raw), "=")
}

func TestFingerprint(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		// Computed outside Go: printf %s KEY | sha256sum | xxd -r -p | base64 | tr -d =
		{"seed", seedKey(t), "SHA256:A1KBwtiCWfMhLKNVQ6eY4FuVTRQhF8SW5R0lmCiH4Z4"},
		{"abc", "abc", "SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0"},
		{"empty", "", "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Fingerprint(tt.in); got != tt.want {
				t.Errorf("Fingerprint = %s, want %s", got, tt.want)
			}
			if got := opensshFingerprint(tt.in); got != tt.want {
				t.Errorf("reference computation = %s, want %s (test is wrong)", got, tt.want)
			}
		})
	}
	// Longer than the stack buffer Fingerprint hashes from.
	long := strings.Repeat("3|api.private.zscaler.com|", 40)
	if got, want := Fingerprint(long), opensshFingerprint(long); got != want {
		t.Errorf("Fingerprint(%d bytes) = %s, want %s", len(long), got, want)
	}
	for i := 0; i < 50; i++ {
		s, _ := Generate("")
		if got, want := Fingerprint(s), opensshFingerprint(s); got != want {
			t.Fatalf("Fingerprint(%q) = %s, want %s", s, got, want)
		}
	}
}

func TestShortFingerprint(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"full", "SHA256:A1KBwtiCWfMhLKNVQ6eY4FuVTRQhF8SW5R0lmCiH4Z4", "A1KBwtiCWfMh"},
		{"short", "SHA256:abc", "abc"},
		{"no prefix", "A1KBwtiCWfMhLKNV", "A1KBwtiCWfMh"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ShortFingerprint(tt.in); got != tt.want {
				t.Errorf("ShortFingerprint(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMask(t *testing.T) {
	seed := seedKey(t)
	tests := []struct{ name, in, want string }{
		{"seed", seed, "3|api.private.zscaler.com|••••"},
		{"surrounding white space", "  " + seed + "\n", "3|api.private.zscaler.com|••••"},
		{"no separators", "hunter2", "••••"},
		{"one separator", "3|hunter2", "••••"},
		{"empty version", "|host|secret", "••••"},
		{"version not digits", "user|example.com|secret", "••••"},
		{"host not a host name", "3|pass word|secret", "••••"},
		{"escape in host", "3|\x1b]52;c;aGk=\x07|secret", "••••"},
		{"empty", "", "••••"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Mask(tt.in)
			if got != tt.want {
				t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if strings.Contains(got, "secret") || strings.Contains(got, "hunter2") || strings.Contains(got, seed[30:40]) {
				t.Errorf("Mask(%q) = %q shows secret material", tt.in, got)
			}
		})
	}
}

func TestCheckHost(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string
	}{
		{"zscaler", "api.private.zscaler.com", ""},
		{"zpath", "api-f4.prod.zpath.net", ""},
		{"digits", "10.0.0.1", ""},
		{"empty", "", "empty"},
		{"space", "a b", `' ' is not allowed`},
		{"port", "example.com:443", `':' is not allowed`},
		{"dash start", "-a.com", "starts with '-'"},
		{"trailing dot", "a.com.", "empty label"},
		{"too long", strings.Repeat("a.", 127) + "a", "longer than 253"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckHost(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("CheckHost(%q) = %v, want nil", tt.in, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("CheckHost(%q) = %v, want an error containing %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

// TestStandardLibraryOnly keeps keyformat usable from every other package (DESIGN §8).
func TestStandardLibraryOnly(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		p, err := build.Import(imp, "", build.FindOnly)
		if err != nil || !p.Goroot {
			t.Errorf("keyformat imports %q, which is not in the standard library", imp)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	s := seedKey(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if _, err := Parse(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFingerprint(b *testing.B) {
	s := seedKey(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		_ = Fingerprint(s)
	}
}
