// Package reveal lays out a key's material on screen for the mouse: alone on its lines from
// column 0, so that selecting it picks the key and nothing else.
package reveal

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"provkeys/model"
	"provkeys/ui/theme"
)

// Lines draws a revealed key for the mouse, the fallback where the terminal takes no
// OSC 52 copy: a label line (indented by indent), then the key alone from column 0 — no indent, label or border
// on its lines — so a drag, a double or a triple click picks the key and nothing else. It is
// cut at the screen's width only when it does not fit, and then at column 0 again.
func Lines(secret string, width int, indent string, sty *theme.Styles) []string {
	label := indent + sty.Label.Render("Key (shown)") +
		sty.Faint.Render(" · the lines below hold the key alone, to select with the mouse")
	out := []string{label}
	for _, l := range KeyLines(secret, width) {
		out = append(out, sty.Secret.Render(l))
	}
	return out
}

// KeyLines is the key cut into pieces of the screen's width, unstyled.
func KeyLines(secret string, width int) []string {
	return strings.Split(ansi.Hardwrap(model.Sanitize(secret), max(1, width), false), "\n")
}

// LineCount is len(Lines) without drawing them, for scrolling.
func LineCount(secret string, width int) int {
	w := max(1, width)
	return 1 + max(1, (ansi.StringWidth(model.Sanitize(secret))+w-1)/w)
}
