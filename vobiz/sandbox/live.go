package sandbox

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/cdrdash/cdrdash/vobiz"
)

// Live traffic and the sync fault modes (docs/vobiz-api.md#the-sandbox).
//
// Calls live in one array sorted by start time, oldest first: the data set
// New generates, then the live stream appended as time passes. A call's id
// is idBase plus its index in that array, so ids and uuids continue the data
// set's and never move. Requests read an immutable view: the calls visible
// at one second. Position 0 of a view is its newest call; positions are
// only used for paging and date ranges, records are addressed by index.
//
// A live call is visible from its created_at (a few seconds after it
// ended), as a CDR exists only once the call is over. Calls end out of
// start order (a long call started before a short one), so a view is the
// prefix calls[:n] of calls that are all visible plus a short list of later
// calls already visible (extra): those that started within the last hour or
// so and were short.
//
// Appending never writes below a published view's length (a reallocation
// copies and leaves the old array to the views that hold it), so readers
// need no lock; the writer holds Server.mu.

// view is one immutable snapshot of what the endpoints serve.
type view struct {
	calls []call  // oldest first; calls[:n] are all visible
	n     int     // length of the all-visible prefix
	extra []int32 // visible indexes >= n, ascending
	asOf  int64   // unix second the view was built for
	sum   summary // of every visible call; only used when marks is nil
	marks *marks  // late and updated records; nil without those faults
}

// len returns the number of calls the view serves (held-back late CDRs
// included: scans skip them).
func (v *view) len() int { return v.n + len(v.extra) }

// idx returns the array index of the call at position i (0 = newest).
func (v *view) idx(i int) int {
	if e := len(v.extra); i < e {
		return int(v.extra[e-1-i])
	}
	return v.n - 1 - (i - len(v.extra))
}

// pos returns the position of the call at array index j.
func (v *view) pos(j int) (int, bool) {
	if j < v.n {
		return len(v.extra) + v.n - 1 - j, true
	}
	k, ok := slices.BinarySearch(v.extra, int32(j))
	if !ok {
		return 0, false
	}
	return len(v.extra) - 1 - k, true
}

// visible reports whether the view serves the call at index j (it may
// still be held back by LateCDRs: see get).
func (v *view) visible(j int) bool {
	if j < v.n {
		return true
	}
	_, ok := slices.BinarySearch(v.extra, int32(j))
	return ok
}

// get returns the call at index j as served, or ok=false when LateCDRs
// holds it back. Without marks it is the stored call.
func (v *view) get(j int) (c *call, ok bool) {
	c = &v.calls[j]
	if v.marks == nil || !v.marks.special(j) {
		return c, true
	}
	return v.marks.get(j, c)
}

// liveState is the live stream's generator and the state the faults keep;
// it is guarded by Server.mu.
type liveState struct {
	calls    []call // the array views share; append-only
	rng      *rng   // the live stream's generator, consumed in order
	next     int    // 1-based number of the next live call
	n        int    // prefix length of the newest view
	prefix   summary
	marks    *marks
	pending  map[int64]*dayPlan // days with held or to-be-updated calls, by UTC day number
	maxIndex int                // the array stops growing here
}

// firstView sets up the live state for the generated calls and returns the
// view New publishes.
func (s *Server) firstView(calls []call) *view {
	s.baseLen = len(calls)
	l := &s.live
	l.calls = calls
	l.rng = newRNG(s.opts.Seed, 4)
	l.next = 1
	l.n = len(calls)
	l.maxIndex = MaxCalls
	for j := range calls {
		l.prefix.addAsc(s, &calls[j])
	}
	if s.opts.LateCDRs > 0 || s.opts.UpdateAfterExport > 0 {
		s.planDays()
	}
	v := &view{calls: calls, n: len(calls), sum: l.prefix, marks: l.marks, asOf: s.now.Unix()}
	return v
}

