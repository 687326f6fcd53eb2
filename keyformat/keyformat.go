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

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s at position %d: %s", e.Part, e.Pos+1, e.Msg)
}

// Parse reads a key strictly. Leading and trailing white space is trimmed; anything else that
// is not version|host|payload is an error naming the part and the position. A version other
// than 3 or a payload that does not decode to 288 bytes is accepted with a warning.
func Parse(s string) (Key, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Key{}, &ParseError{Part: "key", Pos: 0, Msg: "empty"}
	}
	if i := indexSpace(s); i >= 0 {
		return Key{}, &ParseError{Part: partAt(s, i), Pos: i, Msg: "white space inside the key (was it line-wrapped when copied?)"}
	}
	if i := strings.Index(s, "..."); i >= 0 {
		return Key{}, &ParseError{Part: partAt(s, i), Pos: i, Msg: `"..." — the key looks truncated`}
	}
	if i := strings.IndexAny(s, "<>"); i >= 0 {
		return Key{}, &ParseError{Part: partAt(s, i), Pos: i, Msg: "looks like a placeholder, not a key"}
	}
	p1 := strings.IndexByte(s, '|')
	if p1 < 0 {
		return Key{}, &ParseError{Part: "key", Pos: 0, Msg: `missing "|" separators (want version|host|payload)`}
	}
	rest := s[p1+1:]
	p2r := strings.IndexByte(rest, '|')
	if p2r < 0 {
		return Key{}, &ParseError{Part: "key", Pos: p1, Msg: `missing the second "|" separator (want version|host|payload)`}
	}
	p2 := p1 + 1 + p2r
	k := Key{Version: s[:p1], Host: s[p1+1 : p2], Payload: s[p2+1:]}

	if k.Version == "" {
		return Key{}, &ParseError{Part: "version", Pos: 0, Msg: "empty"}
	}
	for i := 0; i < len(k.Version); i++ {
		if c := k.Version[i]; c < '0' || c > '9' {
			return Key{}, &ParseError{Part: "version", Pos: i, Msg: fmt.Sprintf("%q is not a digit", rune(c))}
		}
	}
	if pos, msg := checkHost(k.Host); msg != "" {
		return Key{}, &ParseError{Part: "host", Pos: p1 + 1 + pos, Msg: msg}
	}
	n, pos, msg := checkPayload(k.Payload)
	if msg != "" {
		return Key{}, &ParseError{Part: "payload", Pos: p2 + 1 + pos, Msg: msg}
	}
	if strings.TrimLeft(k.Version, "0") != "3" {
		k.Warnings = append(k.Warnings, fmt.Sprintf("version %s is not the current version %d", k.Version, CurrentVersion))
	}
	if n != PayloadBytes {
		k.Warnings = append(k.Warnings, fmt.Sprintf("payload is %d bytes, real keys have %d", n, PayloadBytes))
	}
	if isPlaceholder(k.Payload) {
		return Key{}, &ParseError{Part: "payload", Pos: p2 + 1, Msg: "looks like a placeholder, not a key"}
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
	sum := sha256.Sum256([]byte(key))
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
// Anything that does not parse is hidden whole.
func Mask(key string) string {
	p1 := strings.IndexByte(key, '|')
	if p1 < 0 {
		return "••••"
	}
	p2 := strings.IndexByte(key[p1+1:], '|')
	if p2 < 0 {
		return "••••"
	}
	return key[:p1+1+p2+1] + "••••"
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
				return i, fmt.Sprintf("%q is not allowed in a host name", rune(c))
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
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
		case c == '-' || c == '_':
			return 0, i, fmt.Sprintf("%q is URL-safe base64; keys use standard base64 (+ and /)", rune(c))
		default:
			return 0, i, fmt.Sprintf("%q is not a base64 character", rune(c))
		}
	}
	if len(p)%4 != 0 {
		return 0, len(p) - 1, fmt.Sprintf("length %d is not a multiple of 4 (truncated or missing '=' padding)", len(p))
	}
	// Non-canonical final bits (e.g. "QR==") decode to the same bytes as another string; strict
	// decoding refuses them so Format(Parse(s)) is the one spelling of those bytes.
	if _, err := base64.StdEncoding.Strict().DecodeString(p); err != nil {
		return 0, len(p) - 1 - pad, "non-canonical base64 (the last character has stray bits)"
	}
	return len(p)/4*3 - pad, 0, ""
}

// isPlaceholder spots payloads such as "XXXXXXXX" or "AAAA…": one character repeated.
func isPlaceholder(p string) bool {
	body := strings.TrimRight(p, "=")
	if len(body) < 8 {
		return false
	}
	for i := 1; i < len(body); i++ {
		if body[i] != body[0] {
			return false
		}
	}
	return true
}

func indexSpace(s string) int {
	for i, r := range s {
		switch r {
		case ' ', '\t', '\n', '\r', '\v', '\f', 0x85, 0xA0, 0x2028, 0x2029:
			return i
		}
	}
	return -1
}

// partAt names the part of a key that byte offset i falls in.
func partAt(s string, i int) string {
	bars := strings.Count(s[:i], "|")
	switch {
	case bars == 0:
		return "version"
	case bars == 1:
		return "host"
	default:
		return "payload"
	}
}
