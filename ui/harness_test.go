package ui

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"provkeys/model"
)

var admin = model.Actor{Name: "alice", Role: model.RoleAdmin}

// driver runs the root model the way Bubble Tea would, but synchronously: it calls Update,
// runs the returned commands and feeds their messages back. Commands that don't answer
// within a short time (ticks: polls, status clears, cursor blinks, reveal timeouts) are
// dropped; tests that need one send its message themselves.
type driver struct {
	t         *testing.T
	m         *app
	clipboard []string // OSC 52 writes the program asked for
	quit      bool
	// timeout is how long a command may take before it counts as a timer (huh's blinking
	// cursors); tests whose commands do file I/O raise it.
	timeout time.Duration
}

// newDriver builds the dashboard on st at 120×30 and runs its first loads.
func newDriver(t *testing.T, st Store, actor model.Actor, opts Options) *driver {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return testNow }
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = time.Hour // never fires within a test
	}
	d := &driver{t: t, m: New(st, actor, opts).(*app), timeout: 100 * time.Millisecond}
	// Timers never fire by themselves here: a test that needs one sends its message.
	d.m.env.tick = func(time.Duration, func(time.Time) tea.Msg) tea.Cmd { return nil }
	d.run(d.m.Init())
	d.send(tea.WindowSizeMsg{Width: 120, Height: 30})
	return d
}

// send delivers msgs one by one, running every command they produce.
func (d *driver) send(msgs ...tea.Msg) {
	d.t.Helper()
	for _, msg := range msgs {
		_, cmd := d.m.Update(msg)
		d.run(cmd)
	}
}

// run executes cmd and delivers what it returns; batches and sequences are unfolded.
func (d *driver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	if msg, ok := runWithin(cmd, d.timeout); ok {
		d.deliver(msg)
	}
}

func (d *driver) deliver(msg tea.Msg) {
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
				results[i], _ = runWithin(c, d.timeout)
			}()
		}
		wg.Wait()
		for _, r := range results {
			d.deliver(r)
		}
		return
	case tea.QuitMsg:
		d.quit = true
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
		d.clipboard = append(d.clipboard, s)
		return
	}
	d.send(msg)
}

// clipboardText recognises the OSC 52 message tea.SetClipboard produces.
func clipboardText(msg tea.Msg) (string, bool) {
	if fmt.Sprintf("%T", msg) != "tea.setClipboardMsg" {
		return "", false
	}
	return reflect.ValueOf(msg).String(), true
}

// runWithin runs cmd, giving up after d (a tick or a blink that would fire later).
func runWithin(cmd tea.Cmd, d time.Duration) (tea.Msg, bool) {
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	select {
	case msg := <-ch:
		return msg, true
	case <-time.After(d):
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
func (d *driver) press(keys ...string) {
	d.t.Helper()
	for _, k := range keys {
		d.send(keyMsg(k))
	}
}

// typ types text one character at a time.
func (d *driver) typ(text string) {
	d.t.Helper()
	for _, r := range text {
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// raw is the view exactly as the terminal would get it.
func (d *driver) raw() string { return d.m.View().Content }

// view is the screen as text, without styling.
func (d *driver) view() string { return ansi.Strip(d.raw()) }

// keys is the Keys page.
func (d *driver) keys() *keysPage { return d.m.pages[0].(*keysPage) }

// cursorName is the name of the key under the Keys page's cursor.
func (d *driver) cursorName() string {
	r, ok := d.keys().current()
	if !ok {
		return ""
	}
	return r.k.Name
}

// status is the status line's text.
func (d *driver) status() string { return d.m.status }

// mustSee fails unless the screen shows every s.
func (d *driver) mustSee(ss ...string) {
	d.t.Helper()
	v := d.view()
	for _, s := range ss {
		if !strings.Contains(v, s) {
			d.t.Fatalf("screen lacks %q:\n%s", s, v)
		}
	}
}

// mustNotSee fails if the screen shows any s.
func (d *driver) mustNotSee(ss ...string) {
	d.t.Helper()
	v := d.view()
	for _, s := range ss {
		if strings.Contains(v, s) {
			d.t.Fatalf("screen shows %q:\n%s", s, v)
		}
	}
}
