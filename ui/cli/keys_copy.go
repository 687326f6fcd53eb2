package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"provkeys/ui"
	"provkeys/ui/cli/tty"
)

// keysCopyCmd puts a key on the clipboard of the terminal the command runs in: OSC 52 to the
// controlling terminal (over SSH the session is that terminal, so `ssh -t host keys copy
// NAME` lands the key on the operator's own machine), plus the native clipboard where this
// build has one. Like `pass -c`, the key is cleared again after --clear-after if the
// clipboard still holds it; the command waits until then (ctrl+c clears at once).
func keysCopyCmd(e *env) *cobra.Command {
	var clearAfter time.Duration
	c := leaf(e, "copy NAME [--clear-after 45s]", "put a key on your terminal's clipboard, cleared again after 45 s", takes("NAME"),
		func(e *env, _ *cobra.Command, pos []string) error {
			s, k, err := e.sessionKey(pos[0])
			if err != nil {
				return err
			}
			secret, err := s.ExportKey(e.ctx, k.ID) // audited, as every copy
			if err != nil {
				return e.explainRelease(err, k.Name)
			}
			return e.copyToClipboard(secret, clearAfter)
		})
	c.Flags().DurationVar(&clearAfter, "clear-after", 45*time.Second, "clear the clipboard again after this long if it still holds the key (0: never)")
	return c
}

// copyToClipboard writes secret to the terminal (and the native clipboard), then waits and
// clears it unless clearAfter is 0.
func (e *env) copyToClipboard(secret string, clearAfter time.Duration) error {
	term, closeTerm, err := e.terminal()
	if err != nil {
		return err
	}
	defer closeTerm()
	cb := tty.Clipboard{Term: term, Native: ui.NativeClipboard(), NativeRead: ui.NativeClipboardRead(), SetNative: e.remote == nil}
	return cb.Copy(e.ctx, secret, clearAfter, func(line string) error {
		fmt.Fprintln(e.out, line)
		return e.out.Flush()
	})
}

// terminal is where OSC 52 goes: the SSH session (the command's output) when served, else
// the controlling terminal (tty.Controlling).
func (e *env) terminal() (io.Writer, func(), error) {
	if e.remote != nil {
		return e.out, func() { e.out.Flush() }, nil
	}
	w, err := tty.Controlling(e.io.Terminal)
	if err != nil {
		return nil, nil, fmt.Errorf("no terminal to copy to (%v): run it in a terminal, or use keys export", err)
	}
	return w, func() { w.Close() }, nil
}
