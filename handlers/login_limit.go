package handlers

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Sign-in form posts per client address (IPv6: per /64), checked in memory
// before anything touches the database: a burst of 20, then one a second.
// That is far more than people typing passwords need (an office behind one
// address included), and it bounds what one client can make the database
// and the audit trail do, whatever the account locks say. Each replica
// keeps its own buckets.
const (
	loginRate  = rate.Limit(1)
	loginBurst = 20
	// loginBuckets bounds the memory of the limiter: past it, buckets that
	// have refilled (and so behave like new ones) are dropped first.
	loginBuckets = 10_000
)

// loginLimiter is a token bucket per client address. The zero value is
// ready to use.
type loginLimiter struct {
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// allow takes a token for key at now, or reports how long until one is
// available.
func (l *loginLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = make(map[string]*rate.Limiter)
	}
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= loginBuckets {
			l.evict(now)
		}
		b = rate.NewLimiter(loginRate, loginBurst)
		l.buckets[key] = b
	}
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// evict drops full buckets; if none is full, arbitrary ones, until there
// is room: a dropped bucket only lets its address start again from a full
// burst, and the database's account locks still hold.
func (l *loginLimiter) evict(now time.Time) {
	for k, b := range l.buckets {
		if b.TokensAt(now) >= loginBurst {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < loginBuckets {
			break
		}
		delete(l.buckets, k)
	}
}
