package ui

import (
	"context"
	"io"
	"strconv"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// counter is a program whose screen changes with every key.
type counter struct{ n int }

func (c counter) Init() tea.Cmd { return nil }

// blink changes the screen without a key, as a cursor blink does.
type blink struct{}

func (c counter) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg.(type) {
	case tea.KeyPressMsg, blink:
		c.n++
	}
	return c, nil
}

func (c counter) View() tea.View { return tea.NewView("keys " + strconv.Itoa(c.n)) }

// runProgram runs m in a w×h terminal that writes to out and whose keyboard is keys, until
// the test ends.
func runProgram(tb testing.TB, m tea.Model, out io.Writer, w, h int, opts ...tea.ProgramOption) (*tea.Program, io.Writer) {
	in, keys := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	p := tea.NewProgram(m, append(append(ProgramOptions(), tea.WithInput(in), tea.WithOutput(out), tea.WithContext(ctx),
		tea.WithWindowSize(w, h), tea.WithoutSignalHandler()), opts...)...)
	done := make(chan error, 1)
	go func() { _, err := p.Run(); done <- err }()
	tb.Cleanup(func() {
		cancel()
		keys.Close()
		<-done
	})
	return p, keys
}

// signalWriter tells of every write.
type signalWriter struct {
	wrote chan struct{}
}

func (w *signalWriter) Write(b []byte) (int, error) {
	select {
	case w.wrote <- struct{}{}:
	default:
	}
	return len(b), nil
}

// TestKeyDrawnWithoutWaitingForTick: a key reaches the output at once, not at the renderer's
// next tick (the patched Bubble Tea in third_party/bubbletea), also just after a frame of
// something else (a blink). Unpatched, a key waits for a tick 0–8.3 ms away, so about a
// quarter of keys would be out within 2 ms; here at least half must be.
func TestKeyDrawnWithoutWaitingForTick(t *testing.T) {
	for _, c := range []struct {
		name       string
		afterBlink bool
	}{{"after a pause", false}, {"just after another frame", true}} {
		t.Run(c.name, func(t *testing.T) {
			out := &signalWriter{wrote: make(chan struct{}, 1)}
			p, keys := runProgram(t, counter{}, out, 40, 5)
			quiet := func() { // until nothing was written for 50 ms
				for {
					select {
					case <-out.wrote:
					case <-time.After(50 * time.Millisecond):
						return
					}
				}
			}
			written := func(what string) {
				select {
				case <-out.wrote:
				case <-time.After(5 * time.Second):
					t.Fatalf("%s: nothing written in 5 s", what)
				}
			}
			const presses = 30
			fast := 0
			var slowest time.Duration
			for i := range presses {
				quiet()
				time.Sleep(time.Duration(i%9) * time.Millisecond) // a different phase against the ticker each time
				if c.afterBlink {
					p.Send(blink{})
					written("the blink")
				}
				t0 := time.Now()
				if _, err := keys.Write([]byte("x")); err != nil {
					t.Fatal(err)
				}
				written("key " + strconv.Itoa(i+1))
				d := time.Since(t0)
				slowest = max(slowest, d)
				if d <= 2*time.Millisecond {
					fast++
				}
			}
			if fast < presses/2 {
				t.Fatalf("%d of %d keys were drawn within 2 ms (slowest %v): frames wait for the ticker", fast, presses, slowest)
			}
		})
	}
}
