package handlers

import "sync"

// maxExportsPerUser is how many exports one user may stream at once
// (issue 11). Exports are long-lived and each holds an upstream connection;
// three covers "billing and compliance in two tabs" and stops a stuck
// double-clicker or a script from tying up the Vobiz account's capacity.
const maxExportsPerUser = 3

// exportRetryAfter is the Retry-After, in seconds, sent with the 429. It is
// a hint only: a slot frees as soon as any running export ends.
const exportRetryAfter = "30"

// exportLimiter counts running exports per user. The zero value is ready
// to use. It lives in memory: with several cdrdash replicas each enforces
// its own limit, which is enough for a guard against accidents.
type exportLimiter struct {
	mu      sync.Mutex
	running map[int64]int
}

// acquire takes a slot for user, reporting false when the user already has
// max exports running. A true result must be paired with release.
func (l *exportLimiter) acquire(user int64, max int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.running == nil {
		l.running = make(map[int64]int)
	}
	if l.running[user] >= max {
		return false
	}
	l.running[user]++
	return true
}

// release gives back a slot taken by acquire.
func (l *exportLimiter) release(user int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.running[user] <= 1 {
		delete(l.running, user) // the map only holds users with exports running
		return
	}
	l.running[user]--
}
