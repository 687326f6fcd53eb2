package model

import (
	"encoding/base64"
	"math"
	"math/bits"
	"slices"
	"strings"
	"time"
	"unsafe"
)

// KeyTable is a compact, read-only list of keys: what a dashboard holds so that a million
// keys fit in a few hundred megabytes. A Key with its strings takes about 360 bytes; a row
// here takes 128 plus the bytes of its name. Text that keys share (certificate names, clouds,
// actors, descriptions, lists of machine groups) is stored once, fingerprints as their 32
// bytes, times as Unix microseconds (the store's precision; Key returns them in UTC).
//
// Key rebuilds a full Key when one is needed (a row being drawn or edited); the other
// methods read one field without building anything. A KeyTable never changes once built, so
// any number of goroutines may read it.
type KeyTable struct {
	rows  []tableRow
	text  string       // names and descriptions, back to back
	strs  []string     // shared short strings: clouds, actors, certificate names
	certs []certRef    // distinct certificates
	attrs []rowAttrs   // distinct (certificate, cloud, creator, updater)
	descs []span       // descriptions, shared where equal
	sets  [][]GroupRef // distinct lists of groups, each as in Key.Groups
	// expires are the expiries (Unix microseconds) of the rows with rowExpires, in row
	// order: row i's is expires[expRank[i/64] + the rows with rowExpires before it in its
	// group of 64], which expBits marks.
	expires []int64
	expRank []uint32
	expBits []uint64
	fps     map[int32]string // fingerprints not in the usual form (rowFPText)
	// lastMachine is each key's LastMachine as a span of text; nil while no key has one
	// (most stores before their machines enroll), so the rows stay as small as they are.
	lastMachine []span
	wide        map[int32]wideRow // numbers that do not fit a row's 32 bits (rowWide)
	// foldedNames is set when text starts with every name in row order, each followed by a
	// NUL, up to foldedEnd, and no name changes under case folding (ASCII, no capitals, as
	// most fleets name machines): the filter Index then searches that text itself instead
	// of a folded copy of every name (13 MB at a million keys).
	foldedNames bool
	foldedEnd   uint32
}

// tableRow is one key: 72 bytes. The id takes 32 bits, the version and the usage counts 16,
// the name's length 8; the rare key where one of them does not fit keeps them all in
// KeyTable.wide. What keys share (certificate, cloud, creator, updater and list of groups;
// descriptions) is a 32-bit index; an expiry is kept apart, since most keys have none.
type tableRow struct {
	created, updated int64 // Unix microseconds
	fp               [32]byte
	id               uint32
	name             uint32 // offset in text, nameLen bytes
	desc             uint32 // index in descs
	attrs            uint32 // index in attrs
	version          uint16
	usage, maxUsage  uint16
	nameLen          uint8
	flags            uint8
}

// wideRow is a key's numbers and name length when one of them does not fit its row.
type wideRow struct {
	id, version, usage, maxUsage int64
	nameLen                      uint32
}

// rowAttrs are the indexes a key shares with most others: certs, strs (three) and sets. A
// fleet has few distinct lists of groups, so keeping the list here rather than in every row
// adds few entries.
type rowAttrs struct{ cert, cloud, createdBy, updatedBy, set uint32 }

// span is a piece of KeyTable.text.
type span struct{ off, n uint32 }

type certRef struct {
	id   int64
	name uint32 // index in strs
}

// tableRow flags.
const (
	rowEnabled = 1 << iota
	rowReenroll
	rowExport
	rowFPText // the fingerprint is not SHA256:<43 base64 characters>; see KeyTable.fps
	rowWide   // id, version, usage or maximum in KeyTable.wide
	rowExpires
)

// fpPrefix starts every fingerprint keyformat makes.
const fpPrefix = "SHA256:"

// Len is the number of keys.
func (t *KeyTable) Len() int {
	if t == nil {
		return 0
	}
	return len(t.rows)
}

func (t *KeyTable) str(s span) string { return t.text[s.off : s.off+s.n] }

// LastMachine is the machine that enrolled with key i most recently, "" if none.
func (t *KeyTable) LastMachine(i int) string {
	if t.lastMachine == nil {
		return ""
	}
	return t.str(t.lastMachine[i])
}

func (t *KeyTable) name(i int) string {
	r := &t.rows[i]
	n := uint32(r.nameLen)
	if r.flags&rowWide != 0 {
		n = t.wide[int32(i)].nameLen
	}
	return t.text[r.name : r.name+n]
}

