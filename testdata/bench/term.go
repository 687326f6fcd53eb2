package main

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
)

// term is one program running in a pseudo-terminal, its output fed to a screen. Every read
// is timestamped, so "when did the screen first show X" is the time of the read that made it
// show X, not the time somebody looked.
type term struct {
	cmd  *exec.Cmd
	pty  *os.File
	in   io.Writer // where key presses go
	done chan struct{}

	mu      sync.Mutex
	scr     *screen
	bytes   int64     // output so far
	lastOut time.Time // time of the latest read
	changed chan struct{}
	err     error
	frames  []frame // the screen after every read, while tracing
	tracing bool
}

// frame is the screen as text right after one read.
type frame struct {
	at   time.Time
	text string
}

// startTerm runs bin in a w×h pseudo-terminal.
func startTerm(bin string, args []string, w, h int) (*term, time.Time, error) {
	return startTermStdin(bin, args, w, h, "")
}

// startTermStdin is startTerm with standard input read from the file stdin (when not ""),
// as `fzf < names` runs: the program then reads its keys from /dev/tty, the pseudo-terminal.
func startTermStdin(bin string, args []string, w, h int, stdin string) (*term, time.Time, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color", "COLORTERM=", "NO_COLOR=")
	if stdin != "" {
		in, err := os.Open(stdin)
		if err != nil {
			return nil, time.Time{}, err
		}
		defer in.Close() // the child has its own copy once started
		cmd.Stdin = in
	}
	// The terminal becomes the child's controlling terminal through one of its descriptors:
	// standard input as a rule, standard output (1) when standard input is a file.
	attrs := &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if stdin != "" {
		attrs.Ctty = 1
	}
	t := newTerm(w, h)
	t.cmd = cmd
	start := time.Now()
	f, err := pty.StartWithAttrs(cmd, &pty.Winsize{Rows: uint16(h), Cols: uint16(w)}, attrs)
	if err != nil {
		return nil, start, err
	}
	t.pty, t.in = f, f
	go t.pump(f)
	return t, start, nil
}

func newTerm(w, h int) *term {
	return &term{scr: newScreen(w, h), changed: make(chan struct{}, 1), done: make(chan struct{})}
}

// pump copies output into the screen until the program ends.
func (t *term) pump(r io.Reader) {
	defer close(t.done)
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			now := time.Now()
			t.mu.Lock()
			t.scr.Write(buf[:n])
			t.bytes += int64(n)
			t.lastOut = now
			if t.tracing {
				t.frames = append(t.frames, frame{now, t.scr.text()})
			}
			t.mu.Unlock()
			select {
			case t.changed <- struct{}{}:
			default:
			}
		}
		if err != nil {
			t.mu.Lock()
			if !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrClosed) {
				t.err = err
			}
			t.mu.Unlock()
			select {
			case t.changed <- struct{}{}:
			default:
			}
			return
		}
	}
}

// waitFor waits until ok holds for the screen and returns the time of the read that made it
// hold.
func (t *term) waitFor(what string, timeout time.Duration, ok func(*screen) bool) (time.Time, error) {
	deadline := time.After(timeout)
	for {
		t.mu.Lock()
		hit, at := ok(t.scr), t.lastOut
		t.mu.Unlock()
		if hit {
			return at, nil
		}
		select {
		case <-t.changed:
		case <-t.done:
			t.mu.Lock()
			hit, at = ok(t.scr), t.lastOut
			text := t.scr.text()
			t.mu.Unlock()
			if hit {
				return at, nil
			}
			return time.Time{}, fmt.Errorf("program ended before %s; screen:\n%s", what, text)
		case <-deadline:
			t.mu.Lock()
			text := t.scr.text()
			t.mu.Unlock()
			return time.Time{}, fmt.Errorf("timed out after %v waiting for %s; screen:\n%s", timeout, what, text)
		}
	}
}

// quiet waits until no output has arrived for d (at most limit).
func (t *term) quiet(d, limit time.Duration) {
	end := time.Now().Add(limit)
	for time.Now().Before(end) {
		t.mu.Lock()
		last := t.lastOut
		t.mu.Unlock()
		if time.Since(last) >= d {
			return
		}
		time.Sleep(d / 4)
	}
}

// randomPhase waits a random time under 25 ms before a timed key. Without it the harness
// types in step with the program's frame ticker: quiet polls every 75 ms, nine ticks at 120
// frames a second, so every key would land just after a tick and wait a whole one (a steady
// 7.4 ms), where a person's key lands anywhere between ticks. Both tools get the same waits.
func randomPhase() { time.Sleep(time.Duration(rand.Int64N(int64(25 * time.Millisecond)))) }

// trace starts (or, with on false, stops) recording the screen after every read, forgetting
// what was recorded before.
func (t *term) trace(on bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tracing, t.frames = on, nil
}

// firstShowing is the time of the first read, since trace(true), after which the screen showed
// text; ok is false when none did.
func (t *term) firstShowing(text string) (at time.Time, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, f := range t.frames {
		if f.text == text {
			return f.at, true
		}
	}
	return time.Time{}, false
}

// outBytes is the number of bytes written so far.
func (t *term) outBytes() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.bytes
}

// send types s.
func (t *term) send(s string) error {
	_, err := io.WriteString(t.in, s)
	return err
}

// screenText is the screen as text, for messages.
func (t *term) screenText() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.scr.text()
}

// stop ends the program: q, then a signal, then kill.
func (t *term) stop() {
	if t.cmd == nil || t.cmd.Process == nil {
		return
	}
	_ = t.send("\x1b")
	_ = t.send("q")
	select {
	case <-t.done:
	case <-time.After(2 * time.Second):
		_ = t.cmd.Process.Signal(os.Interrupt)
		select {
		case <-t.done:
		case <-time.After(2 * time.Second):
			_ = t.cmd.Process.Kill()
		}
	}
	_ = t.cmd.Wait()
	t.pty.Close()
}

// rss reads a process's resident memory from /proc: total, anonymous and file-backed, in
// bytes.
func rss(pid int) (total, anon, file int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			total = kb << 10
		case "RssAnon:":
			anon = kb << 10
		case "RssFile:":
			file = kb << 10
		}
	}
	return total, anon, file, nil
}
