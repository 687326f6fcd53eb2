package model

import (
	"math"
	"math/bits"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"provkeys/model/internal/foldtext"
)

// Index is a compact, read-only copy of what filters look at in a list of keys, built once
// (after a load) so that a filter can run over a million keys on every keystroke.
//
// Filter.Match, key by key, streams every 250-byte Key and its strings through the cache:
// about 60 ms for a million keys on two cores. Index instead keeps each field's text
// case-folded in one string per field, with certificate names, machine group names and
// descriptions stored once however many keys share them. A text term is then one pass over
// each of those strings (about 80 MB for a million keys, far less when keys share text),
// and the flags and expiry live in small arrays. Its answers are exactly Filter.Match's.
//
// An Index refers to the slice or KeyTable it was built from; the keys must not change while
// it is used. Filter may be called from several goroutines at once.
type Index struct {
	keys    keySource
	names   table    // one entry per key
	certs   table    // distinct certificate names
	descs   table    // distinct descriptions
	groups  table    // distinct machine group names
	certOf  entryOf  // per key: its entry in certs
	descOf  entryOf  // per key: its entry in descs
	listOf  entryOf  // over a KeyTable, per key: its list of groups (KeyTable.GroupSet)
	groupAt []uint32 // list l's groups are groupOf[groupAt[l]:groupAt[l+1]]; a list per key without a table
	groupOf entryOf  // entries in groups
	flags   []uint8  // flag* bits per key
	// Over a KeyTable the expiries, times and counts below are read from its rows (see
	// expiryOf, usageOf): a filter term on them is rare, and copies would cost 20 bytes a key.
	expOf   []uint32  // per key with flagExpires: its expiry's place in expSec and expNsec
	expSec  []int64   // ExpiresAt as Unix seconds, of the keys that expire
	expNsec []int32   // and its nanoseconds
	created moments   // CreatedAt
	updated moments   // UpdatedAt
	table   *KeyTable // the source, when it is a table
	usage   counts    // UsageCount
	limit   counts    // MaxUsage
	scan    bool      // the tables were built; false when text would not fit 32-bit offsets
	workers int       // goroutines for one pass
}

const (
	flagEnabled = 1 << iota
	flagReenroll
	flagExport
	flagExhausted
	flagExpires
)

// parallelEntries is the size of a table, or of a list of keys, from which a pass is split
// between goroutines; below it the split costs more than it saves.
const parallelEntries = 1 << 15

// keySource is what an Index reads keys from: a []Key, or a KeyTable.
type keySource interface {
	Len() int
	// filterFields returns key i with at least the fields a filter reads, either from the
	// source itself or filled into scratch.
	filterFields(i int, scratch *Key) *Key
}

// keySlice is a []Key as a keySource.
type keySlice []Key

func (s keySlice) Len() int                        { return len(s) }
func (s keySlice) filterFields(i int, _ *Key) *Key { return &s[i] }

// NewIndex builds an Index over keys. It reads every key once (about 0.3 s for a million
// keys) and holds about a fifth of their memory. For a KeyTable, see KeyTable.Index.
func NewIndex(keys []Key) *Index { return newIndex(keySlice(keys)) }