// numbers are row i's id, version, usage count and maximum.
func (t *KeyTable) numbers(i int) wideRow {
	r := &t.rows[i]
	if r.flags&rowWide != 0 {
		return t.wide[int32(i)]
	}
	return wideRow{int64(r.id), int64(r.version), int64(r.usage), int64(r.maxUsage), uint32(r.nameLen)}
}

// expiry is row i's expiry in Unix microseconds, when it has one.
func (t *KeyTable) expiry(i int) (int64, bool) {
	if t.rows[i].flags&rowExpires == 0 {
		return 0, false
	}
	w, b := i/64, uint(i%64)
	return t.expires[int(t.expRank[w])+bits.OnesCount64(t.expBits[w]&(1<<b-1))], true
}

// set is row i's list of groups, as an index in sets.
func (t *KeyTable) set(i int) uint32 { return t.attrs[t.rows[i].attrs].set }

// ID is key i's id.
func (t *KeyTable) ID(i int) int64 {
	if r := &t.rows[i]; r.flags&rowWide == 0 {
		return int64(r.id)
	}
	return t.wide[int32(i)].id
}

// Name is key i's name.
func (t *KeyTable) Name(i int) string { return t.name(i) }

// Description is key i's description.
func (t *KeyTable) Description(i int) string { return t.str(t.descs[t.rows[i].desc]) }

// Groups is key i's machine groups, shared with every key that has the same ones: callers
// must not change it (appending is safe: its capacity is its length).
func (t *KeyTable) Groups(i int) []GroupRef { return t.sets[t.set(i)] }

// GroupSet numbers key i's list of groups: keys with equal lists have equal numbers, from 0
// to GroupSets()-1, so callers can work per list (join names, sort) instead of per key.
func (t *KeyTable) GroupSet(i int) int { return int(t.set(i)) }

// GroupSets is the number of distinct lists of groups.
func (t *KeyTable) GroupSets() int { return len(t.sets) }

// GroupSetRefs is list s of GroupSet, shared: do not change it.
func (t *KeyTable) GroupSetRefs(s int) []GroupRef { return t.sets[s] }

// CertName is the name of key i's signing certificate.
func (t *KeyTable) CertName(i int) string {
	return t.strs[t.certs[t.attrs[t.rows[i].attrs].cert].name]
}

// Enabled, AllowReenroll and Exportable are key i's flags.
func (t *KeyTable) Enabled(i int) bool       { return t.rows[i].flags&rowEnabled != 0 }
func (t *KeyTable) AllowReenroll(i int) bool { return t.rows[i].flags&rowReenroll != 0 }
func (t *KeyTable) Exportable(i int) bool    { return t.rows[i].flags&rowExport != 0 }

// Usage is key i's usage count and maximum (0 = unlimited).
func (t *KeyTable) Usage(i int) (count, max int64) {
	n := t.numbers(i)
	return n.usage, n.maxUsage
}

// UpdatedMicros is when key i was last changed, in Unix microseconds: cheap to compare.
func (t *KeyTable) UpdatedMicros(i int) int64 { return t.rows[i].updated }

// State is key i's derived state at now, by StateOf like Key.State.
func (t *KeyTable) State(i int, now time.Time) KeyState {
	r := &t.rows[i]
	var expires time.Time
	if us, ok := t.expiry(i); ok {
		expires = time.UnixMicro(us)
	}
	count, max := int64(r.usage), int64(r.maxUsage)
	if r.flags&rowWide != 0 {
		count, max = t.Usage(i)
	}
	return StateOf(r.flags&rowEnabled != 0, expires, count, max, now)
}

// Fingerprint is key i's fingerprint text. It is built on each call.
func (t *KeyTable) Fingerprint(i int) string {
	r := &t.rows[i]
	if r.flags&rowFPText != 0 {
		return t.fps[int32(i)]
	}
	b := make([]byte, len(fpPrefix)+base64.RawStdEncoding.EncodedLen(len(r.fp)))
	copy(b, fpPrefix)
	base64.RawStdEncoding.Encode(b[len(fpPrefix):], r.fp[:])
	return unsafe.String(&b[0], len(b))
}

