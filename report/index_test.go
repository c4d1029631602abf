package report_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/report"
	"github.com/cdrdash/cdrdash/report/reporttest"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// ixNow is the tests' clock: midday, so today has calls and yesterday has
// settled.
var ixNow = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func day(offset int) string { return ixNow.AddDate(0, 0, offset).Format(vobiz.DateLayout) }

func utcMidnight(offset int) time.Time {
	y, m, d := ixNow.AddDate(0, 0, offset).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// loaded is a sandbox of 4,000 calls over 70 days, indexed and complete.
func loaded(t *testing.T, tg storetest.Target) *reporttest.Env {
	t.Helper()
	e := reporttest.New(t, tg, sandbox.Options{Seed: 5, Calls: 4000, Days: 70, Now: ixNow})
	e.Load(t)
	e.MarkComplete(t, utcMidnight(-75), ixNow, ixNow, ixNow)
	return e
}

func newSvc(src report.Source, ix *callindex.Index) *report.Service {
	return report.New(src, report.Options{Now: func() time.Time { return ixNow }, Index: ix})
}

// The index path gives the same report as the API path: every day, the
// range and previous totals, and every breakdown count, for ranges that end
// today or earlier and for API filters of each kind.
func TestIndexReportEqualsAPI(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := loaded(t, tg)
		ist, err := time.LoadLocation("Asia/Kolkata")
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			f    vobiz.Filter
		}{
			{"30 days to today", vobiz.Filter{StartDate: day(-29), EndDate: day(0)}},
			{"finished week inbound", vobiz.Filter{StartDate: day(-10), EndDate: day(-4), CallDirection: vobiz.DirectionInbound}},
			{"cause", vobiz.Filter{StartDate: day(-20), EndDate: day(0), HangupCause: "NORMAL_CLEARING"}},
			{"number substring", vobiz.Filter{StartDate: day(-30), EndDate: day(-1), FromNumber: "98"}},
			{"min duration", vobiz.Filter{StartDate: day(-14), EndDate: day(0), MinDuration: ptr(60)}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				req := report.Request{Filter: tc.f, Zone: ist}
				before := e.Sandbox.Requests()
				got, err := newSvc(e.Client, e.Index).Build(context.Background(), req)
				if err != nil {
					t.Fatal(err)
				}
				if n := e.Sandbox.Requests() - before; n != 0 {
					t.Errorf("the index path sent %d requests to the API", n)
				}
				want, err := newSvc(e.Client, nil).Build(context.Background(), req)
				if err != nil {
					t.Fatal(err)
				}
				if got.Origin != report.OriginIndex || got.Range.Origin != report.OriginIndex ||
					got.Previous.Origin != report.OriginIndex || want.Origin != report.OriginAPI || want.Index != nil {
					t.Fatalf("origins: index path %s/%s/%s, API path %s (index %v)", got.Origin, got.Range.Origin,
						got.Previous.Origin, want.Origin, want.Index)
				}
				if want.Range.Summary.TotalCalls == 0 {
					t.Fatal("no calls: the case proves nothing")
				}
				for i := range want.Days {
					if want.Days[i].Err != nil || got.Days[i].Err != nil {
						t.Fatalf("day %s: %v / %v", want.Days[i].Date, got.Days[i].Err, want.Days[i].Err)
					}
					if got.Days[i].Date != want.Days[i].Date || got.Days[i].Summary != want.Days[i].Summary {
						t.Errorf("day %s: index %+v, API %+v", want.Days[i].Date, got.Days[i].Summary, want.Days[i].Summary)
					}
				}
				for _, p := range []struct{ name, got, want any }{
					{"range", got.Range.Summary, want.Range.Summary},
					{"previous", got.Previous.Summary, want.Previous.Summary},
					{"currency", got.Range.Currency, want.Range.Currency},
				} {
					if p.got != p.want {
						t.Errorf("%s: index %+v, API %+v", p.name, p.got, p.want)
					}
				}
				if got.BreakdownErr != nil || want.BreakdownErr != nil {
					t.Fatalf("breakdowns: %v / %v", got.BreakdownErr, want.BreakdownErr)
				}
				g, w := *got.Breakdown, *want.Breakdown
				if w.Truncated || g.Truncated {
					t.Fatal("truncated")
				}
				if g.Rows != w.Rows || g.Outcomes != w.Outcomes || g.Quality != w.Quality || g.MOS != w.MOS ||
					g.MOSMax != w.MOSMax || g.HourWeekday != w.HourWeekday || !reflect.DeepEqual(g.Causes, w.Causes) ||
					!g.First.Equal(w.First) || !g.Last.Equal(w.Last) {
					t.Errorf("breakdown:\nindex %+v\nAPI   %+v", g, w)
				}
				if g.Rows != int64(want.Range.Summary.TotalCalls) {
					t.Errorf("breakdown counts %d calls, the range %d", g.Rows, want.Range.Summary.TotalCalls)
				}
			})
		}
	})
}

