package sqlite

import (
	"context"
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"provkeys/model"
	"provkeys/store/demo"
)

// demoStore is a store filled by Demo with n keys.
func demoStore(b testing.TB, n int) *Store {
	s := openTestStore(b)
	if err := demo.Fill(context.Background(), s.as(admin), n, nil); err != nil {
		b.Fatal(err)
	}
	return s
}

// benchStore is the store PROVKEYS_BENCH_DB names (the performance suite passes a copy of a
// demo store: benchmarks may change it), else a fresh one holding n demo keys.
func benchStore(b *testing.B, n int) *Store {
	path := os.Getenv("PROVKEYS_BENCH_DB")
	if path == "" {
		return demoStore(b, n)
	}
	s, err := openAt(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkListKeys lists every key of the bench store (10,000 demo keys by default).
func BenchmarkListKeys(b *testing.B) {
	x := benchStore(b, 10_000).as(admin)
	ctx := context.Background()
	keys, err := x.ListKeys(ctx)
	if err != nil {
		b.Fatal(err)
	}
	n := len(keys)
	b.Run("keys="+strconv.Itoa(n), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			keys, err := x.ListKeys(ctx)
			if err != nil || len(keys) != n {
				b.Fatal(len(keys), err)
			}
		}
	})
}

// BenchmarkUpdateKey is one edit commit: read a key, save it back at its version (WAL,
// synchronous FULL). On the suite's store the key is one of many thousands; p50-ns and p99-ns
// are per edit.
func BenchmarkUpdateKey(b *testing.B) {
	s := benchStore(b, 0)
	x := s.as(admin)
	ctx := context.Background()
	var k model.Key
	if keys, err := x.ListKeys(ctx); err == nil && len(keys) > 0 {
		k = keys[len(keys)/2]
	} else {
		k, _ = mustKey(b, x, keyInput("bench"))
	}
	var lat []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		k2, err := x.Key(ctx, k.ID)
		if err != nil {
			b.Fatal(err)
		}
		in := k2.Input()
		in.MaxUsage++
		if k, err = x.UpdateKey(ctx, k2.ID, k2.Version, in); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2]), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100]), "p99-ns")
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
	x := s.as(admin)
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
