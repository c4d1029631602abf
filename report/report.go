// Package report gathers the data behind the Reports page: per-day
// summaries of a filtered set of calls, the range's totals and those of
// the period before it, and breakdowns (outcomes, hangup causes, audio
// quality, MOS, hour × weekday) counted from the CSV export. It knows
// nothing of HTTP or HTML: package handlers turns a Report into a page,
// and package report/chart turns it into ECharts options.
//
// Where the numbers come from:
//   - Per-day series: the summary block of one list request per day
//     (start_date = end_date = the day, per_page = 1), run by a bounded
//     pool of workers. A finished day never changes, so its summary is
//     cached; today (and any later day) is always asked again.
//   - Range and previous-period totals: one search each (per_page = 1),
//     cached once the period is finished.
//   - Breakdowns: the export of the range, read row by row in constant
//     memory up to a row cap. The finished days and the unfinished ones
//     are read as two exports, so the finished part can be cached and a
//     report that ends today re-reads only today.
//   - From the call index instead (Options.Index, index.go), when its
//     coverage holds the whole range: the same parts, computed by
//     callindex.Query (the API's summary semantics) and callindex.Each
//     (the same accumulator, no row cap). Report.Origin says which
//     answered; the previous period is decided on its own.
//
// Days are whole days as the API cuts them (DayZone; the sandbox, and we
// assume Vobiz, cut in UTC, since the docs name no zone), not the
// viewer's days. Only the hour × weekday matrix uses the viewer's zone.
package report

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/vobiz"
)

// Source is what a report needs from the Vobiz API; *vobiz.Client
// implements it.
type Source interface {
	List(ctx context.Context, f vobiz.Filter) (*vobiz.ListResponse, error)
	Search(ctx context.Context, f vobiz.Filter) (*vobiz.SearchResponse, error)
	Export(ctx context.Context, f vobiz.Filter) (io.ReadCloser, error)
}

// Defaults and limits.
const (
	// DefaultWorkers bounds the concurrent JSON requests of one report:
	// enough to fetch 90 days in about twelve round trips, few enough
	// not to look like a flood to the API (which documents no read
	// limits).
	DefaultWorkers = 8
	// DefaultRowCap is the most export rows one breakdown reads (the
	// CDRDASH_REPORT_ROW_CAP default).
	DefaultRowCap = 2_000_000
	// DefaultCacheEntries bounds the cache. An entry is at most a few
	// kilobytes (a breakdown), most are a few hundred bytes (a summary),
	// so this is a few megabytes at worst: e.g. 100 filter sets × 90 days.
	DefaultCacheEntries = 10_000
	// DefaultSettle is how long after midnight (DayZone) a day counts as
	// finished. A CDR appears only once its call has ended, filed under
	// the day the call started, so a call started at 23:50 shows up in
	// that day's summary only when it ends.
	DefaultSettle = 2 * time.Hour
	// DefaultMaxAge is how long a cached result is trusted. A finished day
	// should never change; the age bound limits the damage if Vobiz ever
	// files a record late.
	DefaultMaxAge = 24 * time.Hour
	// MaxDays is the longest range a report covers.
	MaxDays = 366
	// DefaultDays is the range shown when none is given.
	DefaultDays = 30
	// DefaultMaxLag is how far the index's coverage may trail now while a
	// report reaching today still answers from it (the page then says how
	// fresh it is).
	DefaultMaxLag = 2 * time.Minute
)

// Options configure a Service. Zero values select the defaults.
type Options struct {
	// Account keys the cache, so two accounts never share results. When
	// empty it is taken from the source's AuthID method, if it has one.
	Account      string
	Workers      int
	RowCap       int64
	CacheEntries int
	Settle       time.Duration
	MaxAge       time.Duration
	// DayZone is where the API cuts its days (UTC).
	DayZone *time.Location
	Now     func() time.Time
	// OnCacheLookup, when set, is told of every cache lookup (for metrics).
	OnCacheLookup func(hit bool)
	// Index, when set, answers every report whose range it covers
	// (index.go); other reports come from the API as without it.
	Index *callindex.Index
	// MaxLag is Coverage.Covers' maxLag; DefaultMaxLag when zero.
	MaxLag time.Duration
	// Log records index failures (the report then falls back to the API);
	// nil discards them.
	Log *slog.Logger
}

// Service builds reports and caches what cannot change. It is safe for
// concurrent use; make one per account and keep it.
type Service struct {
	src     Source
	account string
	workers int
	rowCap  int64
	settle  time.Duration
	zone    *time.Location
	now     func() time.Time
	cache   *cache
	lookups func(hit bool)
	ix      *callindex.Index
	maxLag  time.Duration
	log     *slog.Logger
}

