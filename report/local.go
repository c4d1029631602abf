package report

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/vobiz"
)

// A window report (Request.From/To) from the index: every number comes
// from callindex.Slots (15-minute rollups) and callindex.Groups, never
// from reading calls one by one, so a year of a million calls costs a few
// aggregate queries. Slots are 15 minutes and every zone's offset is a
// multiple of 15 minutes, so local days, hours (IST's :30 included), weeks
// and months are whole numbers of slots.

// ErrNotCovered: a local window (Request.Local) the index does not cover.
// Only the index can cut local days, so there is no API fallback.
var ErrNotCovered = errors.New("report: the call index does not cover this period")

// errUseAPI: the window is whole UTC days the index does not cover; Build
// goes on with the API path.
var errUseAPI = errors.New("report: answer from the API")

// ErrNoFinishedDay: the window holds only today, so there is no finished
// day to compare with a previous period. Pages say so plainly rather than
// report it as a failure.
var ErrNoFinishedDay = errors.New("report: no finished day to compare yet")

// MinCompareCalls is the fewest calls a previous period needs for a
// percentage change to mean anything: fewer, and the page says so
// instead ("▲ 101840.8 %" helps nobody).
const MinCompareCalls = 50

// planWindow decides whether the index answers a window request.
func (s *Service) planWindow(ctx context.Context, req Request) (*IndexState, *indexView, callindex.Filter, bool, error) {
	if !req.To.After(req.From) {
		return nil, nil, callindex.Filter{}, false, errors.New("report: the window is empty")
	}
	subject := req.Filter.WithoutPaging()
	subject.StartDate, subject.EndDate = "", ""
	base, narrowed, err := narrowFilter(subject, req)
	if err != nil {
		return nil, nil, base, false, err
	}
	if s.ix == nil {
		return nil, nil, base, narrowed, nil
	}
	prevFrom := req.From.Add(-req.To.Sub(req.From))
	st, v := s.indexView(ctx, prevFrom, req.To, base)
	if v != nil && !v.cov.Covers(req.From, req.To, v.now, v.maxLag) {
		v = nil
	}
	return st, v, base, narrowed, nil
}

// windowPlan is Plan for a window request.
func (s *Service) windowPlan(ctx context.Context, req Request) (Origin, *IndexState, error) {
	st, v, _, narrowed, err := s.planWindow(ctx, req)
	switch {
	case err != nil:
		return "", st, err
	case v != nil:
		return OriginIndex, st, nil
	case req.Local:
		return OriginAPI, st, ErrNotCovered
	case narrowed:
		return OriginAPI, st, ErrNeedsIndex
	}
	return OriginAPI, st, nil
}

