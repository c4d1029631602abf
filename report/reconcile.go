package report

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/vobiz"
)

// Reconciliation compares, for every UTC day that overlaps a window, the
// total cost of the indexed calls of that whole day (the whole account,
// no filters) with the API's own summary.total_cost for the day. Vobiz
// totals days in UTC, so a local billing period's reconciliation reaches
// into the UTC days its edges cut.
type Reconciliation struct {
	Days []DayCheck
	// Err is the API's failure for at least one day; those days have
	// their own Err and are not compared.
	Err error
}

// DayCheck is one UTC day of a reconciliation. Amounts are in minor
// units (paisa for INR, cents for others: two decimals), each side
// rounded half away from zero from its exact decimal value.
type DayCheck struct {
	Day   time.Time // midnight UTC
	Index int64
	API   int64
	// IndexMicros is the index's exact total.
	IndexMicros int64
	// Live: the day is not finished (Service's settle time after its
	// end), so calls still arrive; the index trails Vobiz by up to a poll
	// and a difference is not yet a discrepancy.
	Live bool
	Err  error
}

// Match reports whether the day agrees to the minor unit.
func (d DayCheck) Match() bool { return d.Err == nil && d.Index == d.API }

// Diff is index minus API, in minor units.
func (d DayCheck) Diff() int64 { return d.Index - d.API }

// Differing returns the finished days that do not agree (API failures
// excluded): the discrepancies.
func (r *Reconciliation) Differing() []DayCheck {
	var out []DayCheck
	for _, d := range r.Days {
		if d.Err == nil && !d.Live && !d.Match() {
			out = append(out, d)
		}
	}
	return out
}

// Pending returns the unfinished days that do not agree yet.
func (r *Reconciliation) Pending() []DayCheck {
	var out []DayCheck
	for _, d := range r.Days {
		if d.Err == nil && d.Live && !d.Match() {
			out = append(out, d)
		}
	}
	return out
}

// UTCDays returns the midnights (UTC) of the days that [from, to) reaches.
func UTCDays(from, to time.Time) []time.Time {
	first := from.UTC().Truncate(24 * time.Hour)
	var out []time.Time
	for d := first; d.Before(to); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out
}

// Reconcile checks the UTC days overlapping [from, to). The index's side
// is one Slots call over those days; the API's is one List (per_page=1)
// per day, Workers at a time, each finished day's answer cached. It
// fails only when the index cannot be read; API failures are in the
// result.
func (s *Service) Reconcile(ctx context.Context, from, to time.Time) (*Reconciliation, error) {
	if s.ix == nil {
		return nil, ErrNeedsIndex
	}
	days := UTCDays(from, to)
	rec := &Reconciliation{Days: make([]DayCheck, len(days))}
	if len(days) == 0 {
		return rec, nil
	}
	idx := map[time.Time]int{}
	for i, d := range days {
		rec.Days[i].Day = d
		rec.Days[i].Live = !s.finished(d)
		idx[d] = i
	}
	var (
		wg     sync.WaitGroup
		ixErr  error
		sem    = make(chan struct{}, s.workers)
		totals = make([]float64, len(days))
	)
	wg.Go(func() {
		rows, err := s.ix.Slots(ctx, callindex.Filter{From: days[0], To: days[len(days)-1].AddDate(0, 0, 1)})
		if err != nil {
			ixErr = fmt.Errorf("reconcile: index: %w", err)
			return
		}
		for _, r := range rows {
			if i, ok := idx[r.Slot.UTC().Truncate(24*time.Hour)]; ok {
				rec.Days[i].IndexMicros += r.TotalMicros
			}
		}
	})
	for i, d := range days {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				rec.Days[i].Err = ctx.Err()
				return
			}
			defer func() { <-sem }()
			v, _, err := s.cached(ctx, s.key("api-day-total", "", d, d), s.finished(d), func(ctx context.Context) (any, error) {
				res, err := s.src.List(ctx, vobiz.Filter{StartDate: day(d), EndDate: day(d), PerPage: 1})
				if err != nil {
					return nil, err
				}
				return float64(res.Summary.TotalCost), nil
			})
			if err != nil {
				rec.Days[i].Err = err
				return
			}
			totals[i] = v.(float64)
		})
	}
	wg.Wait()
	if ixErr != nil {
		return nil, ixErr
	}
	for i := range rec.Days {
		d := &rec.Days[i]
		d.Index = MicrosToMinor(d.IndexMicros)
		if d.Err != nil {
			if rec.Err == nil {
				rec.Err = fmt.Errorf("reconcile: Vobiz total of %s: %w", day(d.Day), d.Err)
			}
			continue
		}
		d.API = FloatToMinor(totals[i])
	}
	return rec, nil
}

// MicrosToMinor rounds millionths to hundredths, half away from zero.
func MicrosToMinor(m int64) int64 {
	if m < 0 {
		return -((-m + 5_000) / 10_000)
	}
	return (m + 5_000) / 10_000
}

// FloatToMinor rounds an amount the API sent to hundredths, half away
// from zero, on its decimal digits: the JSON number 0.125 is 13 paisa
// although the float nearest to it is a little below.
func FloatToMinor(v float64) int64 {
	s := strconv.FormatFloat(v, 'f', -1, 64) // the shortest text that reads back as v: the JSON's digits
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	frac += "000"
	n, err := strconv.ParseInt(whole+frac[:2], 10, 64)
	if err != nil {
		return 0 // beyond any bill; FormatFloat never gives other text
	}
	if frac[2] >= '5' {
		n++
	}
	if neg {
		n = -n
	}
	return n
}

// APIDays is the API's own summary of the calls f selects (its API
// filters) over the whole UTC days that [from, to) reaches: one Search
// with per_page=1. It is what the costs page can still say when the
// index does not cover the window; the days are the API's, so they may
// reach outside a local period.
func (s *Service) APIDays(ctx context.Context, f vobiz.Filter, from, to time.Time) (vobiz.Summary, []time.Time, error) {
	days := UTCDays(from, to)
	if len(days) == 0 {
		return vobiz.Summary{}, nil, nil
	}
	f.StartDate, f.EndDate = day(days[0]), day(days[len(days)-1])
	f.Page, f.PerPage = 0, 1
	res, err := s.src.Search(ctx, f)
	if err != nil {
		return vobiz.Summary{}, days, fmt.Errorf("costs: Vobiz summary: %w", err)
	}
	return res.Summary, days, nil
}
