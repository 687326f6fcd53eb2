// Package keyset is the dashboard's read model of the keys: a Set is one listing (a compact
// model.KeyTable, its filter index, display text and sort orders computed once and shared),
// FilterCache keeps a page's recent filter answers over it, and Cache lets every dashboard of
// one process (every SSH session) share one Set per data version of the store.
package keyset

import (
	"cmp"
	"encoding/binary"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"provkeys/model"
)

// A dashboard must feel the same with a million keys as with ten, so the Keys view never
// does work proportional to the number of keys while drawing or moving, and as little as it
// can while filtering:
//
//   - The listing arrives as one keySet, built in a command (never in Update): a compact
//     model.KeyTable (about 130 bytes a key instead of a model.Key's 360), its filter
//     model.Index, and the display text that only depends on the data (sanitized names, the
//     joined group names of each distinct list of groups). Over SSH, every session that
//     loads the same data version shares one keySet (KeyCache).
//   - Sort orders are computed once per column, on first use, and shared; the view is an
//     index slice into the table, rebuilt from an order and a filter bitmap.
//   - A filter keystroke asks the Index for a bitmap; when the new filter only narrows the
//     previous one (typing on), it searches only the previous answer; answers are kept per
//     expression, so deleting back is a lookup.
//   - Rendering reads only the rows on screen, from the table.

// SortBy is an order the Keys table sorts by.
type SortBy int

// The orders, one per sortable column of the Keys table.
const (
	SortName SortBy = iota
	SortGroups
	SortStatus
	SortFingerprint
	SortUsage
	SortUpdated
)

// Set is one listing of the keys: immutable once built (the sort orders are filled in on
// first use, under mu), and shared.
type Set struct {
	Table   *model.KeyTable
	index   *model.Index
	names   map[int32]string // display names that sanitizing changed; the others are table.Name
	groups  []string         // per list of groups (KeyTable.GroupSet): sanitized, joined by ", "
	lgroups []string         // the same in lower case, for sorting
	sorted  bool             // table order is name order (the store lists by name)

	mu     sync.Mutex
	orders map[SortBy][]int32 // order → positions, ascending, ties by name
	status struct {           // the status order depends on the time: kept for a second
		at    time.Time
		order []int32
	}
}

// New builds the shared part of a listing. It reads every key once: call it in a
// command, not in Update.
func New(t *model.KeyTable) *Set {
	s := &Set{Table: t, orders: map[SortBy][]int32{}}
	// The filter index and the passes below each read every key and share nothing: build
	// the index on another core meanwhile (a third of a second at a million keys).
	index := make(chan *model.Index, 1)
	go func() { index <- t.Index() }()
	for i := range t.Len() {
		n := t.Name(i)
		if clean := model.Sanitize(n); clean != n {
			if s.names == nil {
				s.names = map[int32]string{}
			}
			s.names[int32(i)] = clean
		}
	}
	s.groups = make([]string, t.GroupSets())
	s.lgroups = make([]string, t.GroupSets())
	for g := range s.groups {
		refs := t.GroupSetRefs(g)
		names := make([]string, len(refs))
		for j, r := range refs {
			names[j] = r.Name
		}
		s.groups[g] = model.Sanitize(strings.Join(names, ", "))
		s.lgroups[g] = strings.ToLower(s.groups[g])
	}
	s.sorted = true
	for i := 1; i < t.Len(); i++ {
		if CompareFold(s.Name(i-1), s.Name(i)) > 0 {
			s.sorted = false
			break
		}
	}
	s.index = <-index
	return s
}

// Of builds a keySet from a plain listing (stores without ListKeyTable, tests).
func Of(keys []model.Key) *Set { return New(model.NewKeyTable(keys)) }

func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return s.Table.Len()
}

// Name is key i's display Name.
func (s *Set) Name(i int) string {
	if n, ok := s.names[int32(i)]; ok {
		return n
	}
	return s.Table.Name(i)
}

// GroupText is key i's groups as shown.
func (s *Set) GroupText(i int) string { return s.groups[s.Table.GroupSet(i)] }

// IndexOf is the position of the key with id, or -1.
func (s *Set) IndexOf(id int64) int {
	if s == nil {
		return -1
	}
	return s.Table.IndexOf(id)
}

// Order is every position sorted by col, ascending, ties in name Order. It must not be
// changed: it is shared.
func (s *Set) Order(col SortBy, now time.Time) []int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if col == SortStatus {
		if st := &s.status; st.order == nil || now.Sub(st.at) > time.Second || now.Before(st.at) {
			st.order, st.at = s.byStatus(now), now
		}
		return s.status.order
	}
	if o, ok := s.orders[col]; ok {
		return o
	}
	o := s.sortBy(col)
	s.orders[col] = o
	return o
}

// InTableOrder reports whether Order(col) is every position in table order (0, 1, 2 …): the
// name order of a table the store listed by name. A caller can then walk a filter's hits
// word by word instead of the whole order.
func (s *Set) InTableOrder(col SortBy) bool { return col == SortName && s.sorted }

