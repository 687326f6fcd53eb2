package model

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"provkeys/keyformat"
)

// Field names as a person knows them. ValidationError.Field holds one of these, so a form can
// show the message under the field it is about and the command line can name the flag.
const (
	FieldName        = "name"
	FieldGroups      = "groups"
	FieldCert        = "signing certificate"
	FieldCloud       = "cloud"
	FieldDescription = "description"
	FieldMaxUsage    = "max usage"
	FieldExpires     = "expires"
	FieldKey         = "key"
	FieldFilter      = "filter"
)

// Limits of DESIGN §3, counted in runes (what a person sees as characters), not bytes.
const (
	MaxNameRunes        = 128
	MaxDescriptionRunes = 512
	maxHostRunes        = 253
	maxDays             = 100 * 366 // "30d" beyond a century is a typo, not a plan
)

// Validate checks a key's input as a person typed it and returns the first problem, in form
// order, as a *ValidationError; nil when the input may be saved. It does not look anything up:
// whether the groups and certificate exist, and whether the name is taken, is the store's
// business. The message for a bad Secret says what is wrong and where but never repeats it.
func (in KeyInput) Validate() error {
	if err := ValidateName(FieldName, in.Name); err != nil {
		return err
	}
	if len(in.Groups) == 0 {
		return &ValidationError{Field: FieldGroups, Msg: "choose at least one machine group"}
	}
	for i, g := range in.Groups {
		if err := ValidateName(FieldGroups, g); err != nil {
			msg := err.Error()
			if ve, ok := err.(*ValidationError); ok {
				msg = ve.Msg
			}
			return &ValidationError{Field: FieldGroups, Msg: quoteOr(g, fmt.Sprintf("group %d", i+1)) + ": " + msg}
		}
		for _, prev := range in.Groups[:i] {
			// Names are ASCII (ValidateName), so EqualFold is the store's case-insensitivity.
			if strings.EqualFold(prev, g) {
				return &ValidationError{Field: FieldGroups, Msg: fmt.Sprintf("%q is listed twice", g)}
			}
		}
	}
	if in.Cert == "" {
		return &ValidationError{Field: FieldCert, Msg: "choose a signing certificate"}
	}
	if err := ValidateName(FieldCert, in.Cert); err != nil {
		return err
	}
	if in.Cloud != "" {
		if err := ValidateText(FieldCloud, in.Cloud, maxHostRunes); err != nil {
			return err
		}
		if err := keyformat.CheckHost(in.Cloud); err != nil {
			return &ValidationError{Field: FieldCloud, Msg: "is not a host name: " + err.Error()}
		}
	}
	if err := ValidateText(FieldDescription, in.Description, MaxDescriptionRunes); err != nil {
		return err
	}
	if in.MaxUsage < 0 {
		return &ValidationError{Field: FieldMaxUsage, Msg: "must be 0 (unlimited) or more"}
	}
	if in.Secret != "" {
		k, err := keyformat.Parse(in.Secret)
		if err != nil {
			// A *keyformat.ParseError names the part and the position and at most one
			// character, never the key; anything else is not repeated at all.
			msg := "is not a provisioning key"
			if pe, ok := err.(*keyformat.ParseError); ok {
				msg += ": " + pe.Error()
			}
			return &ValidationError{Field: FieldKey, Msg: msg}
		}
		if in.Cloud != "" && !strings.EqualFold(in.Cloud, k.Host) {
			return &ValidationError{Field: FieldCloud, Msg: fmt.Sprintf("%q is not the key's host %q", in.Cloud, k.Host)}
		}
	}
	return nil
}

// Validate checks a machine group's input and returns the first problem as a
// *ValidationError; nil when it may be saved. Uniqueness is the store's business.
func (in GroupInput) Validate() error {
	if err := ValidateName(FieldName, in.Name); err != nil {
		return err
	}
	return ValidateText(FieldDescription, in.Description, MaxDescriptionRunes)
}

