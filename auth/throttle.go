package auth

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// Throttling defaults. Failures count per username and client address
// together (the pair), so someone guessing from one address locks only
// themself out of that account, never its owner elsewhere; a slower limit
// per username bounds guessing spread over many addresses, and one per
// address bounds spraying many usernames from one place. A lock lifts when
// the oldest of the failures that caused it leaves the window.
const (
	DefaultMaxFailures     = 5  // per username+address pair
	DefaultUserMaxFailures = 50 // per username, from any address
	DefaultIPMaxFailures   = 20 // per address (IPv6: per /64), any username
	DefaultFailureWindow   = 15 * time.Minute
)

// In-flight caps: how many sign-in attempts (or password confirmations) may
// be running at once for one username and for one client address in this
// process. Past them the attempt is refused at once with *BusyError: a
// client has no reason to send more, and every waiting attempt holds a
// connection, a goroutine and, later, a hash buffer.
const (
	maxInFlightPerUser = 2
	maxInFlightPerIP   = 8
	busyRetryAfter     = 2 * time.Second
)

// ErrBusy is matched (errors.Is) by *BusyError.
var ErrBusy = errors.New("auth: too many sign-ins in progress")

// BusyError refuses a sign-in, password change or account change because
// too many are running: in-flight caps per username or address, or the
// password-hash queue being full or its wait timing out. Nothing was
// checked or recorded; the client may retry after RetryAfter.
type BusyError struct {
	RetryAfter time.Duration
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("auth: too many sign-ins in progress; try again in %d seconds", e.RetryAfterSeconds())
}

// Is makes errors.Is(err, ErrBusy) match.
func (e *BusyError) Is(target error) bool { return target == ErrBusy }

// RetryAfterSeconds is RetryAfter rounded up to whole seconds (at least 1).
func (e *BusyError) RetryAfterSeconds() int {
	return max(1, int(math.Ceil(e.RetryAfter.Seconds())))
}

// inFlight counts running attempts per key. Entries disappear when their
// count drops to zero, so the map holds at most the running attempts.
type inFlight struct {
	mu sync.Mutex
	n  map[string]int
}

// acquire takes one slot for every key whose limit allows it, or none (and
// reports false) when one key is at its limit. Empty keys are skipped.
func (f *inFlight) acquire(keys []string, limits []int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, k := range keys {
		if k != "" && f.n[k] >= limits[i] {
			return false
		}
	}
	if f.n == nil {
		f.n = map[string]int{}
	}
	for _, k := range keys {
		if k != "" {
			f.n[k]++
		}
	}
	return true
}

func (f *inFlight) release(keys []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range keys {
		if k == "" {
			continue
		}
		if f.n[k] <= 1 {
			delete(f.n, k)
		} else {
			f.n[k]--
		}
	}
}