// byName is the name order, the tie-break of every other order.
func (s *Set) byName() []int32 {
	if o, ok := s.orders[SortName]; ok {
		return o
	}
	n := s.Table.Len()
	o := make([]int32, n)
	for i := range o {
		o[i] = int32(i)
	}
	if !s.sorted {
		slices.SortStableFunc(o, func(a, b int32) int { return CompareFold(s.Name(int(a)), s.Name(int(b))) })
	}
	s.orders[SortName] = o
	return o
}

// byStatus buckets the keys by state, in name order within each: one pass.
func (s *Set) byStatus(now time.Time) []int32 {
	byName := s.byName()
	var buckets [4][]int32
	for _, i := range byName {
		st := s.Table.State(int(i), now)
		buckets[st] = append(buckets[st], i)
	}
	out := make([]int32, 0, len(byName))
	for _, b := range buckets {
		out = append(out, b...)
	}
	return out
}

// sortBy computes the order of one of the other columns.
func (s *Set) sortBy(col SortBy) []int32 {
	byName := s.byName()
	if col == SortName {
		return byName
	}
	t := s.Table
	rank := make([]int32, len(byName)) // position → place in name order
	for r, i := range byName {
		rank[i] = int32(r)
	}
	o := slices.Clone(byName)
	switch col {
	case SortGroups:
		// Few distinct lists: rank them, then one stable pass by list keeps name order within.
		sets := make([]int, len(s.lgroups))
		for i := range sets {
			sets[i] = i
		}
		slices.SortStableFunc(sets, func(a, b int) int { return cmp.Compare(s.lgroups[a], s.lgroups[b]) })
		setRank := make([]int, len(sets))
		for r, g := range sets {
			setRank[g] = r
		}
		// A counting sort: how many keys each list has, where its run starts, then one pass.
		start := make([]int, len(sets)+1)
		for _, i := range byName {
			start[setRank[t.GroupSet(int(i))]+1]++
		}
		for r := 1; r < len(start); r++ {
			start[r] += start[r-1]
		}
		for _, i := range byName {
			r := setRank[t.GroupSet(int(i))]
			o[start[r]] = i
			start[r]++
		}
	case SortFingerprint:
		keys := make([]uint64, len(o)) // the first 8 characters, as the text compares
		for i := range keys {
			keys[i] = fingerprintKey(t, i)
		}
		slices.SortFunc(o, func(a, b int32) int {
			if c := cmp.Compare(keys[a], keys[b]); c != 0 {
				return c
			}
			if c := strings.Compare(t.Fingerprint(int(a)), t.Fingerprint(int(b))); c != 0 {
				return c
			}
			return cmp.Compare(rank[a], rank[b])
		})
	case SortUsage:
		slices.SortFunc(o, func(a, b int32) int {
			ua, ma := t.Usage(int(a))
			ub, mb := t.Usage(int(b))
			return cmp.Or(cmp.Compare(ua, ub), cmp.Compare(ma, mb), cmp.Compare(rank[a], rank[b]))
		})
	case SortUpdated:
		slices.SortFunc(o, func(a, b int32) int {
			return cmp.Or(cmp.Compare(t.UpdatedMicros(int(a)), t.UpdatedMicros(int(b))), cmp.Compare(rank[a], rank[b]))
		})
	}
	return o
}

// fingerprintKey is the first eight characters of key i's fingerprint text as a number that
// sorts as the text does.
func fingerprintKey(t *model.KeyTable, i int) uint64 {
	fp := t.Fingerprint(i)
	var b [8]byte
	copy(b[:], fp)
	return binary.BigEndian.Uint64(b[:])
}

// CompareFold compares as strings.ToLower of both would, without allocating for ASCII.
func CompareFold(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		x, y := a[i], b[i]
		if x >= utf8.RuneSelf || y >= utf8.RuneSelf {
			return strings.Compare(strings.ToLower(a[i:]), strings.ToLower(b[i:]))
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return cmp.Compare(x, y)
		}
	}
	return cmp.Compare(len(a), len(b))
}

// FilterCache keeps one page's recent filter answers, as bitmaps over its keySet.
type FilterCache struct {
	set     *Set
	entries []filterAnswer // oldest first
}

type filterAnswer struct {
	f    model.Filter
	bits []uint64
}

const filterCacheSize = 8

// Hits is f's answer over set at now: from the cache, from the Index within the answer of a
// broader filter typed before, or from the Index.
func (c *FilterCache) Hits(set *Set, f model.Filter, now time.Time) []uint64 {
	if c.set != set {
		c.set, c.entries = set, nil
	}
	var within []uint64
	for i := len(c.entries) - 1; i >= 0; i-- {
		e := c.entries[i]
		if e.f.Expr == f.Expr && !hasStatus(f) {
			return e.bits
		}
		if within == nil && f.Narrows(e.f) {
			within = e.bits
		}
	}
	bits := set.index.FilterBits(f, now, within)
	if len(c.entries) == filterCacheSize {
		c.entries = slices.Delete(c.entries, 0, 1)
	}
	c.entries = append(c.entries, filterAnswer{f: f, bits: bits})
	return bits
}

// hasStatus reports whether f's answer depends on the time; such answers are not reused.
func hasStatus(f model.Filter) bool { return strings.Contains(strings.ToLower(f.Expr), "status:") }