// buildWindow builds a window report from the index, or returns errUseAPI.
func (s *Service) buildWindow(ctx context.Context, req Request) (*Report, error) {
	st, v, base, narrowed, err := s.planWindow(ctx, req)
	if err != nil {
		return nil, err
	}
	if v == nil {
		switch {
		case req.Local:
			return nil, ErrNotCovered
		case narrowed:
			return nil, ErrNeedsIndex
		}
		return nil, errUseAPI
	}
	loc := req.Zone
	if loc == nil {
		loc = time.UTC
	}
	unit := req.Unit
	if unit == "" {
		unit = ChooseUnit(req.From, req.To, loc)
	}
	now := v.now
	buckets, err := LocalBuckets(req.From, req.To, loc, unit, now)
	if err != nil {
		return nil, err
	}
	thr := base.Thresholds
	lastDay := req.To.Add(-time.Nanosecond).In(loc)
	rep := &Report{Start: day(req.From.In(loc)), End: day(lastDay), Days: buckets, RowCap: s.rowCap,
		Origin: OriginIndex, Index: st, Narrowed: narrowed, Narrow: base,
		From: req.From, To: req.To, Zone: loc, Unit: unit, Exact: true}
	rep.Range = Period{Start: rep.Start, End: rep.End, Origin: OriginIndex}
	skey := subjectKey(base.API) + narrowKey(base, narrowed) + "\x00" + fmt.Sprint(thr)

	cmpEnd := compareEnd(req.From, req.To, now, loc)
	ends := make([]time.Time, len(rep.Days))
	for i, d := range rep.Days {
		ends[i] = d.End
	}
	aggKey := skey + "\x00" + loc.String() + "\x00" + unit + "\x00" + req.To.UTC().Format(time.RFC3339) + "\x00" +
		cmpEnd.UTC().Format(time.RFC3339)
	parts, err := s.foldSlots(ctx, v, aggKey, req.From, req.To, ends, cmpEnd, loc)
	if err != nil {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		s.failWindow(rep, err)
		return rep, nil
	}
	b := &Breakdown{Causes: map[string]int64{}}
	var total, compared callindex.Sums
	for _, a := range parts {
		for i, sum := range a.Buckets {
			addSums(&rep.Days[i], sum)
		}
		total.Add(a.Total)
		compared.Add(a.Compared)
		for i := range a.Outcomes {
			b.Outcomes[i] += a.Outcomes[i]
			b.Quality[i] += a.Quality[i]
		}
		for d := range a.HourWeekday {
			for h := range a.HourWeekday[d] {
				b.HourWeekday[d][h] += a.HourWeekday[d][h]
			}
		}
	}
	rep.Range.Summary, rep.TotalMicros = summaryFromSums(total), total.TotalMicros
	b.Rows = total.Calls
	if err := s.windowGroups(ctx, v, skey, req.From, req.To, b); err != nil {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		rep.BreakdownErr = err
	} else {
		rep.Breakdown = b
	}
	rep.Range.Currency = s.windowCurrency(ctx, v, req.From, req.To)
	b.Currency = rep.Range.Currency

	rep.Compared = Period{Start: day(req.From.In(loc)), End: day(cmpEnd.Add(-time.Nanosecond).In(loc)),
		Totals: Totals{Summary: summaryFromSums(compared)}, Origin: OriginIndex}
	rep.CompareMicros = compared.TotalMicros
	s.previousWindow(ctx, rep, v, skey, req.From, cmpEnd)
	return rep, ctx.Err()
}

// failWindow marks every part of rep as failed with err.
func (s *Service) failWindow(rep *Report, err error) {
	for i := range rep.Days {
		rep.Days[i].Err = err
	}
	rep.Range.Err, rep.BreakdownErr, rep.Compared.Err, rep.Previous.Err = err, err, err, err
}

// compareEnd is where the comparison's current side ends: at the start of
// today's local day when the window reaches it (today is not over, so it
// would always look like a drop), else at the window's end.
func compareEnd(from, to, now time.Time, loc *time.Location) time.Time {
	if now.Before(from) || !now.Before(to) {
		return to
	}
	return maxTime(from, unitStart(now, loc, UnitDay))
}

// previousWindow fills rep.Previous: the same length just before from,
// compared with [from, cmpEnd).
func (s *Service) previousWindow(ctx context.Context, rep *Report, v *indexView, skey string, from, cmpEnd time.Time) {
	loc := rep.Zone
	length := cmpEnd.Sub(from)
	pf := from.Add(-length)
	rep.Previous = Period{Start: day(pf.In(loc)), End: day(from.Add(-time.Nanosecond).In(loc)), Origin: OriginIndex}
	switch {
	case length <= 0:
		rep.Previous.Err = ErrNoFinishedDay
		rep.Compared.Err = rep.Previous.Err
		return
	case !v.cov.Covers(pf, from, v.now, v.maxLag):
		// Wrapped so pages can tell "outside the index" (a 12-month window's
		// previous year, usually) from a failure.
		rep.Previous.Err = fmt.Errorf("the previous period: %w", ErrNotCovered)
		return
	}
	parts, err := s.foldSlots(ctx, v, skey+"\x00previous", pf, from, nil, from, loc)
	if err != nil {
		rep.Previous.Err = err
		return
	}
	var sum callindex.Sums
	for _, a := range parts {
		sum.Add(a.Total)
	}
	rep.Previous.Summary, rep.PreviousMicros = summaryFromSums(sum), sum.TotalMicros
}

