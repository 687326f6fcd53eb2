package foldtext

import (
	"math"
	"math/bits"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Starts gives where each entry of a Table starts in its text, for a table made over
// offsets the caller keeps anyway (NewTableOver).
type Starts interface {
	Len() int
	Start(i int) int
}

// NewTableOver is the table of text's NUL-separated entries, entry i starting at
// starts.Start(i): no offsets of its own (4 MB less a million entries).
func NewTableOver(text string, starts Starts) Table {
	t := NewTable(text, nil)
	t.starts = starts
	return t
}

// Table is a list of folded strings in one piece of text, each followed by a NUL, which no
// needle searched for here holds, so a match never runs from one entry into the next.
type Table struct {
	text string
	at   []uint32 // entry i is text[at[i] : at[i+1]-1]; the last element is len(text)
	// starts, when at is nil, says where each entry starts (the caller's own offsets, such
	// as a key Table's into its folded names), so the Table keeps no copy of them.
	starts Starts
	freq   [256]int // how often each byte occurs in text, to pick rare ones to look for
}

// Text is the folded text of every entry, each followed by a NUL.
func (tb *Table) Text() string { return tb.text }

// Entries is the number of entries.
func (tb *Table) Entries() int {
	if tb.at == nil && tb.starts != nil {
		return tb.starts.Len()
	}
	return max(len(tb.at)-1, 0)
}

// start is where entry i starts; start(entries()) is len(text).
func (tb *Table) start(i int) int {
	if tb.at != nil {
		return int(tb.at[i])
	}
	if i == tb.starts.Len() {
		return len(tb.text)
	}
	return tb.starts.Start(i)
}

// Entry is the folded text of entry i.
func (tb *Table) Entry(i int) string { return tb.text[tb.start(i) : tb.start(i+1)-1] }

// Search marks the entries that hold needle, in a bitmap over entries.
func (tb *Table) Search(needle string, workers int) []uint64 {
	return tb.SearchWithin(needle, workers, nil)
}

// SearchWithin is Search that may skip every entry whose word of within (a bitmap over
// entries) is zero: their bits are left clear. A caller narrowing a filter passes the entries
// still in question; where those cluster (a name prefix typed into a table in name order),
// most of the text is never read.
func (tb *Table) SearchWithin(needle string, workers int, within []uint64) []uint64 {
	entries := tb.Entries()
	hits := NewBitmap(entries, false)
	if entries == 0 {
		return hits
	}
	// Each goroutine takes whole words of the bitmap, so none writes another's.
	Parallel((entries+63)/64, workers, func(lo, hi int) {
		if within == nil {
			tb.searchRange(needle, lo*64, min(hi*64, entries), hits)
			return
		}
		for w := lo; w < hi; {
			for w < hi && within[w] == 0 {
				w++
			}
			run := w
			for w < hi && within[w] != 0 {
				w++
			}
			if run < w {
				tb.searchRange(needle, run*64, min(w*64, entries), hits)
			}
		}
	})
	return hits
}

// searchRange marks in hits the entries lo to hi-1 that hold needle.
//
// The text is folded, so matching is byte equality. Two ways to find candidates, chosen by
// how often the needle's rarest byte occurs: when rarely, strings.IndexByte (SIMD) jumps from
// one to the next; when often, its per-call cost would dominate, so the text is read eight
// bytes at a time (SWAR) testing the needle's two rarest bytes at once, which leaves few
// candidates to compare.
//
// A match's entry is found from at when the Table has it; without at (a Table over the
// caller's offsets), it is the entry after as many separators as lie between the last entry
// start and the match, and the next entry starts after the separator that follows the match
// (a needle never holds a NUL).
func (tb *Table) searchRange(needle string, lo, hi int, hits []uint64) {
	text, at := tb.text, tb.at
	a, b := tb.anchors(needle)
	end := tb.start(hi)
	last := end - len(needle) // the last offset where a match can start
	sparse := tb.freq[needle[a]] < len(text)/256
	e := lo
	for p := tb.start(lo); p <= last; {
		var q int
		if sparse {
			q = indexFrom(text[:end], p, needle, a)
		} else {
			q = scanWords(text, p, last, needle, a, b)
		}
		if q < 0 {
			return
		}
		if at != nil {
			for int(at[e+1]) <= q {
				e++
			}
		} else {
			e += strings.Count(text[p:q], "\x00")
		}
		hits[e/64] |= 1 << (e % 64)
		e++ // go on with the next entry
		if at != nil {
			p = int(at[e])
		} else {
			p = q + strings.IndexByte(text[q:end], 0) + 1
		}
	}
}

// anchors are the offsets in needle of the two bytes that occur least often in the Table's
// text (the same offset twice for a one-byte needle).
func (tb *Table) anchors(needle string) (a, b int) {
	for i := 1; i < len(needle); i++ {
		switch f := tb.freq[needle[i]]; {
		case f < tb.freq[needle[a]]:
			a, b = i, a
		case a == b || f < tb.freq[needle[b]]:
			b = i
		}
	}
	return a, b
}

// indexFrom is the offset of the first needle in text at or after pos, or -1, found by
// looking for needle[anchor] with strings.IndexByte and comparing around each hit.
func indexFrom(text string, pos int, needle string, anchor int) int {
	c := needle[anchor]
	stop := len(text) - (len(needle) - 1 - anchor) // the anchor must leave room after it
	for i := pos + anchor; i < stop; {
		j := strings.IndexByte(text[i:stop], c)
		if j < 0 {
			return -1
		}
		start := i + j - anchor
		if text[start:start+len(needle)] == needle {
			return start
		}
		i += j + 1
	}
	return -1
}

// scanWords is the offset of the first needle in text that starts between p and last, or -1.
// For eight starts at a time it loads the words holding their needle[a] and needle[b] bytes
// and marks the starts where both are right with the zero-byte test; the test may also mark a
// byte just above a real zero, so every mark is compared in full, and none is ever missed.
func scanWords(text string, p, last int, needle string, a, b int) int {
	pa, pb := Ones*uint64(needle[a]), Ones*uint64(needle[b])
	hiAnchor := max(a, b)
	for ; p <= last; p += 8 {
		var m uint64
		if p+hiAnchor+8 <= len(text) {
			x := Load64(text, p+a) ^ pa
			y := Load64(text, p+b) ^ pb
			m = (x - Ones) &^ x & (y - Ones) &^ y & High
		} else {
			for i := 0; i < 8 && p+i <= last; i++ {
				if text[p+i+a] == needle[a] && text[p+i+b] == needle[b] {
					m |= 0x80 << (8 * i)
				}
			}
		}
		for ; m != 0; m &= m - 1 {
			q := p + bits.TrailingZeros64(m)/8
			if q > last {
				return -1
			}
			if text[q:q+len(needle)] == needle {
				return q
			}
		}
	}
	return -1
}

// TableBuilder collects a Table's entries, optionally storing repeated strings once.
type TableBuilder struct {
	b    strings.Builder
	at   []uint32
	seen map[string]uint32 // for intern
}

func (tb *TableBuilder) Init(size, entries int) {
	tb.b.Grow(size)
	tb.at = make([]uint32, 1, entries+1)
}

// Add appends s as the next entry.
func (tb *TableBuilder) Add(s string) {
	FoldInto(&tb.b, s)
	tb.b.WriteByte(0)
	tb.at = append(tb.at, uint32(tb.b.Len()))
}

// Intern returns the entry for s, adding it the first time s is seen.
func (tb *TableBuilder) Intern(s string) uint32 {
	if i, ok := tb.seen[s]; ok {
		return i
	}
	if tb.seen == nil {
		tb.seen = map[string]uint32{}
	}
	i := uint32(len(tb.at) - 1)
	tb.seen[s] = i
	tb.Add(s)
	return i
}

func (tb *TableBuilder) Done() Table { return NewTable(tb.b.String(), tb.at) }

// NewTable is the Table of the entries at marks in text, each followed by a NUL.
func NewTable(text string, at []uint32) Table {
	t := Table{text: text, at: at}
	for i := 0; i < len(t.text); i++ {
		t.freq[t.text[i]]++
	}
	return t
}

// FoldInto writes s to b with every rune replaced by the one representative of its case-Fold
// orbit (see FoldRune), and invalid UTF-8 by U+FFFD, so that a plain substring search of
// folded text is the case-insensitive search Match does.
func FoldInto(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(FoldRune(r))
		i += n
	}
}