func ptr[T any](v T) *T { return &v }

// The API answers, and the report says what the index covers, whenever the
// index does not cover the range: days missing before it, a stale sync, an
// index still building. A range it does cover comes from it even when the
// previous period does not.
func TestIndexFallback(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := reporttest.New(t, tg, sandbox.Options{Seed: 5, Calls: 1500, Days: 40, Now: ixNow})
		e.Load(t)
		svc := func() *report.Service { return newSvc(e.Client, e.Index) }
		build := func(start, end string) *report.Report {
			t.Helper()
			rep, err := svc().Build(context.Background(), report.Request{Filter: vobiz.Filter{StartDate: start, EndDate: end}})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Index == nil || rep.Index.Err != nil {
				t.Fatalf("index state %+v", rep.Index)
			}
			return rep
		}

		rep := build(day(-6), day(0))
		if rep.Origin != report.OriginAPI || !rep.Index.Coverage.IsZero() {
			t.Errorf("nothing verified yet: origin %s, coverage %+v", rep.Origin, rep.Index.Coverage)
		}

		// Five complete days up to today, polled 30 s ago.
		e.MarkComplete(t, utcMidnight(-4), ixNow, ixNow.Add(-30*time.Second), ixNow.Add(-30*time.Second))
		rep = build(day(-6), day(0))
		if rep.Origin != report.OriginAPI || rep.Range.Origin != report.OriginAPI {
			t.Errorf("range starts before the coverage: origin %s", rep.Origin)
		}
		if c := rep.Index.Coverage; !c.From.Equal(utcMidnight(-4)) || !c.LastPoll.Equal(ixNow.Add(-30*time.Second)) {
			t.Errorf("coverage %+v", c)
		}
		rep = build(day(-1), day(0))
		if rep.Origin != report.OriginIndex || rep.Range.Origin != report.OriginIndex || rep.Previous.Origin != report.OriginIndex {
			t.Errorf("covered range and previous period: %s %s %s", rep.Origin, rep.Range.Origin, rep.Previous.Origin)
		}
		rep = build(day(-3), day(0))
		if rep.Origin != report.OriginIndex || rep.Previous.Origin != report.OriginAPI || rep.Previous.Err != nil {
			t.Errorf("covered range, uncovered previous period: %s %s %v", rep.Origin, rep.Previous.Origin, rep.Previous.Err)
		}

		// The sync stopped five minutes ago: today is no longer covered,
		// the finished days still are.
		stale := ixNow.Add(-5 * time.Minute)
		e.MarkComplete(t, utcMidnight(-4), ixNow, stale, stale)
		if rep = build(day(-2), day(0)); rep.Origin != report.OriginAPI {
			t.Errorf("stale sync, range to today: origin %s", rep.Origin)
		}
		if rep = build(day(-2), day(-1)); rep.Origin != report.OriginIndex {
			t.Errorf("stale sync, finished range: origin %s", rep.Origin)
		}
	})
}

