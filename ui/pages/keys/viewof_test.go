package keys

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestViewOfTableOrder: walking the hits' bits gives the same view as looking every position
// of the table order up, for filters from none to every key, at sizes around word edges.
func TestViewOfTableOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 63, 64, 65, 1000, 4097} {
		order := make([]int32, n)
		for i := range order {
			order[i] = int32(i)
		}
		for _, density := range []float64{0, 0.001, 0.3, 1} {
			hits := make([]uint64, (n+63)/64)
			for i := range n {
				if r.Float64() < density {
					hits[i/64] |= 1 << (i % 64)
				}
			}
			slow := viewOf(order, hits, false, false, nil)
			fast := viewOf(order, hits, false, true, nil)
			if !slices.Equal(slow, fast) {
				t.Fatalf("n=%d density=%v: bits walk gave %d positions, lookup %d", n, density, len(fast), len(slow))
			}
			want := 0
			for _, w := range hits {
				for ; w != 0; w &= w - 1 {
					want++
				}
			}
			if len(fast) != want {
				t.Fatalf("n=%d density=%v: %d positions for %d hits", n, density, len(fast), want)
			}
			rev := slices.Clone(slow)
			slices.Reverse(rev)
			if desc := viewOf(order, hits, true, true, nil); !slices.Equal(desc, rev) {
				t.Fatalf("n=%d: descending view is not the ascending one reversed", n)
			}
		}
	}
}
