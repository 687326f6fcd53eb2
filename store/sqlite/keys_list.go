package sqlite

import (
	"cmp"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"provkeys/model"
)

// Listing every key is the dashboard's start-up and the CLI's `keys list`, so it is built for
// a million keys:
//
//   - It talks to the driver directly (driver.Rows.Next into one []driver.Value), skipping
//     database/sql's per-row locking and per-column conversion, which measured a third of
//     the time; the three flag columns arrive packed into one integer.
//   - The work is split over two read connections that see one snapshot (see sameSnapshot):
//     the name order and the key-group links first, then the keys in id ranges that both
//     connections take from a shared counter. On two cores this nearly halves the time.
//   - Repeated text (cloud, actors, descriptions) is interned, group names come from one
//     small map and are sorted by a precomputed rank, and every key's groups are a slice of
//     one shared backing array.

// listCols are the columns of one key for a listing, flags packed; see scanListRow.
// (SQLite gives | and << the same precedence: hence the parentheses.)
const listCols = `id, name, cert_id, enabled | (allow_reenroll << 1) | (exportable << 2), cloud,
	fingerprint, description, max_usage, usage_count, expires_at, created_at, created_by,
	updated_at, updated_by, version, last_machine`

// listChunk is how many ids one job of the key scan covers; tests make it small.
var listChunk int64 = 32768

// parallelListMin is the id span from which a second connection pays for itself. Tests lower
// it to run the parallel path on small stores; nothing else changes it.
var parallelListMin int64 = 20_000

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
	// Two connections on one snapshot, unless a commit lands while they start; then again,
	// and after that on one connection, which is always consistent.
	for attempt := 0; ; attempt++ {
		l, err := x.s.listKeys(ctx, attempt < 2, table)
		if !errors.Is(err, errSnapshotMoved) {
			return l, err
		}
	}
}

// errSnapshotMoved means the two connections of a parallel listing may have seen different
// snapshots; the caller tries again.
var errSnapshotMoved = errors.New("store: a commit landed while the listing started")