// FingerprintBytes is key i's SHA-256 fingerprint as bytes, for sorting; ok is false for a
// fingerprint in another form (compare Fingerprint then).
func (t *KeyTable) FingerprintBytes(i int) (fp *[32]byte, ok bool) {
	r := &t.rows[i]
	return &r.fp, r.flags&rowFPText == 0
}

// Key rebuilds key i. Its strings are shared with the table; Groups is shared too.
func (t *KeyTable) Key(i int) Key {
	r := &t.rows[i]
	a, n := &t.attrs[r.attrs], t.numbers(i)
	k := Key{
		ID:            n.id,
		Name:          t.name(i),
		Groups:        t.sets[t.set(i)],
		CertID:        t.certs[a.cert].id,
		CertName:      t.strs[t.certs[a.cert].name],
		Enabled:       r.flags&rowEnabled != 0,
		AllowReenroll: r.flags&rowReenroll != 0,
		Exportable:    r.flags&rowExport != 0,
		Cloud:         t.strs[a.cloud],
		Fingerprint:   t.Fingerprint(i),
		Description:   t.str(t.descs[r.desc]),
		MaxUsage:      n.maxUsage,
		UsageCount:    n.usage,
		LastMachine:   t.LastMachine(i),
		CreatedAt:     time.UnixMicro(r.created).UTC(),
		CreatedBy:     t.strs[a.createdBy],
		UpdatedAt:     time.UnixMicro(r.updated).UTC(),
		UpdatedBy:     t.strs[a.updatedBy],
		Version:       n.version,
	}
	if us, ok := t.expiry(i); ok {
		k.ExpiresAt = time.UnixMicro(us).UTC()
	}
	return k
}

// IndexOf is the position of the key with id, or -1. It reads every id: about a millisecond
// for a million keys.
func (t *KeyTable) IndexOf(id int64) int {
	if id >= 0 && id <= math.MaxUint32 {
		for i := range t.rows {
			if r := &t.rows[i]; int64(r.id) == id && r.flags&rowWide == 0 {
				return i
			}
		}
	}
	for i, w := range t.wide {
		if w.id == id {
			return int(i)
		}
	}
	return -1
}

// filterFields fills k with what a filter reads of key i (see Index).
func (t *KeyTable) filterFields(i int, k *Key) *Key {
	r := &t.rows[i]
	*k = Key{
		Name:          t.name(i),
		Groups:        t.sets[t.set(i)],
		CertName:      t.strs[t.certs[t.attrs[r.attrs].cert].name],
		Description:   t.str(t.descs[r.desc]),
		Enabled:       r.flags&rowEnabled != 0,
		AllowReenroll: r.flags&rowReenroll != 0,
		Exportable:    r.flags&rowExport != 0,
		MaxUsage:      int64(r.maxUsage),
		UsageCount:    int64(r.usage),
		LastMachine:   t.LastMachine(i),
		CreatedAt:     time.UnixMicro(r.created).UTC(),
		UpdatedAt:     time.UnixMicro(r.updated).UTC(),
	}
	if r.flags&rowWide != 0 {
		k.UsageCount, k.MaxUsage = t.Usage(i)
	}
	if us, ok := t.expiry(i); ok {
		k.ExpiresAt = time.UnixMicro(us).UTC()
	}
	return k
}

// Index builds a filter Index over the table.
func (t *KeyTable) Index() *Index { return newIndex(t) }

// KeyTableBuilder makes a KeyTable. Rows are set by position, so a table can be filled out of
// order (by several producers taking turns; the builder itself is not safe for concurrent use).
type KeyTableBuilder struct {
	t       KeyTable
	text    []byte
	strIdx  map[string]uint32
	certIdx map[certRef]uint32
	attrIdx map[rowAttrs]uint32
	setIdx  map[string]uint32
	descs   map[string]uint32
	setKey  []byte
	// unfolded counts the names that case folding would change (see KeyTable.foldedNames).
	unfolded int
	expiring []rowExpiry // in the order rows were set
	last     [4]lastStr  // per field of Set: the previous string, which the next key usually repeats
	lastAttr struct {
		a  rowAttrs
		i  uint32
		ok bool
	}
	recentSets [4]struct { // the lists of groups of the last keys, newest first
		groups []GroupRef
		i      uint32
		ok     bool
	}
}

// rowExpiry is a row's expiry, until Table puts them in row order.
type rowExpiry struct {
	row int32
	us  int64
}

