package ui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"provkeys/model"
)

func IndentLines(s, indent string) string {
	return indent + strings.ReplaceAll(s, "\n", "\n"+indent)
}

// Display limits in bytes. Valid data never reaches them (names are at most 128 characters,
// descriptions 512); they keep hostile megabytes written into the database by hand from
// being sanitized, measured and wrapped on every frame.
const (
	ClipName = 512
	ClipNote = 4096
)

// clipText sanitizes s for the screen, keeping at most max bytes of it.
func ClipText(s string, max int) string {
	if len(s) <= max {
		return model.Sanitize(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return model.Sanitize(s[:cut]) + "…"
}

// expandGlyph is the gutter glyph for an expandable row.
func ExpandGlyph(open bool) string {
	if open {
		return "▾"
	}
	return "▸"
}

func ChangeVerb(past string) string {
	switch past {
	case "deleted":
		return "delete"
	case "enabled":
		return "enable"
	case "disabled":
		return "disable"
	case "saved":
		return "save"
	}
	return past
}

func Capitalize(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// Stamp is an absolute time in the clock's location: the one way a time column shows a
// time, so that every row of it reads alike (no "15d ago" next to a date).
func Stamp(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(now.Location()).Format("2006-01-02 15:04")
}

func OrDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// Plural counts noun: "1 key", "3 keys".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// YesNo is a flag as the key pages show it: "✓ yes" or "✗ no", in the words given.
func YesNo(v bool, yes, no string) string {
	if v {
		return "✓ " + yes
	}
	return "✗ " + no
}

func ExpiryText(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	if !now.Before(t) {
		return Stamp(t, now) + " (expired)"
	}
	return Stamp(t, now) + " (in " + Span(t.Sub(now)) + ")"
}

// span is a short duration: "3d", "5h", "12m".
func Span(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	case d >= time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dm", max(1, int(d.Minutes())))
}

// expandPath resolves "~/" and makes the path absolute, so the status says exactly where
// the key went.
func ExpandPath(path string) (string, error) {
	path = strings.TrimSpace(path)
	if path == "" {
		return "", errors.New("no file name given")
	}
	if path == "~" || strings.HasPrefix(path, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return path, err
		}
		path = filepath.Join(home, path[1:])
	}
	return filepath.Abs(path)
}