func newIndex(keys keySource) *Index {
	n := keys.Len()
	var scratch Key
	ix := &Index{
		keys:    keys,
		flags:   make([]uint8, n),
		workers: runtime.GOMAXPROCS(0),
	}
	// A table keeps the times, expiries and counts already: 44 MB a million keys not to copy.
	var usage, limit []int64 // narrowed after the pass
	if t, ok := keys.(*KeyTable); ok {
		ix.table = t
	} else {
		ix.created, ix.updated = makeMoments(n), makeMoments(n)
		ix.expOf = make([]uint32, n)
		usage, limit = make([]int64, n), make([]int64, n)
	}
	size, nameBytes := 0, 0
	for i := range n {
		k := keys.filterFields(i, &scratch)
		nameBytes += len(k.Name)
		size += len(k.Name) + len(k.CertName) + len(k.Description)
		for _, g := range k.Groups {
			size += len(g.Name)
		}
		var fl uint8
		if k.Enabled {
			fl |= flagEnabled
		}
		if k.AllowReenroll {
			fl |= flagReenroll
		}
		if k.Exportable {
			fl |= flagExport
		}
		if k.MaxUsage > 0 && k.UsageCount >= k.MaxUsage {
			fl |= flagExhausted
		}
		if !k.ExpiresAt.IsZero() {
			fl |= flagExpires
			if ix.table == nil {
				ix.expOf[i] = uint32(len(ix.expSec))
				ix.expSec = append(ix.expSec, k.ExpiresAt.Unix())
				ix.expNsec = append(ix.expNsec, int32(k.ExpiresAt.Nanosecond()))
			}
		}
		ix.flags[i] = fl
		if ix.table == nil {
			ix.created.set(i, k.CreatedAt)
			ix.updated.set(i, k.UpdatedAt)
			usage[i], limit[i] = k.UsageCount, k.MaxUsage
		}
	}
	if ix.table == nil {
		ix.usage, ix.limit = narrowCounts(usage), narrowCounts(limit)
	}
	// Folding turns an invalid byte into 3-byte U+FFFD; leave room for that, and for the
	// separators, below the 32-bit offsets.
	if size > math.MaxUint32/4-n {
		return ix // Filter falls back to Match, key by key
	}
	var names, certs, descs, groups tableBuilder
	sharedNames, shared := "", false
	if ix.table != nil {
		sharedNames, shared = ix.table.foldedNameText()
	}
	if !shared {
		// Exactly the names and their separators: the folded text is as long unless folding
		// widens a rune, and the table keeps whatever capacity it was given.
		names.init(nameBytes+n, n)
	}
	certs.init(0, 0)
	descs.init(0, 0)
	groups.init(0, 0)
	certOf, descOf := make([]uint32, n), make([]uint32, n)
	var groupOf []uint32
	addList := func(refs []GroupRef) {
		for _, g := range refs {
			groupOf = append(groupOf, groups.intern(g.Name))
		}
		ix.groupAt = append(ix.groupAt, uint32(len(groupOf)))
	}
	if ix.table != nil {
		// A table numbers its distinct lists of groups: index those, and a list per key.
		ix.groupAt = make([]uint32, 1, ix.table.GroupSets()+1)
		for l := range ix.table.GroupSets() {
			addList(ix.table.GroupSetRefs(l))
		}
		listOf := make([]uint32, n)
		for i := range listOf {
			listOf[i] = uint32(ix.table.GroupSet(i))
		}
		ix.listOf = narrowEntries(listOf, ix.table.GroupSets()-1)
	} else {
		ix.groupAt = make([]uint32, 1, n+1)
	}
	for i := range n {
		k := keys.filterFields(i, &scratch)
		if !shared {
			names.add(k.Name)
		}
		certOf[i] = certs.intern(k.CertName)
		descOf[i] = descs.intern(k.Description)
		if ix.table == nil {
			addList(k.Groups)
		}
	}
	if shared {
		// The table's names are their own folds, laid out as a table's entries: search them
		// there, finding entries by their separators and the rows' offsets (no at: 4 MB).
		ix.names = newTable(sharedNames, nil)
		ix.names.rows = ix.table
	} else {
		ix.names = names.done()
	}
	ix.certs, ix.descs, ix.groups = certs.done(), descs.done(), groups.done()
	ix.certOf = narrowEntries(certOf, len(ix.certs.at)-1)
	ix.descOf = narrowEntries(descOf, len(ix.descs.at)-1)
	ix.groupOf = narrowEntries(groupOf, len(ix.groups.at)-1)
	ix.scan = true
	return ix
}

// Len is the number of keys in the index.
func (ix *Index) Len() int { return ix.keys.Len() }

// Filter appends to dst the positions, in order, of the keys that f matches at now, and
// returns the extended slice. Pass dst[:0] from the previous call to reuse its memory. The
// result is exactly the keys for which f.Match is true.
func (ix *Index) Filter(f Filter, now time.Time, dst []int) []int {
	live := ix.FilterBits(f, now, nil)
	count := 0
	for _, w := range live {
		count += bits.OnesCount64(w)
	}
	dst = slices.Grow(dst, count)
	for w, word := range live {
		for ; word != 0; word &= word - 1 {
			dst = append(dst, w*64+bits.TrailingZeros64(word))
		}
	}
	return dst
}

