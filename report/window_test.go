package report_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/report"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// Buckets are cut at local midnight, Monday or the first of the month, in
// the viewer's zone, whatever the offset or DST does to the length of a day.
func TestLocalBuckets(t *testing.T) {
	ist, ny := mustLoc(t, "Asia/Kolkata"), mustLoc(t, "America/New_York")
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC) // 17:30 IST, 07:00 in New York
	for _, tc := range []struct {
		name     string
		from, to time.Time
		loc      *time.Location
		unit     string
		labels   []string
		hours    []float64 // each bucket's length
		partial  []bool
		soFar    int // index of the bucket holding now, -1 for none
	}{
		{"IST days", time.Date(2026, 11, 1, 0, 0, 0, 0, ist), time.Date(2026, 11, 4, 0, 0, 0, 0, ist), ist, report.UnitDay,
			[]string{"Sun 1 Nov", "Mon 2 Nov", "Tue 3 Nov"}, []float64{24, 24, 24}, []bool{false, false, false}, -1},
		{"New York days across the November DST change", time.Date(2026, 10, 31, 0, 0, 0, 0, ny),
			time.Date(2026, 11, 3, 0, 0, 0, 0, ny), ny, report.UnitDay,
			[]string{"Sat 31 Oct", "Sun 1 Nov", "Mon 2 Nov"}, []float64{24, 25, 24}, []bool{false, false, false}, -1},
		{"weeks start on Monday, cut by the window", time.Date(2026, 11, 4, 0, 0, 0, 0, ist),
			time.Date(2026, 11, 20, 0, 0, 0, 0, ist), ist, report.UnitWeek,
			[]string{"Wk 4 Nov", "Wk 9 Nov", "Wk 16 Nov"}, []float64{5 * 24, 7 * 24, 4 * 24}, []bool{true, false, true}, -1},
		{"months, today's so far", time.Date(2026, 10, 1, 0, 0, 0, 0, ist), time.Date(2027, 1, 1, 0, 0, 0, 0, ist), ist,
			report.UnitMonth, []string{"Oct 2026", "Nov 2026", "Dec 2026"}, []float64{31 * 24, 30 * 24, 31 * 24},
			[]bool{false, false, true}, 2},
		{"New York months across DST", time.Date(2026, 10, 1, 0, 0, 0, 0, ny), time.Date(2026, 12, 1, 0, 0, 0, 0, ny), ny,
			report.UnitMonth, []string{"Oct 2026", "Nov 2026"}, []float64{31 * 24, 30*24 + 1}, []bool{false, false}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bs, err := report.LocalBuckets(tc.from, tc.to, tc.loc, tc.unit, now)
			if err != nil {
				t.Fatal(err)
			}
			if len(bs) != len(tc.labels) {
				t.Fatalf("%d buckets, want %d: %+v", len(bs), len(tc.labels), bs)
			}
			for i, b := range bs {
				if b.Label != tc.labels[i] || b.End.Sub(b.Start).Hours() != tc.hours[i] || b.Partial != tc.partial[i] ||
					b.SoFar != (i == tc.soFar) {
					t.Errorf("bucket %d: %s %s–%s partial %v so far %v; want %s, %v h, partial %v", i, b.Label,
						b.Start.In(tc.loc), b.End.In(tc.loc), b.Partial, b.SoFar, tc.labels[i], tc.hours[i], tc.partial[i])
				}
				if h, m, _ := b.Start.In(tc.loc).Clock(); i > 0 && (h != 0 || m != 0) {
					t.Errorf("bucket %d starts at %02d:%02d local, not midnight", i, h, m)
				}
			}
			if !bs[0].Start.Equal(tc.from) || !bs[len(bs)-1].End.Equal(tc.to) {
				t.Errorf("buckets span %s–%s, want the window", bs[0].Start, bs[len(bs)-1].End)
			}
		})
	}
	if _, err := report.LocalBuckets(now.AddDate(-1, 0, 0), now, ist, report.UnitDay, now); err != nil {
		t.Errorf("a year of days (366 points) refused: %v", err)
	}
	if _, err := report.LocalBuckets(now.AddDate(-2, 0, 0), now, ist, report.UnitDay, now); !errors.Is(err, report.ErrBadUnit) {
		t.Errorf("two years of days: %v, want ErrBadUnit", err)
	}
	if _, err := report.LocalBuckets(now.AddDate(0, -1, 0), now, ist, "hour", now); !errors.Is(err, report.ErrBadUnit) {
		t.Errorf("unit hour: %v, want ErrBadUnit", err)
	}
	for _, tc := range []struct {
		days int
		want string
	}{{1, report.UnitDay}, {62, report.UnitDay}, {63, report.UnitWeek}, {190, report.UnitWeek}, {191, report.UnitMonth}, {366, report.UnitMonth}} {
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, ist)
		if got := report.ChooseUnit(from, from.AddDate(0, 0, tc.days), ist); got != tc.want {
			t.Errorf("%d days: %s, want %s", tc.days, got, tc.want)
		}
	}
}

