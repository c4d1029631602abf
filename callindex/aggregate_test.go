package callindex_test

import (
	"context"
	"maps"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
)

// micros is an amount in millionths, as the aggregates add it.
func micros(v vobiz.Float) int64 { return int64(math.Round(float64(v) * 1e6)) }

// sumsOf is what c adds to an aggregate.
func sumsOf(c *vobiz.CDR) callindex.Sums {
	s := callindex.Sums{Calls: 1, Duration: int64(c.Duration), Billsec: int64(c.Billsec),
		CostMicros: micros(c.Cost), StreamingMicros: micros(c.StreamingCost), TotalMicros: micros(c.TotalCost)}
	if c.Billsec > 0 {
		s.Answered = 1
	}
	return s
}

// groupKey is c's key under g written plainly, ok false when the group
// leaves c out.
func groupKey(g callindex.GroupBy, c *vobiz.CDR) (string, bool) {
	switch g {
	case callindex.ByCause:
		return c.HangupCause.String, true
	case callindex.ByTrunk:
		return c.TrunkID.String, true
	case callindex.ByCampaign:
		return c.CampaignID.String, true
	case callindex.ByRegion:
		return string(c.Region), true
	case callindex.ByDestination:
		return string(c.DestinationNumber), true
	case callindex.ByMOSBucket:
		m := c.MOS.Float64
		if !c.MOS.Valid || m < 1 || m > 5 {
			return "", false
		}
		return strconv.Itoa(min(int(math.Floor((m-1)*4)), 15)), true
	}
	panic("unknown grouping " + string(g))
}

var allGroupings = []callindex.GroupBy{callindex.ByCause, callindex.ByMOSBucket, callindex.ByTrunk,
	callindex.ByCampaign, callindex.ByRegion, callindex.ByDestination}

type slotKey struct {
	slot               time.Time
	outcome, dir, band string
}

// aggregateCases are the filter cases with a closed window (aggregates
// need one), plus windows cut inside a slot and other thresholds.
func (fx *fixture) aggregateCases() []struct {
	name string
	f    callindex.Filter
} {
	lo, hi := sbNow.AddDate(0, 0, -40), sbNow.AddDate(0, 0, 1)
	mid := sbNow.Add(-10 * 24 * time.Hour)
	ist := time.FixedZone("IST", 5*3600+1800)
	localDay := time.Date(2026, 11, 30, 0, 0, 0, 0, ist)
	strict := diagnosis.Thresholds{MOSGood: 4.3, MOSFair: 3.9, JitterGoodMS: 5, JitterMaxMS: 20, LossGoodPct: 0.2, LossMaxPct: 0.8}
	cases := fx.filterCases()
	for i := range cases {
		f := &cases[i].f
		if f.From.IsZero() {
			f.From = lo
		}
		if f.To.IsZero() {
			f.To = hi
		}
	}
	return append(cases, []struct {
		name string
		f    callindex.Filter
	}{
		{"cut_mid_slot", callindex.Filter{From: mid.Add(-50*time.Hour + 17*time.Minute + 3*time.Microsecond), To: mid.Add(-7 * time.Minute)}},
		{"local_day", callindex.Filter{From: localDay, To: localDay.AddDate(0, 0, 1)}},
		{"within_slot", callindex.Filter{From: mid.Add(2 * time.Minute), To: mid.Add(11 * time.Minute)}},
		{"strict_thresholds", callindex.Filter{From: lo, To: hi, Thresholds: strict}},
		{"strict_thresholds_cut", callindex.Filter{From: mid.Add(-100*time.Hour + time.Second), To: mid.Add(-time.Second),
			Thresholds: strict, API: vobiz.Filter{CallDirection: vobiz.DirectionOutbound}}},
		{"empty", callindex.Filter{From: mid, To: mid}},
	}...)
}

