// Package keyformat parses, formats, generates and fingerprints machine provisioning keys of
// the form "<version>|<host>|<payload>", where payload is RFC 4648 standard base64.
//
// It depends on the standard library only, so every other package can use it.
package keyformat

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	// CurrentVersion is the key version the cloud issues today.
	CurrentVersion = 3
	// DefaultHost is the enrollment API host used when none is configured.
	DefaultHost = "api.private.zscaler.com"
	// PayloadBytes is the decoded payload size of every real key seen.
	PayloadBytes = 288
	// maxHostLen is the RFC 1123 limit on a whole host name.
	maxHostLen = 253
)

// Key is a parsed provisioning key. Version and Payload keep the exact text that was parsed,
// so Format(Parse(s)) gives back s.
type Key struct {
	Version  string // one or more ASCII digits
	Host     string // RFC 1123 host name
	Payload  string // standard base64 text
	Warnings []string
}

// ParseError says which part of a key is wrong and at which byte offset of the trimmed input.
type ParseError struct {
	Part string // "key", "version", "host" or "payload"
	Pos  int    // 0-based byte offset into the trimmed input
	Msg  string
}

// Error says which part is wrong, where and why, counting positions from 1 as people do.
func (e *ParseError) Error() string {
	return fmt.Sprintf("%s at position %d: %s", e.Part, e.Pos+1, e.Msg)
}

// Parse reads a key strictly. Leading and trailing white space is trimmed; anything else that
// is not version|host|payload is an error naming the part and the position. A version other
// than 3 or a payload that does not decode to 288 bytes is accepted with a warning.
//
// Parse does not allocate for a valid current key: the fields of the result are slices of s.
func Parse(s string) (Key, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Key{}, &ParseError{Part: "key", Pos: 0, Msg: "empty"}
	}
	// Nearly every input is a well-formed key; one table-driven pass proves it has none of
	// the characters the checks below look for, and only the rest pay for those checks.
	if !plain(s) {
		// No key ever holds these; they come from templates ("<key>", "${KEY}", "{{.Key}}").
		// This goes before the white space check because "<provisioning key>" holds a space too.
		if i := strings.IndexAny(s, "<>{}$"); i >= 0 {
			return Key{}, &ParseError{Part: partAt(s, i), Pos: i, Msg: "looks like a placeholder, not a key"}
		}
		if i := indexSpace(s); i >= 0 {
			return Key{}, &ParseError{Part: partAt(s, i), Pos: i, Msg: "white space inside the key (was it line-wrapped when copied?)"}
		}
		if i := indexTruncation(s); i >= 0 {
			// "XXXXXX..." in documentation is a placeholder more than a truncated key.
			if start := strings.LastIndexByte(s[:i], '|') + 1; isPlaceholder(s[start:i]) {
				return Key{}, &ParseError{Part: partAt(s, start), Pos: start, Msg: "looks like a placeholder, not a key"}
			}
			return Key{}, &ParseError{Part: partAt(s, i), Pos: i, Msg: `"..." — the key looks truncated`}
		}
	}
	p1 := strings.IndexByte(s, '|')
	if p1 < 0 {
		if isPlaceholder(s) {
			return Key{}, &ParseError{Part: "key", Pos: 0, Msg: "looks like a placeholder, not a key"}
		}
		return Key{}, &ParseError{Part: "key", Pos: 0, Msg: `missing "|" separators (want version|host|payload)`}
	}
	rest := s[p1+1:]
	p2r := strings.IndexByte(rest, '|')
	if p2r < 0 {
		return Key{}, &ParseError{Part: "payload", Pos: len(s), Msg: `missing: there is no second "|" separator (want version|host|payload)`}
	}
	p2 := p1 + 1 + p2r
	k := Key{Version: s[:p1], Host: s[p1+1 : p2], Payload: s[p2+1:]}

	if k.Version == "" {
		return Key{}, &ParseError{Part: "version", Pos: 0, Msg: "empty"}
	}
	for i := 0; i < len(k.Version); i++ {
		if c := k.Version[i]; c < '0' || c > '9' {
			return Key{}, &ParseError{Part: "version", Pos: i, Msg: fmt.Sprintf("%q is not a digit", runeAt(k.Version, i))}
		}
	}
	if pos, msg := checkHost(k.Host); msg != "" {
		return Key{}, &ParseError{Part: "host", Pos: p1 + 1 + pos, Msg: msg}
	}
	// Placeholders are checked before the base64 rules, so "XXXXXX" is reported as what it is
	// and not as a length that is not a multiple of 4.
	if isPlaceholder(k.Payload) {
		return Key{}, &ParseError{Part: "payload", Pos: p2 + 1, Msg: "looks like a placeholder, not a key"}
	}
	n, pos, msg := checkPayload(k.Payload)
	if msg != "" {
		return Key{}, &ParseError{Part: "payload", Pos: p2 + 1 + pos, Msg: msg}
	}
	// "03" is not "3": Format(Parse(s)) keeps the leading zero, and the cloud issues "3".
	if k.Version != "3" {
		k.Warnings = append(k.Warnings, fmt.Sprintf("version %s is not the current version %d", k.Version, CurrentVersion))
	}
	if n != PayloadBytes {
		k.Warnings = append(k.Warnings, fmt.Sprintf("payload is %d bytes, real keys have %d", n, PayloadBytes))
	}
	return k, nil
}

