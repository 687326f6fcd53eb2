package foldtext

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

// offsets is Starts over a slice, as a key table's own name offsets are.
type offsets []int

func (o offsets) Len() int        { return len(o) }
func (o offsets) Start(i int) int { return o[i] }

// searchTables is the same folded entries as a Table with its own offsets (NewTable) and as
// one over the caller's (NewTableOver), which search by different loops.
func searchTables(entries []string) (own, over Table) {
	var b strings.Builder
	at := make([]uint32, 0, len(entries)+1)
	starts := make(offsets, 0, len(entries))
	for _, e := range entries {
		at = append(at, uint32(b.Len()))
		starts = append(starts, b.Len())
		FoldInto(&b, e)
		b.WriteByte(0)
	}
	at = append(at, uint32(b.Len()))
	return NewTable(b.String(), at), NewTableOver(b.String(), starts)
}

// searchEntries are n names like a fleet's: common parts, numbered parts, and a rare one
// (every 997th is a "-kvm" host).
func searchEntries(n int) []string {
	entries := make([]string, n)
	for i := range entries {
		entries[i] = fmt.Sprintf("%s-web-%05d.example.com", []string{"nyc", "lon", "fra", "sfo"}[i%4], i)
		if i%997 == 0 {
			entries[i] += "-kvm"
		}
	}
	return entries
}

// TestSearchForms: both forms of a Table mark exactly the entries strings.Contains finds,
// for needles rare (IndexByte path) and common (word-scan path), at entry ends and starts.
func TestSearchForms(t *testing.T) {
	entries := searchEntries(5000)
	entries[17], entries[4999] = "", "x"
	own, over := searchTables(entries)
	for _, needle := range []string{"web", "00042", "nyc-", "com", "x", "e", "zzz", ".example.com", "1-web", "kvm", "m-kvm"} {
		for _, workers := range []int{1, 4} {
			for name, tb := range map[string]*Table{"own": &own, "over": &over} {
				hits := tb.Search(needle, workers)
				for i, e := range entries {
					want := strings.Contains(e, needle)
					if got := hits[i/64]&(1<<(i%64)) != 0; got != want {
						t.Fatalf("%s table, %q, %d workers: entry %d (%q) marked %v, want %v", name, needle, workers, i, e, got, want)
					}
				}
			}
		}
	}
}

// TestSearchWithin: SearchWithin marks what Search marks in every word within has a bit in,
// and nothing in the words it may skip, whether the words in question come in runs or apart,
// at the table's end and in any number of workers.
func TestSearchWithin(t *testing.T) {
	entries := searchEntries(5000)
	own, over := searchTables(entries)
	words := (len(entries) + 63) / 64
	withins := map[string][]uint64{"none": make([]uint64, words), "all": NewBitmap(len(entries), true)}
	runs, apart := make([]uint64, words), make([]uint64, words)
	for w := range words {
		if w/10%2 == 1 || w == words-1 {
			runs[w] = 1 << (w % 64)
		}
		if w%3 == 0 {
			apart[w] = ^uint64(0)
		}
	}
	withins["runs"], withins["apart"] = runs, apart
	for _, needle := range []string{"web", "nyc-", "kvm", "e", "00042"} {
		for _, workers := range []int{1, 3} {
			for name, tb := range map[string]*Table{"own": &own, "over": &over} {
				all := tb.Search(needle, workers)
				for wname, within := range withins {
					hits := tb.SearchWithin(needle, workers, within)
					for w := range words {
						want := all[w]
						if within[w] == 0 {
							want = 0
						}
						if hits[w] != want {
							t.Fatalf("%s table, %q, %d workers, within %s: word %d is %x, want %x", name, needle, workers, wname, w, hits[w], want)
						}
					}
				}
			}
		}
	}
}

// BenchmarkSearch times one worker's search of 100,000 entries in both forms, for a needle
// found by IndexByte (rare bytes) and two by the word scan (common bytes; few hits, and
// every entry a hit).
func BenchmarkSearch(b *testing.B) {
	own, over := searchTables(searchEntries(100_000))
	for _, needle := range []string{"kvm", "00042", "web"} {
		for _, form := range []struct {
			name string
			tb   *Table
		}{{"own", &own}, {"over", &over}} {
			b.Run(form.name+"/"+needle, func(b *testing.B) {
				for b.Loop() {
					form.tb.Search(needle, 1)
				}
			})
		}
	}
}

// TestNarrowingSearch: typed one key at a time, deleted, and typed anew, with the caller's
// entries in question all, in runs or scattered, a Narrowing marks what Search marks in
// every word the caller asks about, whichever answer it narrowed from.
func TestNarrowingSearch(t *testing.T) {
	entries := searchEntries(5000)
	own, over := searchTables(entries)
	words := (len(entries) + 63) / 64
	all := NewBitmap(len(entries), true)
	runs, apart := make([]uint64, words), make([]uint64, words)
	for w := range words {
		if w/10%2 == 1 {
			runs[w] = 1 << (w % 64)
		}
		if w%3 == 0 {
			apart[w] = ^uint64(0)
		}
	}
	lives := [][]uint64{all, runs, all, apart, all}
	var typed []string
	for _, q := range []string{"fra-web-00", "kvm", "nyc-web-0499", "e", "example.com-kvm"} {
		for i := 1; i <= len(q); i++ {
			typed = append(typed, q[:i])
		}
		for i := len(q) - 1; i >= 1; i-- {
			typed = append(typed, q[:i])
		}
	}
	for name, tb := range map[string]*Table{"own": &own, "over": &over} {
		var n Narrowing
		for step, needle := range typed {
			live := lives[step%len(lives)]
			got, want := n.Search(tb, needle, 2, live), tb.Search(needle, 1)
			for w := range words {
				if live[w] != 0 && got[w] != want[w] {
					t.Fatalf("%s table, step %d (%q): word %d is %x, want %x", name, step, needle, w, got[w], want[w])
				}
			}
		}
	}
}

// TestNarrowingShared: sessions sharing one index type at once, each its own query; every
// answer is still right for the entries its caller asks about.
func TestNarrowingShared(t *testing.T) {
	entries := searchEntries(3000)
	tb, _ := searchTables(entries)
	all := NewBitmap(len(entries), true)
	var n Narrowing
	var wg sync.WaitGroup
	for _, q := range []string{"fra-web-00", "nyc-web-01", "example.com-kvm", "lon-web-002"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				for i := 1; i <= len(q); i++ {
					got, want := n.Search(&tb, q[:i], 1, all), tb.Search(q[:i], 1)
					if !slices.Equal(got, want) {
						t.Errorf("%q: answer differs from the full search", q[:i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}
