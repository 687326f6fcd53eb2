package model

import (
	"math"
	"math/bits"
	"runtime"
	"slices"
	"strings"
	"time"

	"provkeys/model/internal/column"
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
	names   foldtext.Table // one entry per key
	named   *foldtext.Narrowing
	certs   foldtext.Table // distinct certificate names
	descs   foldtext.Table // distinct descriptions
	groups  foldtext.Table // distinct machine group names
	certOf  column.Entries // per key: its entry in certs
	descOf  column.Entries // per key: its entry in descs
	listOf  column.Entries // over a KeyTable, per key: its list of groups (KeyTable.GroupSet)
	groupAt []uint32       // list l's groups are groupOf[groupAt[l]:groupAt[l+1]]; a list per key without a table
	groupOf column.Entries // entries in groups
	flags   []uint8        // flag* bits per key
	// Over a KeyTable the expiries, times and counts below are read from its rows (see
	// expiryOf, usageOf): a filter term on them is rare, and copies would cost 20 bytes a key.
	expOf   []uint32      // per key with flagExpires: its expiry's place in expSec and expNsec
	expSec  []int64       // ExpiresAt as Unix seconds, of the keys that expire
	expNsec []int32       // and its nanoseconds
	created moments       // CreatedAt
	updated moments       // UpdatedAt
	table   *KeyTable     // the source, when it is a table
	usage   column.Counts // UsageCount
	limit   column.Counts // MaxUsage
	scan    bool          // the tables were built; false when text would not fit 32-bit offsets
	workers int           // goroutines for one pass
}

const (
	flagEnabled = 1 << iota
	flagReenroll
	flagExport
	flagExhausted
	flagExpires
)

// parallelEntries is the size of a table, or of a list of keys, from which a pass is split
// between goroutines (foldtext.ParallelEntries).
const parallelEntries = foldtext.ParallelEntries

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
		named:   new(foldtext.Narrowing),
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
		ix.usage, ix.limit = column.NarrowCounts(usage), column.NarrowCounts(limit)
	}
	// Folding turns an invalid byte into 3-byte U+FFFD; leave room for that, and for the
	// separators, below the 32-bit offsets.
	if size > math.MaxUint32/4-n {
		return ix // Filter falls back to Match, key by key
	}
	var names, certs, descs, groups foldtext.TableBuilder
	sharedNames, shared := "", false
	if ix.table != nil {
		sharedNames, shared = ix.table.foldedNameText()
	}
	if !shared {
		// Exactly the names and their separators: the folded text is as long unless folding
		// widens a rune, and the table keeps whatever capacity it was given.
		names.Init(nameBytes+n, n)
	}
	certs.Init(0, 0)
	descs.Init(0, 0)
	groups.Init(0, 0)
	certOf, descOf := make([]uint32, n), make([]uint32, n)
	var groupOf []uint32
	addList := func(refs []GroupRef) {
		for _, g := range refs {
			groupOf = append(groupOf, groups.Intern(g.Name))
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
		ix.listOf = column.NarrowEntries(listOf, ix.table.GroupSets()-1)
	} else {
		ix.groupAt = make([]uint32, 1, n+1)
	}
	for i := range n {
		k := keys.filterFields(i, &scratch)
		if !shared {
			names.Add(k.Name)
		}
		certOf[i] = certs.Intern(k.CertName)
		descOf[i] = descs.Intern(k.Description)
		if ix.table == nil {
			addList(k.Groups)
		}
	}
	if shared {
		// The table's names are their own folds, laid out as a table's entries: search them
		// there, finding entries by their separators and the rows' offsets (no at: 4 MB).
		ix.names = foldtext.NewTableOver(sharedNames, nameStarts{ix.table})
	} else {
		ix.names = names.Done()
	}
	ix.certs, ix.descs, ix.groups = certs.Done(), descs.Done(), groups.Done()
	ix.certOf = column.NarrowEntries(certOf, ix.certs.Entries()-1)
	ix.descOf = column.NarrowEntries(descOf, ix.descs.Entries()-1)
	ix.groupOf = column.NarrowEntries(groupOf, ix.groups.Entries()-1)
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
		live = foldtext.NewBitmap(n, true)
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
		name = ix.named.Search(&ix.names, t.folded, ix.workers, live) // entry k is key k
	}
	if t.kind == termText || t.kind == termCert {
		cert = ix.certs.Search(t.folded, ix.workers)
	}
	if t.kind == termText {
		desc = ix.descs.Search(t.folded, ix.workers)
	}
	if t.kind == termText || t.kind == termGroup {
		group = ix.groups.Search(t.folded, ix.workers)
	}
	cert, desc, group = foldtext.NilIfEmpty(cert), foldtext.NilIfEmpty(desc), foldtext.NilIfEmpty(group)
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
	if cert != nil && foldtext.Has(cert, int(ix.certOf.At(k))) || desc != nil && foldtext.Has(desc, int(ix.descOf.At(k))) {
		return true
	}
	if group != nil {
		l := ix.groupList(k)
		for j := ix.groupAt[l]; j < ix.groupAt[l+1]; j++ {
			if foldtext.Has(group, int(ix.groupOf.At(int(j)))) {
				return true
			}
		}
	}
	return false
}

// keyHas reports whether key k has t's needle in a field t looks at, from the tables.
func (ix *Index) keyHas(t *term, k int) bool {
	needle := t.folded
	if (t.kind == termText || t.kind == termName) && strings.Contains(ix.names.Entry(k), needle) {
		return true
	}
	if (t.kind == termText || t.kind == termCert) && strings.Contains(ix.certs.Entry(int(ix.certOf.At(k))), needle) {
		return true
	}
	if t.kind == termText && strings.Contains(ix.descs.Entry(int(ix.descOf.At(k))), needle) {
		return true
	}
	if t.kind == termText || t.kind == termGroup {
		l := ix.groupList(k)
		for j := ix.groupAt[l]; j < ix.groupAt[l+1]; j++ {
			if strings.Contains(ix.groups.Entry(int(ix.groupOf.At(int(j)))), needle) {
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
		return int(ix.listOf.At(k))
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
	return ix.usage.At(k), ix.limit.At(k)
}

// parallel runs do over [0, n) in one piece, or split between the index's goroutines when n
// is large. Pieces are disjoint, so do may write to its own part of shared slices.
func (ix *Index) parallel(n int, do func(lo, hi int)) {
	foldtext.Parallel(n, ix.workers, do)
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

// moments are times as two arrays: 12 bytes a time, where a []moment takes 16 (padding).
type moments struct {
	sec  []int64
	nsec []int32
}

func makeMoments(n int) moments { return moments{make([]int64, n), make([]int32, n)} }

func (m *moments) set(i int, t time.Time) { m.sec[i], m.nsec[i] = t.Unix(), int32(t.Nanosecond()) }

func (m *moments) at(i int) moment { return moment{m.sec[i], m.nsec[i]} }

// microMoment is a time kept as Unix microseconds, as time.UnixMicro reads it.
func microMoment(us int64) moment {
	sec := us / 1e6
	if us%1e6 < 0 {
		sec--
	}
	return moment{sec, int32((us - sec*1e6) * 1000)}
}
