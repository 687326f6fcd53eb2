package model

import (
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"provkeys/model/internal/foldtext"
)

// indexExprs exercise every term kind, the Unicode folds, and terms that only the fallback
// path can answer (a NUL in a needle).
var indexExprs = []string{
	"", "web", "WEB", "servers", "ci", "frankfurt", "zzz", "e", "-0", "web frankfurt",
	`"web server"`, "name:server", "name:web", "group:dmz", "group:servers", `group:"build agents"`,
	"cert:client", "cert:web", "status:enabled", "status:disabled", "status:expired",
	"status:exhausted", "reenroll:yes", "export:no", "cert:client status:enabled export:yes",
	"used:yes", "used:no", "used:yes web", "-used:no", "used:yes|no", "machine:node", "machine:KIOSK used:yes", "web machine:17", "-machine:node",
	"used:yes", "used:no", "used:yes web",
	"büro", "BÜRO", "300k", "k", "s", "ſ", "\u212a", `"10:30"`, `"says \"hi\""`, "\x00", "a\x00b",
	"ǆ", "σίσυφος", "\xff", "straße", "prod-0042", "ürō",
	// A first term that leaves few keys sends the next ones down the key-by-key path.
	"kiosk büro", "name:kiosk group:kiosks cert:client", "thermo 300k", "00042 web", "zzz web",
	"00042 group:servers", "00017 cert:root", "00017 frankfurt", "quoted says",
	// Negation, alternatives and the hygiene terms.
	"-web", "-group:servers", "group:kiosks|lobby", "-group:kiosks|lobby", "web|kiosk|zzz",
	"-status:enabled", "status:disabled|expired", "-name:web|laptop cert:client", "-\x00",
	"expires:<30d", "expires:>30d", "expires:<2h", "expires:>1h", "expires:expired", "expires:never",
	"created:<7d", "created:>7d", "updated:>90d", "updated:<1h", "usage:>80%", "usage:<50%",
	"usage:100%", "usage:0", "usage:>3", "usage:<4", "-usage:0 group:kiosks|servers",
}

func indexKeys() []Key {
	keys := append([]Key{}, filterKeys...)
	keys = append(keys, fuzzKeys...)
	keys = append(keys, hygieneKeys...)
	return append(keys, benchKeys(500)...)
}

func matchAll(f Filter, keys []Key, now time.Time) []int {
	var want []int
	for i := range keys {
		if f.Match(keys[i], now) {
			want = append(want, i)
		}
	}
	return want
}

func TestIndexAgreesWithMatch(t *testing.T) {
	keys := indexKeys()
	ix := NewIndex(keys)
	noText := NewIndex(keys)
	noText.scan = false // the path for text too large for 32-bit offsets
	if ix.Len() != len(keys) {
		t.Fatalf("Len = %d, want %d", ix.Len(), len(keys))
	}
	for _, now := range []time.Time{filterNow, filterNow.Add(-2 * time.Hour), filterNow.Add(1000 * time.Hour)} {
		for _, expr := range indexExprs {
			f, err := ParseFilter(expr)
			if err != nil {
				t.Fatalf("ParseFilter(%q): %v", expr, err)
			}
			want := matchAll(f, keys, now)
			if got := ix.Filter(f, now, nil); !reflect.DeepEqual(got, want) {
				t.Errorf("Index.Filter(%q) at %v = %v, want %v", expr, now, got, want)
			}
			if got := noText.Filter(f, now, nil); !reflect.DeepEqual(got, want) {
				t.Errorf("Index.Filter(%q) without text = %v, want %v", expr, got, want)
			}
		}
	}
}

// TestIndexParallel covers the split scan: enough keys for several goroutines, with hits on
// both sides of every split, and concurrent callers.
func TestIndexParallel(t *testing.T) {
	keys := benchKeys(4*parallelEntries + 1000)
	ix := NewIndex(keys)
	ix.workers = 3 // an odd split, whatever the machine
	var wg sync.WaitGroup
	for _, expr := range []string{"web", "group:servers", "cert:corp", "name:00042", "büro", "frankfurt status:enabled"} {
		f, err := ParseFilter(expr)
		if err != nil {
			t.Fatal(err)
		}
		want := matchAll(f, keys, filterNow)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got := ix.Filter(f, filterNow, nil); !reflect.DeepEqual(got, want) {
				t.Errorf("Index.Filter(%q): %d hits, want %d", expr, len(got), len(want))
			}
		}()
	}
	wg.Wait()
}