// listing is one ListKeys in progress. Everything but the keys' fields is written before the
// key scan starts (each run of rawTxs ends before the next begins), and each key is written
// by exactly one goroutine.
type listing struct {
	groups map[int64]string
	rank   map[int64]int // a group's place in case-insensitive name order
	certs  map[int64]string

	total, links int
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

// listKeys runs one listing, on two connections when parallel is set and the store is big.
func (s *Store) listKeys(ctx context.Context, parallel, table bool) (*listing, error) {
	conns, err := s.readConns(ctx, parallel)
	if err != nil {
		return nil, err
	}
	r := &rawTxs{conns: conns, txs: make([]driver.Tx, len(conns))}
	defer func() {
		r.close()
		if r.discard {
			// A large listing is the dashboard loading: the readers that served its first
			// screen (one counted every key) hold page caches of their own, idle now.
			s.dropIdleReaders()
		}
	}()
	l := &listing{tableOn: table}
	n := len(conns)
	begin := func(i int, c rawConn) error { return l.begin(ctx, i, n, c) }
	if n == 1 {
		if err := r.run(begin); err != nil {
			return nil, mapErr(err)
		}
	} else if err := s.sameSnapshot(ctx, func() error { return r.run(begin) }); err != nil {
		return nil, mapErr(err)
	}
	if err := r.run(func(i int, c rawConn) error { return l.prepare(ctx, i, n, c) }); err != nil {
		return nil, mapErr(err)
	}
	l.finishLinks()
	if err := r.run(func(_ int, c rawConn) error { return l.scanKeys(ctx, c) }); err != nil {
		return nil, mapErr(err)
	}
	if n := l.read.Load(); n != int64(l.total) {
		return nil, fmt.Errorf("store: list keys: %d keys counted, %d read", l.total, n)
	}
	r.discard = l.total >= discardConnsAfter
	return l, nil
}

// discardConnsAfter is the number of keys from which a listing closes its connections when
// it ends rather than keep their page caches (see rawTxs.discard); tests lower it.
var discardConnsAfter = 50_000

// begin is the first step: connection 0 reads the names and the sizes, connection 1 (or 0
// when it is alone) the number of links. Either read fixes its transaction's snapshot.
func (l *listing) begin(ctx context.Context, i, n int, c rawConn) error {
	countLinks := func() error {
		return rawRows(ctx, c, "SELECT count(*) FROM key_groups", nil, func(d []driver.Value) error {
			l.links = int(asInt(d[0]))
			return nil
		})
	}
	if i == 1 {
		return countLinks()
	}
	if n == 1 {
		if err := countLinks(); err != nil {
			return err
		}
	}
	l.groups, l.certs = map[int64]string{}, map[int64]string{}
	var order []model.GroupRef
	err := rawRows(ctx, c, "SELECT id, name FROM groups", nil, func(d []driver.Value) error {
		g := model.GroupRef{ID: asInt(d[0]), Name: asString(d[1])}
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
	err = rawRows(ctx, c, "SELECT id, name FROM certs", nil, func(d []driver.Value) error {
		l.certs[asInt(d[0])] = asString(d[1])
		return nil
	})
	if err != nil {
		return err
	}
	return rawRows(ctx, c, "SELECT count(*), coalesce(min(id), 0), coalesce(max(id), 0) FROM keys", nil,
		func(d []driver.Value) error {
			l.total, l.minID, l.maxID = int(asInt(d[0])), asInt(d[1]), asInt(d[2])
			return nil
		})
}

// prepare is the second step: the name order (connection 0) and the links (the other one, or
// connection 0 after the order when it is alone).
func (l *listing) prepare(ctx context.Context, i, n int, c rawConn) error {
	if i == 0 {
		// After the first step the sizes are known to both goroutines.
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
func (l *listing) readOrder(ctx context.Context, c rawConn) error {
	l.pos = make([]int32, l.maxID-l.minID+1)
	var i int32
	return rawRows(ctx, c, "SELECT id FROM keys ORDER BY name", nil, func(d []driver.Value) error {
		if i >= int32(l.total) {
			return errors.New("store: list keys: more keys than counted")
		}
		l.pos[asInt(d[0])-l.minID] = i
		i++
		return nil
	})
}

// readLinks reads every key-group link, in key order, into one backing array; gstart marks
// where each key's links begin. Like the keys, the links of a range of ids come as one text
// ("KEY,GROUP KEY,GROUP ..."): a row per link cost two column reads each.
func (l *listing) readLinks(ctx context.Context, c rawConn) error {
	span := l.maxID - l.minID + 1
	if l.total == 0 {
		span = 0
	}
	l.refs = make([]model.GroupRef, 0, l.links)
	l.gstart = make([]int32, span+1)
	var pairs [][2]int64
	q := "SELECT group_concat(key_id || ',' || group_id, ' ') FROM key_groups WHERE key_id >= ?1 AND key_id < ?2"
	args := []driver.NamedValue{{Ordinal: 1}, {Ordinal: 2}}
	next := int64(0) // the next key offset whose start is not set yet
	for lo := int64(0); lo < span; lo += linkChunk {
		args[0].Value, args[1].Value = l.minID+lo, l.minID+min(lo+linkChunk, span)
		pairs = pairs[:0]
		err := rawRows(ctx, c, q, args, func(d []driver.Value) error {
			var err error
			pairs, err = parsePairs(asString(d[0]), pairs)
			return err
		})
		if err != nil {
			return err
		}
		// group_concat promises no order; the primary key's is what it gives in practice.
		if !slices.IsSortedFunc(pairs, comparePairs) {
			slices.SortFunc(pairs, comparePairs)
		}
		for _, p := range pairs {
			off := p[0] - l.minID
			for ; next <= off; next++ {
				l.gstart[next] = int32(len(l.refs))
			}
			l.refs = append(l.refs, model.GroupRef{ID: p[1], Name: l.groups[p[1]]})
		}
	}
	for ; next <= span; next++ {
		l.gstart[next] = int32(len(l.refs))
	}
	return nil
}

// linkChunk is how many key ids one query of readLinks covers.
const linkChunk = 1 << 16

func comparePairs(a, b [2]int64) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) }

// parsePairs appends the "A,B A,B ..." pairs of s to to.
func parsePairs(s string, to [][2]int64) ([][2]int64, error) {
	for len(s) > 0 {
		var p [2]int64
		for f := range p {
			i := 0
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				p[f] = p[f]*10 + int64(s[i]-'0')
				i++
			}
			sep := byte(',')
			if f == 1 {
				sep = ' '
			}
			if i == 0 || (i < len(s) && s[i] != sep) || (f == 0 && i == len(s)) {
				return to, errors.New("store: list keys: a list of links does not parse")
			}
			s = s[min(i+1, len(s)):]
		}
		to = append(to, p)
	}
	return to, nil
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
func (l *listing) scanKeys(ctx context.Context, c rawConn) error {
	in := newInterner()
	if l.tableOn {
		in = nil // the table shares text itself
	}
	args := []driver.NamedValue{{Ordinal: 1}, {Ordinal: 2}}
	q := "SELECT " + packedCol + " FROM keys WHERE id >= ?1 AND id < ?2"
	var b batch
	if l.tableOn {
		b.pos, b.keys = make([]int, 0, batchSize), make([]model.Key, 0, batchSize)
	}
	for {
		lo := l.minID + l.next.Add(listChunk) - listChunk
		if lo > l.maxID || l.total == 0 {
			l.flush(&b)
			return nil
		}
		args[0].Value, args[1].Value = lo, lo+listChunk
		err := rawRows(ctx, c, q, args, func(d []driver.Value) error {
			row := asString(d[0])
			id := packedID(row)
			i, err := l.position(id)
			if err != nil {
				return err
			}
			var k *model.Key
			if l.tableOn {
				b.pos = append(b.pos, i)
				b.keys = append(b.keys, model.Key{})
				k = &b.keys[len(b.keys)-1]
			} else {
				k = &l.keys[i]
			}
			if err := unpackRow(row, k); err != nil {
				if err := readUnpacked(ctx, c, id, k); err != nil {
					return err
				}
			}
			l.finishRow(k, in)
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

// batchSize is how many keys a scanning goroutine reads before it takes its turn with the
// table builder.
const batchSize = 512

// batch is keys read for the table but not yet handed to its builder.
type batch struct {
	pos  []int
	keys []model.Key
}

// flush hands a batch to the table builder, which the scanning goroutines share.
func (l *listing) flush(b *batch) {
	if len(b.keys) > 0 {
		l.tableMu.Lock()
		for j := range b.keys {
			l.table.Set(b.pos[j], &b.keys[j])
		}
		l.tableMu.Unlock()
	}
	clear(b.keys)
	b.pos, b.keys = b.pos[:0], b.keys[:0]
}

// position is the index in name order of key id.
func (l *listing) position(id int64) (int, error) {
	off := id - l.minID
	if off < 0 || off >= int64(len(l.pos)) {
		return 0, fmt.Errorf("store: list keys: key %d appeared outside the snapshot", id)
	}
	l.read.Add(1)
	return int(l.pos[off]), nil
}

// finishRow adds what a row does not carry: the certificate's name and the groups; and
// shares repeated text through in unless it is nil.
func (l *listing) finishRow(k *model.Key, in *interner) {
	k.CertName = l.certs[k.CertID]
	if in != nil {
		k.Cloud, k.Description = in.str(k.Cloud), in.str(k.Description)
		k.CreatedBy, k.UpdatedBy = in.str(k.CreatedBy), in.str(k.UpdatedBy)
	}
	off := k.ID - l.minID
	if g := l.refs[l.gstart[off]:l.gstart[off+1]]; len(g) > 0 {
		// The full slice expression keeps a caller's append out of the next key's groups.
		k.Groups = g[:len(g):len(g)]
	}
}

// interner shares one copy of each repeated string. It is capped so that unique texts (most
// descriptions of a real fleet) do not grow it without end.
type interner struct{ m map[string]string }

func newInterner() *interner { return &interner{m: map[string]string{}} }

func (in *interner) str(s string) string {
	if in == nil {
		return s
	}
	if v, ok := in.m[s]; ok {
		return v
	}
	if len(in.m) < 1<<14 {
		in.m[s] = s
	}
	return s
}
