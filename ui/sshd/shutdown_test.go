package sshd

import (
	"context"
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"

	"provkeys/model"
	"provkeys/ui"
)

// TestServeStopsWhenCancelledBeforeServing: a SIGTERM that arrives right after start, before
// the accept loop runs, must still stop the server (it once left Serve accepting forever).
func TestServeStopsWhenCancelledBeforeServing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ops := filepath.Join(dir, "operators")
	sshWriteFile(t, ops, sshAuthorizedLine("admin", sshNewSigner(t).PublicKey(), "alice")+"\n")
	st := newSSHFakeStore()
	for i := 0; i < 20; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		done := make(chan error, 1)
		go func() {
			done <- Serve(ctx, Config{
				Listener: l, HostKeyPath: filepath.Join(dir, "host_key"), OperatorsPath: ops,
				Open: func(a model.Actor) ui.Store { return st.session(a) },
				Log:  io.Discard,
			})
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("run %d: Serve did not return after its context was cancelled", i)
		}
	}
}

// TestServeStopsWhenCancelledWhileStarting: a signal landing at any moment of start-up —
// before, while or after the accept loop registers its listener — stops the server, and
// (under -race) Shutdown never overlaps that registration.
func TestServeStopsWhenCancelledWhileStarting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ops := filepath.Join(dir, "operators")
	sshWriteFile(t, ops, sshAuthorizedLine("admin", sshNewSigner(t).PublicKey(), "alice")+"\n")
	st := newSSHFakeStore()
	for i := 0; i < 40; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- Serve(ctx, Config{
				Listener: l, HostKeyPath: filepath.Join(dir, "host_key"), OperatorsPath: ops,
				Open: func(a model.Actor) ui.Store { return st.session(a) },
				Log:  io.Discard,
			})
		}()
		// Spread the cancellation over the first ~2 ms of start-up.
		time.Sleep(time.Duration(i*50) * time.Microsecond)
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("run %d: Serve did not return after its context was cancelled", i)
		}
	}
}
