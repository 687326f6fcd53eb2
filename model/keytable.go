package model

import (
	"encoding/base64"
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
	sets  [][]GroupRef // distinct lists of groups, each as in Key.Groups
	fps   map[int32]string
}

// tableRow is one key. Fields are ordered for packing: 128 bytes.
type tableRow struct {
	id, version                 int64
	maxUsage, usage             int64
	expires, created, updated   int64 // Unix microseconds; expires only with rowExpires
	fp                          [32]byte
	name, desc                  span
	cert, set                   uint32 // indexes in certs and sets
	cloud, createdBy, updatedBy uint32 // indexes in strs
	flags                       uint8
}

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
	rowExpires
	rowFPText // the fingerprint is not SHA256:<43 base64 characters>; see KeyTable.fps
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

// ID is key i's id.
func (t *KeyTable) ID(i int) int64 { return t.rows[i].id }

// Name is key i's name.
func (t *KeyTable) Name(i int) string { return t.str(t.rows[i].name) }

// Description is key i's description.
func (t *KeyTable) Description(i int) string { return t.str(t.rows[i].desc) }

// Groups is key i's machine groups, shared with every key that has the same ones: callers
// must not change it (appending is safe: its capacity is its length).
func (t *KeyTable) Groups(i int) []GroupRef { return t.sets[t.rows[i].set] }

// GroupSet numbers key i's list of groups: keys with equal lists have equal numbers, from 0
// to GroupSets()-1, so callers can work per list (join names, sort) instead of per key.
func (t *KeyTable) GroupSet(i int) int { return int(t.rows[i].set) }

// GroupSets is the number of distinct lists of groups.
func (t *KeyTable) GroupSets() int { return len(t.sets) }

// GroupSetRefs is list s of GroupSet, shared: do not change it.
func (t *KeyTable) GroupSetRefs(s int) []GroupRef { return t.sets[s] }

// CertName is the name of key i's signing certificate.
func (t *KeyTable) CertName(i int) string { return t.strs[t.certs[t.rows[i].cert].name] }

// Enabled, AllowReenroll and Exportable are key i's flags.
func (t *KeyTable) Enabled(i int) bool       { return t.rows[i].flags&rowEnabled != 0 }
func (t *KeyTable) AllowReenroll(i int) bool { return t.rows[i].flags&rowReenroll != 0 }
func (t *KeyTable) Exportable(i int) bool    { return t.rows[i].flags&rowExport != 0 }

// Usage is key i's usage count and maximum (0 = unlimited).
func (t *KeyTable) Usage(i int) (count, max int64) { return t.rows[i].usage, t.rows[i].maxUsage }

// UpdatedMicros is when key i was last changed, in Unix microseconds: cheap to compare.
func (t *KeyTable) UpdatedMicros(i int) int64 { return t.rows[i].updated }

// State is key i's derived state at now, by StateOf like Key.State.
func (t *KeyTable) State(i int, now time.Time) KeyState {
	r := &t.rows[i]
	var expires time.Time
	if r.flags&rowExpires != 0 {
		expires = time.UnixMicro(r.expires)
	}
	return StateOf(r.flags&rowEnabled != 0, expires, r.usage, r.maxUsage, now)
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
	k := Key{
		ID:            r.id,
		Name:          t.str(r.name),
		Groups:        t.sets[r.set],
		CertID:        t.certs[r.cert].id,
		CertName:      t.strs[t.certs[r.cert].name],
		Enabled:       r.flags&rowEnabled != 0,
		AllowReenroll: r.flags&rowReenroll != 0,
		Exportable:    r.flags&rowExport != 0,
		Cloud:         t.strs[r.cloud],
		Fingerprint:   t.Fingerprint(i),
		Description:   t.str(r.desc),
		MaxUsage:      r.maxUsage,
		UsageCount:    r.usage,
		CreatedAt:     time.UnixMicro(r.created).UTC(),
		CreatedBy:     t.strs[r.createdBy],
		UpdatedAt:     time.UnixMicro(r.updated).UTC(),
		UpdatedBy:     t.strs[r.updatedBy],
		Version:       r.version,
	}
	if r.flags&rowExpires != 0 {
		k.ExpiresAt = time.UnixMicro(r.expires).UTC()
	}
	return k
}

