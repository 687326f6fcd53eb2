package keyset

import (
	"sort"
	"time"
)

// ByName finds the key named name, case-insensitively as the store's unique index compares,
// by binary search in the name order: fast enough to check every name typed into a form.
func (s *Set) ByName(name string) (id int64, found bool) {
	if s == nil || s.Table.Len() == 0 {
		return 0, false
	}
	o := s.Order(SortName, time.Time{})
	i := sort.Search(len(o), func(i int) bool { return CompareFold(s.Table.Name(int(o[i])), name) >= 0 })
	if i < len(o) && CompareFold(s.Table.Name(int(o[i])), name) == 0 {
		return s.Table.ID(int(o[i])), true
	}
	return 0, false
}
