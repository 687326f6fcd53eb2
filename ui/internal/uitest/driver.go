// Package uitest holds what the dashboard's tests share, imported by tests only: a driver that
// runs a frame synchronously, the func-field fake store, and the hostile-input corpus.
package uitest

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/frame"
)

var Admin = model.Actor{Name: "alice", Role: model.RoleAdmin}

// Driver runs the root model the way Bubble Tea would, but synchronously: it calls Update,
// runs the returned commands and feeds their messages back. Timers never fire by themselves:
// the dashboard's own (Env.Tick: polls, status clears, reveal's hide) are recorded in Timers
// with their duration and message, and a test fires one with Fire; the libraries' own
// (tea.Tick, cursor blinks) are recognised by their function and dropped. Every other command
// must answer within Timeout, or the test fails: a slow command never silently vanishes.
type Driver struct {
	T         *testing.T
	M         *frame.Model
	Clipboard []string // OSC 52 writes the program asked for
	Quit      bool
	// Timers are the dashboard's timers scheduled so far, oldest first.
	Timers []Timer
	// Timeout is how long any command other than a timer may take before the test fails.
	Timeout time.Duration

	mu   sync.Mutex
	slow []string // commands that did not answer within Timeout
}

// Timer is one timer the dashboard asked for: what it delivers, and after how long.
type Timer struct {
	After time.Duration
	Msg   tea.Msg
}

// testOptions fills in what every test run wants: the fixed clock testNow, and change polls
// that never fire within a test.
func TestOptions(opts ui.Options) ui.Options {
	if opts.Now == nil {
		opts.Now = func() time.Time { return TestNow }
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = time.Hour
	}
	return opts
}

// newDriverOn drives m at 120×30 and runs its first loads. Timers never fire by themselves
// here: a test that needs one sends its message.
func NewDriverOn(t *testing.T, m *frame.Model) *Driver {
	t.Helper()
	d := &Driver{T: t, M: m, Timeout: 10 * time.Second}
	d.M.Env().Tick = func(after time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
		d.Timers = append(d.Timers, Timer{After: after, Msg: fn(TestNow.Add(after))})
		return nil
	}
	d.run(d.M.Init())
	d.Send(tea.WindowSizeMsg{Width: 120, Height: 30})
	return d
}

// send delivers msgs one by one, running every command they produce.
func (d *Driver) Send(msgs ...tea.Msg) {
	d.T.Helper()
	for _, msg := range msgs {
		_, cmd := d.M.Update(msg)
		d.run(cmd)
	}
	d.failSlow()
}

// TimersOf returns the recorded timers whose message has the type of like.
func (d *Driver) TimersOf(like tea.Msg) []Timer {
	var out []Timer
	for _, tm := range d.Timers {
		if reflect.TypeOf(tm.Msg) == reflect.TypeOf(like) {
			out = append(out, tm)
		}
	}
	return out
}

// Fire delivers the message of the latest recorded timer whose message has the type of like,
// as if its time had come; the test fails when there is none.
func (d *Driver) Fire(like tea.Msg) {
	d.T.Helper()
	ts := d.TimersOf(like)
	if len(ts) == 0 {
		d.T.Fatalf("no %T timer was scheduled", like)
	}
	d.Send(ts[len(ts)-1].Msg)
}

// failSlow fails the test for every command that did not answer within Timeout.
func (d *Driver) failSlow() {
	d.T.Helper()
	d.mu.Lock()
	slow := d.slow
	d.slow = nil
	d.mu.Unlock()
	for _, name := range slow {
		d.T.Errorf("command %s did not answer within %v: its message was lost", name, d.Timeout)
	}
	if len(slow) > 0 {
		d.T.FailNow()
	}
}

// run executes cmd and delivers what it returns; batches and sequences are unfolded.
func (d *Driver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	if msg, ok := d.runWithin(cmd); ok {
		d.deliver(msg)
	}
}

func (d *Driver) deliver(msg tea.Msg) {
	switch m := msg.(type) {
	case nil:
		return
	case tea.BatchMsg:
		// A batch's commands run at once, so its ticks cost one timeout, not one each.
		results := make([]tea.Msg, len(m))
		var wg sync.WaitGroup
		for i, c := range m {
			if c == nil {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], _ = d.runWithin(c)
			}()
		}
		wg.Wait()
		for _, r := range results {
			d.deliver(r)
		}
		return
	case tea.QuitMsg:
		d.Quit = true
		return
	}
	// tea.Sequence's message type is unexported: a slice of commands, run in order.
	if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
		for i := 0; i < v.Len(); i++ {
			d.run(v.Index(i).Interface().(tea.Cmd))
		}
		return
	}
	if s, ok := clipboardText(msg); ok {
		d.Clipboard = append(d.Clipboard, s)
		return
	}
	d.Send(msg)
}