// settledUntil is the first instant of [from, to) in a UTC day that is not
// settled (to when all are): the part before it can no longer change and
// may be cached.
func (v *indexView) settledUntil(from, to time.Time) time.Time {
	y, m, d := from.UTC().Date()
	for day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC); day.Before(to); day = day.AddDate(0, 0, 1) {
		if !v.settled(day, day.AddDate(0, 0, 1)) {
			return maxTime(from, day)
		}
	}
	return to
}

// windowKey keys a cached index answer for [from, to).
func (s *Service) windowKey(kind, skey string, from, to time.Time) string {
	return s.account + "\x00" + kind + "\x00" + skey + "\x00" + from.UTC().Format(time.RFC3339) + "\x00" +
		to.UTC().Format(time.RFC3339)
}

// slotAgg is what a run of slot rows adds up to, by bucket and in total:
// a warm report adds up a few hundred of these numbers, not a year of rows.
type slotAgg struct {
	Buckets         []callindex.Sums // by the report's bucket index
	Total, Compared callindex.Sums   // Compared: the slots before cmpEnd
	Outcomes        [5]int64         // as Breakdown.Outcomes
	Quality         [5]int64         // as Breakdown.Quality
	HourWeekday     [7][24]int64     // in the viewer's zone
}

// foldSlots adds up the Slots of [from, to) into buckets ending at ends
// (nil: totals only), in time order: the settled part once (cached under
// key, which must name everything fold depends on besides from and the
// cut), the rest every time.
func (s *Service) foldSlots(ctx context.Context, v *indexView, key string, from, to time.Time, ends []time.Time,
	cmpEnd time.Time, loc *time.Location) ([]*slotAgg, error) {
	cut := v.settledUntil(from, to)
	f := v.base
	var out []*slotAgg
	if cut.After(from) {
		val, _, err := s.cached(ctx, s.windowKey("slots", key, from, cut), true, func(ctx context.Context) (any, error) {
			f.From, f.To = from, cut
			rows, err := v.ix.Slots(ctx, f)
			if err != nil {
				return nil, err
			}
			return foldRows(rows, ends, cmpEnd, loc), nil
		})
		if err != nil {
			return nil, fmt.Errorf("report: index slots: %w", err)
		}
		out = append(out, val.(*slotAgg))
	}
	if to.After(cut) {
		f.From, f.To = cut, to
		rows, err := v.ix.Slots(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("report: index slots: %w", err)
		}
		out = append(out, foldRows(rows, ends, cmpEnd, loc))
	}
	return out, nil
}

// foldRows adds up slot rows (in time order) by bucket, outcome, band and
// local hour × weekday (a 15-minute slot lies in one local hour).
func foldRows(rows []callindex.SlotRow, ends []time.Time, cmpEnd time.Time, loc *time.Location) *slotAgg {
	a := &slotAgg{Buckets: make([]callindex.Sums, len(ends))}
	i := 0
	for _, r := range rows {
		for i < len(ends) && !r.Slot.Before(ends[i]) {
			i++
		}
		if i < len(ends) {
			a.Buckets[i].Add(r.Sums)
		}
		a.Total.Add(r.Sums)
		if r.Slot.Before(cmpEnd) {
			a.Compared.Add(r.Sums)
		}
		a.Outcomes[outcomeIndex(r.Outcome)] += r.Calls
		a.Quality[bandIndex(r.Band)] += r.Calls
		t := r.Slot.In(loc)
		a.HourWeekday[(int(t.Weekday())+6)%7][t.Hour()] += r.Calls
	}
	return a
}

