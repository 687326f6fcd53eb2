package postgres

import (
	"testing"

	"provkeys/store/demo"
)

// BenchmarkListing100k is the dashboard's start-up on a 100k-key store: the first screen
// (ListKeysHead) and every key (ListKeyTable, ListKeys). Run: go test -run x -bench Listing
// -benchtime 5x ./store/postgres/
func BenchmarkListing100k(b *testing.B) {
	s := openTestStore(b)
	ctx := testCtx(b)
	if err := demo.Fill(ctx, s.as(admin), 100_000, nil); err != nil {
		b.Fatal(err)
	}
	x := s.as(viewer)
	b.Run("ListKeysHead", func(b *testing.B) {
		for b.Loop() {
			if keys, n, err := x.ListKeysHead(ctx, 60); err != nil || len(keys) != 60 || n != 100_000 {
				b.Fatal(len(keys), n, err)
			}
		}
	})
	b.Run("ListKeyTable", func(b *testing.B) {
		for b.Loop() {
			if t, err := x.ListKeyTable(ctx); err != nil || t.Len() != 100_000 {
				b.Fatal(err)
			}
		}
	})
	b.Run("ListKeys", func(b *testing.B) {
		for b.Loop() {
			if keys, err := x.ListKeys(ctx); err != nil || len(keys) != 100_000 {
				b.Fatal(err)
			}
		}
	})
}