// current returns the view for the present second, generating live calls
// and publishing a new view when time made more of them visible.
func (s *Server) current() *view {
	v := s.view.Load()
	if s.opts.LiveRate <= 0 {
		return v
	}
	now := s.opts.Clock().Unix()
	if now <= v.asOf {
		return v // the clock never takes a call away again
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v = s.view.Load(); now <= v.asOf {
		return v
	}
	v = s.advance(now)
	s.view.Store(v)
	return v
}

// advance generates the live calls started by now and builds the view of
// the calls created by now. It runs under s.mu.
func (s *Server) advance(now int64) *view {
	l := &s.live
	rate := s.opts.LiveRate
	anchor := s.now.Unix()
	for len(l.calls) < l.maxIndex {
		start := anchor + int64(math.Floor(float64(l.next)*60/rate))
		rel := start - s.epoch
		if start > now || rel > math.MaxUint32-4000 {
			break
		}
		var c call
		s.fillCall(&c, l.rng, uint32(rel), -1)
		l.calls = append(l.calls, c)
		l.next++
	}
	for l.n < len(l.calls) && s.createdUnix(&l.calls[l.n]) <= now {
		l.prefix.addAsc(s, &l.calls[l.n])
		l.n++
	}
	v := &view{calls: l.calls, n: l.n, asOf: now, sum: l.prefix, marks: l.marks}
	for j := l.n + 1; j < len(l.calls); j++ {
		if s.createdUnix(&l.calls[j]) <= now {
			v.extra = append(v.extra, int32(j))
			v.sum.addAsc(s, &l.calls[j])
		}
	}
	return v
}

// createdUnix is the call's created_at: when its CDR exists.
func (s *Server) createdUnix(c *call) int64 {
	return s.epoch + int64(c.start) + int64(c.duration()) + int64(c.delays&0x0f)
}

// addAsc adds a call to a summary built in any order (add assumes newest
// first).
func (sm *summary) addAsc(s *Server, c *call) {
	last := sm.lastStart
	sm.add(s, c)
	sm.lastStart = max(last, s.epoch+int64(c.start))
}

// The late-CDR and update faults. For every UTC day of the generated data
// set, the LateCDRs calls with the smallest hash of their id are held back
// and the UpdateAfterExport answered calls with the smallest hash under
// another key (and not held back) are updated, so the choice is fixed by
// the seed and spread over the day. Both take effect for a day when an
// export whose date range covers the day (an export without dates covers
// every day) has been written to its end: held calls appear in every
// endpoint, updated calls get updated_at = that moment (by Options.Clock,
// at least a second after their previous updated_at) and a re-rated cost.

// dayPlan is one day's held and to-be-updated calls (array indexes).
type dayPlan struct {
	late, update []int32
}

// marks says which calls are served differently from the array.
type marks struct {
	bits    []uint64 // set for a call that is held or updated
	held    []uint64 // set for a held call
	updated map[int32]*updatedCall
}

// updatedCall is an updated record: the call as served and its updated_at.
type updatedCall struct {
	c         call
	updatedAt int64 // unix seconds
}

// rerate is the re-rating UpdateAfterExport applies: 0.10 INR per started
// minute on top of the call's cost, as a carrier's late price correction.
const rerate = 1000

func (m *marks) special(j int) bool {
	w := j >> 6
	return w < len(m.bits) && m.bits[w]&(1<<(uint(j)&63)) != 0
}

func (m *marks) isHeld(j int) bool { return m.held[j>>6]&(1<<(uint(j)&63)) != 0 }

func (m *marks) get(j int, c *call) (*call, bool) {
	if m.isHeld(j) {
		return nil, false
	}
	if u, ok := m.updated[int32(j)]; ok {
		return &u.c, true
	}
	return c, true
}

// update returns the updated record of the call at j, or nil.
func (m *marks) update(j int) *updatedCall {
	if m == nil || !m.special(j) {
		return nil
	}
	return m.updated[int32(j)]
}

// planDays picks each day's held and updated calls. It runs in New.
func (s *Server) planDays() {
	l := &s.live
	calls := l.calls
	l.pending = map[int64]*dayPlan{}
	words := (len(calls) + 63) / 64
	m := &marks{bits: make([]uint64, words), held: make([]uint64, words), updated: map[int32]*updatedCall{}}
	lateKey, updateKey := mix64(uint64(s.opts.Seed)^0x1a7e), mix64(uint64(s.opts.Seed)^0x0bda7e)
	type ranked struct {
		h uint64
		j int32
	}
	var late, upd []ranked
	flush := func(day int64) {
		if len(late) == 0 && len(upd) == 0 {
			return
		}
		p := &dayPlan{}
		sort.Slice(late, func(a, b int) bool { return late[a].h < late[b].h })
		for _, r := range late[:min(len(late), s.opts.LateCDRs)] {
			p.late = append(p.late, r.j)
			m.bits[r.j>>6] |= 1 << (uint(r.j) & 63)
			m.held[r.j>>6] |= 1 << (uint(r.j) & 63)
		}
		sort.Slice(upd, func(a, b int) bool { return upd[a].h < upd[b].h })
		for _, r := range upd {
			if len(p.update) == s.opts.UpdateAfterExport {
				break
			}
			if m.held[r.j>>6]&(1<<(uint(r.j)&63)) == 0 {
				p.update = append(p.update, r.j)
			}
		}
		if len(p.late)+len(p.update) > 0 {
			l.pending[day] = p
		}
		late, upd = late[:0], upd[:0]
	}
	day := int64(-1)
	for j := range calls {
		d := (s.epoch + int64(calls[j].start)) / 86400
		if d != day {
			flush(day)
			day = d
		}
		id := uint64(s.idOf(j))
		if s.opts.LateCDRs > 0 {
			late = append(late, ranked{mix64(id ^ lateKey), int32(j)})
		}
		if s.opts.UpdateAfterExport > 0 && calls[j].answered() {
			upd = append(upd, ranked{mix64(id ^ updateKey), int32(j)})
		}
	}
	flush(day)
	l.marks = m
}

// exported records that an export of f was written to its end: the days it
// covers release their held and updated calls, in a new view.
func (s *Server) exported(f vobiz.Filter) {
	if s.opts.LateCDRs <= 0 && s.opts.UpdateAfterExport <= 0 {
		return
	}
	first, last := int64(math.MinInt64), int64(math.MaxInt64)
	if f.StartDate != "" && f.EndDate != "" {
		from, err1 := time.Parse(vobiz.DateLayout, f.StartDate)
		to, err2 := time.Parse(vobiz.DateLayout, f.EndDate)
		if err1 != nil || err2 != nil {
			return
		}
		first, last = from.Unix()/86400, to.Unix()/86400
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := &s.live
	var days []int64
	for d := range l.pending {
		if d >= first && d <= last {
			days = append(days, d)
		}
	}
	if len(days) == 0 {
		return
	}
	now := s.opts.Clock().Unix()
	old := l.marks
	m := &marks{bits: slices.Clone(old.bits), held: slices.Clone(old.held), updated: make(map[int32]*updatedCall, len(old.updated))}
	for j, u := range old.updated {
		m.updated[j] = u
	}
	for _, d := range days {
		p := l.pending[d]
		delete(l.pending, d)
		for _, j := range p.late {
			m.held[j>>6] &^= 1 << (uint(j) & 63)
			m.bits[j>>6] &^= 1 << (uint(j) & 63)
		}
		for _, j := range p.update {
			c := l.calls[j]
			c.cost += uint32((int64(c.billsec)+59)/60) * rerate
			prev := s.createdUnix(&c) + int64(c.delays>>4)
			m.updated[j] = &updatedCall{c: c, updatedAt: max(prev+1, now)}
			m.bits[j>>6] |= 1 << (uint(j) & 63)
		}
	}
	l.marks = m
	v := *s.view.Load()
	v.marks = m
	s.view.Store(&v)
}