// An index answer is cached only for days the index verified after they
// settled: today, and a finished day verified too early, are asked again.
func TestIndexCache(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := reporttest.New(t, tg, sandbox.Options{Seed: 5, Calls: 1500, Days: 20, Now: ixNow})
		e.Load(t)
		e.MarkComplete(t, utcMidnight(-10), ixNow, ixNow, ixNow)
		// Day -3 was verified an hour after it ended, before late CDRs
		// stop arriving (DefaultSettle).
		early := utcMidnight(-2).Add(time.Hour)
		n, err := e.Index.Count(context.Background(), utcMidnight(-3), utcMidnight(-2))
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Index.SetDay(context.Background(), callindex.DayState{Day: utcMidnight(-3),
			Status: callindex.DayComplete, Rows: n, APITotal: n, VerifiedAt: early}); err != nil {
			t.Fatal(err)
		}

		svc := newSvc(e.Client, e.Index)
		req := report.Request{Filter: vobiz.Filter{StartDate: day(-5), EndDate: day(0)}}
		first, err := svc.Build(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		// One late call on each of day -5 (settled), day -3 (verified
		// early) and today.
		var late []vobiz.CDR
		for i, off := range []int{-5, -3, 0} {
			c := e.Records[0]
			c.UUID = vobiz.Text("late-" + string(rune('a'+i)))
			c.StartTime = vobiz.Time{Time: utcMidnight(off).Add(3 * time.Hour)}
			late = append(late, c)
		}
		if _, err := e.Index.Upsert(context.Background(), late); err != nil {
			t.Fatal(err)
		}
		second, err := svc.Build(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []int64{0, 0, 1, 0, 0, 1} { // days -5 … 0
			f, s := first.Days[i], second.Days[i]
			if d := int64(s.Summary.TotalCalls) - int64(f.Summary.TotalCalls); d != want {
				t.Errorf("day %s: %d then %d calls (cached %v), want a change of %d", f.Date,
					f.Summary.TotalCalls, s.Summary.TotalCalls, s.Cached, want)
			}
		}
		if !second.Days[0].Cached || second.Days[2].Cached || second.Days[5].Cached {
			t.Errorf("cached: settled %v, verified early %v, today %v", second.Days[0].Cached,
				second.Days[2].Cached, second.Days[5].Cached)
		}
		// The range is not finished: its totals and breakdown are fresh.
		if d := second.Range.Summary.TotalCalls - first.Range.Summary.TotalCalls; d != 3 {
			t.Errorf("range total changed by %d, want 3 (every late call is in the index)", d)
		}
		// The finished part (days -5 … -1) holds day -3, not settled, so
		// it is not cached either: all three late calls are counted.
		if d := second.Breakdown.Rows - first.Breakdown.Rows; d != 3 {
			t.Errorf("breakdown rows changed by %d, want 3", d)
		}
	})
}

