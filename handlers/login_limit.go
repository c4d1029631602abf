package handlers

import "golang.org/x/time/rate"

// Sign-in form posts per client address (IPv6: per /64), checked in memory
// before anything touches the database: a burst of 20, then one a second.
// That is far more than people typing passwords need (an office behind one
// address included), and it bounds what one client can make the database
// and the audit trail do, whatever the account locks say.
const (
	loginRate  = rate.Limit(1)
	loginBurst = 20
	// loginBuckets bounds the memory of the limiter.
	loginBuckets = 10_000
)

func newLoginLimiter() *keyedLimiter[string] {
	return &keyedLimiter[string]{rate: loginRate, burst: loginBurst, max: loginBuckets}
}
