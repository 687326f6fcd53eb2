package keys

import (
	"bytes"
	"encoding/base64"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"provkeys/ui"
	"provkeys/ui/components/frame"
	"provkeys/ui/internal/uitest"
)

// startProgram runs the dashboard in a real Bubble Tea program on a virtual 120×30 terminal,
// colours pinned off so the output is plain. The renderer writes only what changed, so
// waits look for text that appears whole (a new line), not for a changed digit.
func startProgram(t *testing.T, st ui.Store, opts ui.Options) *teatest.TestModel {
	t.Helper()
	opts.Now = func() time.Time { return uitest.TestNow }
	opts.PollInterval = time.Hour
	return teatest.NewTestModel(t, keysFrame(ui.NewEnv(st, uitest.Admin, opts)),
		teatest.WithInitialTermSize(120, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
}

func waitFor(t *testing.T, tm *teatest.TestModel, what string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(what)) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

func TestProgramFilterThenQuit(t *testing.T) {
	t.Parallel()
	tm := startProgram(t, uitest.ThreeKeys(), ui.Options{})
	waitFor(t, tm, "charlie") // the last row, drawn whole when the keys arrive
	tm.Type("/charlie")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	tm.Type("q")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*frame.Model)
	p := final.Page(0).(*keysPage)
	if v := p.filter.Value(); v != "charlie" || len(p.view) != 1 {
		t.Fatalf("filter %q, %d rows after quitting", v, len(p.view))
	}
}

func TestProgramWizardCreatesAKey(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	tm := startProgram(t, st, ui.Options{})
	waitFor(t, tm, "charlie") // the last row, drawn whole when the keys arrive
	tm.Type("n")
	waitFor(t, tm, "step 1 of 4")
	enter := tea.KeyPressMsg{Code: tea.KeyEnter}
	tm.Send(enter)
	waitFor(t, tm, "Machines enrolled with this key join these groups.")
	tm.Send(enter)
	waitFor(t, tm, "Key settings")
	tm.Type("teatest-1")
	for range 7 {
		tm.Send(enter)
	}
	waitFor(t, tm, "Review")
	tm.Send(enter)
	waitFor(t, tm, "Created key teatest-1")
	tm.Send(tea.KeyPressMsg{Code: 'c', Text: "c"})
	// OSC 52 reaches the terminal: ESC ] 52 ; c ; base64(secret).
	st.Mu.Lock()
	secret := st.Secrets[st.NextID]
	st.Mu.Unlock()
	waitFor(t, tm, "52;c;"+base64.StdEncoding.EncodeToString([]byte(secret)))
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	if !st.Called("CreateKey teatest-1") {
		t.Fatalf("calls %v", st.Calls)
	}
}

func TestProgramDeleteAfterConfirm(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	tm := startProgram(t, st, ui.Options{})
	waitFor(t, tm, "charlie") // the last row, drawn whole when the keys arrive
	tm.Type("jd")
	waitFor(t, tm, "Delete key bravo?")
	tm.Type("y")
	waitFor(t, tm, "Deleted key bravo.")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	if !st.Called("DeleteKey 2 1") {
		t.Fatalf("calls %v", st.Calls)
	}
}

// TestProgramSeesAChangeMadeRightAfterStart: a change committed by someone else just after the
// dashboard started, before its first poll, must still appear. The data version is read
// before the first load, so the first poll tells the two apart.
func TestProgramSeesAChangeMadeRightAfterStart(t *testing.T) {
	t.Parallel()
	st := uitest.ThreeKeys()
	opts := ui.Options{Now: func() time.Time { return uitest.TestNow }, PollInterval: 300 * time.Millisecond}
	tm := teatest.NewTestModel(t, keysFrame(ui.NewEnv(st, uitest.Admin, opts)),
		teatest.WithInitialTermSize(120, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	waitFor(t, tm, "charlie")
	st.Mu.Lock()
	st.Keys = append(st.Keys, uitest.TestKey(4, "delta-added-elsewhere", "Laptops"))
	st.Version++
	st.Mu.Unlock()
	waitFor(t, tm, "delta-added-elsewhere")
	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}
