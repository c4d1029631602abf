package handlers

import (
	"strconv"
	"testing"
	"time"
)

// TestLoginLimiter: a burst per address, then one a second (on an injected
// clock), addresses independent, and the table of buckets bounded.
func TestLoginLimiter(t *testing.T) {
	l := newLoginLimiter()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for i := range loginBurst {
		if ok, _ := l.allow("ip:192.0.2.1", now); !ok {
			t.Fatalf("post %d of the burst refused", i+1)
		}
	}
	ok, wait := l.allow("ip:192.0.2.1", now)
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("past the burst: ok %v, wait %v; want refused with a wait of at most 1 s", ok, wait)
	}
	if ok, _ := l.allow("ip:192.0.2.2", now); !ok {
		t.Error("another address shares the bucket")
	}
	if ok, _ := l.allow("ip:192.0.2.1", now.Add(time.Second)); !ok {
		t.Error("no token one second later")
	}

	for i := range loginBuckets + 500 {
		l.allow("ip:10.0."+strconv.Itoa(i/250)+"."+strconv.Itoa(i%250), now)
	}
	if n := len(l.buckets); n > loginBuckets {
		t.Errorf("%d buckets kept, want at most %d", n, loginBuckets)
	}
}
