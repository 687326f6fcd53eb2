package model

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// tableKeys are keys with every kind of field a table stores specially: shared and unique
// descriptions, several group lists, odd fingerprints, expiry or none, sub-microsecond times.
func tableKeys() []Key {
	keys := indexKeys()
	for i := range keys {
		k := &keys[i]
		k.ID = int64(1000 + i)
		k.Version = int64(i % 7)
		k.CertID = int64(len(k.CertName))
		switch i % 6 {
		case 0:
			k.Fingerprint = "SHA256:" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		case 4:
			k.Fingerprint = "SHA256:AAAAAAAAAAAAAAAAAAAAA\nAAAAAAAAAAAAAAAAAAAAA" // base64 skips the newline
		case 1:
			k.Fingerprint = "SHA256:short"
		case 2:
			k.Fingerprint = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB" // non-canonical last character
		case 3:
			k.Fingerprint = "SHA256:+/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		}
		k.Cloud = []string{"", "api.private.zscaler.com", "api-f4.prod.zpath.net"}[i%3]
		k.CreatedBy, k.UpdatedBy = "alice", []string{"bob", "alice", ""}[i%3]
		k.CreatedAt = time.Date(2025, 1, 2, 3, 4, 5, 6000*i, time.UTC)
		switch i % 6 { // numbers and names that do not fit a row, each alone
		case 1:
			k.ID = 1<<32 + int64(i)
		case 2:
			k.Version = 1 << 16
		case 3:
			k.UsageCount = 1 << 16
		case 4:
			k.MaxUsage, k.UsageCount = 1<<33, 70_000
		case 5:
			if i%12 == 5 {
				k.Name = strings.Repeat("é", 128) // 256 bytes
			}
		}
		k.UpdatedAt = k.CreatedAt.Add(time.Duration(i) * time.Hour)
	}
	return keys
}

func TestKeyTableRoundTrip(t *testing.T) {
	keys := tableKeys()
	tb := NewKeyTable(keys)
	if tb.Len() != len(keys) {
		t.Fatalf("Len = %d, want %d", tb.Len(), len(keys))
	}
	for i, want := range keys {
		got := tb.Key(i)
		if len(want.Groups) == 0 {
			want.Groups = []GroupRef{}
		}
		if len(got.Groups) == 0 {
			got.Groups = []GroupRef{}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("key %d:\n got %+v\nwant %+v", i, got, want)
		}
		if tb.ID(i) != want.ID || tb.Name(i) != want.Name || tb.Description(i) != want.Description ||
			tb.CertName(i) != want.CertName || tb.Fingerprint(i) != want.Fingerprint ||
			tb.Exportable(i) != want.Exportable || tb.Enabled(i) != want.Enabled ||
			tb.AllowReenroll(i) != want.AllowReenroll || tb.UpdatedMicros(i) != want.UpdatedAt.UnixMicro() ||
			!slices.Equal(tb.Groups(i), want.Groups) && len(want.Groups) > 0 {
			t.Fatalf("key %d: an accessor disagrees with Key", i)
		}
		if c, m := tb.Usage(i); c != want.UsageCount || m != want.MaxUsage {
			t.Fatalf("key %d: Usage = %d, %d", i, c, m)
		}
		for _, now := range []time.Time{filterNow, filterNow.Add(1000 * time.Hour)} {
			if tb.State(i, now) != want.State(now) {
				t.Fatalf("key %d: State = %v, want %v", i, tb.State(i, now), want.State(now))
			}
		}
		if tb.IndexOf(want.ID) != i {
			t.Fatalf("IndexOf(%d) = %d, want %d", want.ID, tb.IndexOf(want.ID), i)
		}
	}
	if tb.IndexOf(-5) != -1 {
		t.Error("IndexOf an unknown id")
	}
	// Appending to one key's groups must not change another's.
	g := tb.Groups(0)
	_ = append(g, GroupRef{ID: 99})
	if tb.GroupSets() >= len(keys) {
		t.Errorf("%d group lists for %d keys: lists are not shared", tb.GroupSets(), len(keys))
	}
	if (*KeyTable)(nil).Len() != 0 || NewKeyTable(nil).Len() != 0 {
		t.Error("empty tables")
	}
}

func TestKeyTableRowSize(t *testing.T) {
	if s := unsafe.Sizeof(tableRow{}); s > 72 {
		t.Errorf("a table row takes %d bytes, want at most 72", s)
	}
}

func TestKeyTableIndexAgreesWithMatch(t *testing.T) {
	keys := tableKeys()
	ix := NewKeyTable(keys).Index()
	noText := NewKeyTable(keys).Index()
	noText.scan = false // the key-by-key fallback through the table
	for _, expr := range indexExprs {
		f, err := ParseFilter(expr)
		if err != nil {
			t.Fatal(err)
		}
		want := matchAll(f, keys, filterNow)
		if got := ix.Filter(f, filterNow, nil); !reflect.DeepEqual(got, want) {
			t.Errorf("table Index.Filter(%q) = %v, want %v", expr, got, want)
		}
		if got := noText.Filter(f, filterNow, nil); !reflect.DeepEqual(got, want) {
			t.Errorf("table Index.Filter(%q) without text = %v, want %v", expr, got, want)
		}
	}
}

// TestNarrows checks Filter.Narrows against answers: whenever it says f narrows prev, f's
// matches are among prev's, and FilterBits within prev's answer finds exactly f's matches.
func TestNarrows(t *testing.T) {
	keys := tableKeys()
	ix := NewKeyTable(keys).Index()
	exprs := append([]string{"w", "we", "web", "web ", "web f", "web fr", "name:w", "name:we",
		"group:s", "group:se", "cert:c", "cert:cl", "export:yes", "export:yes w", "status:enabled",
		"status:enabled w", "name", "name:x", "k", "\u212a", "s", "ſ"}, indexExprs...)
	narrowing := 0
	for _, pe := range exprs {
		prev, err := ParseFilter(pe)
		if err != nil {
			t.Fatal(err)
		}
		prevBits := ix.FilterBits(prev, filterNow, nil)
		for _, fe := range exprs {
			f, err := ParseFilter(fe)
			if err != nil {
				t.Fatal(err)
			}
			if !f.Narrows(prev) {
				continue
			}
			narrowing++
			want := ix.FilterBits(f, filterNow, nil)
			for w := range want {
				if want[w]&^prevBits[w] != 0 {
					t.Fatalf("%q narrows %q by Narrows, but matches keys %q does not", fe, pe, pe)
				}
			}
			if got := ix.FilterBits(f, filterNow, prevBits); !slices.Equal(got, want) {
				t.Fatalf("FilterBits(%q) within %q's answer differs from the full answer", fe, pe)
			}
		}
	}
	if narrowing < 30 {
		t.Fatalf("only %d narrowing pairs: the test checks too little", narrowing)
	}
	for _, c := range []struct {
		prev, f string
		want    bool
	}{
		{"web", "web-0", true}, {"web", "web x", true}, {"name", "name:x", false},
		{"status:enabled", "status:enabled web", false}, {"web", "we", false}, {"export:yes", "export:no", false},
	} {
		p, _ := ParseFilter(c.prev)
		f, _ := ParseFilter(c.f)
		if got := f.Narrows(p); got != c.want {
			t.Errorf("%q.Narrows(%q) = %v, want %v", c.f, c.prev, got, c.want)
		}
	}
}

// TestKeyTableFoldedNames: when every name is its own case fold, the table lays the names out
// in row order however the rows were set, and the Index searches that text instead of a copy;
// keys read back and filters answer exactly as before. One capital name turns it off.
func TestKeyTableFoldedNames(t *testing.T) {
	keys := tableKeys()
	for i := range keys {
		keys[i].Name = fmt.Sprintf("node-%04d.%s", i, []string{"fra-db", "lon-web", "kiosk", strings.Repeat("x", 300)}[i%4])
		if i%5 == 0 {
			keys[i].LastMachine = fmt.Sprintf("host-%d", i)
		}
	}
	for _, capital := range []bool{false, true} {
		keys := slices.Clone(keys)
		if capital {
			keys[7].Name = "Node-0007"
		}
		b := NewKeyTableBuilder(len(keys), 0)
		for _, i := range rand.New(rand.NewPCG(1, 2)).Perm(len(keys)) { // in no order, as the listing sets them
			b.Set(i, &keys[i])
		}
		tb := b.Table()
		if tb.foldedNames == capital {
			t.Fatalf("capital %v: foldedNames = %v", capital, tb.foldedNames)
		}
		for i, want := range keys {
			got := tb.Key(i)
			if len(got.Groups) == 0 && len(want.Groups) == 0 {
				got.Groups = want.Groups
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("capital %v, key %d:\n got %+v\nwant %+v", capital, i, got, want)
			}
		}
		ix := tb.Index()
		if shared := unsafe.StringData(ix.names.Text()) == unsafe.StringData(tb.text); shared == capital {
			t.Fatalf("capital %v: the index shares the table's names: %v", capital, shared)
		}
		for _, expr := range append([]string{"node-00", "0007", "fra-db", "x", "name:kiosk", "xxxxxxxx node"}, indexExprs...) {
			f, err := ParseFilter(expr)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := ix.Filter(f, filterNow, nil), matchAll(f, keys, filterNow); !reflect.DeepEqual(got, want) {
				t.Errorf("capital %v: Filter(%q) = %v, want %v", capital, expr, got, want)
			}
		}
	}
}

// TestKeyTableFoldedNamesParallel: the search of a table's own names, split between
// goroutines at odd places, finds what Match finds.
func TestKeyTableFoldedNamesParallel(t *testing.T) {
	keys := benchKeys(4*parallelEntries + 1000)
	for i := range keys {
		keys[i].Name = strings.ToLower(keys[i].Name)
	}
	table := NewKeyTable(keys)
	if !table.foldedNames {
		t.Fatal("lower-case ASCII names not laid out for the index")
	}
	ix := table.Index()
	ix.workers = 3
	for _, expr := range []string{"web", "name:00042", "0", "e", "-0", "frankfurt", "zzz", "name:web group:servers"} {
		f, err := ParseFilter(expr)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ix.Filter(f, filterNow, nil), matchAll(f, keys, filterNow); !reflect.DeepEqual(got, want) {
			t.Errorf("Filter(%q): %d hits, want %d", expr, len(got), len(want))
		}
	}
}
