package column

import (
	"math"
	"testing"
)

// TestNarrow: a column gives back every value it was made of, small or wide, and is held
// small exactly when every value fits.
func TestNarrow(t *testing.T) {
	for _, c := range []struct {
		name  string
		v     []int64
		small bool
	}{
		{"fits", []int64{0, 5, math.MaxUint16}, true},
		{"too large", []int64{0, math.MaxUint16 + 1}, false},
		{"negative", []int64{3, -1}, false},
	} {
		col := NarrowCounts(c.v)
		if (col.small != nil) != c.small {
			t.Errorf("%s: held small %v, want %v", c.name, col.small != nil, c.small)
		}
		for i, want := range c.v {
			if got := col.At(i); got != want {
				t.Errorf("%s: At(%d) = %d, want %d", c.name, i, got, want)
			}
		}
	}
	entries := []uint32{0, 255, 7}
	for _, last := range []int{255, 256} {
		col := NarrowEntries(entries, last)
		if (col.small != nil) != (last <= 255) {
			t.Errorf("entries up to %d: held small %v", last, col.small != nil)
		}
		for i, want := range entries {
			if got := col.At(i); got != want {
				t.Errorf("entries up to %d: At(%d) = %d, want %d", last, i, got, want)
			}
		}
	}
}