// New returns a Service reading from src.
func New(src Source, o Options) *Service {
	if o.Account == "" {
		if a, ok := src.(interface{ AuthID() string }); ok {
			o.Account = a.AuthID()
		}
	}
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.RowCap <= 0 {
		o.RowCap = DefaultRowCap
	}
	if o.CacheEntries == 0 {
		o.CacheEntries = DefaultCacheEntries
	}
	if o.Settle <= 0 {
		o.Settle = DefaultSettle
	}
	if o.MaxAge <= 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.DayZone == nil {
		o.DayZone = time.UTC
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxLag <= 0 {
		o.MaxLag = DefaultMaxLag
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{src: src, account: o.Account, workers: o.Workers, rowCap: o.RowCap,
		settle: o.Settle, zone: o.DayZone, now: o.Now,
		cache: newCache(o.CacheEntries, o.MaxAge, o.Now), lookups: o.OnCacheLookup,
		ix: o.Index, maxLag: o.MaxLag, log: o.Log}
}

// cached runs a lookup through the cache and reports it to OnCacheLookup.
func (s *Service) cached(ctx context.Context, key string, store bool, fetch func(context.Context) (any, error)) (any, bool, error) {
	v, hit, err := s.cache.do(ctx, key, store, fetch)
	if s.lookups != nil {
		s.lookups(hit)
	}
	return v, hit, err
}

// DayZone returns the zone the API is assumed to cut its days in.
func (s *Service) DayZone() *time.Location { return s.zone }

// DefaultRange returns the last DefaultDays days, today included.
func (s *Service) DefaultRange() (start, end string) {
	t := s.today()
	return t.AddDate(0, 0, -(DefaultDays - 1)).Format(vobiz.DateLayout), t.Format(vobiz.DateLayout)
}

func (s *Service) today() time.Time {
	n := s.now().In(s.zone)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, s.zone)
}

// finished reports whether day (midnight in DayZone) can no longer change.
func (s *Service) finished(day time.Time) bool {
	return !s.now().Before(day.AddDate(0, 0, 1).Add(s.settle))
}

// Request says what to report on.
type Request struct {
	// Filter selects the calls. StartDate and EndDate are required and
	// give the range; paging is ignored.
	Filter vobiz.Filter
	// Zone is the viewer's time zone, for the hour × weekday matrix.
	Zone *time.Location
	// Thresholds decide the quality bands.
	Thresholds diagnosis.Thresholds
	// Narrow holds the filters only the call index can apply (outcome,
	// quality, MOS, cost and duration bounds, hangup source, cause code,
	// region, trunk, codec), added to Filter's. Its From, To, API, Sort,
	// Limit and Offset are ignored; Windows (hour, weekday) are refused.
	// When any is set, only the index can answer: Build returns
	// ErrNeedsIndex unless it covers the range (Plan says beforehand).
	Narrow callindex.Filter
	// From and To, when set, are the window (half-open instants), and
	// Filter's dates are ignored on the index path. The index answers it
	// with buckets cut in Zone (local.go). When it does not cover the
	// window, a Local window fails with ErrNotCovered; otherwise Filter's
	// StartDate and EndDate (the same window as whole UTC days) go to the API.
	From, To time.Time
	Local    bool
	// Unit is the bucket unit (UnitDay, UnitWeek, UnitMonth); "" chooses
	// by the window's length (ChooseUnit). The API path has UTC days.
	Unit string
}

// Totals is the summary block of one period, as the search endpoint
// returned it.
type Totals struct {
	Summary  vobiz.Summary
	Echo     vobiz.FiltersEcho // what the API says it applied; shared, do not modify
	Currency string            // from the one row returned; "" when there was none
}

// Period is one period's totals or the reason they are missing.
type Period struct {
	Start, End string
	Totals
	Err    error
	Cached bool
	// Origin answered this period: the previous period may come from the
	// API while the range comes from the index, when the index covers
	// only the range.
	Origin Origin
}

// Bucket is one point of the report's series (a day, a week or a month)
// or the reason it is missing. A missing bucket is never a zero: callers
// must show Err. The API path's buckets are whole UTC days; the index
// path's are cut at midnight in the viewer's zone (bucket.go).
type Bucket struct {
	Date string // YYYY-MM-DD: the first day, as the bucket's zone writes it
	// Start and End bound the bucket, half-open; a bucket cut by the
	// window is shorter than its unit.
	Start, End time.Time
	// Label names the bucket on the axis and in the table, e.g. "Mon 2 Nov".
	Label   string
	Summary vobiz.Summary
	// TotalMicros is the exact total cost in millionths (index path only;
	// the API's summary carries a float).
	TotalMicros int64
	Err         error
	Cached      bool // served from the cache
	Live        bool // not finished: asked again every time
	// Partial: the bucket holds less than its unit, because the window
	// cuts it or because it is still running (SoFar).
	Partial bool
	SoFar   bool // it contains now: its numbers are "so far"
}

// Day is the API path's name for a bucket: one UTC day.
type Day = Bucket

// Report is everything the page shows. Each part carries its own error, so
// one failing part never hides the others.
type Report struct {
	Start, End string
	Days       []Day
	Range      Period // the whole range
	Previous   Period // the same number of days just before
	// Breakdown is nil when BreakdownErr is set.
	Breakdown    *Breakdown
	BreakdownErr error
	RowCap       int64
	// Origin answered the days, the range totals and the breakdowns.
	Origin Origin
	// Index describes the call index when the service has one, whichever
	// source answered: the page says what it covers when it did not.
	Index *IndexState
	// Narrowed: Request.Narrow had filters, so every number counts only
	// the calls they select; Narrow holds them (with the thresholds), for
	// drill-downs that must keep within them.
	Narrowed bool
	Narrow   callindex.Filter
	// From and To bound the window (half-open); Zone cuts its buckets
	// (UTC on the API path), in Unit.
	From, To time.Time
	Zone     *time.Location
	Unit     string
	// TotalMicros is the window's exact total cost in millionths; Exact
	// says it is set (index path). The API path has Range.Summary.TotalCost.
	TotalMicros int64
	Exact       bool
	// Compared is the current side of the comparison with Previous: the
	// window without today's unfinished day (index path), or Range.
	Compared Period
	// CompareMicros and PreviousMicros are their exact costs (index path).
	CompareMicros, PreviousMicros int64
}

// Missing returns the days that could not be loaded.
func (r *Report) Missing() []Day {
	var out []Day
	for _, d := range r.Days {
		if d.Err != nil {
			out = append(out, d)
		}
	}
	return out
}

// DayTotal adds up the calls of the days that loaded; complete is false
// when some day is missing.
func (r *Report) DayTotal() (calls int64, complete bool) {
	complete = true
	for _, d := range r.Days {
		if d.Err != nil {
			complete = false
			continue
		}
		calls += int64(d.Summary.TotalCalls)
	}
	return calls, complete
}

// ParseRange checks a report's dates: both given, in order, at most
// MaxDays days. It returns the number of days, also with ErrRangeTooLong.
func ParseRange(start, end string) (int, error) {
	s, e, err := parseRange(start, end, time.UTC)
	if err != nil && !errors.Is(err, ErrRangeTooLong) {
		return 0, err
	}
	return dayCount(s, e), err
}

// ErrRangeTooLong is returned for ranges longer than MaxDays.
var ErrRangeTooLong = fmt.Errorf("report: a report covers at most %d days", MaxDays)

// parseRange parses the dates as midnights in loc. With ErrRangeTooLong it
// still returns both dates.
func parseRange(start, end string, loc *time.Location) (time.Time, time.Time, error) {
	if start == "" || end == "" {
		return time.Time{}, time.Time{}, errors.New("report: start and end dates are required")
	}
	s, err := time.ParseInLocation(vobiz.DateLayout, start, loc)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("report: start date: %w", err)
	}
	e, err := time.ParseInLocation(vobiz.DateLayout, end, loc)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("report: end date: %w", err)
	}
	if e.Before(s) {
		return time.Time{}, time.Time{}, errors.New("report: the end date is before the start date")
	}
	if dayCount(s, e) > MaxDays {
		return s, e, ErrRangeTooLong
	}
	return s, e, nil
}