// groups is Groups of [from, to), cached like slotRows.
func (s *Service) groups(ctx context.Context, v *indexView, skey string, from, to time.Time, g callindex.GroupBy) ([]callindex.Group, error) {
	cut := v.settledUntil(from, to)
	f := v.base
	var out []callindex.Group
	if cut.After(from) {
		val, _, err := s.cached(ctx, s.windowKey("groups-"+string(g), skey, from, cut), true, func(ctx context.Context) (any, error) {
			f.From, f.To = from, cut
			return v.ix.Groups(ctx, f, g)
		})
		if err != nil {
			return nil, fmt.Errorf("report: index groups by %s: %w", g, err)
		}
		out = val.([]callindex.Group)
	}
	if to.After(cut) {
		f.From, f.To = cut, to
		live, err := v.ix.Groups(ctx, f, g)
		if err != nil {
			return nil, fmt.Errorf("report: index groups by %s: %w", g, err)
		}
		out = append(append(make([]callindex.Group, 0, len(out)+len(live)), out...), live...)
	}
	return out, nil
}

// windowGroups adds the hangup causes and the MOS histogram to b.
func (s *Service) windowGroups(ctx context.Context, v *indexView, skey string, from, to time.Time, b *Breakdown) error {
	causes, err := s.groups(ctx, v, skey, from, to, callindex.ByCause)
	if err != nil {
		return err
	}
	byName := map[string]int64{}
	for _, g := range causes {
		byName[g.Key] += g.Calls // the settled and live parts repeat keys
	}
	for name, n := range byName {
		if name == "" {
			name = NoCause
		}
		b.addCause(name, n)
	}
	mos, err := s.groups(ctx, v, skey, from, to, callindex.ByMOSBucket)
	if err != nil {
		return err
	}
	for _, g := range mos {
		i, err := strconv.Atoi(g.Key)
		if err != nil || i < 0 || i >= MOSBuckets {
			return fmt.Errorf("report: index MOS bucket %q", g.Key)
		}
		b.MOS[i] += g.Calls
		b.MOSMax[i] = max(b.MOSMax[i], g.MaxMOS)
	}
	return nil
}

// windowCurrency is the currency of the newest call of the window's last
// day: one cheap query, not a summary of the whole window. "" when that
// day had no call (the page then assumes INR, as elsewhere).
func (s *Service) windowCurrency(ctx context.Context, v *indexView, from, to time.Time) string {
	t, err := v.totals(ctx, maxTime(from, to.Add(-24*time.Hour)), to)
	if err != nil {
		s.log.Warn("report: currency from the index", "err", err)
		return ""
	}
	return t.Currency
}

// addSums adds a slot's sums to a bucket's summary.
func addSums(b *Bucket, s callindex.Sums) {
	b.TotalMicros += s.TotalMicros
	b.Summary.TotalCalls += vobiz.Int(s.Calls)
	b.Summary.AnsweredCalls += vobiz.Int(s.Answered)
	b.Summary.TotalDurationSeconds += vobiz.Int(s.Duration)
	b.Summary.TotalBillableSeconds += vobiz.Int(s.Billsec)
	b.Summary.TotalCost = vobiz.Float(float64(b.TotalMicros) / 1e6)
	b.Err = nil
}

// summaryFromSums is sums in the API's summary form.
func summaryFromSums(s callindex.Sums) vobiz.Summary {
	out := vobiz.Summary{TotalCalls: vobiz.Int(s.Calls), AnsweredCalls: vobiz.Int(s.Answered),
		TotalDurationSeconds: vobiz.Int(s.Duration), TotalBillableSeconds: vobiz.Int(s.Billsec),
		TotalCost: vobiz.Float(float64(s.TotalMicros) / 1e6)}
	if s.Calls > 0 {
		out.AnswerRate = vobiz.Float(float64(int64(AnswerRate(s.Answered, s.Calls)*10+0.5)) / 10)
	}
	return out
}
