package report

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/vobiz"
)

// Origin says where a report's numbers came from.
type Origin string

// The origins.
const (
	// OriginAPI: list, search and export requests to Vobiz.
	OriginAPI Origin = "api"
	// OriginIndex: the local call index (package callindex), which covered
	// the whole period.
	OriginIndex Origin = "index"
)

// IndexState is what the page says about the index: what it covers (for
// "Live from Vobiz: the index covers …") and when it last polled (for
// "Synced N s ago").
type IndexState struct {
	Coverage callindex.Coverage
	// Err is set when the index could not be read; the report then came
	// from the API.
	Err error
}

// indexView is what one report build knows of the index: its coverage and
// the sync state of the days the report touches, read once.
type indexView struct {
	ix     *callindex.Index
	cov    callindex.Coverage
	now    time.Time
	maxLag time.Duration
	settle time.Duration
	days   map[string]callindex.DayState // by UTC day, YYYY-MM-DD
	// base selects the report's calls: the API filters and Narrow's.
	base callindex.Filter
}

// indexView reads the index's coverage and the states of the UTC days
// from first to last (midnights in DayZone). It returns a nil view when
// the index cannot be read: the report then comes from the API, and the
// failure is logged and shown as the state's Err.
func (s *Service) indexView(ctx context.Context, first, last time.Time, base callindex.Filter) (*IndexState, *indexView) {
	now := s.now()
	cov, err := s.ix.Coverage(ctx, now)
	if err != nil {
		s.log.Warn("report: call index coverage; answering from the API", "err", err)
		return &IndexState{Err: err}, nil
	}
	v := &indexView{ix: s.ix, cov: cov, now: now, maxLag: s.maxLag, settle: s.settle,
		days: map[string]callindex.DayState{}, base: base}
	// One day either side: DayZone's days need not be UTC days.
	states, err := s.ix.Days(ctx, first.AddDate(0, 0, -1), last.AddDate(0, 0, 1))
	if err != nil {
		// Without the states nothing is known to be settled, so nothing
		// from the index is cached; the report itself still works.
		s.log.Warn("report: call index day states; caching nothing from the index", "err", err)
	}
	for _, st := range states {
		v.days[st.Day.UTC().Format(vobiz.DateLayout)] = st
	}
	return &IndexState{Coverage: cov}, v
}

// Plan says, without building, which source would answer req now and
// what the index covers. The handler asks before it starts streaming the
// page, so that filters only the index can apply are refused with a 400
// (ErrNeedsIndex) rather than inside a page already sent as a 200.
func (s *Service) Plan(ctx context.Context, req Request) (Origin, *IndexState, error) {
	if !req.From.IsZero() {
		return s.windowPlan(ctx, req)
	}
	f := req.Filter.WithoutPaging()
	start, end, err := parseRange(f.StartDate, f.EndDate, s.zone)
	if err != nil {
		return "", nil, err
	}
	subject := f
	subject.StartDate, subject.EndDate = "", ""
	base, narrowed, err := narrowFilter(subject, req)
	if err != nil {
		return "", nil, err
	}
	var st *IndexState
	if s.ix != nil {
		var v *indexView
		st, v = s.indexView(ctx, start, end, base)
		if v != nil && v.covers(start, end) {
			return OriginIndex, st, nil
		}
	}
	if narrowed {
		return OriginAPI, st, ErrNeedsIndex
	}
	return OriginAPI, st, nil
}

// covers reports whether the index answers for the days start..end
// (midnights in DayZone, inclusive).
func (v *indexView) covers(start, end time.Time) bool {
	return v.cov.Covers(start, end.AddDate(0, 0, 1), v.now, v.maxLag)
}

// settled reports whether every UTC day overlapping [from, to) is complete
// and was verified against the API's total once it had settled (settle
// after its end), so its numbers can no longer change and may be cached
// like the API's answer for a finished day. Today, and a day verified
// only before late CDRs could arrive, are never settled.
func (v *indexView) settled(from, to time.Time) bool {
	y, m, d := from.UTC().Date()
	for day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC); day.Before(to); day = day.AddDate(0, 0, 1) {
		st, ok := v.days[day.Format(vobiz.DateLayout)]
		if !ok || st.Status != callindex.DayComplete || st.VerifiedAt.Before(day.AddDate(0, 0, 1).Add(v.settle)) {
			return false
		}
	}
	return true
}

