package keys

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"provkeys/model"
	"provkeys/ui/theme"
)

// revealLines draws a revealed key for the mouse, the fallback where the terminal takes no
// OSC 52 copy: a label line, then the key alone from column 0 — no indent, label or border
// on its lines — so a drag, a double or a triple click picks the key and nothing else. It is
// cut at the screen's width only when it does not fit, and then at column 0 again.
func revealLines(secret string, width int, sty *theme.Styles) []string {
	label := keyIndent + sty.Label.Render("Key (shown)") +
		sty.Faint.Render(" · the lines below hold the key alone, to select with the mouse")
	out := []string{label}
	for _, l := range revealedKeyLines(secret, width) {
		out = append(out, sty.Secret.Render(l))
	}
	return out
}

// revealedKeyLines is the key cut into pieces of the screen's width, unstyled.
func revealedKeyLines(secret string, width int) []string {
	return strings.Split(ansi.Hardwrap(model.Sanitize(secret), max(1, width), false), "\n")
}

// revealLineCount is len(revealLines) without drawing them, for scrolling.
func revealLineCount(secret string, width int) int {
	w := max(1, width)
	return 1 + max(1, (ansi.StringWidth(model.Sanitize(secret))+w-1)/w)
}
