package sqlite

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"provkeys/model"
)

// Listing every key is the dashboard's start-up and the CLI's `keys list`, so it is built for
// a million keys:
//
//   - It reads on connections of its own, opened without a mutex through SQLite's C API
//     (lite.go), column by column into reused memory: no driver, no per-row allocation.
//   - The work is split over two connections that read one snapshot (see sameSnapshot): the
//     name order and the key-group links first, then the keys in id ranges that both
//     connections take from a shared counter. On two cores this nearly halves the time.
//   - Repeated text (cloud, actors, descriptions) is interned, group names come from one
//     small map and are sorted by a precomputed rank, and every key's groups are a slice of
//     one shared backing array.

// listCols are the columns of one key for a listing; see readKeyRow. (Packing the three flags
// into one number cost the VM more than the two more column reads it saved.)
const listCols = `id, name, cert_id, enabled, allow_reenroll, exportable, cloud, fingerprint,
	description, max_usage, usage_count, expires_at, created_at, created_by, updated_at,
	updated_by, version, last_machine`

// listChunk is how many ids one job of the key scan covers; tests make it small.
var listChunk int64 = 32768

// parallelListMin is the id span from which a second connection pays for itself. Tests lower
// it to run the parallel path on small stores; nothing else changes it.
var parallelListMin int64 = 20_000

// listBetweenBegins, when set (by tests), runs after the first connection's first reads and
// before the second connection's: a commit it waits for lands between the two.
var listBetweenBegins func()

// ListKeys returns every key, without key material, sorted by name (SQLite's NOCASE order
// of the name column). It costs the same handful of queries whatever the number of keys.
func (x *session) ListKeys(ctx context.Context) ([]model.Key, error) {
	l, err := x.list(ctx, false)
	if err != nil {
		return nil, err
	}
	return l.keys, nil
}

// ListKeyTable is ListKeys as a compact model.KeyTable, for holding many keys: about a third
// of the memory, and the listing never holds a model.Key per key.
func (x *session) ListKeyTable(ctx context.Context) (*model.KeyTable, error) {
	l, err := x.list(ctx, true)
	if err != nil {
		return nil, err
	}
	return l.table.Table(), nil
}

func (x *session) list(ctx context.Context, table bool) (*listing, error) {
	if err := x.Authorize(model.ActionRead); err != nil {
		return nil, err
	}
	return x.s.listKeys(ctx, true, table)
}

// listing is one ListKeys in progress. Everything but the keys' fields is written before the
// key scan starts (each run of liteTxs ends before the next begins), and each key is written
// by exactly one goroutine.
type listing struct {
	groups map[int64]string
	rank   map[int64]int // a group's place in case-insensitive name order
	certs  map[int64]string

	total        int
	minID, maxID int64
	pos          []int32          // pos[id-minID]: the key's index in name order
	refs         []model.GroupRef // every link, in key id order
	gstart       []int32          // key id-minID's links are refs[gstart[i]:gstart[i+1]]

	// The result: keys, or (for ListKeyTable) table, which the scanning goroutines take
	// turns to fill, a batch at a time.
	keys    []model.Key
	tableOn bool
	table   *model.KeyTableBuilder
	tableMu sync.Mutex

	next atomic.Int64 // the next id range to scan
	read atomic.Int64 // keys read so far
}

