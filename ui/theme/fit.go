package theme

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Pad truncates s to w cells (with "…") or pads it with spaces to w cells.
func Pad(s string, w int) string {
	if w <= 0 {
		return ""
	}
	s = ClipLong(s)
	if sw := Width(s); sw > w {
		return ansi.Truncate(s, w, "…")
	} else if sw < w {
		return s + strings.Repeat(" ", w-sw)
	}
	return s
}

// FitLine cuts one line to at most w cells; styled text keeps its escape sequences whole.
func FitLine(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if Width(s) > w {
		return ansi.Truncate(s, w, "…")
	}
	return s
}

// FitBlock cuts s to at most h lines of at most w cells each, so nothing a page draws can
// wrap or push the footer off screen.
func FitBlock(s string, w, h int) string {
	if h <= 0 || w <= 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = FitLine(l, w)
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}
