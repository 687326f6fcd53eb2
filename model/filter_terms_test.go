package model

import (
	"reflect"
	"testing"
	"time"
)

const day = 24 * time.Hour

// hygieneKeys have the times and usage the relative terms look at, around filterNow.
var hygieneKeys = []Key{
	{Name: "fresh", Groups: groups("Kiosks"), Enabled: true, CreatedAt: filterNow.Add(-2 * day), UpdatedAt: filterNow.Add(-day), ExpiresAt: filterNow.Add(10 * day), MaxUsage: 10, UsageCount: 9},
	{Name: "stale", Groups: groups("Lobby"), Enabled: true, CreatedAt: filterNow.Add(-400 * day), UpdatedAt: filterNow.Add(-200 * day), ExpiresAt: filterNow.Add(60 * day), MaxUsage: 10, UsageCount: 8},
	{Name: "gone", Groups: groups("Kiosks", "Lobby"), Enabled: true, CreatedAt: filterNow.Add(-40 * day), UpdatedAt: filterNow.Add(-40 * day), ExpiresAt: filterNow.Add(-time.Hour), UsageCount: 3},
	{Name: "forever", Groups: groups("Servers"), Enabled: false, CreatedAt: filterNow.Add(-8 * day), UpdatedAt: filterNow.Add(-8 * day), MaxUsage: 4, UsageCount: 4},
	{Name: "edge", Groups: groups("Servers"), Enabled: true, CreatedAt: filterNow.Add(-7 * day), UpdatedAt: filterNow.Add(-90 * day), ExpiresAt: filterNow.Add(30 * day)},
}

func hygieneMatching(t *testing.T, expr string) []string {
	t.Helper()
	f, err := ParseFilter(expr)
	if err != nil {
		t.Fatalf("ParseFilter(%q) = %v", expr, err)
	}
	var names []string
	for _, k := range hygieneKeys {
		if f.Match(k, filterNow) {
			names = append(names, k.Name)
		}
	}
	ix := NewKeyTable(hygieneKeys).Index()
	var fromIndex []string
	for _, i := range ix.Filter(f, filterNow, nil) {
		fromIndex = append(fromIndex, hygieneKeys[i].Name)
	}
	if !reflect.DeepEqual(names, fromIndex) {
		t.Errorf("%q: Match gives %q, a KeyTable's Index %q", expr, names, fromIndex)
	}
	return names
}

func TestFilterHygieneTerms(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"expires:<30d", []string{"fresh"}}, // edge expires in exactly 30 days: not less
		{"expires:<31d", []string{"fresh", "edge"}},
		{"expires:>30d", []string{"stale", "forever"}},
		{"expires:expired", []string{"gone"}},
		{"EXPIRES:Never", []string{"forever"}},
		{"expires:<2w", []string{"fresh"}},
		{"expires:<1y", []string{"fresh", "stale", "edge"}},
		{"created:<7d", []string{"fresh"}}, // edge was created exactly 7 days ago
		{"created:>7d", []string{"stale", "gone", "forever"}},
		{"created:<72h", []string{"fresh"}},
		{"updated:>90d", []string{"stale"}},
		{"updated:<90d", []string{"fresh", "gone", "forever"}},
		{"usage:>80%", []string{"fresh", "forever"}},
		{"usage:80%", []string{"stale"}},
		{"usage:<50%", nil},
		{"usage:0", []string{"edge"}},
		{"usage:>3", []string{"fresh", "stale", "forever"}},
		{"usage:<4", []string{"gone", "edge"}},
		{"-group:kiosks", []string{"stale", "forever", "edge"}},
		{"group:kiosks|servers", []string{"fresh", "gone", "forever", "edge"}},
		{"-group:kiosks|lobby", []string{"forever", "edge"}},
		{"status:disabled|expired", []string{"gone", "forever"}},
		{"group:kiosks -expires:expired", []string{"fresh"}},
		{"-fresh -stale -gone", []string{"forever", "edge"}},
		{"name:fresh|", []string{"fresh"}}, // an alternative still being typed is left out
		{"-", []string{"fresh", "stale", "gone", "forever", "edge"}},
		{`"-fresh"`, nil}, // quoted: text holding a hyphen, not a negation
		{`name:"fr"|"st"`, []string{"fresh", "stale"}},
		{`"a|b"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := hygieneMatching(t, tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%q matches %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFilterHygieneErrors(t *testing.T) {
	tests := []struct{ in, wantMsg string }{
		{"expires:soon", "expires:soon: want <30d, >30d (h, d, w or y), expired or never"},
		{"expires:<30", "expires:<30: want <30d"},
		{"expires:<30m", "expires:<30m: want"},
		{"created:30d", "created:30d: want <30d or >30d (h, d, w or y)"},
		{"updated:>-1d", "updated:>-1d: want"},
		{"created:<99999999999d", "created:<99999999999d: want"},
		{"usage:>80%%", "usage:>80%%: want a count or a percentage of max usage"},
		{"usage:lots", "usage:lots: want a count"},
		{"usage:-1", "usage:-1: want"},
		{"expires:", "expires: needs a value, such as expires:<30d"},
		{"usage:", "usage: needs a value, such as usage:>80%"},
		{"group:kiosks|status", ""},
		{"-colour:red", `unknown field "colour:"`},
		{"status:enabled|bogus", "status:enabled|bogus: want enabled, disabled, expired or exhausted"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseFilter(tt.in)
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("ParseFilter(%q) = %v, want no error", tt.in, err)
				}
				return
			}
			wantValidation(t, err, "filter", tt.wantMsg)
		})
	}
}

func TestBuiltinFilters(t *testing.T) {
	want := map[string][]string{
		"Expiring in 30 days": {"fresh"},
		"Exhausted":           nil, // forever is exhausted but disabled, and disabled wins
		"Disabled":            {"forever"},
		"Never used":          {"edge"},
	}
	bs := BuiltinFilters()
	if len(bs) != len(want) {
		t.Fatalf("%d built-in filters, want %d", len(bs), len(want))
	}
	for _, b := range bs {
		w, ok := want[b.Name]
		if !ok {
			t.Fatalf("unexpected built-in filter %q", b.Name)
		}
		if !b.Builtin() || b.ID >= 0 {
			t.Errorf("%q: ID = %d; want a built-in with a negative id", b.Name, b.ID)
		}
		if got := hygieneMatching(t, b.Expr); !reflect.DeepEqual(got, w) {
			t.Errorf("%q (%s) matches %q, want %q", b.Name, b.Expr, got, w)
		}
	}
}