// FilterBits is Filter as a bitmap: bit k of word k/64 is set when f matches key k. When
// within is not nil, only its keys are considered: a caller that knows the answer of a broader
// filter (see Filter.Narrows) passes it, and the work shrinks with it. within is not changed.
func (ix *Index) FilterBits(f Filter, now time.Time, within []uint64) []uint64 {
	n := ix.keys.Len()
	var live []uint64
	count := n
	if within != nil {
		live = slices.Clone(within[:(n+63)/64])
		count = 0
		for _, w := range live {
			count += bits.OnesCount64(w)
		}
	} else {
		live = newBitmap(n, true)
	}
	for i := range f.terms {
		if count == 0 {
			return live
		}
		c := &f.terms[i]
		if !c.neg && len(c.alts) == 1 {
			ix.keepTerm(live, &c.alts[0], now, count)
		} else {
			ix.keepClause(live, c, now, count)
		}
		count = 0
		for _, w := range live {
			count += bits.OnesCount64(w)
		}
	}
	return live
}

// keepClause keeps the live keys that match one of c's alternatives, or, negated, none.
func (ix *Index) keepClause(live []uint64, c *clause, now time.Time, count int) {
	var anyOf []uint64
	for j := range c.alts {
		part := slices.Clone(live)
		ix.keepTerm(part, &c.alts[j], now, count)
		if anyOf == nil {
			anyOf = part
			continue
		}
		for w := range anyOf {
			anyOf[w] |= part[w]
		}
	}
	for w := range live {
		if c.neg {
			live[w] &^= anyOf[w]
		} else {
			live[w] = anyOf[w]
		}
	}
}

// keepTerm keeps the live keys (count of them) that match the one term t at now.
func (ix *Index) keepTerm(live []uint64, t *term, now time.Time, count int) {
	switch {
	case !t.kind.isText() && t.kind != termMachine:
		ix.keepFields(live, t, now)
	case t.kind == termMachine || !ix.scan || strings.IndexByte(t.folded, 0) >= 0:
		// The last machine is in no table; or there are no tables, or the needle holds the
		// separator: ask Match, key by key.
		ix.keep(live, func(k int) bool {
			var scratch Key
			return t.match(ix.keys.filterFields(k, &scratch), now)
		})
	case count < ix.keys.Len()/64:
		// Few keys left: look in each one's fields rather than in every table.
		ix.keep(live, func(k int) bool { return ix.keyHas(t, k) })
	default:
		ix.keepText(live, t)
	}
}

// keepText keeps the live keys that have t's needle in a field t looks at: it searches each
// table once, then asks per key only about the tables that had any match at all.
func (ix *Index) keepText(live []uint64, t *term) {
	var name, cert, desc, group []uint64
	if t.kind == termText || t.kind == termName {
		name = ix.names.search(t.folded, ix.workers)
	}
	if t.kind == termText || t.kind == termCert {
		cert = ix.certs.search(t.folded, ix.workers)
	}
	if t.kind == termText {
		desc = ix.descs.search(t.folded, ix.workers)
	}
	if t.kind == termText || t.kind == termGroup {
		group = ix.groups.search(t.folded, ix.workers)
	}
	cert, desc, group = nilIfEmpty(cert), nilIfEmpty(desc), nilIfEmpty(group)
	if cert == nil && desc == nil && group == nil {
		if name == nil {
			clear(live)
			return
		}
		for i := range live {
			live[i] &= name[i]
		}
		return
	}
	ix.parallel(len(live), func(lo, hi int) {
		for w := lo; w < hi; w++ {
			word := live[w]
			if name != nil {
				word &^= name[w] // already known to match
			}
			for m := word; m != 0; m &= m - 1 {
				b := bits.TrailingZeros64(m)
				if !ix.otherHas(w*64+b, cert, desc, group) {
					live[w] &^= 1 << b
				}
			}
		}
	})
}

// otherHas reports whether key k's certificate, description or one of its groups is marked
// in the per-table results (nil for a table that had no match or is not asked).
func (ix *Index) otherHas(k int, cert, desc, group []uint64) bool {
	if cert != nil && has(cert, ix.certOf.at(k)) || desc != nil && has(desc, ix.descOf.at(k)) {
		return true
	}
	if group != nil {
		l := ix.groupList(k)
		for j := ix.groupAt[l]; j < ix.groupAt[l+1]; j++ {
			if has(group, ix.groupOf.at(int(j))) {
				return true
			}
		}
	}
	return false
}