// listKeys runs one listing, on two connections when parallel is set, the store is big, and
// no commit lands while they begin.
func (s *Store) listKeys(ctx context.Context, parallel, table bool) (_ *listing, err error) {
	conns, err := s.lite.take(s.path, 1)
	if err != nil {
		return nil, mapErr(err)
	}
	r := &liteTxs{conns: conns, begun: make([]bool, 1)}
	l := &listing{tableOn: table}
	defer func() {
		// A large listing is the dashboard loading: its connections' page caches, and those
		// of the readers that served its first screen (one counted every key), are idle now.
		discard := err != nil || l.total >= discardConnsAfter
		r.close(&s.lite, discard)
		if discard {
			s.dropIdleReaders()
		}
	}()
	first := func(c *liteConn) error { return l.begin(ctx, c) }
	if !parallel {
		if err := r.begin(ctx, 0, first); err != nil {
			return nil, mapErr(err)
		}
	} else {
		second := false
		same, err := s.sameSnapshot(ctx, func() error {
			if err := r.begin(ctx, 0, first); err != nil {
				return err
			}
			if l.total == 0 || l.maxID-l.minID < parallelListMin {
				return nil
			}
			if listBetweenBegins != nil {
				listBetweenBegins()
			}
			more, err := s.lite.take(s.path, 1)
			if err != nil {
				return nil // the first connection does all the work
			}
			r.conns, r.begun = append(r.conns, more[0]), append(r.begun, false)
			second = r.begin(ctx, 1, func(c *liteConn) error {
				return c.query(ctx, "SELECT count(*) FROM certs", nil, func(liteRow) error { return nil })
			}) == nil
			return nil
		})
		if err != nil {
			return nil, mapErr(err)
		}
		if len(r.conns) > 1 && (!same || !second) {
			// A commit landed while the two began, so the second may read another snapshot,
			// or it could not begin: the first does all the work, which is as consistent.
			r.drop(1)
		}
	}
	n := len(r.conns)
	if err := r.run(func(i int, c *liteConn) error { return l.prepare(ctx, i, n, c) }); err != nil {
		return nil, mapErr(err)
	}
	l.finishLinks()
	if err := r.run(func(_ int, c *liteConn) error { return l.scanKeys(ctx, c) }); err != nil {
		return nil, mapErr(err)
	}
	if n := l.read.Load(); n != int64(l.total) {
		return nil, fmt.Errorf("store: list keys: %d keys counted, %d read", l.total, n)
	}
	return l, nil
}

// discardConnsAfter is the number of keys from which a listing closes its connections when
// it ends rather than keep their page caches (see rawTxs.discard); tests lower it.
var discardConnsAfter = 50_000

