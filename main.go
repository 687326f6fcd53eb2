// Command provkeys is a keyboard-driven terminal dashboard for machine provisioning keys, and
// the command line (DESIGN §6) that scripts and shell-minded operators use on the same store.
// The command line lives in ui/cli; this file only wires the process to it.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"provkeys/internal/profile"
	"provkeys/ui/cli"
)

func main() {
	// Every file this process creates (the database, its data key, exported keys) must be
	// private to the user whatever umask the shell had: 0600 files, 0700 directories.
	syscall.Umask(0o077)
	// The first ctrl+c or SIGTERM cancels the command's context, so long store work rolls back
	// and says "interrupted" in one line; after that the signals mean what they always do, so
	// a second ctrl+c ends a process stuck somewhere no context reaches.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	stopProfiles := profile.FromEnv()
	code := cli.Run(ctx, os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	stopProfiles()
	os.Exit(code)
}
