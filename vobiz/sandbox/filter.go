package sandbox

import (
	"bytes"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/vobiz"
)

// Filter semantics (all filters combine with AND; see
// docs/vobiz-api.md#search-filters and docs/vobiz-api.md#dates):
//
//   - from_number / to_number: substring of caller_id_number /
//     destination_number. Spaces, dashes, dots and parentheses are removed
//     from a filter that reads as a number first, so "98765 43210" and
//     "9876543210" both match "+919876543210"; anything else (a SIP URI)
//     is matched as given.
//   - start_date / end_date: inclusive whole days of start_time, cut in UTC
//     (the CDR timestamps are UTC and the docs name no zone). A lone date is
//     ignored unless Options.StrictDates.
//   - call_direction, sip_call_id, bridge_uuid, context, campaign_id: exact.
//   - hangup_cause, hangup_disposition: exact, case-insensitive.
//   - min_duration: duration (ring + talk) >= n.
//   - search: case-insensitive substring of caller_id_number,
//     destination_number, caller_id_name, uuid, sip_call_id, bridge_uuid,
//     campaign_id or trunk_id.
//
// A filter is compiled once per request into a query whose per-call test is
// a handful of integer and table lookups: text filters are evaluated
// against the few thousand distinct numbers and names up front, never per
// call, and the date range becomes a range of positions (calls are sorted by
// start time).

// query is a compiled filter.
type query struct {
	v        *view
	empty    bool // provably matches nothing
	lo, hi   int  // positions to scan, [lo, hi)
	only     int  // >= 0: the array index of the only call that can match (sip_call_id / bridge_uuid)
	dir      int8 // -1 any, 0 inbound, 1 outbound
	from, to []bool
	minDur   int // < 0: unset
	outcome  []bool
	context  int8 // -1 any, 0 voice-api, 1 sip-trunking
	campaign int  // -1 any, else 1-based index
	answered bool // bridge_uuid given: only answered calls have one
	search   *textSearch
	trivial  bool // no filter besides the position range
}

// compile turns a parsed filter into a query over the view v.
func (s *Server) compile(v *view, f vobiz.Filter) *query {
	q := &query{v: v, lo: 0, hi: v.len(), only: -1, dir: -1, minDur: -1, context: -1, campaign: -1}
	switch f.CallDirection {
	case vobiz.DirectionInbound:
		q.dir = 0
	case vobiz.DirectionOutbound:
		q.dir = 1
	}
	if f.FromNumber != "" {
		q.from = s.matchNumbers(f.FromNumber)
	}
	if f.ToNumber != "" {
		q.to = s.matchNumbers(f.ToNumber)
	}
	if f.StartDate != "" && f.EndDate != "" {
		s.dateRange(q, f.StartDate, f.EndDate)
	}
	if f.MinDuration != nil {
		q.minDur = *f.MinDuration
	}
	if f.HangupCause != "" || f.HangupDisposition != "" {
		q.outcome = make([]bool, len(outcomes))
		some := false
		for k, o := range outcomes {
			ok := (f.HangupCause == "" || strings.EqualFold(o.cause, f.HangupCause)) &&
				(f.HangupDisposition == "" || strings.EqualFold(o.disposition, f.HangupDisposition))
			q.outcome[k] = ok
			some = some || ok
		}
		q.empty = q.empty || !some
	}
	switch f.Context {
	case "":
	case ctxVoiceAPI:
		q.context = 0
	case ctxSIPTrunking:
		q.context = 1
	default:
		q.empty = true
	}
	if f.CampaignID != "" {
		q.campaign = 0
		for k, id := range campaignIDs {
			if id == f.CampaignID {
				q.campaign = k + 1
			}
		}
		q.empty = q.empty || q.campaign == 0
	}
	if f.SIPCallID != "" {
		s.restrictTo(q, s.sipKeys, f.SIPCallID)
	}
	if f.BridgeUUID != "" {
		s.restrictTo(q, s.bridgeKeys, f.BridgeUUID)
		q.answered = true
	}
	if f.Search != "" {
		q.search = s.newTextSearch(v, f.Search)
	}
	q.trivial = q.dir < 0 && q.from == nil && q.to == nil && q.minDur < 0 && q.outcome == nil &&
		q.context < 0 && q.campaign < 0 && !q.answered && q.search == nil
	if q.only >= 0 && !q.empty {
		// Narrow the positions to the one call.
		p, _ := v.pos(q.only)
		q.lo, q.hi = max(q.lo, p), min(q.hi, p+1)
	}
	return q
}