func TestIndexReusesDst(t *testing.T) {
	keys := benchKeys(1000)
	ix := NewIndex(keys)
	f, _ := ParseFilter("web")
	dst := make([]int, 0, len(keys))
	got := ix.Filter(f, filterNow, dst)
	if len(got) == 0 || &got[:1][0] != &dst[:1][0] {
		t.Error("Filter did not append into dst")
	}
	if got := NewIndex(nil).Filter(f, filterNow, nil); len(got) != 0 {
		t.Errorf("empty index gave %v", got)
	}
}

func TestFoldRune(t *testing.T) {
	tests := []struct{ a, b rune }{
		{'K', 'k'}, {'\u212a', 'k'}, {'S', 's'}, {'\u017f', 's'}, {'Ü', 'ü'}, {'Σ', 'ς'}, {'σ', 'ς'},
		{'ǅ', 'ǆ'}, {'Ǆ', 'ǆ'},
	}
	for _, tt := range tests {
		if foldtext.FoldRune(tt.a) != foldtext.FoldRune(tt.b) {
			t.Errorf("foldtext.FoldRune(%q) = %q, foldtext.FoldRune(%q) = %q; want equal", tt.a, foldtext.FoldRune(tt.a), tt.b, foldtext.FoldRune(tt.b))
		}
	}
	if foldtext.FoldRune('İ') == foldtext.FoldRune('i') || foldtext.FoldRune('ß') == foldtext.FoldRune('s') {
		t.Error("runes that simple folding keeps apart must stay apart")
	}
}

// BenchmarkIndexFilter runs filters through an Index of 100,000 keys, or of the counts in
// PROVKEYS_BENCH_SIZES; ms/op at 1M is the figure for the per-keystroke budget of 20 ms on
// two cores.
func BenchmarkIndexFilter(b *testing.B) {
	for _, n := range benchSizes(b, 100_000) {
		keys := benchKeys(n)
		ix := NewIndex(keys)
		dst := make([]int, 0, n)
		for _, expr := range benchFilters {
			f, err := ParseFilter(expr)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%dk/%s", n/1000, expr), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					dst = ix.Filter(f, filterNow, dst[:0])
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/key")
				b.ReportMetric(float64(len(dst)), "hits")
			})
		}
	}
}

