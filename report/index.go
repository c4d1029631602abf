package report

import (
	"context"
	"fmt"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
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
}

// indexView reads the index's coverage and the states of the UTC days
// from first to last (midnights in DayZone). It returns a nil view when
// the index cannot be read: the report then comes from the API, and the
// failure is logged and shown as the state's Err.
func (s *Service) indexView(ctx context.Context, first, last time.Time) (*IndexState, *indexView) {
	now := s.now()
	cov, err := s.ix.Coverage(ctx, now)
	if err != nil {
		s.log.Warn("report: call index coverage; answering from the API", "err", err)
		return &IndexState{Err: err}, nil
	}
	v := &indexView{ix: s.ix, cov: cov, now: now, maxLag: s.maxLag, settle: s.settle,
		days: map[string]callindex.DayState{}}
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

// totals is the summary of the calls matching subject that started in
// [from, to), with the API's summary semantics (callindex.Query), and the
// currency of the newest of them.
func (v *indexView) totals(ctx context.Context, subject vobiz.Filter, from, to time.Time) (Totals, error) {
	p, err := v.ix.Query(ctx, callindex.Filter{From: from, To: to, API: subject, Limit: 1})
	if err != nil {
		return Totals{}, fmt.Errorf("report: index totals: %w", err)
	}
	t := Totals{Summary: p.Summary}
	if len(p.Calls) > 0 {
		t.Currency = string(p.Calls[0].CDR.Currency)
	}
	return t, nil
}

// aggregate feeds every call matching subject that started in [from, to)
// to the same accumulator as the export path. There is no row cap: Each
// reads one row at a time, so memory does not grow with the range.
func (v *indexView) aggregate(ctx context.Context, subject vobiz.Filter, from, to time.Time, o AggregateOptions) (*Breakdown, error) {
	b := &Breakdown{Causes: map[string]int64{}}
	err := v.ix.Each(ctx, callindex.Filter{From: from, To: to, API: subject}, func(c *callindex.Call) error {
		b.add(&c.CDR, &o)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("report: index breakdown: %w", err)
	}
	return b, nil
}