// A window report from the index: its buckets, totals and breakdowns add
// up to what Query says for the same window, its cost is the exact sum of
// the raw export rows that started in the window (an IST month), and it
// sends nothing to the API.
func TestWindowReport(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := loaded(t, tg)
		ist := mustLoc(t, "Asia/Kolkata")
		from, to := time.Date(2026, 11, 1, 0, 0, 0, 0, ist), time.Date(2026, 12, 1, 0, 0, 0, 0, ist)
		before := e.Sandbox.Requests()
		svc := newSvc(e.Client, e.Index)
		rep, err := svc.Build(context.Background(), report.Request{Zone: ist, From: from, To: to, Local: true})
		if err != nil {
			t.Fatal(err)
		}
		if n := e.Sandbox.Requests() - before; n != 0 {
			t.Errorf("the window report sent %d requests to the API", n)
		}
		if rep.Origin != report.OriginIndex || rep.Unit != report.UnitDay || len(rep.Days) != 30 || !rep.Exact {
			t.Fatalf("origin %s, unit %s, %d buckets, exact %v", rep.Origin, rep.Unit, len(rep.Days), rep.Exact)
		}

		var want int64
		var calls int64
		for _, c := range e.Records {
			if st := c.StartTime.Time; !st.Before(from) && st.Before(to) {
				want += int64(math.Round(float64(c.TotalCost) * 1e6))
				calls++
			}
		}
		if rep.TotalMicros != want || int64(rep.Range.Summary.TotalCalls) != calls {
			t.Errorf("total %d µ over %d calls, the raw rows of the IST month add up to %d µ over %d", rep.TotalMicros,
				rep.Range.Summary.TotalCalls, want, calls)
		}

		p, err := e.Index.Query(context.Background(), callindex.Filter{From: from, To: to, Limit: 1,
			Thresholds: diagnosis.DefaultThresholds()})
		if err != nil {
			t.Fatal(err)
		}
		s := rep.Range.Summary
		if s.TotalCalls != p.Summary.TotalCalls || s.AnsweredCalls != p.Summary.AnsweredCalls ||
			s.TotalBillableSeconds != p.Summary.TotalBillableSeconds || s.TotalDurationSeconds != p.Summary.TotalDurationSeconds ||
			math.Abs(float64(s.TotalCost-p.Summary.TotalCost)) > 0.005 {
			t.Errorf("summary %+v, Query says %+v", s, p.Summary)
		}

		var days, micros, hw, outcomes, causes int64
		for _, d := range rep.Days {
			days += int64(d.Summary.TotalCalls)
			micros += d.TotalMicros
		}
		b := rep.Breakdown
		for _, row := range b.HourWeekday {
			for _, n := range row {
				hw += n
			}
		}
		for _, n := range b.Outcomes {
			outcomes += n
		}
		for _, n := range b.Causes {
			causes += n
		}
		if days != calls || micros != want || hw != calls || outcomes != calls || causes != calls || b.Rows != calls {
			t.Errorf("buckets %d calls %d µ, heat map %d, outcomes %d, causes %d, rows %d; want %d calls, %d µ",
				days, micros, hw, outcomes, causes, b.Rows, calls, want)
		}

		// A finished month is compared whole with the 30 days before it.
		if rep.Compared.End != "2026-11-30" || rep.Previous.Start != "2026-10-02" || rep.Previous.Err != nil {
			t.Errorf("compared %s – %s with %s – %s (%v)", rep.Compared.Start, rep.Compared.End, rep.Previous.Start,
				rep.Previous.End, rep.Previous.Err)
		}

		// Warm: the settled month comes from the cache, with the same numbers.
		again, err := svc.Build(context.Background(), report.Request{Zone: ist, From: from, To: to, Local: true})
		if err != nil || again.TotalMicros != rep.TotalMicros || again.Range.Summary != rep.Range.Summary {
			t.Errorf("warm build differs: %v, %d µ", err, again.TotalMicros)
		}
	})
}

// The window reaching today: today is drawn "so far" and left out of the
// comparison; weeks and months bucket the same calls; a window outside the
// index's coverage is ErrNotCovered, never an API answer cut in UTC days.
func TestWindowReportToday(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := loaded(t, tg)
		ist := mustLoc(t, "Asia/Kolkata")
		today := time.Date(2026, 12, 7, 0, 0, 0, 0, ist)
		from, to := today.AddDate(0, 0, -59), today.AddDate(0, 0, 1)
		svc := newSvc(e.Client, e.Index)
		var totals []vobiz.Summary
		for _, unit := range []string{report.UnitDay, report.UnitWeek, report.UnitMonth} {
			rep, err := svc.Build(context.Background(), report.Request{Zone: ist, From: from, To: to, Local: true, Unit: unit})
			if err != nil {
				t.Fatal(err)
			}
			last := rep.Days[len(rep.Days)-1]
			if !last.SoFar || !last.Partial || !last.Live {
				t.Errorf("%s: the last bucket %+v is not marked so far", unit, last)
			}
			var sum int64
			for _, d := range rep.Days {
				sum += int64(d.Summary.TotalCalls)
			}
			if sum != int64(rep.Range.Summary.TotalCalls) {
				t.Errorf("%s: buckets add up to %d, the range has %d", unit, sum, rep.Range.Summary.TotalCalls)
			}
			if rep.Compared.End != "2026-12-06" || rep.Previous.End != "2026-10-08" || rep.Previous.Start != "2026-08-11" {
				t.Errorf("%s: compared %s – %s with %s – %s", unit, rep.Compared.Start, rep.Compared.End,
					rep.Previous.Start, rep.Previous.End)
			}
			if rep.Compared.Summary.TotalCalls >= rep.Range.Summary.TotalCalls {
				t.Errorf("%s: today's calls are in the comparison", unit)
			}
			totals = append(totals, rep.Range.Summary)
		}
		if totals[0] != totals[1] || totals[1] != totals[2] {
			t.Errorf("units disagree on the totals: %+v", totals)
		}

		_, err := svc.Build(context.Background(), report.Request{Zone: ist, Local: true,
			From: time.Date(2025, 1, 1, 0, 0, 0, 0, ist), To: time.Date(2025, 2, 1, 0, 0, 0, 0, ist)})
		if !errors.Is(err, report.ErrNotCovered) {
			t.Errorf("a window before the coverage: %v, want ErrNotCovered", err)
		}
	})
}
