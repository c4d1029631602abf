package handlers

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// keyedLimiter is a token bucket per key, kept in memory: sign-in posts per
// client address (login_limit.go), recording fetches per user
// (recordings_limit.go). Each replica keeps its own buckets. The table is
// bounded by max: past it, buckets that have refilled (and so behave like
// new ones) are dropped first, then arbitrary ones, which only lets their
// keys start again from a full burst.
type keyedLimiter[K comparable] struct {
	rate  rate.Limit
	burst int
	max   int

	mu      sync.Mutex
	buckets map[K]*rate.Limiter
}

// allow takes a token for key at now, or reports how long until one is
// available.
func (l *keyedLimiter[K]) allow(key K, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = make(map[K]*rate.Limiter)
	}
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.max {
			l.evict(now)
		}
		b = rate.NewLimiter(l.rate, l.burst)
		l.buckets[key] = b
	}
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

func (l *keyedLimiter[K]) evict(now time.Time) {
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < l.max {
			break
		}
		delete(l.buckets, k)
	}
}
