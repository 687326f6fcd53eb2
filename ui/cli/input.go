package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"provkeys/keyformat"
	"provkeys/ui/cli/tty"
)

// isTerminal and readInput are tty's, named as the commands use them.
func isTerminal(v any) bool { return tty.IsTerminal(v) }

func readInput(ctx context.Context, r io.Reader, limit int64) ([]byte, error) {
	return tty.ReadAll(ctx, r, limit)
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
	return tty.ReadHidden(e.ctx, f, e.io.Err, "Key (not shown): ")
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
	return tty.Confirm(e.ctx, e.io.In, e.io.Err, question)
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

// progressLine is a tty.Progress line on standard error.
func (e *env) progressLine(label string) func(done, total int) {
	return tty.Progress(e.io.Err, label)
}

// secretArg reads a key given as an argument, or on standard input for "-", and parses it.
func (e *env) secretArg(arg string) (keyformat.Key, error) {
	text, err := e.argOrStdin(arg)
	if err != nil {
		return keyformat.Key{}, err
	}
	return parseSecret(text)
}