// lastStr remembers one string's index in strs.
type lastStr struct {
	s  string
	i  uint32
	ok bool
}

// maxSharedDescs caps how many distinct descriptions the builder remembers to share: a fleet
// where every key has its own description should not grow a map of them all.
const maxSharedDescs = 1 << 14

// NewKeyTableBuilder returns a builder for n keys; nameBytes, when known, sizes the text.
func NewKeyTableBuilder(n, nameBytes int) *KeyTableBuilder {
	b := &KeyTableBuilder{
		strIdx:  map[string]uint32{},
		certIdx: map[certRef]uint32{},
		attrIdx: map[rowAttrs]uint32{},
		setIdx:  map[string]uint32{},
		descs:   map[string]uint32{},
		text:    make([]byte, 0, nameBytes),
	}
	b.t.rows = make([]tableRow, n)
	b.str("") // strs[0] is the empty string
	return b
}

func (b *KeyTableBuilder) str(s string) uint32 {
	if i, ok := b.strIdx[s]; ok {
		return i
	}
	i := uint32(len(b.t.strs))
	s = strings.Clone(s)
	b.t.strs = append(b.t.strs, s)
	b.strIdx[s] = i
	return i
}

// cached is str with a one-entry memory per field: comparing with the previous key's value
// is cheaper than hashing, and most keys repeat it.
func (b *KeyTableBuilder) cached(field int, s string) uint32 {
	l := &b.last[field]
	if !l.ok || l.s != s {
		i := b.str(s)
		*l = lastStr{s: b.t.strs[i], i: i, ok: true}
	}
	return l.i
}

func (b *KeyTableBuilder) span(s string) span {
	sp := span{uint32(len(b.text)), uint32(len(s))}
	b.text = append(b.text, s...)
	return sp
}

// Set stores k as row i. The builder copies what it keeps: k may be reused afterwards.
func (b *KeyTableBuilder) Set(i int, k *Key) {
	// The row is built here and stored once: rows are set in no particular order, and
	// updating one in place field by field waited for its cache line each time (storing
	// once made Set a sixth faster at a million keys, profiled).
	r := &tableRow{created: k.CreatedAt.UnixMicro(), updated: k.UpdatedAt.UnixMicro()}
	name := b.span(k.Name)
	r.name = name.off
	if !isFolded(k.Name) {
		b.unfolded++
	}
	if fits(k.ID, math.MaxUint32) && fits(k.Version, math.MaxUint16) && fits(k.UsageCount, math.MaxUint16) &&
		fits(k.MaxUsage, math.MaxUint16) && name.n <= math.MaxUint8 {
		r.id, r.version, r.usage, r.maxUsage = uint32(k.ID), uint16(k.Version), uint16(k.UsageCount), uint16(k.MaxUsage)
		r.nameLen = uint8(name.n)
	} else {
		r.flags |= rowWide
		if b.t.wide == nil {
			b.t.wide = map[int32]wideRow{}
		}
		b.t.wide[int32(i)] = wideRow{k.ID, k.Version, k.UsageCount, k.MaxUsage, name.n}
	}
	if k.Enabled {
		r.flags |= rowEnabled
	}
	if k.AllowReenroll {
		r.flags |= rowReenroll
	}
	if k.Exportable {
		r.flags |= rowExport
	}
	if !k.ExpiresAt.IsZero() {
		r.flags |= rowExpires
		b.expiring = append(b.expiring, rowExpiry{int32(i), k.ExpiresAt.UnixMicro()})
	}
	if d, ok := b.descs[k.Description]; ok {
		r.desc = d
	} else {
		r.desc = uint32(len(b.t.descs))
		b.t.descs = append(b.t.descs, b.span(k.Description))
		if len(b.descs) < maxSharedDescs {
			b.descs[strings.Clone(k.Description)] = r.desc
		}
	}
	c := certRef{id: k.CertID, name: b.cached(3, k.CertName)}
	ci := b.certOf(c)
	r.attrs = b.attrsOf(rowAttrs{cert: ci, cloud: b.cached(0, k.Cloud),
		createdBy: b.cached(1, k.CreatedBy), updatedBy: b.cached(2, k.UpdatedBy), set: b.groupSet(k.Groups)})
	if k.LastMachine != "" {
		if b.t.lastMachine == nil {
			b.t.lastMachine = make([]span, len(b.t.rows))
		}
		b.t.lastMachine[i] = b.span(k.LastMachine)
	}
	if !b.setFingerprint(r, k.Fingerprint) {
		r.flags |= rowFPText
		if b.t.fps == nil {
			b.t.fps = map[int32]string{}
		}
		b.t.fps[int32(i)] = strings.Clone(k.Fingerprint)
	}
	b.t.rows[i] = *r
}

