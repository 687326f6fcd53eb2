package cli

import (
	"context"
	"fmt"
	"io"

	"provkeys/keyformat"
	"provkeys/ui/cli/tty"
)

// isTerminal and readInput are tty's, named as the commands use them.
func isTerminal(v any) bool { return tty.IsTerminal(v) }

func readInput(ctx context.Context, r io.Reader, limit int64) ([]byte, error) {
	return tty.ReadAll(ctx, r, limit)
}

// argOrStdin is tty.SecretArg on the command's standard input: a key piped in or typed
// without echo instead of appearing in the process list.
func (e *env) argOrStdin(arg string) (string, error) {
	return tty.SecretArg(e.ctx, arg, e.io.In, e.io.Err, maxInput)
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