// Format writes a key back as version|host|payload.
func Format(k Key) string {
	return k.Version + "|" + k.Host + "|" + k.Payload
}

// Generate makes a new current-version key for host (DefaultHost when empty) with 288 random bytes.
func Generate(host string) (string, error) {
	if host == "" {
		host = DefaultHost
	}
	if _, msg := checkHost(host); msg != "" {
		return "", fmt.Errorf("host %q: %s", host, msg)
	}
	var b [PayloadBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate key: %w", err)
	}
	return fmt.Sprintf("%d|%s|%s", CurrentVersion, host, base64.StdEncoding.EncodeToString(b[:])), nil
}

// Fingerprint is "SHA256:" and the unpadded standard base64 of SHA-256 over the whole key
// string, as OpenSSH prints key fingerprints.
func Fingerprint(key string) string {
	// Keys are about 410 bytes: hash them from a stack buffer rather than a []byte copy on the
	// heap. Longer input (only ever seen in fuzzing) takes the ordinary path.
	var sum [sha256.Size]byte
	var buf [512]byte
	if len(key) <= len(buf) {
		sum = sha256.Sum256(buf[:copy(buf[:], key)])
	} else {
		sum = sha256.Sum256([]byte(key))
	}
	var out [7 + 43]byte
	copy(out[:], "SHA256:")
	base64.RawStdEncoding.Encode(out[7:], sum[:])
	return string(out[:])
}

// ShortFingerprint is the first 12 characters of a fingerprint's hash, for tables.
func ShortFingerprint(fp string) string {
	h := strings.TrimPrefix(fp, "SHA256:")
	if len(h) > 12 {
		h = h[:12]
	}
	return h
}

// Mask shows a key's version and host and hides its payload: "3|api.private.zscaler.com|••••".
// Anything whose version is not digits or whose host is not a host name is hidden whole, so a
// secret that was never a key (say "user|password|x") is not half shown.
func Mask(key string) string {
	const hidden = "••••"
	key = strings.TrimSpace(key)
	p1 := strings.IndexByte(key, '|')
	if p1 <= 0 {
		return hidden
	}
	p2 := strings.IndexByte(key[p1+1:], '|')
	if p2 < 0 {
		return hidden
	}
	for i := 0; i < p1; i++ {
		if key[i] < '0' || key[i] > '9' {
			return hidden
		}
	}
	if _, msg := checkHost(key[p1+1 : p1+1+p2]); msg != "" {
		return hidden
	}
	return key[:p1+1+p2+1] + hidden
}

// CheckHost reports whether host is an RFC 1123 host name, with a reason when it is not.
func CheckHost(host string) error {
	if _, msg := checkHost(host); msg != "" {
		return fmt.Errorf("host %q: %s", host, msg)
	}
	return nil
}

func checkHost(h string) (pos int, msg string) {
	if h == "" {
		return 0, "empty"
	}
	if len(h) > maxHostLen {
		return maxHostLen, fmt.Sprintf("longer than %d characters", maxHostLen)
	}
	start := 0
	for i := 0; i <= len(h); i++ {
		if i < len(h) && h[i] != '.' {
			c := h[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return i, fmt.Sprintf("%q is not allowed in a host name", runeAt(h, i))
			}
			continue
		}
		label := h[start:i]
		switch {
		case label == "":
			return i, "empty label in host name"
		case len(label) > 63:
			return start, "label longer than 63 characters"
		case label[0] == '-':
			return start, "label starts with '-'"
		case label[len(label)-1] == '-':
			return i - 1, "label ends with '-'"
		}
		start = i + 1
	}
	return 0, ""
}

