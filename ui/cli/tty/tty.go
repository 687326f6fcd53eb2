// Package tty is the command line's side of a terminal: whether a stream is one, reading
// input with a size limit and cancellation, reading a key without echo, a y/N question, a
// progress line that redraws itself, and the clipboard (OSC 52). An SSH session's streams are
// never a terminal here, so everything that prompts falls back to what a script gets.
package tty

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"provkeys/model"
)

// ErrInterrupted is what a read gives up with when its context ends first.
var ErrInterrupted = errors.New("interrupted")

// IsTerminal reports whether a stream is a terminal, which decides prompts, progress and the
// dashboard. Only a process's own files can be; an SSH session's streams never are here.
func IsTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// ReadAll reads all of r, refusing more than limit bytes (judging only the start of a longer
// input would pass what was never checked), and gives up with ErrInterrupted when ctx ends
// first (the read itself cannot be cancelled, so a pending one is left to the process's exit).
func ReadAll(ctx context.Context, r io.Reader, limit int64) ([]byte, error) {
	return await(ctx, func() ([]byte, error) {
		b, err := io.ReadAll(io.LimitReader(r, limit+1))
		if err == nil && int64(len(b)) > limit {
			b, err = nil, fmt.Errorf("too long (more than %d bytes)", limit)
		}
		return b, err
	})
}

// await runs read in a goroutine and gives its result, or ErrInterrupted when ctx ends first.
func await(ctx context.Context, read func() ([]byte, error)) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := read()
		done <- result{b, err}
	}()
	select {
	case res := <-done:
		return res.b, res.err
	case <-ctx.Done():
		return nil, ErrInterrupted
	}
}

// ReadHidden writes prompt to errw and reads one line from the terminal f without echoing it.
func ReadHidden(ctx context.Context, f *os.File, errw io.Writer, prompt string) (string, error) {
	fmt.Fprint(errw, prompt)
	b, err := await(ctx, func() ([]byte, error) { return term.ReadPassword(int(f.Fd())) })
	fmt.Fprintln(errw)
	switch {
	case errors.Is(err, ErrInterrupted):
		return "", err
	case err != nil:
		return "", fmt.Errorf("read the key from the terminal: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// SecretArg returns arg, or, when arg is "-", one secret from in: after a prompt on errw
// and without echo when in is a terminal, else all of in (at most limit bytes) without its
// trailing newline, so a key can be piped in instead of appearing in the process list.
func SecretArg(ctx context.Context, arg string, in io.Reader, errw io.Writer, limit int64) (string, error) {
	if arg != "-" {
		return arg, nil
	}
	if f, ok := in.(*os.File); ok && IsTerminal(f) {
		return ReadHidden(ctx, f, errw, "Key (not shown): ")
	}
	b, err := ReadAll(ctx, in, limit)
	if err != nil {
		return "", fmt.Errorf("read standard input: %w", err)
	}
	return strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r"), nil
}

// Confirm asks question on errw and reads the answer from in: nil for y or yes, else an error
// that says nothing was changed (ErrInterrupted when ctx ends first).
func Confirm(ctx context.Context, in io.Reader, errw io.Writer, question string) error {
	fmt.Fprintf(errw, "%s [y/N] ", model.Sanitize(question))
	line, err := await(ctx, func() ([]byte, error) {
		line, _ := bufio.NewReader(in).ReadString('\n')
		return []byte(line), nil
	})
	if err != nil {
		fmt.Fprintln(errw)
		return err
	}
	switch strings.ToLower(strings.TrimSpace(string(line))) {
	case "y", "yes":
		return nil
	}
	return errors.New("cancelled; nothing was changed")
}

// Progress returns a progress callback that redraws one line of w, only when the percentage
// changes, so a million callbacks cost a hundred writes.
func Progress(w io.Writer, label string) func(done, total int) {
	last := -1
	return func(done, total int) {
		if total <= 0 {
			return
		}
		pct := done * 100 / total
		if pct == last {
			return
		}
		last = pct
		fmt.Fprintf(w, "\r\x1b[K%s: %d of %d (%d%%)", label, done, total, pct)
	}
}

// Clipboard is where a copied key goes: OSC 52 to Term, the terminal the operator sits at,
// and the native clipboard where this build and machine have one.
type Clipboard struct {
	Term       io.Writer
	Native     func(string) error // nil: none
	NativeRead func() string      // nil: the native clipboard cannot be read back
	SetNative  bool               // put the key on the native clipboard too (not over SSH)
}

// Controlling opens the terminal the process runs in, for writing: with open when set (tests),
// else /dev/tty.
func Controlling(open func() (io.WriteCloser, error)) (io.WriteCloser, error) {
	if open == nil {
		open = func() (io.WriteCloser, error) { return os.OpenFile("/dev/tty", os.O_WRONLY, 0) }
	}
	return open()
}

// osc52 is the escape sequence that sets the terminal's clipboard to s ("" empties it).
func osc52(s string) string {
	return "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(s)) + "\x07"
}

// Copy puts secret on the clipboard and tells the operator with say (one line, written out
// at once); unless clearAfter is 0 it then waits that long, or until ctx ends, and clears
// the clipboard again.
func (cb Clipboard) Copy(ctx context.Context, secret string, clearAfter time.Duration, say func(line string) error) error {
	if _, err := io.WriteString(cb.Term, osc52(secret)); err != nil {
		return fmt.Errorf("write to the terminal: %w", err)
	}
	native := cb.Native
	where := "sent to your terminal's clipboard"
	if native != nil && cb.SetNative {
		if err := native(secret); err == nil {
			where += " and the system clipboard"
		} else {
			native = nil
		}
	}
	if clearAfter <= 0 {
		return say(fmt.Sprintf("Copied (%s).", where))
	}
	if err := say(fmt.Sprintf("Copied (%s); clears in %s (ctrl+c to clear now).", where, clearAfter)); err != nil {
		return err
	}
	t := time.NewTimer(clearAfter)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	// OSC 52 cannot be read back without asking the terminal, which we never do: an empty
	// selection is written while the session lives. The native clipboard is compared first,
	// so something copied since is left alone.
	io.WriteString(cb.Term, osc52(""))
	if native != nil && (cb.NativeRead == nil || cb.NativeRead() == secret) {
		native("")
	}
	return say("Cleared the clipboard.")
}
