package postgres

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"provkeys/model"
)

// writerEnv, when set in a test binary's environment, makes it the writer of
// TestKillNineLosesNothingAcknowledged instead of running tests: "URL\tDATA-KEY-PATH".
const writerEnv = "PROVKEYS_PG_CRASH_WRITER"

// crashWriter opens the store and creates keys until it is killed, printing each key's
// name once CreateKey has returned: a printed name is an acknowledged commit.
func crashWriter(spec string) {
	url, keyPath, _ := strings.Cut(spec, "\t")
	ctx := context.Background()
	s, err := Open(ctx, Options{URL: url, DataKeyPath: keyPath})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	x := s.as(admin)
	for i := 0; ; i++ {
		name := fmt.Sprintf("crash-%06d", i)
		if _, _, err := x.CreateKey(ctx, keyInput(name)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(name)
	}
}

// TestKillNineLosesNothingAcknowledged: a replica killed with SIGKILL in the middle of its
// writes loses none it acknowledged. The writer is this test binary in another process; every
// name it printed before the kill is a key in the database afterwards, and nothing it did
// not finish is half there (each key has its groups).
func TestKillNineLosesNothingAcknowledged(t *testing.T) {
	s := openTestStore(t)
	mustGroup(t, s.as(admin), "Servers")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), writerEnv+"="+s.url+"\t"+s.keyPath)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	lines := bufio.NewScanner(out)
	deadline := time.Now().Add(30 * time.Second)
	for len(acked) < 200 && time.Now().Before(deadline) && lines.Scan() {
		acked = append(acked, lines.Text())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Whatever the pipe still holds was acknowledged before the kill too.
	for lines.Scan() {
		acked = append(acked, lines.Text())
	}
	_ = cmd.Wait()
	if len(acked) < 200 {
		t.Fatalf("the writer acknowledged %d keys before the deadline, want 200; stderr: %s", len(acked), stderr.String())
	}
	ctx := testCtx(t)
	keys, err := s.as(admin).ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]model.Key{}
	for _, k := range keys {
		have[k.Name] = k
	}
	for _, name := range acked {
		k, ok := have[name]
		if !ok {
			t.Fatalf("key %s was acknowledged before the kill and is gone (%d acknowledged, %d stored)", name, len(acked), len(keys))
		}
		if len(k.Groups) != 1 {
			t.Fatalf("key %s has %d groups, want 1", name, len(k.Groups))
		}
	}
	if len(keys) > len(acked)+1 {
		t.Fatalf("%d keys stored, %d acknowledged: at most one commit can be unacknowledged", len(keys), len(acked))
	}
	t.Logf("%d acknowledged, %d stored", len(acked), len(keys))
}
