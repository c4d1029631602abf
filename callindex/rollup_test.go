package callindex_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
)

// The summary read from the hourly rollup (whole hours) plus the calls at
// the window's edges equals the summary added up from the calls alone, for
// every filter the rollup can answer and windows cut anywhere.
func (fx *fixture) testSummaryRollup(t *testing.T) {
	ctx := context.Background()
	checkRollupRows(t, fx.ix)
	raw := callindex.WithoutRollup(fx.ix)
	mid := sbNow.Add(-10 * 24 * time.Hour)
	ist := time.FixedZone("IST", 5*3600+1800)
	localDay := time.Date(2026, 11, 30, 0, 0, 0, 0, ist)
	day := mid.Format(vobiz.DateLayout)
	windows := []struct {
		name string
		f    callindex.Filter
	}{
		{"all", callindex.Filter{}},
		{"hours", callindex.Filter{From: mid.Add(-48 * time.Hour).Truncate(time.Hour), To: mid.Truncate(time.Hour)}},
		{"cut", callindex.Filter{From: mid.Add(-50*time.Hour + 17*time.Minute + 3*time.Microsecond), To: mid.Add(-7 * time.Minute)}},
		{"local_day", callindex.Filter{From: localDay, To: localDay.AddDate(0, 0, 1)}},
		{"within_hour", callindex.Filter{From: mid.Add(10 * time.Minute).Truncate(time.Hour), To: mid.Add(10 * time.Minute)}},
		{"open_from", callindex.Filter{To: mid.Add(-13 * time.Minute)}},
		{"open_to", callindex.Filter{From: mid.Add(29 * time.Minute)}},
		{"dates", callindex.Filter{API: vobiz.Filter{StartDate: day, EndDate: day}}},
		{"dates_and_window", callindex.Filter{From: mid.Add(-30 * time.Hour), API: vobiz.Filter{StartDate: day, EndDate: day}}},
		{"windows", callindex.Filter{Windows: []callindex.Window{
			{From: mid.Add(-3*time.Hour - 30*time.Minute), To: mid.Add(30 * time.Minute)},
			{From: mid.Add(-2 * time.Hour), To: mid.Add(2 * time.Hour)}, // overlaps the first
			{From: mid.Add(-27 * time.Hour), To: mid.Add(-24 * time.Hour)},
			{From: mid.Add(5 * time.Hour), To: mid.Add(5 * time.Hour)}, // empty
		}}},
		{"empty", callindex.Filter{From: mid, To: mid.Add(-time.Hour)}},
	}
	dims := []struct {
		name string
		f    callindex.Filter
	}{
		{"none", callindex.Filter{}},
		{"direction", callindex.Filter{API: vobiz.Filter{CallDirection: vobiz.DirectionInbound}}},
		{"outcomes", callindex.Filter{Outcomes: []diagnosis.Outcome{diagnosis.Failed, diagnosis.Busy}}},
		{"poor", callindex.Filter{Qualities: []diagnosis.Band{diagnosis.BandPoor}}},
		{"good_no_media", callindex.Filter{Qualities: []diagnosis.Band{diagnosis.BandGood, diagnosis.BandNoMedia},
			Thresholds: diagnosis.DefaultThresholds()}},
		{"all_three", callindex.Filter{API: vobiz.Filter{CallDirection: vobiz.DirectionOutbound},
			Outcomes: []diagnosis.Outcome{diagnosis.Answered}, Qualities: []diagnosis.Band{diagnosis.BandFair}}},
		// Not in the rollup: answered from the calls on both sides.
		{"strict_band", callindex.Filter{Qualities: []diagnosis.Band{diagnosis.BandGood},
			Thresholds: diagnosis.Thresholds{MOSGood: 4.3, MOSFair: 3.5, JitterGoodMS: 10, JitterMaxMS: 30, LossGoodPct: 0.5, LossMaxPct: 1}}},
		{"min_mos", callindex.Filter{MinMOS: ptr(3.9)}},
	}
	nonEmpty := 0
	for _, w := range windows {
		for _, d := range dims {
			f := d.f
			f.From, f.To, f.Windows, f.API.StartDate, f.API.EndDate = w.f.From, w.f.To, w.f.Windows, w.f.API.StartDate, w.f.API.EndDate
			got, err := fx.ix.Query(ctx, f)
			if err != nil {
				t.Fatalf("%s/%s: %v", w.name, d.name, err)
			}
			want, err := raw.Query(ctx, f)
			if err != nil {
				t.Fatalf("%s/%s: %v", w.name, d.name, err)
			}
			if got.Summary != want.Summary || got.Total != want.Total {
				t.Errorf("%s/%s: summary\n rollup %+v\n  calls %+v", w.name, d.name, got.Summary, want.Summary)
			}
			if !slices.Equal(uuids(got.Calls), uuids(want.Calls)) {
				t.Errorf("%s/%s: the pages differ", w.name, d.name)
			}
			if want.Total > 0 {
				nonEmpty++
			}
		}
	}
	if nonEmpty < len(windows)*len(dims)*3/4 {
		t.Errorf("test data: only %d of %d cases match any call", nonEmpty, len(windows)*len(dims))
	}
}