// dayCount counts the days from s to e inclusive, by calendar date (so a
// DST change in DayZone cannot make it off by one).
func dayCount(s, e time.Time) int {
	a := time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, time.UTC)
	b := time.Date(e.Year(), e.Month(), e.Day(), 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a)/(24*time.Hour)) + 1
}

func day(t time.Time) string { return t.Format(vobiz.DateLayout) }

// errNotRun marks work the pool never started because ctx ended first.
var errNotRun = errors.New("report: not started")

// Build fetches everything a report needs. It returns an error only for
// an invalid request, for index-only filters the index cannot answer
// (ErrNeedsIndex), or when ctx ends (the person left); upstream and index
// failures are carried by the part they affect. All work stops when ctx
// ends.
func (s *Service) Build(ctx context.Context, req Request) (*Report, error) {
	if !req.From.IsZero() {
		rep, err := s.buildWindow(ctx, req)
		if !errors.Is(err, errUseAPI) {
			return rep, err
		}
	}
	f := req.Filter.WithoutPaging()
	start, end, err := parseRange(f.StartDate, f.EndDate, s.zone)
	if err != nil {
		return nil, err
	}
	subject := f
	subject.StartDate, subject.EndDate = "", ""
	base, narrowed, err := narrowFilter(subject, req)
	if err != nil {
		return nil, err
	}
	skey := subjectKey(subject) + narrowKey(base, narrowed)
	n := dayCount(start, end)
	prevStart, prevEnd := start.AddDate(0, 0, -n), start.AddDate(0, 0, -1)

	rep := &Report{Start: day(start), End: day(end), Days: make([]Day, n), RowCap: s.rowCap, Origin: OriginAPI,
		Range:    Period{Start: day(start), End: day(end), Err: errNotRun, Origin: OriginAPI},
		Previous: Period{Start: day(prevStart), End: day(prevEnd), Err: errNotRun, Origin: OriginAPI}}
	// The index answers each period it covers; the range decides for the
	// days and the breakdowns too, so one chart never mixes sources.
	var rangeIx, prevIx *indexView
	if s.ix != nil {
		var v *indexView
		rep.Index, v = s.indexView(ctx, prevStart, end, base)
		if v != nil && v.covers(start, end) {
			rangeIx, rep.Origin, rep.Range.Origin = v, OriginIndex, OriginIndex
		}
		if v != nil && v.covers(prevStart, prevEnd) {
			prevIx, rep.Previous.Origin = v, OriginIndex
		}
	}
	if narrowed && rangeIx == nil {
		return nil, ErrNeedsIndex
	}
	rep.Narrowed, rep.Narrow = narrowed, base
	previous := func(ctx context.Context) { s.period(ctx, &rep.Previous, subject, skey, prevStart, prevEnd, prevIx) }
	if narrowed && prevIx == nil {
		// The API cannot apply these filters: no comparison rather than a
		// wrong one.
		previous = func(context.Context) { rep.Previous.Err = ErrNeedsIndex }
	}
	jobs := make([]func(context.Context), 0, n+2)
	jobs = append(jobs,
		func(ctx context.Context) { s.period(ctx, &rep.Range, subject, skey, start, end, rangeIx) },
		previous)
	for i := range n {
		d := start.AddDate(0, 0, i)
		next, now := d.AddDate(0, 0, 1), s.now()
		soFar := !now.Before(d) && now.Before(next)
		rep.Days[i] = Day{Date: day(d), Start: d, End: next, Label: day(d), Err: errNotRun, Live: !s.finished(d),
			SoFar: soFar, Partial: soFar}
		jobs = append(jobs, func(ctx context.Context) { s.day(ctx, &rep.Days[i], subject, skey, d, rangeIx) })
	}

	var wg sync.WaitGroup
	wg.Go(func() {
		rep.Breakdown, rep.BreakdownErr = s.breakdown(ctx, subject, skey, start, end, req, rangeIx)
	})
	s.run(ctx, jobs)
	wg.Wait()
	rep.From, rep.To, rep.Zone, rep.Unit = start, end.AddDate(0, 0, 1), s.zone, UnitDay
	rep.Compared = rep.Range

	if err := ctx.Err(); err != nil {
		return rep, err
	}
	return rep, nil
}

