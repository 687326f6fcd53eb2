package enroll_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"provkeys/internal/testcert"
	"provkeys/store/demo"
	"provkeys/ui/enroll"
)

// BenchmarkEnrollHTTP is full enrollments through the HTTPS service by 64 concurrent clients
// with kept-alive connections, on a store of PROVKEYS_BENCH_KEYS demo keys (default 1,000;
// the speed goal is stated for 100,000). It reports enrollments/s and p50/p99 latency; compare
// with store/ca's BenchmarkCheckAndSign, the bare cryptography of one enrollment.
func BenchmarkEnrollHTTP(b *testing.B) {
	keys := 1000
	if v, err := strconv.Atoi(os.Getenv("PROVKEYS_BENCH_KEYS")); err == nil && v > 0 {
		keys = v
	}
	s := startService(b, enroll.Config{})
	if err := demo.Fill(context.Background(), s.x, keys, nil); err != nil {
		b.Fatal(err)
	}
	_, secret := s.key(b, "bench", nil)
	// The requests are made up front so the clients measure the service, not key generation.
	bodies := make([][]byte, b.N)
	for i := range bodies {
		name := fmt.Sprintf("bench-%07d", i)
		bodies[i], _ = json.Marshal(map[string]string{"key": secret, "machine": name, "csr": testcert.CSR(b, name)})
	}
	var next atomic.Int64
	var mu sync.Mutex
	lat := make([]time.Duration, 0, b.N)
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			i := next.Add(1) - 1
			t0 := time.Now()
			code, body := s.post(b, bodies[i])
			mine = append(mine, time.Since(t0))
			if code != http.StatusCreated {
				b.Errorf("status %d: %s", code, body)
				return
			}
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "enrollments/s")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}