// keyHas reports whether key k has t's needle in a field t looks at, from the tables.
func (ix *Index) keyHas(t *term, k int) bool {
	needle := t.folded
	if (t.kind == termText || t.kind == termName) && strings.Contains(ix.names.entry(k), needle) {
		return true
	}
	if (t.kind == termText || t.kind == termCert) && strings.Contains(ix.certs.entry(ix.certOf.at(k)), needle) {
		return true
	}
	if t.kind == termText && strings.Contains(ix.descs.entry(ix.descOf.at(k)), needle) {
		return true
	}
	if t.kind == termText || t.kind == termGroup {
		l := ix.groupList(k)
		for j := ix.groupAt[l]; j < ix.groupAt[l+1]; j++ {
			if strings.Contains(ix.groups.entry(ix.groupOf.at(int(j))), needle) {
				return true
			}
		}
	}
	return false
}

// keepFields applies a term that is not text (status, reenroll, export, times, usage, used) from
// the compact arrays. It tests every key of a word, live or not, and masks once per word.
func (ix *Index) keepFields(live []uint64, t *term, now time.Time) {
	flags := ix.flags
	at, bound := momentOf(now), t.bound(now)
	ix.parallel(len(live), func(lo, hi int) {
		for w := lo; w < hi; w++ {
			if live[w] == 0 {
				continue
			}
			var keepBits uint64
			for b, k := 0, w*64; b < 64 && k < len(flags); b, k = b+1, k+1 {
				fl := flags[k]
				var ok bool
				switch t.kind {
				case termReenroll:
					ok = (fl&flagReenroll != 0) == t.yes
				case termExport:
					ok = (fl&flagExport != 0) == t.yes
				case termStatus:
					st := StateEnabled
					switch {
					case fl&flagEnabled == 0:
						st = StateDisabled
					case fl&flagExpires != 0 && !at.before(ix.expiryOf(k)):
						st = StateExpired // now is not before the expiry, as in Key.State
					case fl&flagExhausted != 0:
						st = StateExhausted
					}
					ok = st == t.state
				case termExpires:
					var exp moment
					if fl&flagExpires != 0 {
						exp = ix.expiryOf(k)
					}
					ok = t.expiresOK(exp, fl&flagExpires != 0, at, bound)
				case termCreated:
					if ix.table != nil {
						ok = t.ageOK(microMoment(ix.table.rows[k].created), bound)
					} else {
						ok = t.ageOK(ix.created.at(k), bound)
					}
				case termUpdated:
					if ix.table != nil {
						ok = t.ageOK(microMoment(ix.table.rows[k].updated), bound)
					} else {
						ok = t.ageOK(ix.updated.at(k), bound)
					}
				case termUsage:
					ok = t.usageOK(ix.usageOf(k))
				case termUsed:
					use, _ := ix.usageOf(k)
					ok = (use > 0) == t.yes
				}
				if ok {
					keepBits |= 1 << b
				}
			}
			live[w] &= keepBits
		}
	})
}

// groupList is the number of key k's list of groups in groupAt.
func (ix *Index) groupList(k int) int {
	if ix.table != nil {
		return ix.listOf.at(k)
	}
	return k
}

// expiryOf is when key k expires; the key must have flagExpires.
func (ix *Index) expiryOf(k int) moment {
	if ix.table != nil {
		us, _ := ix.table.expiry(k)
		return microMoment(us)
	}
	e := ix.expOf[k]
	return moment{ix.expSec[e], ix.expNsec[e]}
}

// usageOf is key k's usage count and maximum.
func (ix *Index) usageOf(k int) (use, limit int64) {
	if ix.table != nil {
		return ix.table.Usage(k)
	}
	return ix.usage.at(k), ix.limit.at(k)
}

// parallel runs do over [0, n) in one piece, or split between the index's goroutines when n
// is large. Pieces are disjoint, so do may write to its own part of shared slices.
func (ix *Index) parallel(n int, do func(lo, hi int)) {
	parallel(n, ix.workers, do)
}

