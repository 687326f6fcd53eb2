package cli

import (
	"context"
	"encoding/base64"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// termBuffer is a terminal that records what was written to it.
type termBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (t *termBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.b.Write(p)
}
func (t *termBuffer) Close() error { return nil }
func (t *termBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.b.String()
}

// TestKeysCopy: keys copy writes the key as OSC 52 to the terminal, says when it clears,
// then writes an empty selection after --clear-after; the copy is audited as an export.
func TestKeysCopy(t *testing.T) {
	f := newFixture(t)
	secret := f.addKey("copy-me")
	term := &termBuffer{}
	var out, errb strings.Builder
	start := time.Now()
	code := Run(context.Background(), []string{"--db", f.db, "keys", "copy", "copy-me", "--clear-after", "200ms"},
		IO{In: strings.NewReader(""), Out: &out, Err: &errb, Terminal: func() (io.WriteCloser, error) { return term, nil }})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(secret)) + "\x07" + "\x1b]52;c;\x07"
	if term.String() != want {
		t.Fatalf("terminal got %q, want %q", term.String(), want)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Fatalf("returned after %v, before the clear", d)
	}
	if !strings.Contains(out.String(), "clears in 200ms (ctrl+c to clear now)") || !strings.Contains(out.String(), "Cleared the clipboard.") {
		t.Fatalf("stdout %q", out.String())
	}
	if strings.Contains(out.String(), secret) {
		t.Fatal("the key was printed on stdout")
	}
	if audit := f.ok("audit", "--action", "export"); !strings.Contains(audit, "copy-me") {
		t.Fatalf("copy not audited:\n%s", audit)
	}

	// --clear-after 0 leaves it there and returns at once.
	term2 := &termBuffer{}
	out.Reset()
	code = Run(context.Background(), []string{"--db", f.db, "keys", "copy", "copy-me", "--clear-after", "0"},
		IO{In: strings.NewReader(""), Out: &out, Err: &errb, Terminal: func() (io.WriteCloser, error) { return term2, nil }})
	if code != 0 || strings.Count(term2.String(), "\x1b]52;") != 1 {
		t.Fatalf("exit %d, terminal %q", code, term2.String())
	}
}
