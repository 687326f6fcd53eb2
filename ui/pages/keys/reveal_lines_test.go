package keys

import (
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"provkeys/ui"
	"provkeys/ui/internal/uitest"
)

// revealedKeyOnScreen finds the revealed key's lines: those after the "Key (shown)" label up
// to the next labelled line; it fails unless each begins at column 0 with key text.
func revealedKeyOnScreen(t *testing.T, screen, secret string) []string {
	t.Helper()
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		if !strings.Contains(l, "Key (shown)") {
			continue
		}
		var got []string
		joined := ""
		for _, k := range lines[i+1:] {
			k = strings.TrimRight(k, " ")
			if joined == secret || k == "" || !strings.HasPrefix(secret[len(joined):], k) {
				break
			}
			got = append(got, k)
			joined += k
		}
		if joined != secret {
			t.Fatalf("the lines under the label do not make the key from column 0:\n%s\nwant %q", screen, secret)
		}
		return got
	}
	t.Fatalf("no revealed key on screen:\n%s", screen)
	return nil
}

func TestRevealedKeyStandsAloneFromColumnZero(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	secret := "3|api.private.example.com|" + strings.Repeat("AbCdEfGh", 10) // 106 characters
	st.Secrets[1] = secret
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Press("v")
	if got := revealedKeyOnScreen(t, d.View(), secret); len(got) != 1 {
		t.Fatalf("at 120 columns the key (%d characters) takes %d lines, want 1: %q", len(secret), len(got), got)
	}
	// Narrower than the key: cut at the width, every piece at column 0 with nothing else.
	width := 64
	d.Send(tea.WindowSizeMsg{Width: width, Height: 40})
	got := revealedKeyOnScreen(t, d.View(), secret)
	if len(got) < 2 {
		t.Fatalf("at %d columns the key should take 2 or more lines, got %q", width, got)
	}
	for _, l := range got[:len(got)-1] {
		if len(l) != width {
			t.Fatalf("a cut line is %d wide, want the whole width %d: %q", len(l), width, l)
		}
	}
}

// The key shown once after its creation stands alone from column 0 too.
func TestCreatedKeyStandsAloneFromColumnZero(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	d := newDriver(t, st, uitest.Admin, ui.Options{})
	d.Send(tea.WindowSizeMsg{Width: 64, Height: 40})
	d.Press("n", "enter", "enter")
	d.Typ("delta")
	for range 8 {
		d.Press("enter")
	}
	secret := st.Secrets[keysOf(d).cursorID]
	if secret == "" {
		t.Fatalf("no key was created:\n%s", d.View())
	}
	lines := strings.Split(d.View(), "\n")
	start := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, secret[:10]) })
	if start < 0 {
		t.Fatalf("the key does not start at column 0:\n%s", d.View())
	}
	joined := ""
	for _, l := range lines[start:] {
		if l = strings.TrimRight(l, " "); l == "" {
			break
		}
		joined += l
	}
	if joined != secret {
		t.Fatalf("the lines from column 0 make %q, want the key %q", joined, secret)
	}
}
