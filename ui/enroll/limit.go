package enroll

import (
	"sync"
	"time"
)

// limiter is a token bucket per client address, spent only by refused requests: a machine
// that enrolls is never slowed, one that guesses keys soon is.
type limiter struct {
	mu      sync.Mutex
	rate    float64 // tokens per second
	burst   float64
	now     func() time.Time
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds the map; past it, buckets that have refilled are dropped (they hold
// nothing a new bucket would not).
const maxBuckets = 1 << 16

func newLimiter(rate float64, burst int, now func() time.Time) *limiter {
	return &limiter{rate: rate, burst: float64(burst), now: now, buckets: map[string]*bucket{}}
}

// refill brings b up to date; call with mu held.
func (l *limiter) refill(b *bucket, t time.Time) {
	b.tokens = min(l.burst, b.tokens+t.Sub(b.at).Seconds()*l.rate)
	b.at = t
}

// allow reports whether addr has a token left for a possible refusal.
func (l *limiter) allow(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[addr]
	if b == nil {
		return true
	}
	l.refill(b, l.now())
	return b.tokens >= 1
}

// take spends one of addr's tokens.
func (l *limiter) take(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.now()
	b := l.buckets[addr]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.prune(t)
		}
		b = &bucket{tokens: l.burst, at: t}
		l.buckets[addr] = b
	}
	l.refill(b, t)
	b.tokens = max(0, b.tokens-1)
}

func (l *limiter) prune(t time.Time) {
	for k, b := range l.buckets {
		if l.refill(b, t); b.tokens >= l.burst {
			delete(l.buckets, k)
		}
	}
}
