package keys

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/components/frame"
)

// The performance suite (go run ./testdata/bench) runs these benchmarks on the keys of real
// demo stores: it exports them to a file and names it in PROVKEYS_BENCH_KEYS. Without it they
// run on 1,000 generated keys, so `go test -bench . -benchtime 1x ./...` stays quick.

// perfQuery is typed into the filter one key at a time, then deleted again.
const perfQuery = "fra-db"

// perfNow is the benchmarks' clock: after every generated key's update.
var perfNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// perfKeys loads the keys named by PROVKEYS_BENCH_KEYS, or generates 1,000.
func perfKeys(b *testing.B) []model.Key {
	path := os.Getenv("PROVKEYS_BENCH_KEYS")
	if path == "" {
		return perfGenerated(1000)
	}
	keys, err := readKeyFixture(path)
	if err != nil {
		b.Fatal(err)
	}
	return keys
}

// readKeyFixture reads the suite's export: one key per line, tab-separated, in the column
// order of testdata/bench's fixtureQuery; groups as "id:name|id:name"; times in Unix
// microseconds, 0 for a key that never expires.
func readKeyFixture(path string) ([]model.Key, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var keys []model.Key
	strs := map[string]string{} // the store shares repeated text; so does the fixture
	intern := func(s string) string {
		if v, ok := strs[s]; ok {
			return v
		}
		strs[s] = s
		return s
	}
	groups := map[string][]model.GroupRef{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 19 {
			return nil, fmt.Errorf("%s:%d: %d fields, want 19", path, line, len(c))
		}
		num := func(i int) int64 {
			n, _ := strconv.ParseInt(c[i], 10, 64)
			return n
		}
		when := func(i int) time.Time {
			if n := num(i); n != 0 {
				return time.UnixMicro(n).UTC()
			}
			return time.Time{}
		}
		g, ok := groups[c[2]]
		if !ok {
			for _, ref := range strings.Split(c[2], "|") {
				id, name, _ := strings.Cut(ref, ":")
				n, _ := strconv.ParseInt(id, 10, 64)
				g = append(g, model.GroupRef{ID: n, Name: name})
			}
			slices.SortFunc(g, func(a, b model.GroupRef) int {
				return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
			})
			groups[c[2]] = g
		}
		keys = append(keys, model.Key{
			ID: num(0), Name: c[1], Groups: g, CertID: num(3), CertName: intern(c[4]),
			Enabled: c[5] == "1", AllowReenroll: c[6] == "1", Exportable: c[7] == "1",
			Cloud: intern(c[8]), Fingerprint: c[9], Description: intern(c[10]),
			MaxUsage: num(11), UsageCount: num(12), ExpiresAt: when(13),
			CreatedAt: when(14), CreatedBy: intern(c[15]), UpdatedAt: when(16), UpdatedBy: intern(c[17]),
			Version: num(18),
		})
	}
	return keys, sc.Err()
}

// perfGenerated makes n keys shaped like `provkeys demo`'s, sorted by name.
func perfGenerated(n int) []model.Key {
	sites := []string{"ams", "chi", "fra", "lon", "nyc", "sfo", "sin", "tok"}
	roles := []string{"api", "db", "edge", "k8s", "pos", "web"}
	groups := []model.GroupRef{{ID: 1, Name: "Database Servers"}, {ID: 2, Name: "Edge Gateways"},
		{ID: 3, Name: "Kubernetes Nodes"}, {ID: 4, Name: "Point of Sale"}, {ID: 5, Name: "Web Frontends"}}
	descs := []string{"", "", "Rack B12, row 4", "Owned by the platform team", "Pilot site"}
	keys := make([]model.Key, n)
	for i := range keys {
		keys[i] = model.Key{
			ID:          int64(i + 1),
			Name:        fmt.Sprintf("%s-%s-%04d", sites[i%len(sites)], roles[i/len(sites)%len(roles)], i/(len(sites)*len(roles))+1),
			Groups:      groups[i%len(groups) : i%len(groups)+1],
			CertID:      2,
			CertName:    "Client",
			Enabled:     i%10 != 0,
			Exportable:  i%5 != 0,
			Cloud:       "api.private.zscaler.com",
			Fingerprint: fmt.Sprintf("SHA256:%043d", i),
			Description: descs[i%len(descs)],
			MaxUsage:    int64(i % 3 * 50),
			UsageCount:  int64(i % 60),
			CreatedAt:   perfNow.Add(-time.Duration(i) * time.Minute),
			CreatedBy:   "bench",
			UpdatedAt:   perfNow.Add(-time.Duration(i) * time.Second),
			UpdatedBy:   "bench",
			Version:     1,
		}
	}
	slices.SortFunc(keys, func(a, b model.Key) int { return strings.Compare(a.Name, b.Name) })
	return keys
}

// perfDashboard is the dashboard at 120×40 with keys loaded, as after start-up.
func perfDashboard(b *testing.B, keys []model.Key) (*frame.Model, *keysPage) {
	b.Helper()
	a := keysFrame(ui.NewEnv(nil, model.Actor{Name: "bench", Role: model.RoleViewer}, ui.Options{Now: func() time.Time { return perfNow }}))
	a.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	p := a.Page(0).(*keysPage)
	a.Update(keysLoadedMsg{seq: p.loadSeq, keys: keys})
	if len(p.view) != len(keys) {
		b.Fatalf("%d keys loaded, %d in view", len(keys), len(p.view))
	}
	return a, p
}

// BenchmarkKeysFilterKeystroke types perfQuery into the filter bar and deletes it again, one
// key at a time, with every key loaded: each keystroke re-filters them all. p50-ns and p99-ns
// are per keystroke; ns/op is the whole query typed and deleted.
func BenchmarkKeysFilterKeystroke(b *testing.B) {
	keys := perfKeys(b)
	b.Run(fmt.Sprintf("keys=%d", len(keys)), func(b *testing.B) {
		a, p := perfDashboard(b, keys)
		a.Update(tea.KeyPressMsg{Code: '/', Text: "/"})
		if !onTopIs[*filterEditor](p) {
			b.Fatal("/ did not open the filter bar")
		}
		var lat []time.Duration
		press := func(k tea.KeyPressMsg) {
			t0 := time.Now()
			a.Update(k)
			lat = append(lat, time.Since(t0))
		}
		b.ReportAllocs()
		for b.Loop() {
			for _, r := range perfQuery {
				press(tea.KeyPressMsg{Code: r, Text: string(r)})
			}
			if p.filter.Value() != perfQuery {
				b.Fatalf("typed %q, the bar holds %q", perfQuery, p.filter.Value())
			}
			for range perfQuery {
				press(tea.KeyPressMsg{Code: tea.KeyBackspace})
			}
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2]), "p50-ns")
		b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)]), "p99-ns")
	})
}

// BenchmarkKeysFrame renders the whole dashboard at 120×40 with the cursor in the middle of
// the table: the cost must not depend on how many keys are loaded.
func BenchmarkKeysFrame(b *testing.B) {
	keys := perfKeys(b)
	b.Run(fmt.Sprintf("keys=%d", len(keys)), func(b *testing.B) {
		a, p := perfDashboard(b, keys)
		p.moveTo(len(keys) / 2)
		b.ReportAllocs()
		for b.Loop() {
			_ = a.View()
		}
	})
}