// restrictTo narrows q to the one call whose identifier of kind k is id.
func (s *Server) restrictTo(q *query, k idKeys, id string) {
	i, ok := s.indexOf(q.v, k, id)
	switch {
	case !ok, q.only >= 0 && q.only != i:
		q.empty = true
	default:
		q.only = i
	}
}

// normalizeNumber strips the separators people type inside phone numbers.
func normalizeNumber(v string) string {
	n := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '(', ')':
			return -1
		}
		return r
	}, v)
	if n == "" {
		return v
	}
	return n
}

// matchNumbers evaluates a number filter against every party. Separators
// are dropped only from a number: a SIP URI keeps its dots.
func (s *Server) matchNumbers(v string) []bool {
	if isPhoneLike(v) {
		v = normalizeNumber(v)
	}
	m := make([]bool, len(s.parties))
	for k := range s.parties {
		m[k] = strings.Contains(s.parties[k].number, v)
	}
	return m
}

// dateRange narrows q's positions to calls that start on the given UTC
// days, inclusive. The dates were validated by vobiz.ParseFilter.
func (s *Server) dateRange(q *query, start, end string) {
	from, err1 := time.Parse(vobiz.DateLayout, start)
	to, err2 := time.Parse(vobiz.DateLayout, end)
	if err1 != nil || err2 != nil {
		q.empty = true
		return
	}
	lo, hi := from.Unix(), to.AddDate(0, 0, 1).Unix() // [lo, hi)
	v := q.v
	// Positions run newest to oldest, so start times decrease.
	q.lo = sort.Search(v.len(), func(i int) bool { return s.startUnix(v, i) < hi })
	q.hi = sort.Search(v.len(), func(i int) bool { return s.startUnix(v, i) < lo })
}

// startUnix is the start of the call at position i of v.
func (s *Server) startUnix(v *view, i int) int64 { return s.epoch + int64(v.calls[v.idx(i)].start) }

// textSearch is a compiled free-text search.
type textSearch struct {
	callers   []bool // caller_id_number or caller_id_name matches, per party
	dests     []bool // destination_number matches, per party
	campaigns []bool // 1-based like call.extra
	trunks    []bool
	term      []byte // lower-case, for identifier matching
	ids       bool   // the term can occur in a derived identifier: derive and compare per call
	exact     []int  // the term is a whole identifier: array indexes of the calls it names
}

func (s *Server) newTextSearch(vw *view, v string) *textSearch {
	term := strings.ToLower(v)
	numTerm := term
	if isPhoneLike(term) {
		numTerm = normalizeNumber(term)
	}
	t := &textSearch{
		callers:   make([]bool, len(s.parties)),
		dests:     make([]bool, len(s.parties)),
		campaigns: make([]bool, len(campaignIDs)+1),
		trunks:    make([]bool, len(trunkIDs)+1),
		term:      []byte(term),
		ids:       len(term) <= uuidLen && isUUIDChars(term),
	}
	if len(term) == uuidLen && t.ids {
		// A pasted uuid / sip_call_id / bridge_uuid: decode it instead of
		// deriving three identifiers for every call.
		t.ids = false
		for _, k := range []idKeys{s.uuidKeys, s.sipKeys, s.bridgeKeys} {
			if i, ok := s.indexOf(vw, k, term); ok && (k != s.bridgeKeys || vw.calls[i].answered()) {
				t.exact = append(t.exact, i)
			}
		}
	}
	for k := range s.parties {
		p := &s.parties[k]
		t.dests[k] = strings.Contains(p.number, numTerm)
		t.callers[k] = t.dests[k] || strings.Contains(p.nameLower, term)
	}
	for k, id := range campaignIDs {
		t.campaigns[k+1] = strings.Contains(strings.ToLower(id), term)
	}
	for k, id := range trunkIDs {
		t.trunks[k+1] = strings.Contains(strings.ToLower(id), term)
	}
	return t
}

func isPhoneLike(v string) bool {
	for _, r := range v {
		if !strings.ContainsRune("+0123456789 -.()", r) {
			return false
		}
	}
	return true
}

func isUUIDChars(v string) bool {
	for _, r := range v {
		if !strings.ContainsRune("0123456789abcdef-", r) {
			return false
		}
	}
	return true
}

// match reports whether the call at array index i matches the search. Cheap
// table lookups go first; identifiers are only derived when the term could
// occur in one.
func (t *textSearch) match(s *Server, i int, c *call) bool {
	if t.callers[c.caller] || t.dests[c.dest] {
		return true
	}
	if k := c.campaignIndex(); k > 0 && t.campaigns[k] {
		return true
	}
	if k := c.trunkIndex(); k > 0 && t.trunks[k] {
		return true
	}
	if slices.Contains(t.exact, i) {
		return true
	}
	if !t.ids {
		return false
	}
	id := s.idOf(i)
	var buf [uuidLen]byte
	s.uuidKeys.encode(&buf, id)
	if bytes.Contains(buf[:], t.term) {
		return true
	}
	s.sipKeys.encode(&buf, id)
	if bytes.Contains(buf[:], t.term) {
		return true
	}
	if c.answered() {
		s.bridgeKeys.encode(&buf, id)
		if bytes.Contains(buf[:], t.term) {
			return true
		}
	}
	return false
}

