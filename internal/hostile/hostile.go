// Package hostile is the shared corpus of hostile input (testdata/hostile/corpus.txt) for
// tests: terminal escapes, bidi, control characters, huge pastes, wrapped keys.
package hostile

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"provkeys/keyformat"
)

// Entry is one string of the shared corpus of hostile input.
type Entry struct {
	Label, Value string
}

// Corpus reads testdata/hostile/corpus.txt at the module root (see its header for the
// format): every entry point's tests (model, the dashboard pages, the command line, tmux)
// feed it the same strings.
func Corpus(t testing.TB) []Entry {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	f, err := os.Open(filepath.Join(filepath.Dir(here), "..", "..", "testdata", "hostile", "corpus.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Entry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		label, raw, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("corpus line %q: no tab", line)
		}
		var v string
		switch raw {
		case "@paste10mb":
			v = strings.Repeat("ITfVkU6RBiV8X9fb", 10<<20/16)
		case "@wrappedkey":
			k, err := keyformat.Generate("")
			if err != nil {
				t.Fatal(err)
			}
			for len(k) > 64 {
				v += k[:64] + "\n"
				k = k[64:]
			}
			v += k
		default:
			if v, err = strconv.Unquote(raw); err != nil {
				t.Fatalf("corpus line %q: %v", line, err)
			}
		}
		out = append(out, Entry{label, v})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 20 {
		t.Fatalf("the corpus has only %d entries", len(out))
	}
	return out
}
