package keys

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/internal/uitest"
	"provkeys/ui/keyset"
	"provkeys/ui/pages/keys/columns"
	"provkeys/ui/theme"
)

// keysetKeys are keys whose columns tie and differ in every way the sorts care about.
func keysetKeys() []model.Key {
	keys := perfGenerated(600)
	for i := range keys {
		k := &keys[i]
		switch i % 7 {
		case 0:
			k.ExpiresAt = perfNow.Add(-time.Hour)
		case 1:
			k.ExpiresAt = perfNow.Add(time.Hour)
		case 2:
			k.Groups = []model.GroupRef{{ID: 9, Name: "aaa"}, {ID: 5, Name: "Web Frontends"}}
		case 3:
			k.Name = strings.ToUpper(k.Name) // case differences in name order
		}
		if i%11 == 0 {
			k.UsageCount = k.MaxUsage // exhausted, and usage ties
		}
	}
	slices.SortStableFunc(keys, func(a, b model.Key) int { return keyset.CompareFold(a.Name, b.Name) })
	return keys
}

// wantView is the view the page must show: the keys f matches, sorted by col as the table
// always sorted them (ties by lower-case name), reversed for desc.
func wantView(keys []model.Key, f model.Filter, col int, desc bool, now time.Time) []string {
	var rows []model.Key
	for _, k := range keys {
		if f.Match(k, now) {
			rows = append(rows, k)
		}
	}
	groups := func(k model.Key) string { return strings.ToLower(strings.Join(k.GroupNames(), ", ")) }
	slices.SortStableFunc(rows, func(a, b model.Key) int {
		var c int
		switch col {
		case columns.Groups:
			c = cmp.Compare(groups(a), groups(b))
		case columns.Status:
			c = cmp.Compare(a.State(now), b.State(now))
		case columns.Fingerprint:
			c = cmp.Compare(a.Fingerprint, b.Fingerprint)
		case columns.Usage:
			c = cmp.Or(cmp.Compare(a.UsageCount, b.UsageCount), cmp.Compare(a.MaxUsage, b.MaxUsage))
		case columns.Updated:
			c = a.UpdatedAt.Compare(b.UpdatedAt)
		}
		if c == 0 {
			c = cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
		}
		if desc {
			return -c
		}
		return c
	})
	names := make([]string, len(rows))
	for i, k := range rows {
		names[i] = k.Name
	}
	return names
}

func viewNames(p *keysPage) []string {
	names := make([]string, len(p.view))
	for i, pos := range p.view {
		names[i] = p.set.Table.Name(int(pos))
	}
	return names
}

// TestKeysViewAgreesWithMatch types and deletes filters one key at a time, under every sort,
// and holds the view (the cached, narrowed, order-filtered one) to Filter.Match and a plain
// sort of the keys.
func TestKeysViewAgreesWithMatch(t *testing.T) {
	keys := keysetKeys()
	a := keysFrame(ui.NewEnv(nil, model.Actor{Name: "t", Role: model.RoleViewer}, ui.Options{Now: func() time.Time { return perfNow }}))
	a.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	p := a.Page(0).(*keysPage)
	a.Update(keysLoadedMsg{seq: p.loadSeq, keys: keys})
	for col := range columns.Layout {
		for _, desc := range []bool{false, true} {
			p.sortCol, p.sortDesc = col, desc
			p.rebuild()
			a.Update(tea.KeyPressMsg{Code: '/', Text: "/"})
			check := func() {
				t.Helper()
				f, err := model.ParseFilter(p.filter.Value())
				if err != nil {
					return // the last good filter stays
				}
				if got, want := viewNames(p), wantView(keys, f, col, desc, perfNow); !slices.Equal(got, want) {
					t.Fatalf("sort %d desc %v filter %q: view %d rows %.5q…, want %d %.5q…",
						col, desc, p.filter.Value(), len(got), got, len(want), want)
				}
			}
			check()
			for _, typed := range []string{"ams-api", " group:web", " status:enabled"} {
				for _, r := range typed {
					a.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
					check()
				}
			}
			for p.filter.Value() != "" {
				a.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
				check()
			}
			a.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
		}
	}
}

// countingStore lists keys and counts how often; the other methods are not used.
type countingStore struct {
	ui.Store
	keys    []model.Key
	version atomic.Int64
	lists   atomic.Int64
	delay   time.Duration
}

func (s *countingStore) ListKeys(context.Context) ([]model.Key, error) {
	s.lists.Add(1)
	time.Sleep(s.delay)
	return s.keys, nil
}

func (s *countingStore) DataVersion(context.Context) (int64, error) { return s.version.Load(), nil }

// headStore also offers the quick first screenful.
type headStore struct {
	countingStore
	heads atomic.Int64
}

func (s *headStore) ListKeysHead(_ context.Context, limit int) ([]model.Key, int, error) {
	s.heads.Add(1)
	return s.keys[:min(limit, len(s.keys))], len(s.keys), nil
}

// TestKeysHeadFirst checks the quick start: the first screenful with "loading…" and the
// full count, then the whole listing, which alone decides what the filter sees.
func TestKeysHeadFirst(t *testing.T) {
	st := &headStore{countingStore: countingStore{keys: perfGenerated(headKeys + 50)}}
	p := New(&ui.Env{Store: st, Actor: model.Actor{Name: "t", Role: model.RoleViewer},
		Opts: ui.Options{Now: func() time.Time { return perfNow }}, Styles: theme.Default()})
	p.Update(ui.PageSizeMsg{Width: 120, Height: 30})
	msg := p.Init()()
	if _, ok := msg.(keysHeadMsg); !ok || st.lists.Load() != 0 {
		t.Fatalf("Init sent %T and listed %d times; want the head first", msg, st.lists.Load())
	}
	next := p.Update(msg)
	if v := p.View(120, 30); !strings.Contains(v, "loading… "+fmt.Sprint(headKeys+50)+" of "+fmt.Sprint(headKeys+50)+" keys") ||
		!strings.Contains(v, st.keys[0].Name) {
		t.Fatalf("the first screen:\n%s", v)
	}
	if next == nil {
		t.Fatal("the head did not start the whole listing")
	}
	deliver(p, next) // the whole listing (and the operator's columns)
	if v := p.View(120, 30); strings.Contains(v, "loading…") || p.set.Len() != headKeys+50 {
		t.Fatalf("after the whole listing (%d keys):\n%s", p.set.Len(), v)
	}
	// A warm shared listing skips the head.
	c := keyset.NewCache()
	if _, err := c.Load(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	p2 := New(&ui.Env{Store: st, Opts: ui.Options{Keys: c, Now: func() time.Time { return perfNow }}, Styles: theme.Default()})
	if _, ok := p2.Init()().(keysLoadedMsg); !ok {
		t.Fatal("a warm cache still asked for the head")
	}
}

func (s *countingStore) ListKeysHead(ctx context.Context, limit int) ([]model.Key, int, error) {
	return uitest.ListedFrom{L: s}.ListKeysHead(ctx, limit)
}

func (s *countingStore) ListKeyTable(ctx context.Context) (*model.KeyTable, error) {
	return uitest.ListedFrom{L: s}.ListKeyTable(ctx)
}
