// Package column keeps the filter index's per-key numbers compactly: a column of numbers is
// held in a small type while every value fits one, else as the wide values given, so that a
// million keys' entry numbers take a byte each and their usage counts two.
package column

import (
	"math"
	"slices"
)

// Narrow is a column of numbers kept in the small type S while every value fits one, else
// as the wide values given.
type Narrow[S uint8 | uint16, W uint32 | int64] struct {
	small []S
	wide  []W
}

// Narrowed is the column of v: in S when fits says every value fits one, else v itself.
func Narrowed[S uint8 | uint16, W uint32 | int64](v []W, fits bool) Narrow[S, W] {
	if !fits {
		return Narrow[S, W]{wide: v}
	}
	small := make([]S, len(v))
	for i, x := range v {
		small[i] = S(x)
	}
	return Narrow[S, W]{small: small}
}

// At is the column's value i.
func (n *Narrow[S, W]) At(i int) W {
	if n.wide != nil {
		return n.wide[i]
	}
	return W(n.small[i])
}

// Entries are an entry number per key (or per link), a byte each while the table has at
// most 256 entries, as certificates, descriptions and groups usually do.
type Entries = Narrow[uint8, uint32]

// NarrowEntries is the column of entry numbers v, whose largest possible value is last.
func NarrowEntries(v []uint32, last int) Entries { return Narrowed[uint8](v, last <= math.MaxUint8) }

// Counts are usage counts or maxima per key, two bytes each while every one fits.
type Counts = Narrow[uint16, int64]

// NarrowCounts is the column of counts v.
func NarrowCounts(v []int64) Counts {
	return Narrowed[uint16](v, !slices.ContainsFunc(v, func(x int64) bool { return x < 0 || x > math.MaxUint16 }))
}

// Small reports whether the column is held in the small type.
func (n *Narrow[S, W]) Small() bool { return n.small != nil }

// Empty reports whether the column holds no values at all.
func (n *Narrow[S, W]) Empty() bool { return n.small == nil && n.wide == nil }