// checkPayload validates RFC 4648 standard base64 with padding and returns the decoded length.
func checkPayload(p string) (n, pos int, msg string) {
	if p == "" {
		return 0, 0, "empty"
	}
	pad := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '=':
			if i < len(p)-2 {
				return 0, i, "'=' padding is only allowed at the end"
			}
			pad++
		case pad > 0:
			return 0, i, "character after '=' padding"
		case b64[c] != invalid:
		case c == '-' || c == '_':
			return 0, i, fmt.Sprintf("%q is URL-safe base64; keys use standard base64 (+ and /)", rune(c))
		default:
			return 0, i, fmt.Sprintf("%q is not a base64 character", runeAt(p, i))
		}
	}
	if len(p)%4 != 0 {
		return 0, len(p) - 1, fmt.Sprintf("length %d is not a multiple of 4 (truncated or missing '=' padding)", len(p))
	}
	// Non-canonical final bits (e.g. "QR==") decode to the same bytes as another string; they
	// are refused, as base64.StdEncoding.Strict() does, so Format(Parse(s)) is the one spelling
	// of those bytes. Checked by hand because decoding would allocate.
	if pad > 0 {
		last := p[len(p)-1-pad]
		mask := byte(0x0f) // "xx==": the last character carries 4 unused bits
		if pad == 1 {
			mask = 0x03 // "xxx=": 2 unused bits
		}
		if b64[last]&mask != 0 {
			return 0, len(p) - 1 - pad, "non-canonical base64 (the last character has stray bits)"
		}
	}
	return len(p)/4*3 - pad, 0, ""
}

// invalid marks a byte that is not in the standard base64 alphabet in b64.
const invalid = 0xff

// b64 maps a byte to its 6-bit value in standard base64, or to invalid. It is filled once
// and only read after that.
var b64 = func() (t [256]byte) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range t {
		t[i] = invalid
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// unusual marks the bytes that make Parse run its slower checks: white space, template
// characters, '.' (which may start "...") and every byte of non-ASCII text. It is filled once
// and only read after that.
var unusual = func() (t [256]bool) {
	for _, c := range []byte(" \t\n\v\f\r<>{}$.") {
		t[c] = true
	}
	for c := utf8.RuneSelf; c < len(t); c++ {
		t[c] = true
	}
	return t
}()

// plain reports that s holds no white space, template characters, "..", or non-ASCII bytes.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; unusual[c] && (c != '.' || i+1 < len(s) && s[i+1] == '.') {
			return false
		}
	}
	return true
}

// isPlaceholder spots what documentation puts where a key goes: one character repeated
// ("XXXXXX", "AAAA…"), or upper-case words joined by '_' ("YOUR_KEY_HERE"), which would
// otherwise be misreported as URL-safe base64.
func isPlaceholder(p string) bool {
	body := strings.TrimRight(p, "=")
	if len(body) >= 4 && strings.Count(body, body[:1]) == len(body) {
		return true
	}
	if strings.IndexByte(body, '_') < 0 {
		return false
	}
	for i := 0; i < len(body); i++ {
		if c := body[i]; !(c >= 'A' && c <= 'Z' || c == '_') {
			return false
		}
	}
	return true
}

// indexSpace finds the first white space rune, by the same definition strings.TrimSpace uses,
// so a space is either trimmed at the ends or reported inside.
func indexSpace(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == ' ' || c >= '\t' && c <= '\r' {
				return i
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			return i
		}
		i += n - 1
	}
	return -1
}

// indexTruncation finds "..." or "…", the marks of a key shortened for display.
func indexTruncation(s string) int {
	i := strings.Index(s, "...")
	if j := strings.Index(s, "…"); j >= 0 && (i < 0 || j < i) {
		i = j
	}
	return i
}

// runeAt is the rune that starts at byte offset i, for messages; a byte that does not start
// valid UTF-8 shows as U+FFFD rather than as a misleading Latin-1 letter.
func runeAt(s string, i int) rune {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r
}

// partAt names the part of a key that byte offset i falls in: "key" when s has no separator
// at all, since then it is not clear which part s was meant to be.
func partAt(s string, i int) string {
	bars := strings.Count(s[:i], "|")
	switch {
	case strings.IndexByte(s, '|') < 0:
		return "key"
	case bars == 0:
		return "version"
	case bars == 1:
		return "host"
	default:
		return "payload"
	}
}