// matches reports whether call c, at array index i, passes every filter
// except the position range.
func (q *query) matches(s *Server, i int, c *call) bool {
	if q.trivial {
		return true
	}
	switch {
	case q.dir >= 0 && c.outbound() != (q.dir == 1),
		q.from != nil && !q.from[c.caller],
		q.to != nil && !q.to[c.dest],
		q.minDur >= 0 && c.duration() < q.minDur,
		q.outcome != nil && !q.outcome[c.outcome],
		q.context >= 0 && c.sipTrunking() != (q.context == 1),
		q.campaign >= 0 && c.campaignIndex() != q.campaign,
		q.answered && !c.answered():
		return false
	}
	return q.search == nil || q.search.match(s, i, c)
}

// summary accumulates the summary block over the filtered set.
type summary struct {
	total, answered    int64
	duration, billable int64
	cost               int64 // ten-thousandths of INR
	lastStart          int64 // unix seconds of the newest match
}

func (sm *summary) add(s *Server, c *call) {
	if sm.total == 0 {
		sm.lastStart = s.epoch + int64(c.start) // calls are visited newest first
	}
	sm.total++
	if c.answered() {
		sm.answered++
	}
	sm.duration += int64(c.duration())
	sm.billable += int64(c.billsec)
	sm.cost += c.totalCost()
}

// answerRate is the answered share in percent, one decimal.
func (sm *summary) answerRate() float64 {
	if sm.total == 0 {
		return 0
	}
	return math.Round(float64(sm.answered)*1000/float64(sm.total)) / 10
}

// avgCallDuration is the mean talk time over answered calls, which is what
// the API's list example (61211 s / 2171 calls = "28s") and the console
// describe; the search example contradicts it. Under a minute it is "28s";
// longer means are formatted by vobiz.FormatShortDuration ("1m 42s"), the
// docs being silent on that case (docs/vobiz-api.md#summary).
func (sm *summary) avgCallDuration() string {
	if sm.answered == 0 {
		return "0s"
	}
	secs := int64(math.Round(float64(sm.billable) / float64(sm.answered)))
	return vobiz.FormatShortDuration(time.Duration(secs) * time.Second)
}

// costCents is the summed total_cost rounded half-up to 2 decimals, in
// hundredths of a rupee.
func (sm *summary) costCents() int64 { return (sm.cost + 50) / 100 }

// scanResult is the outcome of one filtered scan.
type scanResult struct {
	sum  summary
	page []int // array indexes of the requested page's calls
}

// scan visits every matching call once, newest first, accumulating the
// summary and collecting the calls [offset, offset+limit) of the matches.
// page is reused as the result's backing array.
func (s *Server) scan(q *query, offset int64, limit int, page []int) scanResult {
	res := scanResult{page: page[:0]}
	v := q.v
	lo, hi := q.lo, q.hi
	if q.empty || lo >= hi {
		return res
	}
	if q.trivial && lo == 0 && hi == v.len() && v.marks == nil {
		// No filter at all: the summary is precomputed and the page is a
		// run of positions.
		res.sum = v.sum
		for i := offset; i < int64(hi) && len(res.page) < limit; i++ {
			res.page = append(res.page, v.idx(int(i)))
		}
		return res
	}
	sm := &res.sum
	take := func(j int, c *call) {
		if sm.total >= offset && len(res.page) < limit {
			res.page = append(res.page, j)
		}
		sm.add(s, c)
	}
	// The few live calls visible beyond the prefix come first (positions
	// below len(v.extra)); the prefix is then walked by array index, newest
	// first, without mapping each position.
	e := len(v.extra)
	for i := lo; i < min(hi, e); i++ {
		j := v.idx(i)
		if c, ok := v.get(j); ok && q.matches(s, j, c) {
			take(j, c)
		}
	}
	calls, marks := v.calls, v.marks
	for j := v.idx(max(lo, e)); j > v.n-1-(hi-e); j-- {
		c := &calls[j]
		if marks != nil && marks.special(j) {
			var ok bool
			if c, ok = marks.get(j, c); !ok {
				continue
			}
		}
		if q.matches(s, j, c) {
			take(j, c)
		}
	}
	return res
}
