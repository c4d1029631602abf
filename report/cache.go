package report

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// cache holds the results of finished periods: day summaries, range
// totals and breakdowns of days that can no longer change. It is a small
// LRU bounded by entry count (every value is a few hundred bytes to a few
// kilobytes, so a count bound is a memory bound), with a maximum age as a
// safety net for the rare record that reaches the API after its day was
// cached.
//
// do also collapses concurrent fetches of one key into one upstream
// request (singleflight), cached or not: ten people opening the same
// report at nine in the morning cost one request per day, not ten.
type cache struct {
	max    int
	maxAge time.Duration
	now    func() time.Time

	mu       sync.Mutex
	ll       *list.List // front = most recently used; values are *entry
	byKey    map[string]*list.Element
	inflight map[string]*flight

	onWait func(key string) // tests: a caller joined a fetch in flight
}

type entry struct {
	key   string
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
	return &cache{max: max, maxAge: maxAge, now: now, ll: list.New(),
		byKey: map[string]*list.Element{}, inflight: map[string]*flight{}}
}

// get returns a fresh cached value. The caller holds mu.
func (c *cache) get(key string) (any, bool) {
	el, ok := c.byKey[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*entry)
	if c.maxAge > 0 && c.now().Sub(e.added) > c.maxAge {
		c.ll.Remove(el)
		delete(c.byKey, key)
		return nil, false
	}
	c.ll.MoveToFront(el)
	return e.val, true
}

// put stores a value, evicting the least recently used entries beyond max.
// The caller holds mu.
func (c *cache) put(key string, val any) {
	if c.max <= 0 {
		return
	}
	if el, ok := c.byKey[key]; ok {
		el.Value = &entry{key: key, val: val, added: c.now()}
		c.ll.MoveToFront(el)
		return
	}
	c.byKey[key] = c.ll.PushFront(&entry{key: key, val: val, added: c.now()})
	for c.ll.Len() > c.max {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.byKey, old.Value.(*entry).key)
	}
}

// Len returns the number of cached entries.
func (c *cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
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