// run feeds jobs to at most s.workers goroutines and returns when all
// started jobs are done. Once ctx ends no further job starts; the running
// ones see ctx too, so they end promptly.
func (s *Service) run(ctx context.Context, jobs []func(context.Context)) {
	next := make(chan func(context.Context))
	var wg sync.WaitGroup
	for range min(s.workers, len(jobs)) {
		wg.Go(func() {
			for job := range next {
				job(ctx)
			}
		})
	}
feed:
	for _, job := range jobs {
		select {
		case next <- job:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
}

// subjectKey is the canonical form of the filters without dates and
// paging: url.Values.Encode sorts by key.
func subjectKey(f vobiz.Filter) string { return f.Values().Encode() }

func (s *Service) key(kind, skey string, start, end time.Time, extra ...string) string {
	return strings.Join(append([]string{s.account, kind, skey, day(start), day(end)}, extra...), "\x00")
}

// day fetches one day's summary, from the index when ix is set. Index
// and API answers share the cache key: for a finished day both equal
// the API's count by design (the index verified it), and an index answer
// is stored only for a day the index verified after it settled.
func (s *Service) day(ctx context.Context, out *Day, subject vobiz.Filter, skey string, d time.Time, ix *indexView) {
	next := d.AddDate(0, 0, 1)
	store := s.finished(d) && (ix == nil || ix.settled(d, next))
	v, hit, err := s.cached(ctx, s.key("day", skey, d, d), store, func(ctx context.Context) (any, error) {
		if ix != nil {
			t, err := ix.totals(ctx, d, next)
			return t.Summary, err
		}
		f := subject
		f.StartDate, f.EndDate, f.PerPage = day(d), day(d), 1
		res, err := s.src.List(ctx, f)
		if err != nil {
			return nil, err
		}
		return res.Summary, nil
	})
	out.Err, out.Cached = err, hit
	if err == nil {
		out.Summary = v.(vobiz.Summary)
	}
}

func (s *Service) period(ctx context.Context, out *Period, subject vobiz.Filter, skey string, start, end time.Time, ix *indexView) {
	next := end.AddDate(0, 0, 1)
	store := s.finished(end) && (ix == nil || ix.settled(start, next))
	v, hit, err := s.cached(ctx, s.key("period", skey, start, end), store, func(ctx context.Context) (any, error) {
		if ix != nil {
			return ix.totals(ctx, start, next)
		}
		f := subject
		f.StartDate, f.EndDate, f.PerPage = day(start), day(end), 1
		res, err := s.src.Search(ctx, f)
		if err != nil {
			return nil, err
		}
		t := Totals{Summary: res.Summary, Echo: res.Filters}
		for i := range res.Data {
			if res.Data[i].Currency != "" {
				t.Currency = string(res.Data[i].Currency)
				break
			}
		}
		return t, nil
	})
	out.Err, out.Cached = err, hit
	if err == nil {
		out.Totals = v.(Totals)
	}
}

// breakdown counts the export of the range in two parts: the finished
// days (cached, keyed also by the viewer's zone, the thresholds and the
// cap, which all change the result) and the unfinished ones (read every
// time). Each part reads at most the row cap. From the index (ix set)
// there is no cap: Each streams every matching call in constant memory
// without a download, and the finished part is cached only when the
// index verified all its days after they settled.
func (s *Service) breakdown(ctx context.Context, subject vobiz.Filter, skey string, start, end time.Time, req Request, ix *indexView) (*Breakdown, error) {
	o := AggregateOptions{Zone: req.Zone, Thresholds: req.Thresholds, RowCap: s.rowCap}
	if o.Zone == nil {
		o.Zone = time.UTC
	}
	if o.Thresholds == (diagnosis.Thresholds{}) {
		o.Thresholds = diagnosis.DefaultThresholds()
	}
	// The last finished day: the day before the first unfinished one.
	lastDone := s.today()
	for !s.finished(lastDone) {
		lastDone = lastDone.AddDate(0, 0, -1)
	}
	var past, live *Breakdown
	if !start.After(lastDone) {
		pastEnd := end
		if pastEnd.After(lastDone) {
			pastEnd = lastDone
		}
		key := s.key("breakdown", skey, start, pastEnd, o.Zone.String(), fmt.Sprint(o.Thresholds), fmt.Sprint(o.RowCap))
		store := true
		if ix != nil {
			// Uncapped, so not the API path's entry.
			key = s.key("breakdown-index", skey, start, pastEnd, o.Zone.String(), fmt.Sprint(o.Thresholds))
			store = ix.settled(start, pastEnd.AddDate(0, 0, 1))
		}
		v, _, err := s.cached(ctx, key, store, func(ctx context.Context) (any, error) {
			return s.aggregate(ctx, subject, start, pastEnd, o, ix)
		})
		if err != nil {
			return nil, err
		}
		past = v.(*Breakdown)
	}
	if end.After(lastDone) {
		liveStart := lastDone.AddDate(0, 0, 1)
		if start.After(liveStart) {
			liveStart = start
		}
		var err error
		live, err = s.aggregate(ctx, subject, liveStart, end, o, ix)
		if err != nil {
			return nil, err
		}
	}
	// merge copies, so the cached part is never modified.
	return merge(past, live), nil
}

func (s *Service) aggregate(ctx context.Context, subject vobiz.Filter, start, end time.Time, o AggregateOptions, ix *indexView) (*Breakdown, error) {
	if ix != nil {
		return ix.aggregate(ctx, start, end.AddDate(0, 0, 1), o)
	}
	f := subject
	f.StartDate, f.EndDate = day(start), day(end)
	body, err := s.src.Export(ctx, f)
	if err != nil {
		return nil, err
	}
	// Closing the body early (row cap, error, cancellation) ends the
	// upstream stream.
	defer body.Close()
	return Aggregate(ctx, body, o)
}
