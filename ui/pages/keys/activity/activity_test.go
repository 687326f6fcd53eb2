package activity

import (
	"strings"
	"testing"
)

func TestSparkline(t *testing.T) {
	tests := []struct {
		name string
		in   []int
		want string
	}{
		{"empty", nil, ""},
		{"all zero", []int{0, 0, 0, 0}, "▁▁▁▁"},
		{"one day", []int{5}, "█"},
		{"the peak is full height", []int{0, 14, 0}, "▁█▁"},
		// One of fourteen is still more than none: the lowest block above the baseline.
		{"one is never none", []int{1, 0, 14}, "▂▁█"},
		// n of 8 is ceil(7n/8) steps up: 7 and 8 both reach the top.
		{"rounded up", []int{1, 2, 3, 4, 5, 6, 7, 8}, "▂▃▄▅▆▇██"},
		{"halves", []int{7, 14}, "▅█"},
		{"all the same", []int{3, 3, 3}, "███"},
		{"negative counts as none", []int{-2, 4}, "▁█"},
		{"large counts", []int{1_000_000, 500_000, 1}, "█▅▂"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sparkline(tt.in); got != tt.want {
				t.Fatalf("sparkline(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestActivityChartLegend(t *testing.T) {
	zeros := make([]int, 30)
	if got, want := activityChart(zeros), strings.Repeat("▁", 30)+"  none in 30 days"; got != want {
		t.Fatalf("all zero: %q, want %q", got, want)
	}
	days := make([]int, 30)
	days[0], days[28], days[29] = 2, 14, 1
	want := "▂" + strings.Repeat("▁", 27) + "█▂  max 14/day · 17 in 30 days · today at right"
	if got := activityChart(days); got != want {
		t.Fatalf("chart %q, want %q", got, want)
	}
}