// Fold is FoldInto for one string.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	FoldInto(&b, s)
	return b.String()
}

// FoldRune maps r to the representative of its unicode.SimpleFold orbit: the ASCII lower-case
// letter when the orbit Has one (so "K", "k" and the Kelvin sign are all "k"), else the orbit's
// smallest rune. Two runes are equal under simple folding exactly when they map alike.
func FoldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	best := r
	for c := unicode.SimpleFold(r); c != r; c = unicode.SimpleFold(c) {
		if c < utf8.RuneSelf {
			return FoldRune(c)
		}
		best = min(best, c)
	}
	return best
}

// ParallelEntries is the size of a table, or of a list of keys, from which a pass is split
// between goroutines; below it one goroutine is faster than starting more.
const ParallelEntries = 1 << 15

// Parallel runs do over 0..n (words of a bitmap, 64 entries each) in up to workers
// goroutines, each taking a contiguous range, once n reaches ParallelEntries/64.
func Parallel(n, workers int, do func(lo, hi int)) {
	if n < ParallelEntries/64 || workers < 2 {
		do(0, n)
		return
	}
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			do(lo, hi)
		}()
	}
	wg.Wait()
}

// NewBitmap makes a bitmap of n bits, all set or all clear.
func NewBitmap(n int, set bool) []uint64 {
	b := make([]uint64, (n+63)/64)
	if set {
		for i := range b {
			b[i] = math.MaxUint64
		}
		if n%64 != 0 {
			b[len(b)-1] = 1<<(n%64) - 1
		}
	}
	return b
}

func Has(b []uint64, i int) bool { return b[i/64]&(1<<(i%64)) != 0 }

func NilIfEmpty(b []uint64) []uint64 {
	for _, w := range b {
		if w != 0 {
			return b
		}
	}
	return nil
}
