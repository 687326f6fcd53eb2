package uitest

import (
	"testing"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// A command slower than the driver's timeout is noted, so the test fails instead of the
// message vanishing as if it were a timer.
func TestDriverNotesSlowCommands(t *testing.T) {
	d := &Driver{T: t, Timeout: 20 * time.Millisecond}
	slow := func() tea.Msg { time.Sleep(200 * time.Millisecond); return "late" }
	if msg, ok := d.runWithin(slow); ok || msg != nil {
		t.Fatalf("a slow command answered %v, %v", msg, ok)
	}
	if len(d.slow) != 1 {
		t.Fatalf("slow commands noted: %v, want the one", d.slow)
	}
	d.slow = nil
	fast := func() tea.Msg { return "now" }
	if msg, ok := d.runWithin(fast); !ok || msg != "now" {
		t.Fatalf("a fast command answered %v, %v", msg, ok)
	}
}

// The libraries' own timers are recognised by their function and never run.
func TestDriverDropsLibraryTimers(t *testing.T) {
	if !IsLibraryTimer(tea.Tick(time.Hour, func(time.Time) tea.Msg { return nil })) {
		t.Fatal("tea.Tick is not recognised as a timer")
	}
	ti := textinput.New()
	if blink := ti.Focus(); blink == nil || !IsLibraryTimer(blink) {
		t.Fatal("a text input's cursor blink is not recognised as a timer")
	}
	if IsLibraryTimer(func() tea.Msg { return nil }) {
		t.Fatal("an ordinary command is taken for a timer")
	}
}