// clipboardText recognises the OSC 52 message tea.SetClipboard produces.
func clipboardText(msg tea.Msg) (string, bool) {
	if fmt.Sprintf("%T", msg) != "tea.setClipboardMsg" {
		return "", false
	}
	return reflect.ValueOf(msg).String(), true
}

// libraryTimers are the functions of the libraries' own timers: a tick or a cursor blink
// that would fire later. They are dropped without running.
var libraryTimers = []string{
	"charm.land/bubbletea/v2.Tick.",
	"charm.land/bubbletea/v2.Every.",
	"charm.land/bubbles/v2/cursor.",
	"charm.land/bubbles/v2/spinner.",
}

// cmdName is the name of cmd's function, as the runtime knows it.
func cmdName(cmd tea.Cmd) string {
	if f := runtime.FuncForPC(reflect.ValueOf(cmd).Pointer()); f != nil {
		return f.Name()
	}
	return "?"
}

// IsLibraryTimer reports whether cmd is one of the libraries' timers.
func IsLibraryTimer(cmd tea.Cmd) bool {
	name := cmdName(cmd)
	for _, p := range libraryTimers {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// runWithin runs cmd unless it is a library timer; a command that takes longer than
// d.Timeout is noted as slow (the test fails after the current Send) and its message dropped.
func (d *Driver) runWithin(cmd tea.Cmd) (tea.Msg, bool) {
	if IsLibraryTimer(cmd) {
		return nil, false
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	select {
	case msg := <-ch:
		return msg, true
	case <-time.After(d.Timeout):
		d.mu.Lock()
		d.slow = append(d.slow, cmdName(cmd))
		d.mu.Unlock()
		return nil, false
	}
}

// keyMsg builds a key press as Bubble Tea v2 reports it, from the name the keymap uses.
func keyMsg(s string) tea.KeyPressMsg {
	special := map[string]rune{
		"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "up": tea.KeyUp, "down": tea.KeyDown,
		"left": tea.KeyLeft, "right": tea.KeyRight, "home": tea.KeyHome, "end": tea.KeyEnd,
		"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "backspace": tea.KeyBackspace,
	}
	switch {
	case s == "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case s == "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case strings.HasPrefix(s, "ctrl+"):
		return tea.KeyPressMsg{Code: rune(s[5]), Mod: tea.ModCtrl}
	}
	if r, ok := special[s]; ok {
		return tea.KeyPressMsg{Code: r}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

// press sends named keys.
func (d *Driver) Press(keys ...string) {
	d.T.Helper()
	for _, k := range keys {
		d.Send(keyMsg(k))
	}
}

// typ types text one character at a time.
func (d *Driver) Typ(text string) {
	d.T.Helper()
	for _, r := range text {
		d.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// raw is the view exactly as the terminal would get it.
func (d *Driver) Raw() string { return d.M.View().Content }

// view is the screen as text, without styling.
func (d *Driver) View() string { return ansi.Strip(d.Raw()) }

// status is the status line's text.
func (d *Driver) Status() string { return d.M.Status() }

// mustSee fails unless the screen shows every s.
func (d *Driver) MustSee(ss ...string) {
	d.T.Helper()
	v := d.View()
	for _, s := range ss {
		if !strings.Contains(v, s) {
			d.T.Fatalf("screen lacks %q:\n%s", s, v)
		}
	}
}

// mustNotSee fails if the screen shows any s.
func (d *Driver) MustNotSee(ss ...string) {
	d.T.Helper()
	v := d.View()
	for _, s := range ss {
		if strings.Contains(v, s) {
			d.T.Fatalf("screen shows %q:\n%s", s, v)
		}
	}
}

// StubTab is a tab of the frame with nothing on it: a page test puts its page among stubs
// where the dashboard has the other pages, so the screen is drawn as the dashboard draws it.
type StubTab string

// Title is the tab's caption.
func (s StubTab) Title() string { return string(s) }

// Init, Update and View do nothing: a stub never loads or draws.
func (StubTab) Init() tea.Cmd             { return nil }
func (StubTab) Update(tea.Msg) tea.Cmd    { return nil }
func (StubTab) View(int, int) string      { return "" }
func (StubTab) Capturing() bool           { return false }
func (StubTab) ShortHelp() []key.Binding  { return nil }
func (StubTab) FullHelp() [][]key.Binding { return nil }