// Slots and Groups equal the calls f selects, added up plainly in Go (band
// under f's thresholds, amounts rounded to millionths then summed), their
// totals equal Query's summary, and every Groups dimension adds up to the
// same totals.
func (fx *fixture) testAggregates(t *testing.T) {
	ctx := context.Background()
	nonEmpty := 0
	for _, tc := range fx.aggregateCases() {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f
			want := map[slotKey]callindex.Sums{}
			var wantTotal callindex.Sums
			var picked []*vobiz.CDR
			for i := range fx.recs {
				c := &fx.recs[i]
				if !matches(f, c) {
					continue
				}
				picked = append(picked, c)
				k := slotKey{c.StartTime.Truncate(callindex.SlotLength).UTC(), string(diagnosis.OutcomeOf(c)),
					string(c.CallDirection), string(diagnosis.OverallBand(c, thresholdsOf(f)))}
				s := want[k]
				s.Add(sumsOf(c))
				want[k] = s
				wantTotal.Add(sumsOf(c))
			}
			if len(picked) > 0 {
				nonEmpty++
			}

			rows, err := fx.ix.Slots(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			got := map[slotKey]callindex.Sums{}
			var total callindex.Sums
			for i, r := range rows {
				if i > 0 && r.Slot.Before(rows[i-1].Slot) {
					t.Fatalf("row %d: slot %s after %s", i, r.Slot, rows[i-1].Slot)
				}
				if r.Slot.Location() != time.UTC || !r.Slot.Equal(r.Slot.Truncate(callindex.SlotLength)) {
					t.Errorf("row %d: slot %s is not a UTC slot start", i, r.Slot)
				}
				k := slotKey{r.Slot, string(r.Outcome), r.Direction, string(r.Band)}
				if _, dup := got[k]; dup {
					t.Errorf("row %d: %+v twice", i, k)
				}
				if r.Calls == 0 {
					t.Errorf("row %d: no calls", i)
				}
				got[k] = r.Sums
				total.Add(r.Sums)
			}
			if len(got) != len(want) {
				t.Errorf("%d slot rows, want %d", len(got), len(want))
			}
			for k, w := range want {
				if got[k] != w {
					t.Errorf("slot %+v: %+v, want %+v", k, got[k], w)
				}
			}

			p, err := fx.ix.Query(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			s := p.Summary
			if total.Calls != int64(s.TotalCalls) || total.Answered != int64(s.AnsweredCalls) ||
				total.Duration != int64(s.TotalDurationSeconds) || total.Billsec != int64(s.TotalBillableSeconds) ||
				math.Abs(float64((total.TotalMicros+5000)/10000)/100-float64(s.TotalCost)) > 1e-6 {
				t.Errorf("slots add up to %+v, the summary is %+v", total, s)
			}

			for _, g := range allGroupings {
				wantG := map[string]callindex.Group{}
				for _, c := range picked {
					key, ok := groupKey(g, c)
					if !ok {
						continue
					}
					gr := wantG[key]
					gr.Key = key
					if g == callindex.ByMOSBucket {
						gr.Calls++
					} else {
						gr.Add(sumsOf(c))
					}
					if c.MOS.Valid {
						gr.MaxMOS = max(gr.MaxMOS, c.MOS.Float64)
					}
					wantG[key] = gr
				}
				groups, err := fx.ix.Groups(ctx, f, g)
				if err != nil {
					t.Fatalf("%s: %v", g, err)
				}
				var sum callindex.Sums
				seen := map[string]bool{}
				for _, gr := range groups {
					if seen[gr.Key] {
						t.Errorf("%s: key %q twice", g, gr.Key)
					}
					seen[gr.Key] = true
					if gr != wantG[gr.Key] {
						t.Errorf("%s: group %+v, want %+v", g, gr, wantG[gr.Key])
					}
					sum.Add(gr.Sums)
				}
				if len(groups) != len(wantG) {
					t.Errorf("%s: %d groups, want %d", g, len(groups), len(wantG))
				}
				if g != callindex.ByMOSBucket && sum != total {
					t.Errorf("%s: groups add up to %+v, slots to %+v", g, sum, total)
				}
			}
		})
	}
	if cases := len(fx.aggregateCases()); nonEmpty < cases*3/4 {
		t.Errorf("test data: only %d of %d cases match any call", nonEmpty, cases)
	}
}

