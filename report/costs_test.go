package report_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/report"
	"github.com/cdrdash/cdrdash/report/reporttest"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
)

// November 2026 in IST: the costs equal the decimal sums over the raw
// export rows that started in it, and every breakdown adds up to them.
func TestCostsAddUpToTheRawExport(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := loaded(t, tg)
		svc := newSvc(e.Client, e.Index)
		ist, err := time.LoadLocation("Asia/Kolkata")
		if err != nil {
			t.Fatal(err)
		}
		from := time.Date(2026, 11, 1, 0, 0, 0, 0, ist)
		to := from.AddDate(0, 1, 0)
		for _, tc := range []struct {
			name  string
			f     callindex.Filter
			match func(c *vobiz.CDR) bool
		}{
			{"all", callindex.Filter{}, func(*vobiz.CDR) bool { return true }},
			{"outbound", callindex.Filter{API: vobiz.Filter{CallDirection: vobiz.DirectionOutbound}},
				func(c *vobiz.CDR) bool { return c.CallDirection == vobiz.DirectionOutbound }},
			{"region", callindex.Filter{Region: "ap-south-2"},
				func(c *vobiz.CDR) bool { return strings.EqualFold(string(c.Region), "ap-south-2") }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var want callindex.Sums
				for i := range e.Records {
					c := &e.Records[i]
					st := c.StartTime.Time
					if st.Before(from) || !st.Before(to) || !tc.match(c) {
						continue
					}
					want.Calls++
					want.Billsec += int64(c.Billsec)
					want.Duration += int64(c.Duration)
					if c.Billsec > 0 {
						want.Answered++
					}
					want.CostMicros += reporttest.Micros(t, float64(c.Cost))
					want.StreamingMicros += reporttest.Micros(t, float64(c.StreamingCost))
					want.TotalMicros += reporttest.Micros(t, float64(c.TotalCost))
				}
				f := tc.f
				f.From, f.To = from, to
				got, err := svc.Costs(context.Background(), f)
				if err != nil {
					t.Fatal(err)
				}
				if got.Total != want {
					t.Fatalf("total %+v, want %+v", got.Total, want)
				}
				if got.Currency != "INR" {
					t.Errorf("currency %q", got.Currency)
				}
				if len(got.Tables) != len(report.Parts) {
					t.Fatalf("%d tables, want %d", len(got.Tables), len(report.Parts))
				}
				for i, tb := range got.Tables {
					if tb.Part != report.Parts[i] {
						t.Errorf("table %d is %q, want %q", i, tb.Part, report.Parts[i])
					}
					var sum callindex.Sums
					for _, r := range tb.Rows {
						sum.Add(r.Sums)
					}
					if sum != got.Total {
						t.Errorf("%s: rows add up to %+v, total %+v", tb.Part, sum, got.Total)
					}
				}
				if n := len(got.Table(report.PartNumbers).Rows); want.Calls > 0 && n > report.TopNumbers+1 {
					t.Errorf("numbers table has %d rows", n)
				}
			})
		}
	})
}

func TestRoundingToMinorUnits(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want int64
	}{
		{0, 0}, {0.125, 13}, {0.135, 14}, {1.005, 101}, {1.0049, 100}, {-0.125, -13}, {1508.2, 150820},
		{2.675, 268}, {123456.785, 12345679},
	} {
		if got := report.FloatToMinor(tc.v); got != tc.want {
			t.Errorf("FloatToMinor(%v) = %d, want %d", tc.v, got, tc.want)
		}
	}
	for _, tc := range []struct{ m, want int64 }{
		{0, 0}, {4_999, 0}, {5_000, 1}, {1_235_000, 124}, {-5_000, -1}, {-4_999, 0},
	} {
		if got := report.MicrosToMinor(tc.m); got != tc.want {
			t.Errorf("MicrosToMinor(%d) = %d, want %d", tc.m, got, tc.want)
		}
	}
}

// Every UTC day of an IST month agrees with the API's summaries; with one
// call missing from the index, exactly its day differs, by its cost.
func TestReconcile(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := loaded(t, tg)
		ist, err := time.LoadLocation("Asia/Kolkata")
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		from := time.Date(2026, 11, 1, 0, 0, 0, 0, ist)
		to := from.AddDate(0, 1, 0)
		rec, err := newSvc(e.Client, e.Index).Reconcile(ctx, from, to)
		if err != nil {
			t.Fatal(err)
		}
		// IST midnight is 18:30 UTC the day before: 31 October to 30 November.
		if len(rec.Days) != 31 || !rec.Days[0].Day.Equal(time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("days %d from %v", len(rec.Days), rec.Days[0].Day)
		}
		if rec.Err != nil || len(rec.Differing()) != 0 {
			t.Fatalf("differing %+v, err %v", rec.Differing(), rec.Err)
		}

		// A second index of the same calls but the most expensive one of
		// 12 November.
		var gone *vobiz.CDR
		for i := range e.Records {
			c := &e.Records[i]
			if c.StartTime.UTC().Format(vobiz.DateLayout) == "2026-11-12" && (gone == nil || c.TotalCost > gone.TotalCost) {
				gone = c
			}
		}
		if gone == nil || gone.TotalCost == 0 {
			t.Fatal("no call with a cost on 12 November")
		}
		other := storetest.SQLiteTarget(t)
		if tg.Name == store.DialectPostgres {
			other = storetest.PostgresTarget(t)
		}
		ix := callindex.New(other.Open(t))
		rest := make([]vobiz.CDR, 0, len(e.Records))
		for _, c := range e.Records {
			if c.UUID != gone.UUID {
				rest = append(rest, c)
			}
		}
		if _, err := ix.Upsert(ctx, rest); err != nil {
			t.Fatal(err)
		}
		rec, err = newSvc(e.Client, ix).Reconcile(ctx, from, to)
		if err != nil {
			t.Fatal(err)
		}
		diff := rec.Differing()
		if len(diff) != 1 || diff[0].Day.Format(vobiz.DateLayout) != "2026-11-12" {
			t.Fatalf("differing days %+v", diff)
		}
		d := diff[0]
		var dayMicros int64
		for i := range rest {
			if rest[i].StartTime.UTC().Format(vobiz.DateLayout) == "2026-11-12" {
				dayMicros += reporttest.Micros(t, float64(rest[i].TotalCost))
			}
		}
		if d.IndexMicros != dayMicros {
			t.Errorf("index total %d micros, want %d", d.IndexMicros, dayMicros)
		}
		all := dayMicros + reporttest.Micros(t, float64(gone.TotalCost))
		if got, want := d.Diff(), report.MicrosToMinor(dayMicros)-report.MicrosToMinor(all); got != want || want >= 0 {
			t.Errorf("difference %d, want %d", got, want)
		}
	})
}
