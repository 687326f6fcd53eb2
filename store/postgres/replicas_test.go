package postgres

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"provkeys/internal/testcert"
	"provkeys/model"
)

// TestUsageLimitAcrossReplicas: 200 enrollments against one key with max usage 50, spread
// over two separate store handles (as two `serve` replicas on one database), admit exactly
// 50 machines; the others are refused with ErrNoUsesLeft.
func TestUsageLimitAcrossReplicas(t *testing.T) {
	a := openTestStore(t)
	b := openAt(t, a.url, a.keyPath)
	ctx := testCtx(t)
	x := a.as(admin)
	mustGroup(t, x, "Servers")
	in := keyInput("fleet")
	in.MaxUsage = 50
	k, secret, err := x.CreateKey(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	// Requests are made first: the CSRs' key generation is not what is measured.
	const n = 200
	reqs := make([]model.EnrollRequest, n)
	for i := range reqs {
		name := fmt.Sprintf("m-%03d", i)
		reqs[i] = model.EnrollRequest{Key: secret, Machine: name, CSR: testcert.CSR(t, name), Remote: "198.51.100.4:40000"}
	}
	var ok, refused atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i, req := range reqs {
		replica := a.Store
		if i%2 == 1 {
			replica = b
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			_, err := replica.Enroll(ctx, req, 0)
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, model.ErrNoUsesLeft):
				refused.Add(1)
			default:
				t.Errorf("enroll %s: %v", req.Machine, err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 50 || refused.Load() != n-50 {
		t.Fatalf("%d admitted, %d refused; want 50 and %d", ok.Load(), refused.Load(), n-50)
	}
	got, err := b.as(admin).Key(ctx, k.ID)
	if err != nil || got.UsageCount != 50 {
		t.Fatalf("usage count %d (%v), want 50", got.UsageCount, err)
	}
	if ms, err := a.as(admin).ListMachines(ctx, k.ID); err != nil || len(ms) != 50 {
		t.Fatalf("%d machines (%v), want 50", len(ms), err)
	}
}