// IndexOf is the position of the key with id, or -1. It reads every id: about a millisecond
// for a million keys.
func (t *KeyTable) IndexOf(id int64) int {
	for i := range t.rows {
		if t.rows[i].id == id {
			return i
		}
	}
	return -1
}

// filterFields fills k with what a filter reads of key i (see Index).
func (t *KeyTable) filterFields(i int, k *Key) *Key {
	r := &t.rows[i]
	*k = Key{
		Name:          t.str(r.name),
		Groups:        t.sets[r.set],
		CertName:      t.strs[t.certs[r.cert].name],
		Description:   t.str(r.desc),
		Enabled:       r.flags&rowEnabled != 0,
		AllowReenroll: r.flags&rowReenroll != 0,
		Exportable:    r.flags&rowExport != 0,
		MaxUsage:      r.maxUsage,
		UsageCount:    r.usage,
		CreatedAt:     time.UnixMicro(r.created).UTC(),
		UpdatedAt:     time.UnixMicro(r.updated).UTC(),
	}
	if r.flags&rowExpires != 0 {
		k.ExpiresAt = time.UnixMicro(r.expires).UTC()
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
	setIdx  map[string]uint32
	descs   map[string]span
	setKey  []byte
	last    [4]lastStr // per field of Set: the previous string, which the next key usually repeats
	lastSet struct {
		groups []GroupRef
		i      uint32
	}
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
		setIdx:  map[string]uint32{},
		descs:   map[string]span{},
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
	r := &b.t.rows[i]
	*r = tableRow{
		id: k.ID, version: k.Version, maxUsage: k.MaxUsage, usage: k.UsageCount,
		created: k.CreatedAt.UnixMicro(), updated: k.UpdatedAt.UnixMicro(),
		name:      b.span(k.Name),
		cloud:     b.cached(0, k.Cloud),
		createdBy: b.cached(1, k.CreatedBy),
		updatedBy: b.cached(2, k.UpdatedBy),
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
		r.expires = k.ExpiresAt.UnixMicro()
	}
	if d, ok := b.descs[k.Description]; ok {
		r.desc = d
	} else {
		r.desc = b.span(k.Description)
		if len(b.descs) < maxSharedDescs {
			b.descs[strings.Clone(k.Description)] = r.desc
		}
	}
	c := certRef{id: k.CertID, name: b.cached(3, k.CertName)}
	ci, ok := b.certIdx[c]
	if !ok {
		ci = uint32(len(b.t.certs))
		b.t.certs = append(b.t.certs, c)
		b.certIdx[c] = ci
	}
	r.cert = ci
	r.set = b.groupSet(k.Groups)
	if !b.setFingerprint(r, k.Fingerprint) {
		r.flags |= rowFPText
		if b.t.fps == nil {
			b.t.fps = map[int32]string{}
		}
		b.t.fps[int32(i)] = strings.Clone(k.Fingerprint)
	}
}

// setFingerprint stores fp as 32 bytes when it is the usual form and encodes back exactly.
func (b *KeyTableBuilder) setFingerprint(r *tableRow, fp string) bool {
	text, ok := strings.CutPrefix(fp, fpPrefix)
	if !ok || len(text) != base64.RawStdEncoding.EncodedLen(len(r.fp)) {
		return false
	}
	n, err := base64.RawStdEncoding.Decode(r.fp[:], []byte(text))
	if err != nil || n != len(r.fp) {
		return false
	}
	var check [43]byte
	base64.RawStdEncoding.Encode(check[:], r.fp[:])
	return string(check[:]) == text
}

// groupSet numbers a list of groups, storing each distinct list once.
func (b *KeyTableBuilder) groupSet(groups []GroupRef) uint32 {
	if slices.Equal(groups, b.lastSet.groups) && b.lastSet.groups != nil {
		return b.lastSet.i
	}
	i := b.internSet(groups)
	b.lastSet.groups, b.lastSet.i = b.t.sets[i], i
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
	t := b.t
	if len(b.text) > 0 {
		// No copy: nothing writes to b.text after this.
		t.text = unsafe.String(unsafe.SliceData(b.text), len(b.text))
	}
	b.t, b.text = KeyTable{}, nil
	return &t
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
