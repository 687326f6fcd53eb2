package cli

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// importLines is an import file made while it is read: line i of n names key i. Just before
// serving line mark and line n, it collects garbage and notes the live heap, so what the
// import holds is measured in the middle of it, when a buffering import holds the most.
type importLines struct {
	keys       []string
	n, mark    int
	line       int // lines served
	pending    string
	atMark     uint64
	atEnd      uint64
	sampledEnd bool
}

func (r *importLines) Read(p []byte) (int, error) {
	if r.pending == "" {
		if r.line == r.n {
			return 0, io.EOF
		}
		r.line++
		if r.line == r.mark {
			r.atMark = liveHeap()
		}
		if r.line == r.n {
			r.atEnd, r.sampledEnd = liveHeap(), true
		}
		r.pending = fmt.Sprintf("imported-%06d\t%s\n", r.line, r.keys[(r.line-1)%len(r.keys)])
	}
	c := copy(p, r.pending)
	r.pending = r.pending[c:]
	return c, nil
}

// liveHeap is the bytes of the Go heap still reachable, after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestImportMemoryFlat: keys import holds a bounded number of lines in memory whatever the
// file's length. Between line 2,000 and line 14,000 the live heap may grow by the few bytes
// a key the import keeps to name lines in refusals (a line number and an id, 12 bytes, in
// slices that double), never by the key itself: an import that kept every line, or every
// audit row, until the end grows by several hundred bytes a key (over 5 MB here).
func TestImportMemoryFlat(t *testing.T) {
	f := newFixture(t)
	f.ok("groups", "add", "--name", "Servers")
	const n, mark = 14_000, 2_000
	// Each line a different key; generated up front, so the file's keys are live throughout
	// and cancel out of the difference.
	in := &importLines{keys: keyLines(t, n), n: n, mark: mark}
	var out, errb strings.Builder
	code := Run(context.Background(), []string{"--db", f.db, "keys", "import", "-", "--group", "Servers"},
		IO{In: in, Out: &out, Err: &errb})
	if code != 0 || !strings.Contains(out.String(), fmt.Sprintf("Imported %d keys", n)) {
		t.Fatalf("import: exit %d, %q, %s", code, out.String(), errb.String())
	}
	if !in.sampledEnd || in.atMark == 0 {
		t.Fatal("the import did not read the whole file")
	}
	const limit = 1 << 20 // 12 bytes a key for 12,000 keys is 144 KB, doubled 288 KB
	grew := int64(in.atEnd) - int64(in.atMark)
	t.Logf("live heap at line %d: %d KB, at line %d: %d KB (grew %d KB)", mark, in.atMark>>10, n, in.atEnd>>10, grew>>10)
	if grew > limit {
		t.Errorf("the live heap grew by %d KB over %d lines: the import keeps what it has stored (limit %d KB)",
			grew>>10, n-mark, limit>>10)
	}
}
