package foldtext

import (
	"slices"
	"strings"
	"sync"
)

// Narrowing searches one Table, remembering its last answer that holds for every entry. A
// person types a filter one key at a time, so the next needle usually holds the last one:
// then only the entries that held the last can hold it, and the search reads only their
// words of the table. Typing a name prefix into a table in name order, those are a few runs
// of entries, wherever the rest of the filter's answer lies (a group matching the first
// letters scatters it). It is safe for several goroutines at once.
type Narrowing struct {
	mu     sync.Mutex
	needle string
	hits   []uint64 // the entries that hold needle, every one; not written once kept
}

// Search marks the entries of tb that hold needle: all of them, or at least those in the
// words of live (a bitmap over the entries) that are not zero, which is all the caller asks.
// The answer must not be changed.
func (n *Narrowing) Search(tb *Table, needle string, workers int, live []uint64) []uint64 {
	n.mu.Lock()
	last, lastHits := n.needle, n.hits
	n.mu.Unlock()
	if lastHits != nil && strings.Contains(needle, last) && words(lastHits) <= words(live) {
		// An entry in a word without the last needle cannot hold this one: the answer holds
		// for every entry, and is kept for the next keystroke.
		return n.keep(needle, tb.SearchWithin(needle, workers, lastHits))
	}
	hits := tb.SearchWithin(needle, workers, live)
	if !slices.Contains(live, 0) { // every word was read
		n.keep(needle, hits)
	}
	return hits
}

func (n *Narrowing) keep(needle string, hits []uint64) []uint64 {
	n.mu.Lock()
	n.needle, n.hits = needle, hits
	n.mu.Unlock()
	return hits
}

// words is the number of words of a bitmap that are not zero.
func words(b []uint64) int {
	c := 0
	for _, w := range b {
		if w != 0 {
			c++
		}
	}
	return c
}