func TestAggregatesNeedWindow(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		ix := callindex.New(tg.Open(t))
		ctx := context.Background()
		for _, f := range []callindex.Filter{{}, {From: sbNow}, {To: sbNow}} {
			if _, err := ix.Slots(ctx, f); err == nil {
				t.Errorf("Slots(%+v): no error", f)
			}
			if _, err := ix.Groups(ctx, f, callindex.ByCause); err == nil {
				t.Errorf("Groups(%+v): no error", f)
			}
		}
		if _, err := ix.Groups(ctx, callindex.Filter{From: sbNow, To: sbNow.Add(time.Hour)}, "nope"); err == nil {
			t.Error("Groups by an unknown dimension: no error")
		}
		bad := diagnosis.DefaultThresholds()
		bad.MOSGood = math.NaN()
		if _, err := ix.Slots(ctx, callindex.Filter{From: sbNow, To: sbNow.Add(time.Hour), Thresholds: bad}); err == nil {
			t.Error("Slots with NaN thresholds: no error")
		}
	})
}

// Amounts like 0.1 have no exact binary form; added as millionths they
// sum exactly, as their decimal sum.
func TestAggregateCostsExact(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		ix := callindex.New(tg.Open(t))
		ctx := context.Background()
		recs := newSandbox(t, 300, 2).exportAll(t)
		// Amounts with up to four decimals, in ten-thousandths.
		// 157 and 628 are below their decimal value as binary doubles.
		costs := []int64{1000, 2000, 3000, 157, 1, 9999, 628, 5, 33333, 100}
		mosEdges := []float64{1, 1.25, 5, 4.99, 0.5, 0}
		var wantCost, wantStream, wantTotal int64
		for i := range recs {
			c, s := costs[i%len(costs)], costs[(i+3)%len(costs)]
			recs[i].Cost = vobiz.Float(float64(c) / 1e4)
			recs[i].StreamingCost = vobiz.Float(float64(s) / 1e4)
			recs[i].TotalCost = vobiz.Float(float64(c+s) / 1e4)
			// MOS on the buckets' edges: 1, 1.25 and 5 (the last bucket).
			recs[i].MOS = vobiz.NullFloat{Float64: mosEdges[i%len(mosEdges)], Valid: true}
			wantCost += c * 100
			wantStream += s * 100
			wantTotal += (c + s) * 100
		}
		if _, err := ix.Upsert(ctx, recs); err != nil {
			t.Fatal(err)
		}
		f := callindex.Filter{From: sbNow.AddDate(0, 0, -10), To: sbNow.AddDate(0, 0, 1)}
		rows, err := ix.Slots(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var got callindex.Sums
		for _, r := range rows {
			got.Add(r.Sums)
		}
		if got.Calls != int64(len(recs)) || got.CostMicros != wantCost || got.StreamingMicros != wantStream || got.TotalMicros != wantTotal {
			t.Errorf("slots: %+v, want %d calls, cost %d, streaming %d, total %d µ", got, len(recs), wantCost, wantStream, wantTotal)
		}
		buckets, err := ix.Groups(ctx, f, callindex.ByMOSBucket)
		if err != nil {
			t.Fatal(err)
		}
		gotB := map[string]int64{}
		for _, b := range buckets {
			gotB[b.Key] = b.Calls
		}
		n := int64(len(recs))
		per := func(k int64) int64 { return n/6 + min(max(n%6-k, 0), 1) } // calls with mosEdges[k]
		wantB := map[string]int64{"0": per(0), "1": per(1), "15": per(2) + per(3)}
		if !maps.Equal(gotB, wantB) {
			t.Errorf("MOS buckets %v, want %v", gotB, wantB)
		}
		for _, g := range []callindex.GroupBy{callindex.ByTrunk, callindex.ByDestination} {
			groups, err := ix.Groups(ctx, f, g)
			if err != nil {
				t.Fatal(err)
			}
			var sum callindex.Sums
			for _, gr := range groups {
				sum.Add(gr.Sums)
			}
			if sum != got {
				t.Errorf("%s: %+v, slots %+v", g, sum, got)
			}
		}
	})
}