// benchSizes are the key counts in PROVKEYS_BENCH_SIZES (comma-separated, e.g.
// "100000,1000000" for the per-keystroke budget at a million keys), else def: CI runs every
// benchmark once and must not build a million keys to do it.
func benchSizes(b *testing.B, def int) []int {
	env := os.Getenv("PROVKEYS_BENCH_SIZES")
	if env == "" {
		return []int{def}
	}
	var sizes []int
	for _, f := range strings.Split(env, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			b.Fatalf("PROVKEYS_BENCH_SIZES=%q: want key counts separated by commas", env)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

func BenchmarkNewIndex(b *testing.B) {
	keys := benchKeys(100_000)
	b.ReportAllocs()
	for b.Loop() {
		NewIndex(keys)
	}
}

// TestIndexManyDistinctEntries: with more than 256 distinct certificates, descriptions and
// groups the per-key entry numbers no longer fit a byte; answers must not change.
func TestIndexManyDistinctEntries(t *testing.T) {
	keys := benchKeys(700)
	for i := range keys {
		keys[i].Description = fmt.Sprintf("rack %d", i)
		keys[i].CertName = fmt.Sprintf("ca-%d", i%300)
		keys[i].Groups = append(keys[i].Groups, GroupRef{ID: int64(1000 + i), Name: fmt.Sprintf("site %d", i)})
		if i%50 == 7 { // usage counts past two bytes
			keys[i].UsageCount, keys[i].MaxUsage = int64(65_000+i*10), 70_000
		}
	}
	for _, ix := range []*Index{NewIndex(keys), NewKeyTable(keys).Index()} {
		if ix.descOf.Small() || ix.certOf.Small() || ix.groupOf.Small() {
			t.Fatal("entry numbers kept narrow past what fits")
		}
		if ix.table == nil && (ix.usage.Small() || ix.limit.Small()) {
			t.Fatal("counts kept narrow past what fits")
		}
		if ix.table != nil && ix.listOf.Small() {
			t.Fatal("lists of groups kept narrow past what fits")
		}
		for _, expr := range append([]string{"rack 69", "cert:ca-29", "group:site 5", "site 699", "ca-299 rack",
			"usage:>66000", "usage:<65536", "usage:>95%"}, indexExprs...) {
			f, err := ParseFilter(expr)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := ix.Filter(f, filterNow, nil), matchAll(f, keys, filterNow); !reflect.DeepEqual(got, want) {
				t.Errorf("Filter(%q) = %v, want %v", expr, got, want)
			}
		}
	}
	if ix := NewIndex(benchKeys(50)); !ix.descOf.Small() || !ix.certOf.Small() || !ix.usage.Small() {
		t.Error("few entries or small counts not kept narrow")
	}
}

func TestMicroMoment(t *testing.T) {
	for _, us := range []int64{0, 1, 999_999, 1_000_000, -1, -999_999, -1_000_000, -1_000_001, 1764971608272766} {
		tm := time.UnixMicro(us)
		if got, want := microMoment(us), momentOf(tm); got != want {
			t.Errorf("microMoment(%d) = %v, want %v", us, got, want)
		}
	}
}

// TestIndexOverTableCopiesNoRowFields: over a KeyTable the index reads expiries, usage counts
// and lists of groups from the table's rows (20 bytes a key less), and answers as Match does.
func TestIndexOverTableCopiesNoRowFields(t *testing.T) {
	keys := benchKeys(3000)
	for i := range keys {
		if i%3 == 0 {
			keys[i].ExpiresAt = filterNow.Add(time.Duration(i-1500) * time.Hour)
		}
		keys[i].UsageCount, keys[i].MaxUsage = int64(i%11), int64(i%7)
	}
	table := NewKeyTable(keys)
	ix := table.Index()
	if ix.expOf != nil || ix.expSec != nil || !ix.usage.Empty() || !ix.limit.Empty() {
		t.Fatal("the index copied expiries or counts the table holds")
	}
	if len(ix.groupAt) != table.GroupSets()+1 || !ix.listOf.Small() {
		t.Fatalf("groups indexed per key (%d lists for %d distinct), not per list", len(ix.groupAt)-1, table.GroupSets())
	}
	for _, expr := range append([]string{"status:expired", "status:enabled", "status:exhausted", "expires:<30d",
		"expires:>10d", "usage:>5", "usage:<3", "used:yes", "used:no", "usage:>50%"}, indexExprs...) {
		f, err := ParseFilter(expr)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ix.Filter(f, filterNow, nil), matchAll(f, keys, filterNow); !reflect.DeepEqual(got, want) {
			t.Errorf("Filter(%q) = %d keys, want %d", expr, len(got), len(want))
		}
	}
}

// TestIndexEntryNumbersAtAByte: at 256 distinct descriptions, certificates and group lists
// an entry number still fits a byte, at 257 it does not; either way the key holding the last
// one is found by its own text, and no other key is.
func TestIndexEntryNumbersAtAByte(t *testing.T) {
	for _, n := range []int{256, 257} {
		keys := make([]Key, n)
		for i := range keys {
			keys[i] = Key{ID: int64(i + 1), Name: fmt.Sprintf("k%d", i), Description: fmt.Sprintf("desc-%04d", i),
				CertName: fmt.Sprintf("cert-%04d", i), Groups: []GroupRef{{ID: int64(i + 1), Name: fmt.Sprintf("grp-%04d", i)}}}
		}
		for _, ix := range []*Index{NewIndex(keys), NewKeyTable(keys).Index()} {
			for _, field := range []string{"desc", "cert", "grp"} {
				for _, i := range []int{0, n - 1} {
					f, err := ParseFilter(fmt.Sprintf("%s-%04d", field, i))
					if err != nil {
						t.Fatal(err)
					}
					if got := ix.Filter(f, filterNow, nil); len(got) != 1 || got[0] != i {
						t.Errorf("%d keys: %s-%04d matched keys %v, want [%d]", n, field, i, got, i)
					}
				}
			}
		}
	}
}