// Filters only the index can apply (Request.Narrow) narrow every part of
// the report, counted independently here from the sandbox's records; they
// are refused when the index cannot answer, and they never share a cache
// entry with the same report without them.
func TestIndexNarrow(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := loaded(t, tg)
		th := diagnosis.DefaultThresholds()
		minMOS := 3.5
		narrow := callindex.Filter{Outcomes: []diagnosis.Outcome{diagnosis.Answered, diagnosis.Failed},
			Qualities: []diagnosis.Band{diagnosis.BandGood, diagnosis.BandFair, diagnosis.BandNoMedia}, MinMOS: &minMOS}
		match := func(c *vobiz.CDR) bool {
			o, q := diagnosis.OutcomeOf(c), diagnosis.OverallBand(c, th)
			return (o == diagnosis.Answered || o == diagnosis.Failed) && q != diagnosis.BandPoor &&
				q != diagnosis.BandUnknown && c.MOS.Valid && c.MOS.Float64 >= minMOS
		}
		count := func(from, to time.Time) int64 {
			var n int64
			for i := range e.Records {
				if st := e.Records[i].StartTime.Time; !st.Before(from) && st.Before(to) && match(&e.Records[i]) {
					n++
				}
			}
			return n
		}
		svc := newSvc(e.Client, e.Index)
		req := report.Request{Filter: vobiz.Filter{StartDate: day(-20), EndDate: day(0)}, Thresholds: th}
		plain, err := svc.Build(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		req.Narrow = narrow
		if o, _, err := svc.Plan(context.Background(), req); o != report.OriginIndex || err != nil {
			t.Errorf("plan: %s %v", o, err)
		}
		rep, err := svc.Build(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Narrowed || rep.Origin != report.OriginIndex || rep.Previous.Origin != report.OriginIndex {
			t.Fatalf("narrowed %v, origin %s, previous %s", rep.Narrowed, rep.Origin, rep.Previous.Origin)
		}
		var sum int64
		for i, d := range rep.Days {
			want := count(utcMidnight(-20+i), utcMidnight(-19+i))
			if d.Err != nil || int64(d.Summary.TotalCalls) != want {
				t.Errorf("day %s: %d calls (%v), want %d", d.Date, d.Summary.TotalCalls, d.Err, want)
			}
			sum += want
		}
		if got := int64(rep.Range.Summary.TotalCalls); got != sum || sum == 0 || got == int64(plain.Range.Summary.TotalCalls) {
			t.Errorf("range %d, want %d (unnarrowed %d)", got, sum, plain.Range.Summary.TotalCalls)
		}
		if got, want := int64(rep.Previous.Summary.TotalCalls), count(utcMidnight(-41), utcMidnight(-20)); got != want {
			t.Errorf("previous %d, want %d", got, want)
		}
		b := rep.Breakdown
		if b.Rows != sum || b.Outcomes[1]+b.Outcomes[2]+b.Outcomes[3] != 0 || b.Quality[2] != 0 || b.MOS[9] != 0 || b.MOS[10] == 0 {
			t.Errorf("breakdown: %d rows, outcomes %v, quality %v, MOS %v", b.Rows, b.Outcomes, b.Quality, b.MOS)
		}

		// Refused where only the API could answer.
		bad := []struct {
			name string
			svc  *report.Service
			req  report.Request
		}{
			{"no index", newSvc(e.Client, nil), req},
			{"before the coverage", svc, report.Request{Filter: vobiz.Filter{StartDate: day(-100), EndDate: day(-90)}, Narrow: narrow}},
		}
		for _, tc := range bad {
			if _, _, err := tc.svc.Plan(context.Background(), tc.req); !errors.Is(err, report.ErrNeedsIndex) {
				t.Errorf("%s: plan %v", tc.name, err)
			}
			if _, err := tc.svc.Build(context.Background(), tc.req); !errors.Is(err, report.ErrNeedsIndex) {
				t.Errorf("%s: build %v", tc.name, err)
			}
		}
		// The previous period before the coverage: no comparison, not the
		// API's unnarrowed numbers.
		rep, err = svc.Build(context.Background(), report.Request{Filter: vobiz.Filter{StartDate: day(-70), EndDate: day(-41)}, Narrow: narrow})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Origin != report.OriginIndex || !errors.Is(rep.Previous.Err, report.ErrNeedsIndex) {
			t.Errorf("uncovered previous period: origin %s, %v", rep.Origin, rep.Previous.Err)
		}
		hw := req
		hw.Narrow.Windows = []callindex.Window{{From: ixNow.Add(-time.Hour), To: ixNow}}
		if _, err := svc.Build(context.Background(), hw); err == nil || errors.Is(err, report.ErrNeedsIndex) {
			t.Errorf("hour windows: %v", err)
		}
	})
}