// isFolded reports whether s is its own case fold because it is ASCII without capitals (see
// foldInto); NUL is left out, since it separates the names the Index searches.
func isFolded(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || c-'A' <= 'Z'-'A' || c == 0 {
			return false
		}
	}
	return true
}

// fits reports whether v is kept exactly in an unsigned field of at most max.
func fits(v, max int64) bool { return v >= 0 && v <= max }

// certOf numbers a certificate, storing each distinct one once. A store has a handful: a
// look through them is cheaper than hashing the pair for every key, which was a sixth of
// Set's time.
func (b *KeyTableBuilder) certOf(c certRef) uint32 {
	if len(b.t.certs) <= 16 {
		for i, have := range b.t.certs {
			if have == c {
				return uint32(i)
			}
		}
	} else if i, ok := b.certIdx[c]; ok {
		return i
	}
	i := uint32(len(b.t.certs))
	b.t.certs = append(b.t.certs, c)
	b.certIdx[c] = i
	return i
}

// attrsOf numbers a (certificate, cloud, creator, updater), storing each distinct one once;
// the next key usually repeats the previous one's.
func (b *KeyTableBuilder) attrsOf(a rowAttrs) uint32 {
	if l := &b.lastAttr; l.ok && l.a == a {
		return l.i
	}
	i, ok := b.attrIdx[a]
	if !ok {
		i = uint32(len(b.t.attrs))
		b.t.attrs = append(b.t.attrs, a)
		b.attrIdx[a] = i
	}
	b.lastAttr.a, b.lastAttr.i, b.lastAttr.ok = a, i, true
	return i
}

// setFingerprint stores fp as 32 bytes when it is the usual form and encodes back exactly.
func (b *KeyTableBuilder) setFingerprint(r *tableRow, fp string) bool {
	text, ok := strings.CutPrefix(fp, fpPrefix)
	if !ok || len(text) != base64.RawStdEncoding.EncodedLen(len(r.fp)) {
		return false
	}
	var src [43]byte
	copy(src[:], text)
	// Strict decoding refuses nonzero unused bits, so only the one canonical spelling of 32
	// bytes decodes, and 43 characters give 32 bytes only if none was a skipped newline:
	// the text encodes back exactly, without encoding it to compare.
	n, err := fpEncoding.Decode(r.fp[:], src[:])
	return err == nil && n == len(r.fp)
}

// fpEncoding decodes the fingerprints' base64.
var fpEncoding = base64.RawStdEncoding.Strict()

// groupSet numbers a list of groups, storing each distinct list once.
func (b *KeyTableBuilder) groupSet(groups []GroupRef) uint32 {
	// Keys take turns among a few lists: comparing with the recent ones is cheaper than
	// building the list's map key and hashing it (a fifth of Set's time when only the
	// previous list was remembered).
	for j := range b.recentSets {
		if r := &b.recentSets[j]; r.ok && slices.Equal(groups, r.groups) {
			return r.i
		}
	}
	i := b.internSet(groups)
	copy(b.recentSets[1:], b.recentSets[:len(b.recentSets)-1])
	b.recentSets[0].groups, b.recentSets[0].i, b.recentSets[0].ok = b.t.sets[i], i, true
	return i
}

func (b *KeyTableBuilder) internSet(groups []GroupRef) uint32 {
	key := b.setKey[:0]
	for _, g := range groups {
		key = appendInt(key, g.ID)
		key = append(key, g.Name...)
		key = append(key, 0)
	}
	b.setKey = key
	if i, ok := b.setIdx[string(key)]; ok {
		return i
	}
	i := uint32(len(b.t.sets))
	set := slices.Clone(groups)
	for j := range set {
		set[j].Name = b.t.strs[b.str(set[j].Name)]
	}
	b.t.sets = append(b.t.sets, set[:len(set):len(set)])
	b.setIdx[string(key)] = i
	return i
}

func appendInt(b []byte, v int64) []byte {
	for range 8 {
		b = append(b, byte(v))
		v >>= 8
	}
	return b
}

