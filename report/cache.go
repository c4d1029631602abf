package report

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
)

// cache holds the results of finished periods: day summaries, range
// totals and breakdowns of days that can no longer change. It is an LRU
// (expirable.LRU, the one cache implementation of the project) bounded by
// entry count (every value is a few hundred bytes to a few kilobytes, so
// a count bound is a memory bound), with a maximum age as a safety net for
// the rare record that reaches the API after its day was cached.
//
// The age is checked against the time an entry was added by the
// service's clock (which also decides what is "finished", and which tests
// set), so the LRU runs without a TTL of its own: an expirable.LRU with a
// TTL starts a cleanup goroutine that never exits (golang-lru v2.0.7), one
// per Service, and the count bound already limits memory. An entry past
// its age is dropped when next asked for, or pushed out by newer ones.
//
// do also collapses concurrent fetches of one key into one upstream
// request (singleflight), cached or not: ten people opening the same
// report at nine in the morning cost one request per day, not ten.
type cache struct {
	maxAge time.Duration
	now    func() time.Time
	lru    *expirable.LRU[string, entry] // nil when max <= 0: nothing is stored

	mu       sync.Mutex // guards inflight and the get-then-fetch decision
	inflight map[string]*flight

	onWait func(key string) // tests: a caller joined a fetch in flight
}

type entry struct {
	val   any
	added time.Time
}

// flight is one fetch in progress; waiters block on done.
type flight struct {
	done chan struct{}
	val  any
	err  error
	// gone: the caller that ran the fetch went away, so err is its
	// cancellation rather than an answer about the key.
	gone bool
}

func newCache(max int, maxAge time.Duration, now func() time.Time) *cache {
	c := &cache{maxAge: maxAge, now: now, inflight: map[string]*flight{}}
	if max > 0 {
		c.lru = expirable.NewLRU[string, entry](max, nil, 0)
	}
	return c
}

// get returns a fresh cached value.
func (c *cache) get(key string) (any, bool) {
	if c.lru == nil {
		return nil, false
	}
	e, ok := c.lru.Get(key)
	if !ok {
		return nil, false
	}
	if c.maxAge > 0 && c.now().Sub(e.added) > c.maxAge {
		c.lru.Remove(key)
		return nil, false
	}
	return e.val, true
}

// put stores a value, evicting the least recently used entries beyond max.
func (c *cache) put(key string, val any) {
	if c.lru != nil {
		c.lru.Add(key, entry{val: val, added: c.now()})
	}
}

// Len returns the number of cached entries.
func (c *cache) Len() int {
	if c.lru == nil {
		return 0
	}
	return c.lru.Len()
}

// do returns the value for key: from the cache, from a fetch already in
// flight for the same key, or by calling fetch. Only successful results
// are stored, and only when store is true (a finished period). hit reports
// a cache hit.
//
// fetch runs with the context of the caller that started it. When that
// caller goes away, its fetch fails with a context error; a waiter whose
// own context is still live then starts a fetch of its own instead of
// inheriting someone else's cancellation.
func (c *cache) do(ctx context.Context, key string, store bool, fetch func(context.Context) (any, error)) (val any, hit bool, err error) {
	for {
		c.mu.Lock()
		if v, ok := c.get(key); ok {
			c.mu.Unlock()
			return v, true, nil
		}
		if f, ok := c.inflight[key]; ok {
			c.mu.Unlock()
			if c.onWait != nil {
				c.onWait(key)
			}
			select {
			case <-f.done:
			case <-ctx.Done():
				return nil, false, ctx.Err()
			}
			if f.err != nil && f.gone && ctx.Err() == nil {
				continue // the leader left; fetch for ourselves
			}
			return f.val, false, f.err
		}
		f := &flight{done: make(chan struct{})}
		c.inflight[key] = f
		c.mu.Unlock()

		f.val, f.err = fetch(ctx)
		f.gone = ctx.Err() != nil

		c.mu.Lock()
		delete(c.inflight, key)
		if f.err == nil && store {
			c.put(key, f.val)
		}
		c.mu.Unlock()
		close(f.done)
		return f.val, false, f.err
	}
}