func parallel(n, workers int, do func(lo, hi int)) {
	if n < parallelEntries/64 || workers < 2 {
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

// newBitmap makes a bitmap of n bits, all set or all clear.
func newBitmap(n int, set bool) []uint64 {
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

func has(b []uint64, i int) bool { return b[i/64]&(1<<(i%64)) != 0 }

func nilIfEmpty(b []uint64) []uint64 {
	for _, w := range b {
		if w != 0 {
			return b
		}
	}
	return nil
}

// keep clears the bits of live for which ok is false, sharing the work between the index's
// goroutines when live is large; ok must be safe to call from several at once.
func (ix *Index) keep(live []uint64, ok func(k int) bool) {
	ix.parallel(len(live), func(lo, hi int) {
		for w := lo; w < hi; w++ {
			for m := live[w]; m != 0; m &= m - 1 {
				b := bits.TrailingZeros64(m)
				if !ok(w*64 + b) {
					live[w] &^= 1 << b
				}
			}
		}
	})
}

// table is a list of folded strings in one piece of text, each followed by a NUL, which no
// needle searched for here holds, so a match never runs from one entry into the next.
type table struct {
	text string
	at   []uint32 // entry i is text[at[i] : at[i+1]-1]; the last element is len(text)
	// rows, when at is nil, is the KeyTable whose folded names text is: entry i starts at
	// row i's name (see KeyTable.foldedNames).
	rows *KeyTable
	freq [256]int // how often each byte occurs in text, to pick rare ones to look for
}

// entries is the number of entries.
func (tb *table) entries() int {
	if tb.at == nil && tb.rows != nil {
		return tb.rows.Len()
	}
	return max(len(tb.at)-1, 0)
}

// start is where entry i starts; start(entries()) is len(text).
func (tb *table) start(i int) int {
	if tb.at != nil {
		return int(tb.at[i])
	}
	if i == tb.rows.Len() {
		return len(tb.text)
	}
	return int(tb.rows.rows[i].name)
}

// entry is the folded text of entry i.
func (tb *table) entry(i int) string { return tb.text[tb.start(i) : tb.start(i+1)-1] }

// search marks the entries that hold needle, in a bitmap over entries.
func (tb *table) search(needle string, workers int) []uint64 {
	entries := tb.entries()
	hits := newBitmap(entries, false)
	if entries == 0 {
		return hits
	}
	// Each goroutine takes whole words of the bitmap, so none writes another's.
	parallel((entries+63)/64, workers, func(lo, hi int) {
		tb.searchRange(needle, lo*64, min(hi*64, entries), hits)
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
func (tb *table) searchRange(needle string, lo, hi int, hits []uint64) {
	if tb.at == nil {
		tb.searchSeparated(needle, lo, hi, hits)
		return
	}
	text, at := tb.text, tb.at
	a, b := tb.anchors(needle)
	end := int(at[hi])
	last := end - len(needle) // the last offset where a match can start
	sparse := tb.freq[needle[a]] < len(text)/256
	e := lo
	for p := int(at[lo]); p <= last; {
		var q int
		if sparse {
			q = indexFrom(text[:end], p, needle, a)
		} else {
			q = scanWords(text, p, last, needle, a, b)
		}
		if q < 0 {
			return
		}
		for int(at[e+1]) <= q {
			e++
		}
		hits[e/64] |= 1 << (e % 64)
		p = int(at[e+1]) // go on with the next entry
	}
}

// searchSeparated is searchRange without at: the entry of a match is the one after as many
// separators as lie between the last entry start and the match, and the next entry starts
// after the separator that follows the match (a needle never holds a NUL).
func (tb *table) searchSeparated(needle string, lo, hi int, hits []uint64) {
	text := tb.text
	a, b := tb.anchors(needle)
	end := tb.start(hi)
	last := end - len(needle)
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
		e += strings.Count(text[p:q], "\x00")
		hits[e/64] |= 1 << (e % 64)
		p = q + strings.IndexByte(text[q:end], 0) + 1 // go on with the next entry
		e++
	}
}

// anchors are the offsets in needle of the two bytes that occur least often in the table's
// text (the same offset twice for a one-byte needle).
func (tb *table) anchors(needle string) (a, b int) {
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
	pa, pb := foldtext.Ones*uint64(needle[a]), foldtext.Ones*uint64(needle[b])
	hiAnchor := max(a, b)
	for ; p <= last; p += 8 {
		var m uint64
		if p+hiAnchor+8 <= len(text) {
			x := foldtext.Load64(text, p+a) ^ pa
			y := foldtext.Load64(text, p+b) ^ pb
			m = (x - foldtext.Ones) &^ x & (y - foldtext.Ones) &^ y & foldtext.High
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

// tableBuilder collects a table's entries, optionally storing repeated strings once.
type tableBuilder struct {
	b    strings.Builder
	at   []uint32
	seen map[string]uint32 // for intern
}

func (tb *tableBuilder) init(size, entries int) {
	tb.b.Grow(size)
	tb.at = make([]uint32, 1, entries+1)
}

// add appends s as the next entry.
func (tb *tableBuilder) add(s string) {
	foldInto(&tb.b, s)
	tb.b.WriteByte(0)
	tb.at = append(tb.at, uint32(tb.b.Len()))
}

// intern returns the entry for s, adding it the first time s is seen.
func (tb *tableBuilder) intern(s string) uint32 {
	if i, ok := tb.seen[s]; ok {
		return i
	}
	if tb.seen == nil {
		tb.seen = map[string]uint32{}
	}
	i := uint32(len(tb.at) - 1)
	tb.seen[s] = i
	tb.add(s)
	return i
}

func (tb *tableBuilder) done() table { return newTable(tb.b.String(), tb.at) }

// newTable is the table of the entries at marks in text, each followed by a NUL.
func newTable(text string, at []uint32) table {
	t := table{text: text, at: at}
	for i := 0; i < len(t.text); i++ {
		t.freq[t.text[i]]++
	}
	return t
}

// foldInto writes s to b with every rune replaced by the one representative of its case-fold
// orbit (see foldRune), and invalid UTF-8 by U+FFFD, so that a plain substring search of
// folded text is the case-insensitive search Match does.
func foldInto(b *strings.Builder, s string) {
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
		b.WriteRune(foldRune(r))
		i += n
	}
}

// fold is foldInto for one string.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	foldInto(&b, s)
	return b.String()
}

// foldRune maps r to the representative of its unicode.SimpleFold orbit: the ASCII lower-case
// letter when the orbit has one (so "K", "k" and the Kelvin sign are all "k"), else the orbit's
// smallest rune. Two runes are equal under simple folding exactly when they map alike.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	best := r
	for c := unicode.SimpleFold(r); c != r; c = unicode.SimpleFold(c) {
		if c < utf8.RuneSelf {
			return foldRune(c)
		}
		best = min(best, c)
	}
	return best
}

// entryOf is an entry number per key (or per link), a byte each while the table has at most
// 256 entries, as certificates, descriptions and groups usually do.
type entryOf struct {
	small []uint8
	wide  []uint32
}

// narrowEntries keeps v as bytes when every entry number fits one.
func narrowEntries(v []uint32, entries int) entryOf {
	if entries > 256 {
		return entryOf{wide: v}
	}
	small := make([]uint8, len(v))
	for i, x := range v {
		small[i] = uint8(x)
	}
	return entryOf{small: small}
}

func (e *entryOf) at(i int) int {
	if e.wide != nil {
		return int(e.wide[i])
	}
	return int(e.small[i])
}

// moments are times as two arrays: 12 bytes a time, where a []moment takes 16 (padding).
type moments struct {
	sec  []int64
	nsec []int32
}

func makeMoments(n int) moments { return moments{make([]int64, n), make([]int32, n)} }

func (m *moments) set(i int, t time.Time) { m.sec[i], m.nsec[i] = t.Unix(), int32(t.Nanosecond()) }

func (m *moments) at(i int) moment { return moment{m.sec[i], m.nsec[i]} }

// counts are usage counts or maxima per key, two bytes each while every one fits.
type counts struct {
	small []uint16
	wide  []int64
}

// narrowCounts keeps v as two bytes a value when every value fits.
func narrowCounts(v []int64) counts {
	for _, x := range v {
		if x < 0 || x > math.MaxUint16 {
			return counts{wide: v}
		}
	}
	small := make([]uint16, len(v))
	for i, x := range v {
		small[i] = uint16(x)
	}
	return counts{small: small}
}

func (c *counts) at(i int) int64 {
	if c.wide != nil {
		return c.wide[i]
	}
	return int64(c.small[i])
}

// microMoment is a time kept as Unix microseconds, as time.UnixMicro reads it.
func microMoment(us int64) moment {
	sec := us / 1e6
	if us%1e6 < 0 {
		sec--
	}
	return moment{sec, int32((us - sec*1e6) * 1000)}
}
