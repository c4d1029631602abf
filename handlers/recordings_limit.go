package handlers

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Recording fetches per user (docs/recordings.md#rate-limit): a burst of
// 60, then one a second. A browser playing and seeking makes a request per
// seek, so the burst is generous; what it stops is a script pulling every
// recording of the account through cdrdash. Every fetch that reaches
// Vobiz counts: audio, downloads and waveforms not yet cached. Each
// replica keeps its own buckets.
const (
	recordingRate    = rate.Limit(1)
	recordingBurst   = 60
	recordingBuckets = 10_000
)

// recordingFetches is a token bucket per user id. The zero value is ready
// to use.
type recordingFetches struct {
	mu      sync.Mutex
	buckets map[int64]*rate.Limiter
}

// allow takes a token for user at now, or reports how long until one is
// available.
func (l *recordingFetches) allow(user int64, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = make(map[int64]*rate.Limiter)
	}
	b, ok := l.buckets[user]
	if !ok {
		if len(l.buckets) >= recordingBuckets {
			// Full buckets behave like new ones: dropping them loses nothing.
			for k, b := range l.buckets {
				if b.TokensAt(now) >= recordingBurst {
					delete(l.buckets, k)
				}
			}
		}
		b = rate.NewLimiter(recordingRate, recordingBurst)
		l.buckets[user] = b
	}
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}
