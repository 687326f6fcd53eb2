// Package cli is provkeys' command line (DESIGN §6) on cobra: one file per noun, every command
// reading and writing only the IO it is given. main runs it on the process's standard streams;
// the SSH server runs the very same tree on a session, as the operator who connected.
//
// It opens the store and hands it to whatever runs: a command, the dashboard or the SSH server.
// Exit status: 0 success, 1 failed operation, 2 bad usage.
package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"provkeys/model"
)

// Version is this source tree's release; builds that carry VCS information add the revision.
const Version = "0.1.0-dev"

// maxInput caps what provkeys reads from standard input or a certificate file, so a wrong
// pipe cannot make it swallow gigabytes. Import files are read line by line instead.
const maxInput = 1 << 20

// Exit statuses.
const (
	ExitOK    = 0
	ExitFail  = 1
	ExitUsage = 2
)

// IO is where a command reads and writes: the process's standard streams, or an SSH session.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
	// Terminal opens the controlling terminal, where `keys copy` writes OSC 52 when it runs
	// locally; nil opens /dev/tty. Over SSH the session is the terminal: Out is used.
	Terminal func() (io.WriteCloser, error)
}

// Run executes one command line on stdio as the local operator and returns the exit status.
func Run(ctx context.Context, args []string, stdio IO) int {
	return run(ctx, args, &env{io: stdio})
}

// run builds the command tree for e, runs args on it, and reports the outcome on e's stderr.
func run(ctx context.Context, args []string, e *env) int {
	e.ctx = ctx
	out := bufio.NewWriterSize(e.io.Out, 64<<10)
	e.out = out
	root := newRoot(e)
	root.SetArgs(append([]string{}, args...))
	root.SetIn(e.io.In)
	root.SetOut(out)
	root.SetErr(e.io.Err)
	_, err := root.ExecuteContextC(ctx)
	err = usageFromCobra(err)
	if cerr := e.close(); err == nil && cerr != nil {
		err = fmt.Errorf("close database: %w", cerr)
	}
	if ferr := out.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("write output: %w", ferr)
	}
	return e.report(err)
}

// report prints err as one line on stderr and maps it to an exit status. The whole message is
// sanitized because store errors may quote user data, and a newline or an escape sequence must
// not reach the terminal.
func (e *env) report(err error) int {
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(e.io.Err, "provkeys: "+model.Sanitize(err.Error()))
	var ue *usageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	return ExitFail
}

// usageError is a mistake in how provkeys was called; it exits 2 where a failed operation exits 1.
type usageError struct{ msg string }

// Error returns the sentence report prints.
func (e *usageError) Error() string { return e.msg }

// usagef builds a usageError from a format.
func usagef(format string, a ...any) error {
	return &usageError{msg: fmt.Sprintf(format, a...)}
}

// usageFromCobra turns the few errors cobra makes itself (an unknown command at the top) into
// usage errors worded like ours.
func usageFromCobra(err error) error {
	if err == nil {
		return nil
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return err
	}
	if rest, ok := strings.CutPrefix(err.Error(), "unknown command "); ok {
		name, _, _ := strings.Cut(rest, " for ")
		return usagef("unknown command %s; see provkeys --help", name)
	}
	return err
}