// ValidateName checks the name rule shared by keys, machine groups and signing certificates:
// 1 to 128 characters, each an ASCII letter or digit, a space, '.', '-' or '_', and no space at
// either end. Names are ASCII so that case-insensitive uniqueness means the same thing in Go
// and in SQLite, so a name makes a safe file name for a download, and so no two names can
// look alike while differing in script. Problems come back as a *ValidationError for field.
func ValidateName(field, s string) error {
	if s == "" {
		return &ValidationError{Field: field, Msg: "must not be empty"}
	}
	if err := ValidateText(field, s, MaxNameRunes); err != nil {
		return err
	}
	// Refused rather than trimmed: a name that silently differs from what was typed would
	// not be found again by the person who typed it.
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return &ValidationError{Field: field, Msg: "must not start or end with a space"}
	}
	// A name the command line would read as a flag could be created but never addressed.
	if s[0] == '-' {
		return &ValidationError{Field: field, Msg: `must not start with "-" (the command line would read it as a flag)`}
	}
	pos := 0
	for _, r := range s {
		pos++
		if !nameRune(r) {
			return &ValidationError{Field: field, Msg: fmt.Sprintf(
				`%q at character %d is not allowed (use letters A–Z, digits, spaces, ".", "-" and "_")`, r, pos)}
		}
	}
	return nil
}

func nameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		r == ' ' || r == '.' || r == '-' || r == '_'
}

// ValidateText checks any string that came from a person, a file or another process: it must
// be valid UTF-8, hold no control, format (such as the bidi override U+202E), private-use or
// surrogate code points nor line or paragraph separators, and, when maxRunes > 0, be at most
// maxRunes characters long. The *ValidationError for field says what was found and at which
// character (counting from 1). A string that passes is returned unchanged by Sanitize.
func ValidateText(field, s string, maxRunes int) error {
	pos := 0
	for i := 0; i < len(s); {
		pos++
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return &ValidationError{Field: field, Msg: fmt.Sprintf("invalid UTF-8 (byte 0x%02X) at character %d", c, pos)}
		}
		if badRune(r) {
			return &ValidationError{Field: field, Msg: fmt.Sprintf("%s U+%04X at character %d is not allowed", runeKind(r), r, pos)}
		}
		i += n
	}
	if maxRunes > 0 && pos > maxRunes {
		return &ValidationError{Field: field, Msg: fmt.Sprintf("is %d characters long; at most %d are allowed", pos, maxRunes)}
	}
	return nil
}

// runeKind names the class of a refused rune in words a person can act on.
func runeKind(r rune) string {
	switch {
	case unicode.IsControl(r):
		return "control character"
	case unicode.Is(unicode.Cf, r):
		return "invisible formatting character"
	case unicode.Is(unicode.Co, r):
		return "private-use character"
	case unicode.Is(unicode.Cs, r):
		return "surrogate code point"
	}
	return "line or paragraph separator"
}

// quoteOr quotes s for a message when it is short and printable, and gives otherwise when it
// is not, so a message never carries a long or unsafe string.
func quoteOr(s, otherwise string) string {
	if utf8.RuneCountInString(s) <= MaxNameRunes && firstUnsafe(s) < 0 {
		return strconv.Quote(s)
	}
	return otherwise
}

// ParseExpiry reads an expiry as a person types it, relative to now: a Go duration ("720h",
// "1h30m"), a number of days ("30d", calendar days in now's location), a date ("2026-12-31",
// the start of that day in now's location) or an RFC 3339 time. "" and "never" mean no
// expiry and give the zero time. An expiry that is not after now is refused, since it would
// make a key that is expired from the start. Errors are *ValidationError for "expires".
func ParseExpiry(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "never") {
		return time.Time{}, nil
	}
	t, ok := parseExpiryForm(s, now)
	if !ok {
		return time.Time{}, &ValidationError{Field: FieldExpires, Msg: fmt.Sprintf(
			`%s is not a duration (720h), a number of days (30d), a date (2026-12-31), an RFC 3339 time or "never"`,
			quoteOr(s, "the expiry"))}
	}
	if !t.After(now) {
		return time.Time{}, &ValidationError{Field: FieldExpires, Msg: fmt.Sprintf("%s is not in the future", quoteOr(s, "the expiry"))}
	}
	return t, nil
}

func parseExpiryForm(s string, now time.Time) (time.Time, bool) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n > maxDays || n < -maxDays {
			return time.Time{}, false
		}
		return now.AddDate(0, 0, n), true
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(d), true
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, now.Location()); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// MaxActorNameLen is the longest name an actor (an operator, a local user) may have.
const MaxActorNameLen = 64

// ValidActorName reports whether s may name an actor in audit rows and logs: one short token
// of ASCII letters, digits, '.', '-', '_' and '@', not starting with '-'. ASCII only, so a
// look-alike letter (Cyrillic 'а') cannot make a second actor that reads like another.
func ValidActorName(s string) bool {
	if s == "" || len(s) > MaxActorNameLen || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(".-_@", c) >= 0) {
			return false
		}
	}
	return true
}
