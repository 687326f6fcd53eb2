package foldtext

import (
	"strings"
	"testing"
)

// FuzzIndexScan compares the index's two searches (IndexByte on an anchor byte, and the
// word-at-a-time scan on two anchor bytes) with strings.Index, for every choice of anchors.
func FuzzIndexScan(f *testing.F) {
	f.Add("web-prod-00042\x00client\x00", "prod", 0)
	f.Add("aaaaaaaaaaaaaaaaaaaaaaaab", "ab", 3)
	f.Add("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxy", "xy", 40)
	f.Add("short", "rt", 0)
	f.Fuzz(func(t *testing.T, text, needle string, pos int) {
		if needle == "" || len(needle) > 16 || len(text) > 300 {
			return
		}
		pos = max(0, min(pos, len(text)))
		want := strings.Index(text[pos:], needle)
		if want >= 0 {
			want += pos
		}
		last := len(text) - len(needle)
		for a := range len(needle) {
			if got := indexFrom(text, pos, needle, a); got != want {
				t.Fatalf("indexFrom(%q, %d, %q, %d) = %d, want %d", text, pos, needle, a, got, want)
			}
			for b := range len(needle) {
				if got := scanWords(text, pos, last, needle, a, b); got != want {
					t.Fatalf("scanWords(%q, %d, %q, %d, %d) = %d, want %d", text, pos, needle, a, b, got, want)
				}
			}
		}
	})
}
