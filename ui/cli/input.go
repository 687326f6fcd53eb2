package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"provkeys/keyformat"
	"provkeys/model"
)

// isTerminal reports whether a stream is a terminal, which decides prompts, progress and the
// dashboard. Only a process's own files can be; an SSH session's streams never are here.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// readInput reads all of r, refusing more than limit bytes (judging only the start of a longer
// input would pass what was never checked), and gives up with "interrupted" when ctx ends
// first (the read itself cannot be cancelled, so a pending one is left to the process's exit).
func readInput(ctx context.Context, r io.Reader, limit int64) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(io.LimitReader(r, limit+1))
		if err == nil && int64(len(b)) > limit {
			b, err = nil, fmt.Errorf("too long (more than %d bytes)", limit)
		}
		done <- result{b, err}
	}()
	select {
	case res := <-done:
		return res.b, res.err
	case <-ctx.Done():
		return nil, errors.New("interrupted")
	}
}

// argOrStdin returns arg, or standard input without its trailing newline when arg is "-", so a
// key can be piped in instead of appearing in the process list. On a terminal it asks for the
// key and reads one line without echo.
func (e *env) argOrStdin(arg string) (string, error) {
	if arg != "-" {
		return arg, nil
	}
	if f, ok := e.io.In.(*os.File); ok && isTerminal(f) {
		return e.readHidden(f)
	}
	b, err := readInput(e.ctx, e.io.In, maxInput)
	if err != nil {
		return "", fmt.Errorf("read standard input: %w", err)
	}
	s := strings.TrimSuffix(string(b), "\n")
	return strings.TrimSuffix(s, "\r"), nil
}

// readHidden asks for a key on the terminal f and reads one line without echoing it.
func (e *env) readHidden(f *os.File) (string, error) {
	fmt.Fprint(e.io.Err, "Key (not shown): ")
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := term.ReadPassword(int(f.Fd()))
		done <- result{b, err}
	}()
	select {
	case res := <-done:
		fmt.Fprintln(e.io.Err)
		if res.err != nil {
			return "", fmt.Errorf("read the key from the terminal: %w", res.err)
		}
		return strings.TrimSpace(string(res.b)), nil
	case <-e.ctx.Done():
		fmt.Fprintln(e.io.Err)
		return "", errors.New("interrupted")
	}
}

// confirm asks question on the terminal unless yes was given. Without a terminal it refuses,
// since a script that forgot --yes must not block or delete by accident.
func (e *env) confirm(cmd string, yes bool, question string) error {
	if yes {
		return nil
	}
	if !isTerminal(e.io.In) {
		return usagef("%s asks for confirmation but standard input is not a terminal; use --yes", cmd)
	}
	fmt.Fprintf(e.io.Err, "%s [y/N] ", model.Sanitize(question))
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(e.io.In).ReadString('\n')
		answer <- line
	}()
	select {
	case line := <-answer:
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "y", "yes":
			return nil
		}
		return errors.New("cancelled; nothing was changed")
	case <-e.ctx.Done():
		fmt.Fprintln(e.io.Err)
		return errors.New("interrupted")
	}
}

// parseSecret checks a key given on the command line or in an import file. The error names the
// part and position but never repeats the key.
func parseSecret(s string) (keyformat.Key, error) {
	k, err := keyformat.Parse(s)
	if err != nil {
		return k, fmt.Errorf("invalid key: %w", err)
	}
	return k, nil
}

// progressLine returns a progress callback that redraws one stderr line, only when the
// percentage changes, so a million callbacks cost a hundred writes.
func (e *env) progressLine(label string) func(done, total int) {
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
		fmt.Fprintf(e.io.Err, "\r\x1b[K%s: %d of %d (%d%%)", label, done, total, pct)
	}
}

// secretArg reads a key given as an argument, or on standard input for "-", and parses it.
func (e *env) secretArg(arg string) (keyformat.Key, error) {
	text, err := e.argOrStdin(arg)
	if err != nil {
		return keyformat.Key{}, err
	}
	return parseSecret(text)
}