// checkRollupRows fails t when the stored rollup differs from one computed
// afresh from the calls.
func checkRollupRows(t *testing.T, ix *callindex.Index) {
	t.Helper()
	stored, fresh, err := callindex.RollupRows(context.Background(), ix)
	if err != nil {
		t.Fatal(err)
	}
	if len(fresh) == 0 && len(stored) == 0 {
		return
	}
	if !slices.Equal(stored, fresh) {
		t.Errorf("rollup: %d rows stored, %d computed from the calls; first difference at %d", len(stored), len(fresh),
			firstDiff(stored, fresh))
	}
}

// Writers keep the rollup equal to the calls: inserts, newer versions that
// change a call's outcome, band, cost and hour, older versions (ignored),
// and DeleteBefore cutting an hour.
func TestRollupFollowsWrites(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		ix := callindex.New(tg.Open(t))
		recs := newSandbox(t, 400, 3).exportAll(t)
		summaries := func(step string) {
			t.Helper()
			checkRollupRows(t, ix)
			for _, f := range []callindex.Filter{{}, {From: sbNow.Add(-30 * time.Hour), To: sbNow.Add(-90 * time.Minute)},
				{Outcomes: []diagnosis.Outcome{diagnosis.Busy}}} {
				got, err1 := ix.Query(ctx, f)
				want, err2 := callindex.WithoutRollup(ix).Query(ctx, f)
				if err1 != nil || err2 != nil || got.Summary != want.Summary {
					t.Errorf("%s: summary %+v (%v), from the calls %+v (%v)", step, got.Summary, err1, want.Summary, err2)
				}
			}
			// Slots and Groups read the rollups for whole slots and days.
			for _, f := range []callindex.Filter{{From: sbNow.AddDate(0, 0, -5), To: sbNow.AddDate(0, 0, 1)},
				{From: sbNow.Add(-50*time.Hour + 7*time.Minute), To: sbNow.Add(-90 * time.Minute), Outcomes: []diagnosis.Outcome{diagnosis.Busy}}} {
				got, err1 := ix.Slots(ctx, f)
				want, err2 := callindex.WithoutRollup(ix).Slots(ctx, f)
				if err1 != nil || err2 != nil || !slices.Equal(got, want) {
					t.Errorf("%s: %d slot rows (%v), from the calls %d (%v)", step, len(got), err1, len(want), err2)
				}
				for _, g := range allGroupings {
					got, err1 := ix.Groups(ctx, f, g)
					want, err2 := callindex.WithoutRollup(ix).Groups(ctx, f, g)
					byKey := func(a, b callindex.Group) int { return strings.Compare(a.Key, b.Key) }
					slices.SortFunc(got, byKey)
					slices.SortFunc(want, byKey)
					if err1 != nil || err2 != nil || !slices.Equal(got, want) {
						t.Errorf("%s: %s: %+v (%v), from the calls %+v (%v)", step, g, got, err1, want, err2)
					}
				}
			}
		}
		if _, err := ix.Upsert(ctx, recs); err != nil {
			t.Fatal(err)
		}
		summaries("insert")
		if len(recs) < 300 {
			t.Fatalf("test data: %d calls", len(recs))
		}

		// Newer versions of every tenth call: busy now, no audio, another
		// cost, and started 90 minutes later (another hour).
		var changed, stale []vobiz.CDR
		for i := 0; i < len(recs); i += 10 {
			c := recs[i]
			c.UpdatedAt = vobiz.Time{Time: c.UpdatedAt.Add(time.Hour)}
			c.StartTime = vobiz.Time{Time: c.StartTime.Add(90 * time.Minute)}
			c.HangupCause = vobiz.NullString{String: "USER_BUSY", Valid: true}
			c.HangupCauseCode = vobiz.NullInt{Int64: 3010, Valid: true}
			c.Billsec, c.Duration = 0, c.RingTime
			c.MOS = vobiz.NullFloat{}
			c.TotalCost += 1.25
			changed = append(changed, c)
			old := recs[i+1]
			old.UpdatedAt = vobiz.Time{Time: old.UpdatedAt.Add(-time.Hour)}
			old.TotalCost += 100
			stale = append(stale, old)
		}
		before, err := ix.Query(ctx, callindex.Filter{Outcomes: []diagnosis.Outcome{diagnosis.Busy}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ix.Upsert(ctx, append(changed, stale...)); err != nil {
			t.Fatal(err)
		}
		summaries("update")
		after, err := ix.Query(ctx, callindex.Filter{Outcomes: []diagnosis.Outcome{diagnosis.Busy}})
		if err != nil || after.Total <= before.Total {
			t.Errorf("busy calls %d before the update, %d after (%v): the update changed no outcome", before.Total, after.Total, err)
		}

		cut := recs[len(recs)/2].StartTime.Truncate(time.Hour).Add(17*time.Minute + 5*time.Microsecond)
		if n, err := ix.DeleteBefore(ctx, cut); err != nil || n == 0 {
			t.Fatalf("DeleteBefore = %d, %v", n, err)
		}
		summaries("delete")
	})
}