// Table finishes the table. The builder must not be used afterwards.
func (b *KeyTableBuilder) Table() *KeyTable {
	if b.unfolded == 0 && len(b.t.rows) > 0 && len(b.text)+len(b.t.rows) < math.MaxUint32 {
		b.layOutNames()
	}
	b.rankExpiries()
	t := b.t
	if len(b.text) > 0 {
		text := b.text
		if spare := cap(text) - len(text); spare > 1<<20 && spare > len(text)/8 {
			// The caller's guess of the size was well over: the table would keep it all.
			text = slices.Clone(text)
		}
		// No copy otherwise: nothing writes to b.text after this.
		t.text = unsafe.String(unsafe.SliceData(text), len(text))
	}
	b.t, b.text = KeyTable{}, nil
	return &t
}

// rankExpiries puts the expiries in row order and numbers them by groups of 64 rows (see
// KeyTable.expires): 12 bytes per 64 rows instead of an index in every row.
func (b *KeyTableBuilder) rankExpiries() {
	t, e := &b.t, b.expiring
	words := (len(t.rows) + 63) / 64
	t.expRank, t.expBits = make([]uint32, words), make([]uint64, words)
	for _, x := range e {
		t.expBits[x.row/64] |= 1 << (x.row % 64)
	}
	n := uint32(0)
	for w := range words {
		t.expRank[w] = n
		n += uint32(bits.OnesCount64(t.expBits[w]))
	}
	t.expires = make([]int64, len(e))
	if int(n) != len(e) {
		// A row was set more than once: in row order, as before rows were ranked.
		slices.SortFunc(e, func(x, y rowExpiry) int { return int(x.row - y.row) })
		for j, x := range e {
			t.expires[j] = x.us
		}
		b.expiring = nil
		return
	}
	// Every expiry goes straight to its rank: no sort of rows that arrive in no order.
	for _, x := range e {
		w, bit := x.row/64, uint(x.row%64)
		t.expires[t.expRank[w]+uint32(bits.OnesCount64(t.expBits[w]&(1<<bit-1)))] = x.us
	}
	b.expiring = nil
}

// layOutNames rewrites the text as every name in row order, each followed by a NUL, then
// the other text, so that the filter Index can search the names where they are (see
// KeyTable.foldedNames). Rows may have been set in any order, so this is one more copy of the
// text, at the end: about 20 ms for a million keys, against 120 ms to fold them into a copy.
func (b *KeyTableBuilder) layOutNames() {
	t := &b.t
	old := b.text
	text := make([]byte, 0, len(old)+len(t.rows))
	for i := range t.rows {
		r := &t.rows[i]
		n := uint32(r.nameLen)
		if r.flags&rowWide != 0 {
			n = t.wide[int32(i)].nameLen
		}
		off := uint32(len(text))
		text = append(text, old[r.name:r.name+n]...)
		text = append(text, 0)
		r.name = off
	}
	t.foldedEnd = uint32(len(text))
	move := func(s span) span {
		off := uint32(len(text))
		text = append(text, old[s.off:s.off+s.n]...)
		return span{off, s.n}
	}
	for i, d := range t.descs {
		t.descs[i] = move(d)
	}
	for i, m := range t.lastMachine {
		if m.n > 0 {
			t.lastMachine[i] = move(m)
		}
	}
	b.text, t.foldedNames = text, true
}

// foldedNameText is the text of every name in row order, each followed by a NUL, and ok when
// the table keeps them so (see KeyTable.foldedNames).
func (t *KeyTable) foldedNameText() (text string, ok bool) {
	if !t.foldedNames {
		return "", false
	}
	return t.text[:t.foldedEnd], true
}

// NewKeyTable builds a table of keys, in their order.
func NewKeyTable(keys []Key) *KeyTable {
	size := 0
	for i := range keys {
		size += len(keys[i].Name)
	}
	b := NewKeyTableBuilder(len(keys), size)
	for i := range keys {
		b.Set(i, &keys[i])
	}
	return b.Table()
}

// nameStarts gives the Index's name table the table's own offsets into its folded names
// (foldedNameText), so the Index keeps no copy of them.
type nameStarts struct{ t *KeyTable }

func (n nameStarts) Len() int        { return n.t.Len() }
func (n nameStarts) Start(i int) int { return int(n.t.rows[i].name) }
