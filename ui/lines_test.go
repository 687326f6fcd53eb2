package ui

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/vt"
)

// script is a full-screen program that shows its frames one after another, a message each.
type script struct {
	frames []string
	i      int
}

type nextFrame struct{}

func (s *script) Init() tea.Cmd { return nil }

func (s *script) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg.(type) {
	case nextFrame:
		s.i = min(s.i+1, len(s.frames)-1)
	case toggleFrame:
		s.i = 1 - s.i
	}
	return s, nil
}

func (s *script) View() tea.View {
	v := tea.NewView(s.frames[s.i])
	v.AltScreen = true
	return v
}

// terminal is a terminal emulator taking a program's output, and the output itself.
type terminal struct {
	mu    sync.Mutex
	em    *vt.Emulator
	out   bytes.Buffer
	wrote chan struct{}
}

func (t *terminal) Write(b []byte) (int, error) {
	t.mu.Lock()
	t.out.Write(b)
	// The renderer counts on the terminal's line discipline to turn a newline into a
	// carriage return and a newline (ONLCR), as a pty does, when its input is no terminal.
	_, err := t.em.Write(bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")))
	t.mu.Unlock()
	select {
	case t.wrote <- struct{}{}:
	default:
	}
	return len(b), err
}

// quiet waits until nothing was written for 50 ms, failing the test after 10 s of writes.
func (t *terminal) quiet(tb testing.TB) {
	tb.Helper()
	limit := time.After(10 * time.Second)
	for {
		select {
		case <-t.wrote:
		case <-time.After(50 * time.Millisecond):
			return
		case <-limit:
			tb.Fatal("the program kept writing for 10 s")
		}
	}
}

// cellText describes a cell as a person sees it: its text and its style in the terminal's
// 256 colours; on a blank, only what shows on a blank (background, reverse, underline).
func cellText(c *uv.Cell) string {
	if c == nil || c.Content == "" {
		return " "
	}
	st := uv.ConvertStyle(c.Style, colorprofile.ANSI256)
	if strings.TrimSpace(c.Content) == "" {
		st = uv.Style{Bg: st.Bg, Underline: st.Underline, Attrs: st.Attrs & uv.AttrReverse}
	}
	return st.String() + c.Content
}

// rows is a screen's cells, row by row.
func rows(s interface {
	CellAt(x, y int) *uv.Cell
}, w, h int) []string {
	var out []string
	for y := range h {
		var b strings.Builder
		for x := 0; x < w; {
			c := s.CellAt(x, y)
			b.WriteString(cellText(c))
			x += max(1, c.Width)
		}
		out = append(out, b.String())
	}
	return out
}

// TestFramesReachTheScreen: whatever path a frame takes to the terminal (the patched
// Bubble Tea writes a full-screen frame's changed lines as they are, third_party/bubbletea/
// lines.go, and falls back to upstream's cell renderer), the terminal then shows the frame
// cell for cell, as upstream's parser reads the view; and when one line changes, that line
// alone is written (upstream's renderer, which compares cells, writes every row again here:
// the wide characters defeat its comparison).
func TestFramesReachTheScreen(t *testing.T) {
	const w, h = 40, 8
	title := "\x1b[1;38;5;75mprovkeys\x1b[m \x1b[38;5;245mKeys\x1b[m"
	row := func(name, state string, c int) string {
		return fmt.Sprintf("\x1b[38;5;252m  %-12s\x1b[m \x1b[38;5;%dm%-9s\x1b[m 日本 …", name, c, state)
	}
	table := func(names ...string) string {
		lines := []string{title, "\x1b[7m/ f\x1b[m 3 of 9"}
		for i, n := range names {
			lines = append(lines, row(n, []string{"Enabled", "Disabled"}[i%2], 71+i))
		}
		return strings.Join(lines, "\n")
	}
	// An SGR spelling of its own (colour before bold), which upstream's renderer, encoding
	// each cell's style afresh, would not write.
	changed := strings.Replace(row("ams-web-0002", "Disabled", 99), "38;5;99m", "38;5;99;1m", 1)
	frames := []struct {
		name, view string
		literal    string // a line the frame's output must hold as written
		unchanged  string // text of a line that did not change, which its output must not hold
	}{
		{"first", table("ams-api-0001", "ams-api-0002", "ams-api-0003", "ams-api-0004", "ams-api-0005", "ams-api-0006"), "", ""},
		{"most rows changed", table("fra-db-0001", "fra-db-0002", "fra-db-0003", "fra-db-0004", "fra-db-0005", "fra-db-0006"), "", ""},
		{"one row changed", strings.Replace(table("fra-db-0001", "fra-db-0002", "fra-db-0003", "fra-db-0004", "fra-db-0005", "fra-db-0006"),
			row("fra-db-0002", "Disabled", 72), changed, 1), changed, "fra-db-0003"},
		{"shorter", table("fra-db-0001", "fra-db-0002"), "", ""},
		{"a line to the last column", table("fra-db-0001") + "\n" + strings.Repeat("x", w-1) + "\x1b[1my\x1b[m", "", ""},
		{"style carried over a newline (upstream path)", title + "\n\x1b[1mbold\nstill bold\x1b[m\n" + table("x"), "", ""},
		{"after the upstream path", table("ams-api-0001", "ams-api-0002", "ams-api-0003"), "", ""},
		{"line path again", table("ams-api-0001", "ams-web-0002", "ams-api-0003"), "", ""},
		{"a line wider than the screen (upstream path)", table("ams-api-0001") + "\n" + strings.Repeat("z", w+5), "", ""},
		{"24-bit colour on a 256-colour terminal (upstream path)", table("ams-api-0001") + "\n\x1b[38;2;200;10;10mred\x1b[m", "", ""},
		{"back", table("ams-api-0001", "ams-api-0002"), "", ""},
	}
	views := make([]string, len(frames))
	for i, f := range frames {
		views[i] = f.view
	}
	term := &terminal{em: vt.NewEmulator(w, h), wrote: make(chan struct{}, 1)}
	// The emulator's answers to the program's queries. It is never closed: vt v0.1.0's Close
	// races with a Read, and the reader ends with the test binary.
	go func() { _, _ = io.Copy(io.Discard, term.em) }()
	p, _ := runProgram(t, &script{frames: views}, term, w, h, tea.WithColorProfile(colorprofile.ANSI256))
	for i, f := range frames {
		term.quiet(t)
		term.mu.Lock()
		term.out.Reset()
		term.mu.Unlock()
		if i > 0 {
			p.Send(nextFrame{})
		}

		term.quiet(t)
		want := uv.NewScreenBuffer(w, h)
		uv.NewStyledString(f.view).Draw(want, want.Bounds())
		term.mu.Lock()
		got, out := rows(term.em, w, h), term.out.String()
		term.mu.Unlock()
		if exp := rows(want, w, h); strings.Join(got, "\n") != strings.Join(exp, "\n") {
			for y := range h {
				if got[y] != exp[y] {
					t.Errorf("frame %q, row %d:\n got %q\nwant %q", f.name, y, got[y], exp[y])
				}
			}
		}
		if f.literal != "" && !strings.Contains(out, f.literal) {
			t.Errorf("frame %q: the changed line was not written as the view spells it; output %q", f.name, out)
		}
		if f.unchanged != "" && strings.Contains(out, f.unchanged) {
			t.Errorf("frame %q: a line that did not change was written again; output %q", f.name, out)
		}
	}
}

// BenchmarkFrameToTerminal is one frame of a filter keystroke at 120×40, from the message
// that changes the view to the frame written out: two dashboard-like frames in turn, 35 of
// whose 40 rows differ. Frames back to back are paced by the renderer's clock, so the time
// per op is that clock's; cpu-ns/op is the process's CPU time per frame, the cost of one.
// Run with -cpuprofile to see where it goes.
func BenchmarkFrameToTerminal(b *testing.B) {
	const w, h = 120, 40
	frame := func(site string) string {
		lines := []string{"\x1b[1;38;5;75mprovkeys\x1b[m \x1b[1;4;38;5;75m[Keys]\x1b[m \x1b[38;5;250m Machine Groups \x1b[m",
			"\x1b[38;5;245m[1] 1586 expiring in 30 d\x1b[m", "\x1b[37m/ \x1b[m" + site + "\x1b[7m \x1b[m",
			"\x1b[1;38;5;110m    NAME ▲                          MACHINE GROUP(S)              STATUS\x1b[m"}
		for i := range h - 5 {
			lines = append(lines, fmt.Sprintf("\x1b[38;5;252m  ▸ %s-api-%04d                    Web Frontends                 \x1b[38;5;71m● Enabled  \x1b[m  yM6tvPPBRVXt  1/1        2026-11-14 18:28\x1b[m", site, i+1))
		}
		return strings.Join(append(lines, "\x1b[38;5;245m/ filter · enter expand · ? help\x1b[m"), "\n")
	}
	views := []string{frame("ams"), frame("fra")}
	out := &signalWriter{wrote: make(chan struct{}, 1)}
	p, _ := runProgram(b, &script{frames: views}, out, w, h, tea.WithColorProfile(colorprofile.ANSI256))
	// Let start-up's writes end, so that each write below is the frame asked for.
	for quiet := false; !quiet; {
		select {
		case <-out.wrote:
		case <-time.After(100 * time.Millisecond):
			quiet = true
		}
	}
	cpu0 := cpuTime(b)
	for b.Loop() {
		p.Send(toggleFrame{})
		<-out.wrote
	}
	b.ReportMetric(float64((cpuTime(b)-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// cpuTime is the CPU time this process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// toggleFrame shows the other of a script's two frames.
type toggleFrame struct{}
