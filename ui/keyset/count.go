package keyset

import (
	"math/bits"
	"time"

	"provkeys/model"
)

// Count is how many keys of s match f at now, answered by the filter index, so a count
// agrees with the rows the same filter shows. It reads compact arrays, never a model.Key.
func (s *Set) Count(f model.Filter, now time.Time) int {
	if s.Len() == 0 {
		return 0
	}
	n := 0
	for _, w := range s.index.FilterBits(f, now, nil) {
		n += bits.OnesCount64(w)
	}
	return n
}