// begin is the first step, on the first connection, whose reads fix the snapshot: the
// groups, the certificates, and the number and id range of the keys.
func (l *listing) begin(ctx context.Context, c *liteConn) error {
	l.groups, l.certs = map[int64]string{}, map[int64]string{}
	var order []model.GroupRef
	err := c.query(ctx, "SELECT id, name FROM groups", nil, func(r liteRow) error {
		g := model.GroupRef{ID: r.int(0), Name: strings.Clone(r.text(1))}
		l.groups[g.ID] = g.Name
		order = append(order, g)
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortFunc(order, func(a, b model.GroupRef) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
	})
	l.rank = make(map[int64]int, len(order))
	for r, g := range order {
		l.rank[g.ID] = r
	}
	err = c.query(ctx, "SELECT id, name FROM certs", nil, func(r liteRow) error {
		l.certs[r.int(0)] = strings.Clone(r.text(1))
		return nil
	})
	if err != nil {
		return err
	}
	// One aggregate each: together, count, min and max scan the table; apart, count reads
	// the smallest index and min and max one row each.
	return c.query(ctx, `SELECT (SELECT count(*) FROM keys), coalesce((SELECT min(id) FROM keys), 0),
		coalesce((SELECT max(id) FROM keys), 0)`, nil,
		func(r liteRow) error {
			l.total, l.minID, l.maxID = int(r.int(0)), r.int(1), r.int(2)
			return nil
		})
}

// prepare is the second step: the name order (connection 0) and the links (the other one, or
// connection 0 after the order when it is alone).
func (l *listing) prepare(ctx context.Context, i, n int, c *liteConn) error {
	if i == 0 {
		if l.tableOn {
			l.table = model.NewKeyTableBuilder(l.total, 16*l.total)
		} else {
			l.keys = make([]model.Key, l.total)
		}
		if err := l.readOrder(ctx, c); err != nil {
			return err
		}
	}
	if i == 1 || n == 1 {
		return l.readLinks(ctx, c)
	}
	return nil
}

// readOrder sets pos[id-minID] to each key's index in name order. The order comes from the
// name index alone (no table access); the rows are then read in table order, which measured
// 40% faster than reading them through the index.
func (l *listing) readOrder(ctx context.Context, c *liteConn) error {
	l.pos = make([]int32, l.maxID-l.minID+1)
	var i int32
	return c.query(ctx, "SELECT id FROM keys ORDER BY name", nil, func(r liteRow) error {
		off := r.int(0) - l.minID
		if i >= int32(l.total) || off < 0 || off >= int64(len(l.pos)) {
			return errors.New("store: list keys: more keys than counted")
		}
		l.pos[off] = i
		i++
		return nil
	})
}

// readLinks reads every key-group link, in key order (the primary key's), into one backing
// array; gstart marks where each key's links begin.
func (l *listing) readLinks(ctx context.Context, c *liteConn) error {
	span := l.maxID - l.minID + 1
	if l.total == 0 {
		span = 0
	}
	links := 0
	err := c.query(ctx, "SELECT count(*) FROM key_groups", nil, func(r liteRow) error {
		links = int(r.int(0))
		return nil
	})
	if err != nil {
		return err
	}
	// Group ids are few and small: names by id from a slice, not the map, once per link.
	var names []string
	for id := range l.groups {
		if id < 0 || id > 1<<16 {
			names = nil
			break
		}
		if int(id) >= len(names) {
			names = slices.Grow(names, int(id)+1-len(names))[:id+1]
		}
		names[id] = l.groups[id]
	}
	l.refs = make([]model.GroupRef, 0, links)
	l.gstart = make([]int32, span+1)
	next := int64(0) // the next key offset whose start is not set yet
	err = c.query(ctx, "SELECT key_id, group_id FROM key_groups ORDER BY key_id, group_id", nil, func(r liteRow) error {
		off, g := r.int(0)-l.minID, r.int(1)
		if off < next-1 || off >= span {
			return fmt.Errorf("store: list keys: a link of key %d outside the snapshot's keys", off+l.minID)
		}
		for ; next <= off; next++ {
			l.gstart[next] = int32(len(l.refs))
		}
		name := ""
		if g >= 0 && g < int64(len(names)) {
			name = names[g]
		} else {
			name = l.groups[g]
		}
		l.refs = append(l.refs, model.GroupRef{ID: g, Name: name})
		return nil
	})
	if err != nil {
		return err
	}
	for ; next <= span; next++ {
		l.gstart[next] = int32(len(l.refs))
	}
	return nil
}

// finishLinks sorts each key's links by group name, between two runs, while no goroutine
// touches refs. Most keys have one group, so this is a quick pass.
func (l *listing) finishLinks() {
	for i := 0; i+1 < len(l.gstart); i++ {
		if g := l.refs[l.gstart[i]:l.gstart[i+1]]; len(g) > 1 {
			slices.SortFunc(g, func(a, b model.GroupRef) int { return cmp.Compare(l.rank[a.ID], l.rank[b.ID]) })
		}
	}
}

// scanKeys is the last step: take id ranges from the shared counter until none is left.
func (l *listing) scanKeys(ctx context.Context, c *liteConn) error {
	q := "SELECT " + listCols + " FROM keys WHERE id >= ?1 AND id < ?2"
	var b batch
	var in *interner
	if l.tableOn {
		b.pos, b.keys = make([]int, 0, batchSize), make([]model.Key, 0, batchSize)
		b.text = make([]byte, 0, batchText)
	} else {
		in = newInterner()
	}
	read := 0
	defer func() { l.read.Add(int64(read)) }()
	for {
		lo := l.minID + l.next.Add(listChunk) - listChunk
		if lo > l.maxID || l.total == 0 {
			l.flush(&b)
			return nil
		}
		err := c.query(ctx, q, []int64{lo, lo + listChunk}, func(r liteRow) error {
			i, err := l.position(r.int(0))
			if err != nil {
				return err
			}
			read++
			if !l.tableOn {
				k := &l.keys[i]
				readKeyRow(r, k, strings.Clone, in.keep)
				l.finishRow(k)
				return nil
			}
			var k model.Key
			readKeyRow(r, &k, sqliteText, sqliteText)
			// The texts are SQLite's until the next row: copy them into the batch's text,
			// first handing the batch over if they do not fit.
			if n := len(k.Name) + len(k.Cloud) + len(k.Fingerprint) + len(k.Description) +
				len(k.CreatedBy) + len(k.UpdatedBy) + len(k.LastMachine); cap(b.text)-len(b.text) < n {
				l.flush(&b)
				if cap(b.text) < n {
					b.text = make([]byte, 0, n)
				}
			}
			k.Name, k.Cloud, k.Fingerprint = b.copy(k.Name), b.copy(k.Cloud), b.copy(k.Fingerprint)
			k.Description, k.CreatedBy, k.UpdatedBy = b.copy(k.Description), b.copy(k.CreatedBy), b.copy(k.UpdatedBy)
			k.LastMachine = b.copy(k.LastMachine)
			l.finishRow(&k)
			b.pos, b.keys = append(b.pos, i), append(b.keys, k)
			if len(b.keys) == batchSize {
				l.flush(&b)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
}

// readKeyRow fills k from a row of listCols, groups and certificate name excepted. The row's
// texts are valid only until the next row: each goes through own (the name, fingerprint and
// last machine, unique to the key) or shared (the others, which keys repeat).
func readKeyRow(r liteRow, k *model.Key, own, shared func(string) string) {
	k.ID = r.int(0)
	k.Name = own(r.text(1))
	k.CertID = r.int(2)
	k.Enabled, k.AllowReenroll, k.Exportable = r.int(3) != 0, r.int(4) != 0, r.int(5) != 0
	k.Cloud = shared(r.text(6))
	k.Fingerprint = own(r.text(7))
	k.Description = shared(r.text(8))
	k.MaxUsage, k.UsageCount = r.int(9), r.int(10)
	if !r.null(11) {
		k.ExpiresAt = fromMicros(r.int(11))
	}
	k.CreatedAt = fromMicros(r.int(12))
	k.CreatedBy = shared(r.text(13))
	k.UpdatedAt = fromMicros(r.int(14))
	k.UpdatedBy = shared(r.text(15))
	k.Version = r.int(16)
	k.LastMachine = own(r.text(17))
}

// sqliteText leaves a text where it is, for the caller to copy.
func sqliteText(s string) string { return s }

// batchSize is how many keys a scanning goroutine reads before it takes its turn with the
// table builder, and batchText how many bytes of their text it holds.
const (
	batchSize = 512
	batchText = 512 * 256
)

// batch is keys read for the table but not yet handed to its builder; their texts are in
// text, which is reused after each hand-over.
type batch struct {
	pos  []int
	keys []model.Key
	text []byte
}

// copy copies s to the end of text, which the caller made room for (so text does not move).
func (b *batch) copy(s string) string {
	if s == "" {
		return ""
	}
	n := len(b.text)
	b.text = append(b.text, s...)
	return unsafe.String(&b.text[n], len(s))
}

// flush hands a batch to the table builder, which the scanning goroutines share; the
// builder copies what it keeps.
func (l *listing) flush(b *batch) {
	if len(b.keys) > 0 {
		l.tableMu.Lock()
		for j := range b.keys {
			l.table.Set(b.pos[j], &b.keys[j])
		}
		l.tableMu.Unlock()
	}
	clear(b.keys)
	b.pos, b.keys, b.text = b.pos[:0], b.keys[:0], b.text[:0]
}

// position is the index in name order of key id.
func (l *listing) position(id int64) (int, error) {
	off := id - l.minID
	if off < 0 || off >= int64(len(l.pos)) {
		return 0, fmt.Errorf("store: list keys: key %d appeared outside the snapshot", id)
	}
	return int(l.pos[off]), nil
}

// finishRow adds what a row does not carry: the certificate's name and the groups.
func (l *listing) finishRow(k *model.Key) {
	k.CertName = l.certs[k.CertID]
	off := k.ID - l.minID
	if g := l.refs[l.gstart[off]:l.gstart[off+1]]; len(g) > 0 {
		// The full slice expression keeps a caller's append out of the next key's groups.
		k.Groups = g[:len(g):len(g)]
	}
}

// interner keeps the texts of a plain listing (ListKeys): one copy of each repeated string,
// capped so that unique texts (most descriptions of a real fleet) do not grow it without end.
type interner struct{ m map[string]string }

func newInterner() *interner { return &interner{m: map[string]string{}} }

// keep returns a string of the listing's own equal to s, which is SQLite's.
func (in *interner) keep(s string) string {
	if v, ok := in.m[s]; ok {
		return v
	}
	s = strings.Clone(s)
	if len(in.m) < 1<<14 {
		in.m[s] = s
	}
	return s
}
