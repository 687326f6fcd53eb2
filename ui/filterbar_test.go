package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"provkeys/ui/theme"
)

// TestFilterBarShowsTheWholePlaceholder: while the filter is focused and empty, the bar shows
// the placeholder's every word (the input alone draws only its first character), and never
// once there is text or when the input draws it whole itself.
func TestFilterBarShowsTheWholePlaceholder(t *testing.T) {
	sty := theme.Default()
	in := theme.SteadyInput()
	in.Prompt = "/ "
	in.Placeholder = "filter…  (name:, used:, machine:)"
	in.Focus()
	bar := ansi.Strip(FilterBar(100, &in, true, "", "3 of 9 keys", &sty))
	if !strings.HasPrefix(bar, "/ filter…  (name:, used:, machine:)") || !strings.HasSuffix(bar, "3 of 9 keys") {
		t.Fatalf("empty focused filter: %q", bar)
	}
	in.SetValue("used:yes")
	if bar := ansi.Strip(FilterBar(100, &in, true, "", "", &sty)); strings.Contains(bar, "machine:") || !strings.Contains(bar, "used:yes") {
		t.Fatalf("typed filter: %q", bar)
	}
	in.SetValue("")
	in.SetWidth(60)
	if bar := ansi.Strip(FilterBar(100, &in, true, "", "", &sty)); strings.Count(bar, "machine:") != 1 {
		t.Fatalf("an input with a width draws its placeholder itself, once: %q", bar)
	}
}