// totals is the summary of the report's calls that started in [from,
// to), with the API's summary semantics (callindex.Query), and the
// currency of the newest of them.
func (v *indexView) totals(ctx context.Context, from, to time.Time) (Totals, error) {
	f := v.base
	f.From, f.To, f.Limit = from, to, 1
	p, err := v.ix.Query(ctx, f)
	if err != nil {
		return Totals{}, fmt.Errorf("report: index totals: %w", err)
	}
	t := Totals{Summary: p.Summary}
	if len(p.Calls) > 0 {
		t.Currency = string(p.Calls[0].CDR.Currency)
	}
	return t, nil
}

// aggregate feeds every report call that started in [from, to) to the
// same accumulator as the export path. There is no row cap: Each reads
// one row at a time, so memory does not grow with the range.
func (v *indexView) aggregate(ctx context.Context, from, to time.Time, o AggregateOptions) (*Breakdown, error) {
	b := &Breakdown{Causes: map[string]int64{}}
	f := v.base
	f.From, f.To = from, to
	err := v.ix.Each(ctx, f, func(c *callindex.Call) error {
		b.add(&c.CDR, &o)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("report: index breakdown: %w", err)
	}
	return b, nil
}

// ErrNeedsIndex: the request has filters only the index can apply
// (Request.Narrow) and the index is off or does not cover the period.
var ErrNeedsIndex = errors.New("report: these filters need the call index, and it does not cover this period")

// narrowFilter is the index filter selecting the report's calls: the API
// filters (subject) and the request's index-only ones, with the
// thresholds the breakdown uses. narrowed reports that any index-only
// filter is set.
func narrowFilter(subject vobiz.Filter, req Request) (base callindex.Filter, narrowed bool, err error) {
	n := req.Narrow
	if len(n.Windows) > 0 {
		return callindex.Filter{}, false, errors.New("report: reports do not filter by hour or weekday")
	}
	base = callindex.Filter{API: subject, Outcomes: n.Outcomes, Qualities: n.Qualities, Thresholds: req.Thresholds,
		MinMOS: n.MinMOS, MaxMOS: n.MaxMOS, MinCost: n.MinCost, MaxCost: n.MaxCost, MaxDuration: n.MaxDuration,
		HangupCauseCode: n.HangupCauseCode, HangupSource: n.HangupSource, Region: n.Region, TrunkID: n.TrunkID,
		Codec: n.Codec}
	if base.Thresholds == (diagnosis.Thresholds{}) {
		base.Thresholds = diagnosis.DefaultThresholds()
	}
	narrowed = len(n.Outcomes) > 0 || len(n.Qualities) > 0 || n.MinMOS != nil || n.MaxMOS != nil ||
		n.MinCost != nil || n.MaxCost != nil || n.MaxDuration != nil || n.HangupCauseCode != nil ||
		n.HangupSource != "" || n.Region != "" || n.TrunkID != "" || n.Codec != ""
	return base, narrowed, nil
}

// narrowKey extends the cache key with the index-only filters; "" when
// there are none, so such reports share their entries with the API path.
func narrowKey(f callindex.Filter, narrowed bool) string {
	if !narrowed {
		return ""
	}
	v := url.Values{}
	for _, o := range f.Outcomes {
		v.Add("outcome", string(o))
	}
	for _, q := range f.Qualities {
		v.Add("quality", string(q))
	}
	if len(f.Qualities) > 0 {
		v.Set("thresholds", fmt.Sprint(f.Thresholds))
	}
	for name, p := range map[string]*float64{"min_mos": f.MinMOS, "max_mos": f.MaxMOS, "min_cost": f.MinCost, "max_cost": f.MaxCost} {
		if p != nil {
			v.Set(name, strconv.FormatFloat(*p, 'g', -1, 64))
		}
	}
	if f.MaxDuration != nil {
		v.Set("max_duration", strconv.Itoa(*f.MaxDuration))
	}
	if f.HangupCauseCode != nil {
		v.Set("hangup_cause_code", strconv.FormatInt(*f.HangupCauseCode, 10))
	}
	// Exact but case-insensitive filters: one key per meaning.
	for name, s := range map[string]string{"hangup_source": f.HangupSource, "region": f.Region, "trunk_id": f.TrunkID, "codec": f.Codec} {
		if s != "" {
			v.Set(name, strings.ToLower(s))
		}
	}
	return "\x00narrow\x00" + v.Encode() // Encode sorts by key
}
