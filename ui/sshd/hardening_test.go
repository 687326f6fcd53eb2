package sshd

import (
	"context"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"provkeys/model"
)

// A huge exec command is refused before it is split into words (the splitter is quadratic:
// 120 KB once cost 25 s of CPU), and neither the refusal nor the log repeats it whole.
func TestServeHugeCommandRefusedFast(t *testing.T) {
	var ran atomic.Int32
	ts := startSSHServer(t, func(c *Config) {
		c.Command = func(_ context.Context, _ model.Actor, _ []string, _ io.Reader, _, _ io.Writer) int {
			ran.Add(1)
			return 0
		}
	})
	c, err := sshDial(ts.addr, ts.viewer)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	arg := strings.Repeat("\\\"a", 40*1024) // 120 KB: seconds of splitting before the fix
	start := time.Now()
	stdout, stderr, code := sshRun(t, c, "export "+arg)
	if took := time.Since(start); took > time.Second {
		t.Fatalf("a %d-byte command took %s to refuse", len(arg)+7, took)
	}
	if code != 2 || stdout != "" || !strings.Contains(stderr, "too long") {
		t.Fatalf("stdout %q, stderr %q, exit %d; want a refusal saying the command is too long, exit 2",
			stdout, stderr, code)
	}
	if len(stderr) > 300 {
		t.Fatalf("the refusal repeats the command: %d bytes", len(stderr))
	}
	if ran.Load() != 0 {
		t.Fatal("the command ran")
	}
	if log := ts.log.String(); strings.Contains(log, strings.Repeat("\\\"a", 100)) {
		t.Fatalf("the log repeats the command:\n%.500s", log)
	}
}

// User input in refusals is quoted (escaped, never raw) and truncated.
func TestServeRefusalQuotesInputTruncated(t *testing.T) {
	ts := startSSHServer(t)
	c, err := sshDial(ts.addr, ts.admin)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	long := strings.Repeat("x", 2000)
	_, stderr, _ := sshRun(t, c, "'"+long+"\u202e'")
	if len(stderr) > 300 || strings.Contains(stderr, "\u202e") || !strings.Contains(stderr, `"xxx`) {
		t.Fatalf("refusal %q: want the command quoted, escaped and truncated", stderr)
	}
	if log := ts.log.String(); strings.Contains(log, strings.Repeat("x", 500)) {
		t.Fatalf("the log repeats the command whole:\n%.500s", log)
	}
}

// Unauthenticated connections have their own limit: forty idle TCP sockets from the
// operators' own address neither use up the sessions' quota nor keep an operator out.
func TestServePreAuthFloodLeavesOperatorsIn(t *testing.T) {
	ts := startSSHServer(t)
	for range 40 {
		conn, err := net.DialTimeout("tcp", ts.addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
	}
	time.Sleep(200 * time.Millisecond) // let the server take them all in
	// Past the start mark new connections are dropped at random, as OpenSSH's MaxStartups
	// does; an operator retrying gets in.
	c := sshDialEventually(t, ts.addr, ts.admin)
	defer c.Close()
	if out, errOut, code := sshRun(t, c, "export web-01"); code != 0 || out == "" {
		t.Fatalf("export after the flood: stdout %q, stderr %q, exit %d", out, errOut, code)
	}
}
