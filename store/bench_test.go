package store

import (
	"context"
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"
)

// demoStore is a store filled by Demo with n keys.
func demoStore(b testing.TB, n int) *Store {
	s := openTestStore(b)
	if err := s.As(admin).Demo(context.Background(), n, nil); err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkListKeys(b *testing.B) {
	for _, n := range []int{10_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			x := demoStore(b, n).As(admin)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				keys, err := x.ListKeys(ctx)
				if err != nil || len(keys) != n {
					b.Fatal(len(keys), err)
				}
			}
		})
	}
}

// BenchmarkUpdateKey is one edit commit: read the key, save it back at its version.
func BenchmarkUpdateKey(b *testing.B) {
	s := openTestStore(b)
	x := s.As(admin)
	k, _ := mustKey(b, x, keyInput("bench"))
	ctx := context.Background()
	var lat []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		in := k.Input()
		in.MaxUsage++
		var err error
		if k, err = x.UpdateKey(ctx, k.ID, k.Version, in); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// TestScale measures Demo and ListKeys at PROVKEYS_SCALE keys (e.g. 100000 or 1000000); it is
// skipped unless that variable is set.
func TestScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("PROVKEYS_SCALE"))
	if n <= 0 {
		t.Skip("set PROVKEYS_SCALE=N to measure Demo and ListKeys at N keys")
	}
	t0 := time.Now()
	s := demoStore(t, n)
	t.Logf("Demo(%d): %v", n, time.Since(t0))
	x := s.As(admin)
	for range 3 {
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		t0 = time.Now()
		keys, err := x.ListKeys(context.Background())
		d := time.Since(t0)
		runtime.GC()
		runtime.ReadMemStats(&m1)
		if err != nil || len(keys) != n {
			t.Fatal(len(keys), err)
		}
		t.Logf("ListKeys(%d): %v, %d MiB allocated, %d MiB live", n, d,
			(m1.TotalAlloc-m0.TotalAlloc)>>20, int64(m1.HeapAlloc-m0.HeapAlloc)>>20)
		runtime.KeepAlive(keys)
	}
	fi, _ := os.Stat(s.Path())
	t.Logf("database file: %d MiB", fi.Size()>>20)
}
