package callindex_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
)

// fixture is an index loaded from a sandbox's export, and the records the
// export held, to compute expectations independently.
type fixture struct {
	db   *store.DB
	ix   *callindex.Index
	sb   *sandboxEnv
	recs []vobiz.CDR
}

func newFixture(t *testing.T, tg storetest.Target) *fixture {
	t.Helper()
	sb := newSandbox(t, 2500, 20)
	db := tg.Open(t)
	ix := callindex.New(db)
	n, err := loadExport(context.Background(), sb, ix)
	if err != nil {
		t.Fatal(err)
	}
	if n != sb.sb.Len() {
		t.Fatalf("loaded %d calls, the sandbox has %d", n, sb.sb.Len())
	}
	return &fixture{db: db, ix: ix, sb: sb, recs: sb.exportAll(t)}
}

// all pages through every match of f, pageSize calls at a time.
func (fx *fixture) all(t *testing.T, f callindex.Filter, pageSize int) ([]callindex.Call, callindex.Page) {
	t.Helper()
	f.Limit = pageSize
	var out []callindex.Call
	var first callindex.Page
	for off := 0; ; off += pageSize {
		f.Offset = off
		p, err := fx.ix.Query(context.Background(), f)
		if err != nil {
			t.Fatalf("query %+v: %v", f, err)
		}
		if off == 0 {
			first = p
		}
		if p.Total != first.Total {
			t.Fatalf("total changed between pages: %d then %d", first.Total, p.Total)
		}
		out = append(out, p.Calls...)
		if len(p.Calls) < pageSize {
			return out, first
		}
	}
}

func uuids(calls []callindex.Call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = string(c.CDR.UUID)
	}
	return out
}

func TestIndex(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		fx := newFixture(t, tg)
		t.Run("RoundTrip", fx.testRoundTrip)
		t.Run("Filters", fx.testFilters)
		t.Run("SummaryEqualsAPI", fx.testSummaryEqualsAPI)
		t.Run("Sorts", fx.testSorts)
		t.Run("WindowHalfOpen", fx.testWindow)
		t.Run("QualityMatchesDiagnosis", fx.testQuality)
		t.Run("BadFilters", fx.testBadFilters)
		t.Run("SummaryRollup", fx.testSummaryRollup)
		t.Run("Aggregates", fx.testAggregates)
		t.Run("SearchNotNarrowed", func(t *testing.T) {
			// More matches than a search narrows to: the same results
			// through the identifiers' index directly.
			defer callindex.SetMaxNarrow(callindex.SetMaxNarrow(1))
			fx.testFilters(t)
		})
		if tg.Name == store.DialectSQLite {
			t.Run("Plans", fx.testPlans)
		}
	})
}

// The SQLite plans the benchmarks rely on, after ANALYZE (which made the
// planner skip-scan a sort index with a table lookup per row): tiles from
// the covering time index, numbers through the trigram index, a sort with
// common matches by walking its index.
func (fx *fixture) testPlans(t *testing.T) {
	ctx := context.Background()
	if err := fx.ix.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	// The statistics ANALYZE wrote for the benchmarks' million calls, so the
	// planner chooses as it would at that size.
	db := fx.db.SQL()
	for idx, stat := range map[string]string{
		"call_index_mos_day_idx": "1000000 11112 41 1", "call_index_cost_day_idx": "1000000 11112 2 1",
		"call_index_ring_day_idx": "1000000 11112 183 1", "call_index_billsec_day_idx": "1000000 11112 4 1",
		"call_index_duration_day_idx": "1000000 11112 4 1", "call_index_cause_idx": "1000000 58824 1 1 1 1",
		"call_index_cause_code_idx": "1000000 18519 1 1 1 1", "call_index_start_idx": "1000000 2 1 1 1 1 1 1 1 1 1 1 1 1 1",
		"sqlite_autoindex_call_index_1": "1000000 1",
	} {
		if _, err := db.ExecContext(ctx, "UPDATE sqlite_stat1 SET stat = ? WHERE tbl = 'call_index' AND idx = ?", stat, idx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, "ANALYZE sqlite_schema"); err != nil {
		t.Fatal(err)
	}
	num := string(fx.recs[7].CallerIDNumber)
	for _, tc := range []struct {
		name          string
		f             callindex.Filter
		summary, list string
	}{
		// Whole slots from the rollup, the edges from the covering index.
		{"window", callindex.Filter{From: sbNow.AddDate(0, 0, -7).Add(-time.Minute), To: sbNow.Add(-time.Minute)},
			"SEARCH call_index_slots USING PRIMARY KEY (slot>? AND slot<?)",
			"INDEX call_index_start_idx"},
		{"outcome", callindex.Filter{From: sbNow.AddDate(0, 0, -7), Outcomes: []diagnosis.Outcome{diagnosis.Failed}},
			"SEARCH call_index_slots USING PRIMARY KEY (slot>?)", "INDEX call_index_start_idx"},
		{"min_mos", callindex.Filter{From: sbNow.AddDate(0, 0, -7), MinMOS: ptr(4.0)},
			"COVERING INDEX call_index_start_idx", "INDEX call_index_start_idx"},
		{"number", callindex.Filter{API: vobiz.Filter{FromNumber: num[len(num)-6:]}}, "call_index_fts", "call_index_fts"},
		{"cause", callindex.Filter{From: sbNow.AddDate(0, 0, -30), API: vobiz.Filter{HangupCause: "USER_BUSY"}},
			"SEARCH call_index USING COVERING INDEX call_index_cause_idx", "INDEX call_index_cause_idx"},
		// Identifiers read from their index, the row only for a match.
		// A search is narrowed to its few matches first (scanning the
		// identifiers' index), then read by seq.
		{"search", callindex.Filter{From: sbNow.AddDate(0, 0, -7), API: vobiz.Filter{Search: num[len(num)-6:]}},
			"SEARCH call_index USING INTEGER PRIMARY KEY (rowid=?)", "SEARCH call_index USING INTEGER PRIMARY KEY (rowid=?)"},
		// Sorted: one UTC day at a time down the day-led sort index.
		{"sort_cost", callindex.Filter{Sort: callindex.Sort{Key: callindex.SortCost}},
			"SCAN call_index_slots", "SEARCH call_index USING INDEX call_index_cost_day_idx (<expr>=?)"},
	} {
		s, l, err := fx.ix.Explain(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.Join(s, "|"), tc.summary) || !strings.Contains(strings.Join(l, "|"), tc.list) {
			t.Errorf("%s: plans\n summary %q (want %s)\n list %q (want %s)", tc.name, s, tc.summary, l, tc.list)
		}
	}
}

// Every field of every record comes back as the export sent it, walking
// vobiz.Fields, with the derived outcome.
func (fx *fixture) testRoundTrip(t *testing.T) {
	got, page := fx.all(t, callindex.Filter{}, callindex.MaxLimit)
	if int(page.Total) != len(fx.recs) || len(got) != len(fx.recs) {
		t.Fatalf("total %d, rows %d, want %d", page.Total, len(got), len(fx.recs))
	}
	// Newest first, like the export.
	for i := range got {
		want, c := &fx.recs[i], &got[i].CDR
		for _, f := range vobiz.Fields {
			if a, b := f.Text(c), f.Text(want); a != b {
				t.Fatalf("call %s field %s: got %q, want %q", want.UUID, f.Name, a, b)
			}
		}
		if o := diagnosis.OutcomeOf(want); got[i].Outcome != o || got[i].Failed != (o == diagnosis.Failed) {
			t.Fatalf("call %s: outcome %s failed %v, want %s", want.UUID, got[i].Outcome, got[i].Failed, o)
		}
	}
}

// matches is the filter semantics written out plainly, to check the SQL.
func matches(f callindex.Filter, c *vobiz.CDR) bool {
	st := c.StartTime.Time
	if !f.From.IsZero() && st.Before(f.From) || !f.To.IsZero() && !st.Before(f.To) {
		return false
	}
	if len(f.Windows) > 0 && !slices.ContainsFunc(f.Windows, func(w callindex.Window) bool {
		return !st.Before(w.From) && st.Before(w.To)
	}) {
		return false
	}
	a := f.API
	if a.StartDate != "" {
		d := st.Format(vobiz.DateLayout)
		if d < a.StartDate || d > a.EndDate {
			return false
		}
	}
	num := func(v string) string {
		if strings.Trim(v, "+0123456789 -.()") == "" {
			if n := strings.NewReplacer(" ", "", "-", "", ".", "", "(", "", ")", "").Replace(v); n != "" {
				return n
			}
		}
		return v
	}
	if a.CallDirection != "" && string(c.CallDirection) != a.CallDirection ||
		a.FromNumber != "" && !strings.Contains(string(c.CallerIDNumber), num(a.FromNumber)) ||
		a.ToNumber != "" && !strings.Contains(string(c.DestinationNumber), num(a.ToNumber)) ||
		a.MinDuration != nil && int(c.Duration) < *a.MinDuration ||
		a.SIPCallID != "" && string(c.SIPCallID) != a.SIPCallID ||
		a.BridgeUUID != "" && c.BridgeUUID.String != a.BridgeUUID ||
		a.HangupCause != "" && !strings.EqualFold(c.HangupCause.String, a.HangupCause) ||
		a.HangupDisposition != "" && !strings.EqualFold(c.HangupDisposition.String, a.HangupDisposition) ||
		a.Context != "" && string(c.Context) != a.Context ||
		a.CampaignID != "" && c.CampaignID.String != a.CampaignID {
		return false
	}
	if a.Search != "" {
		term := strings.ToLower(a.Search)
		n := num(term)
		hit := strings.Contains(strings.ToLower(string(c.CallerIDNumber)), n) ||
			strings.Contains(strings.ToLower(string(c.DestinationNumber)), n) ||
			strings.Contains(strings.ToLower(string(c.CallerIDName)), term)
		for _, id := range []string{string(c.UUID), string(c.SIPCallID), c.BridgeUUID.String, c.CampaignID.String, c.TrunkID.String} {
			hit = hit || strings.Contains(strings.ToLower(id), term)
		}
		if !hit {
			return false
		}
	}
	if len(f.Outcomes) > 0 && !slices.Contains(f.Outcomes, diagnosis.OutcomeOf(c)) {
		return false
	}
	if len(f.Qualities) > 0 && !slices.Contains(f.Qualities, diagnosis.OverallBand(c, thresholdsOf(f))) {
		return false
	}
	mos := c.MOS
	if f.MinMOS != nil && (!mos.Valid || mos.Float64 < *f.MinMOS) ||
		f.MaxMOS != nil && (!mos.Valid || mos.Float64 > *f.MaxMOS) ||
		f.MinCost != nil && float64(c.TotalCost) < *f.MinCost ||
		f.MaxCost != nil && float64(c.TotalCost) > *f.MaxCost ||
		f.MaxDuration != nil && int(c.Duration) > *f.MaxDuration ||
		f.HangupCauseCode != nil && (!c.HangupCauseCode.Valid || c.HangupCauseCode.Int64 != *f.HangupCauseCode) ||
		f.HangupSource != "" && !strings.EqualFold(c.HangupSource.String, f.HangupSource) ||
		f.Region != "" && !strings.EqualFold(string(c.Region), f.Region) ||
		f.TrunkID != "" && !strings.EqualFold(c.TrunkID.String, f.TrunkID) ||
		f.Codec != "" && !strings.EqualFold(c.Codec.String, f.Codec) {
		return false
	}
	return true
}

func thresholdsOf(f callindex.Filter) diagnosis.Thresholds {
	if f.Thresholds == (diagnosis.Thresholds{}) {
		return diagnosis.DefaultThresholds()
	}
	return f.Thresholds
}

func ptr[T any](v T) *T { return &v }

// filterCases covers every filter, with values taken from the data so
// that each selects some calls but not all.
func (fx *fixture) filterCases() []struct {
	name string
	f    callindex.Filter
} {
	r0 := fx.recs[len(fx.recs)/3]
	var trunk, campaign, bridge string
	for _, c := range fx.recs {
		trunk = cmp.Or(trunk, c.TrunkID.String)
		campaign = cmp.Or(campaign, c.CampaignID.String)
		bridge = cmp.Or(bridge, c.BridgeUUID.String)
	}
	day := r0.StartTime.Format(vobiz.DateLayout)
	num := string(r0.CallerIDNumber)
	dest := string(r0.DestinationNumber)
	name := strings.Fields(string(r0.CallerIDName))
	mid := sbNow.Add(-10 * 24 * time.Hour)
	strict := diagnosis.DefaultThresholds()
	strict.MOSGood = 4.3
	return []struct {
		name string
		f    callindex.Filter
	}{
		{"none", callindex.Filter{}},
		{"window", callindex.Filter{From: mid.Add(-36 * time.Hour), To: mid}},
		{"windows", callindex.Filter{Windows: []callindex.Window{{From: mid.Add(-3 * time.Hour), To: mid},
			{From: mid.Add(-27 * time.Hour), To: mid.Add(-24 * time.Hour)}}}},
		{"dates", callindex.Filter{API: vobiz.Filter{StartDate: day, EndDate: day}}},
		{"direction", callindex.Filter{API: vobiz.Filter{CallDirection: vobiz.DirectionOutbound}}},
		{"from_number", callindex.Filter{API: vobiz.Filter{FromNumber: num[len(num)-5:]}}},
		{"from_number_spaced", callindex.Filter{API: vobiz.Filter{FromNumber: num[3:6] + " " + num[6:9]}}},
		{"from_number_short", callindex.Filter{API: vobiz.Filter{FromNumber: num[len(num)-2:]}}},
		{"to_number", callindex.Filter{API: vobiz.Filter{ToNumber: dest[len(dest)-4:]}}},
		{"min_duration", callindex.Filter{API: vobiz.Filter{MinDuration: ptr(60)}}},
		{"sip_call_id", callindex.Filter{API: vobiz.Filter{SIPCallID: string(r0.SIPCallID)}}},
		{"bridge_uuid", callindex.Filter{API: vobiz.Filter{BridgeUUID: bridge}}},
		{"hangup_cause", callindex.Filter{API: vobiz.Filter{HangupCause: "user_busy"}}},
		{"hangup_disposition", callindex.Filter{API: vobiz.Filter{HangupDisposition: "SEND_REFUSE"}}},
		{"context", callindex.Filter{API: vobiz.Filter{Context: "sip-trunking"}}},
		{"campaign_id", callindex.Filter{API: vobiz.Filter{CampaignID: campaign}}},
		{"search_number", callindex.Filter{API: vobiz.Filter{Search: num[len(num)-4:]}}},
		{"search_name", callindex.Filter{API: vobiz.Filter{Search: strings.ToUpper(name[0])}}},
		{"search_uuid", callindex.Filter{API: vobiz.Filter{Search: string(r0.UUID)[9:18]}}},
		{"search_trunk", callindex.Filter{API: vobiz.Filter{Search: "MUM"}}},
		{"search_short", callindex.Filter{API: vobiz.Filter{Search: "a7"}}},
		{"combined", callindex.Filter{API: vobiz.Filter{CallDirection: vobiz.DirectionInbound, HangupCause: "NORMAL_CLEARING",
			MinDuration: ptr(30)}, From: mid.Add(-5 * 24 * time.Hour)}},
		{"outcome", callindex.Filter{Outcomes: []diagnosis.Outcome{diagnosis.Failed}}},
		{"outcomes", callindex.Filter{Outcomes: []diagnosis.Outcome{diagnosis.Busy, diagnosis.NoAnswer}}},
		{"quality_poor", callindex.Filter{Qualities: []diagnosis.Band{diagnosis.BandPoor}}},
		{"quality_good_fair", callindex.Filter{Qualities: []diagnosis.Band{diagnosis.BandGood, diagnosis.BandFair}}},
		{"quality_no_media", callindex.Filter{Qualities: []diagnosis.Band{diagnosis.BandNoMedia}}},
		{"quality_thresholds", callindex.Filter{Qualities: []diagnosis.Band{diagnosis.BandGood}, Thresholds: strict}},
		{"mos_range", callindex.Filter{MinMOS: ptr(3.5), MaxMOS: ptr(4.0)}},
		{"cost_range", callindex.Filter{MinCost: ptr(0.5), MaxCost: ptr(2.0)}},
		{"max_duration", callindex.Filter{MaxDuration: ptr(20)}},
		{"hangup_source", callindex.Filter{HangupSource: "callee"}},
		{"hangup_cause_code", callindex.Filter{HangupCauseCode: ptr(int64(3010))}},
		{"region", callindex.Filter{Region: strings.ToUpper(string(r0.Region))}},
		{"trunk_id", callindex.Filter{TrunkID: strings.ToUpper(trunk)}},
		{"codec", callindex.Filter{Codec: "OPUS"}},
	}
}

// Every filter selects exactly the calls the plain Go reading selects, in
// order, with the exact total.
func (fx *fixture) testFilters(t *testing.T) {
	for _, tc := range fx.filterCases() {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for i := range fx.recs {
				if matches(tc.f, &fx.recs[i]) {
					want = append(want, string(fx.recs[i].UUID))
				}
			}
			if tc.name != "none" && (len(want) == 0 || len(want) == len(fx.recs)) {
				t.Fatalf("test data: filter selects %d of %d calls; pick a value that splits them", len(want), len(fx.recs))
			}
			got, page := fx.all(t, tc.f, 700)
			if int(page.Total) != len(want) {
				t.Errorf("total %d, want %d", page.Total, len(want))
			}
			if g := uuids(got); !slices.Equal(g, want) {
				t.Errorf("got %d calls, want %d (first difference at %d)", len(g), len(want), firstDiff(g, want))
			}
			var each []string
			err := fx.ix.Each(context.Background(), tc.f, func(c *callindex.Call) error {
				if c.Outcome != diagnosis.OutcomeOf(&c.CDR) {
					return fmt.Errorf("call %s: outcome %s", c.CDR.UUID, c.Outcome)
				}
				each = append(each, string(c.CDR.UUID))
				return nil
			})
			if err != nil || !slices.Equal(each, want) {
				t.Errorf("Each: %d calls, %v; want %d (first difference at %d)", len(each), err, len(want), firstDiff(each, want))
			}
		})
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// For every filter the API can express, the tiles equal the sandbox's own
// summary and the total its pagination total.
func (fx *fixture) testSummaryEqualsAPI(t *testing.T) {
	for _, tc := range fx.filterCases() {
		f := tc.f
		if !f.From.IsZero() || !f.To.IsZero() || len(f.Windows)+len(f.Outcomes)+len(f.Qualities) > 0 || f.MinMOS != nil || f.MaxMOS != nil ||
			f.MinCost != nil || f.MaxCost != nil || f.MaxDuration != nil || f.HangupCauseCode != nil ||
			f.HangupSource+f.Region+f.TrunkID+f.Codec != "" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			api := f.API
			api.PerPage = 1
			res, err := fx.sb.client.Search(context.Background(), api)
			if err != nil {
				t.Fatal(err)
			}
			page, err := fx.ix.Query(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != int64(res.Pagination.Total) {
				t.Errorf("total %d, API %d", page.Total, res.Pagination.Total)
			}
			if !page.Summary.LastCallAt.Equal(res.Summary.LastCallAt.Time) {
				t.Errorf("last_call_at %v, API %v", page.Summary.LastCallAt, res.Summary.LastCallAt)
			}
			got, want := page.Summary, res.Summary
			got.LastCallAt, want.LastCallAt = vobiz.Time{}, vobiz.Time{}
			if got != want {
				t.Errorf("summary\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func sortValue(k callindex.SortKey, c *vobiz.CDR) float64 {
	switch k {
	case callindex.SortDuration:
		return float64(c.Duration)
	case callindex.SortTalk:
		return float64(c.Billsec)
	case callindex.SortRing:
		return float64(c.RingTime)
	case callindex.SortCost:
		return float64(c.TotalCost)
	case callindex.SortMOS:
		if !c.MOS.Valid {
			return math.Inf(-1) // no MOS sorts lowest
		}
		return c.MOS.Float64
	}
	return float64(c.StartTime.UnixMicro())
}

// Every sort, both ways: the calls come in key order, ties by start time in
// the same direction, and paging in small pages gives the same sequence as
// one large page (a stable tiebreak).
func (fx *fixture) testSorts(t *testing.T) {
	f := callindex.Filter{API: vobiz.Filter{CallDirection: vobiz.DirectionInbound}}
	for _, k := range []string{"", "start", "-start", "duration", "-duration", "talk", "-talk", "ring", "-ring",
		"cost", "-cost", "mos", "-mos"} {
		t.Run(cmp.Or(k, "default"), func(t *testing.T) {
			s, err := callindex.ParseSort(k)
			if err != nil {
				t.Fatal(err)
			}
			f.Sort = s
			big, page := fx.all(t, f, callindex.MaxLimit)
			small, _ := fx.all(t, f, 37)
			if !slices.Equal(uuids(big), uuids(small)) {
				t.Fatal("paging by 37 gives another order than one page")
			}
			if int(page.Total) != len(big) {
				t.Fatalf("total %d, rows %d", page.Total, len(big))
			}
			asc := s.Key != "" && s.Ascending
			ordered := slices.IsSortedFunc(big, func(a, b callindex.Call) int {
				c := cmp.Or(cmp.Compare(sortValue(s.Key, &a.CDR), sortValue(s.Key, &b.CDR)),
					a.CDR.StartTime.Compare(b.CDR.StartTime.Time))
				if !asc {
					c = -c
				}
				return c
			})
			if !ordered {
				t.Error("calls are not in sort order")
			}
		})
	}
	if _, err := callindex.ParseSort("-colour"); err == nil {
		t.Error("ParseSort accepted an unknown key")
	}
}

// From is included, To excluded, to the microsecond.
func (fx *fixture) testWindow(t *testing.T) {
	a, b := fx.recs[100].StartTime.Time, fx.recs[40].StartTime.Time // a < b
	count := func(from, to time.Time) int64 {
		p, err := fx.ix.Query(context.Background(), callindex.Filter{From: from, To: to, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		return p.Total
	}
	want := func(from, to time.Time) int64 {
		var n int64
		for _, c := range fx.recs {
			if !c.StartTime.Before(from) && c.StartTime.Before(to) {
				n++
			}
		}
		return n
	}
	for _, w := range []struct{ from, to time.Time }{
		{a, b}, {a.Add(time.Microsecond), b}, {a, b.Add(time.Microsecond)}, {a.Add(-time.Microsecond), b.Add(-time.Microsecond)},
	} {
		if g, e := count(w.from, w.to), want(w.from, w.to); g != e {
			t.Errorf("[%s, %s): %d calls, want %d", w.from.Format(time.RFC3339Nano), w.to.Format(time.RFC3339Nano), g, e)
		}
	}
	if count(a, a) != 0 {
		t.Error("an empty window has calls")
	}
	if n, err := fx.ix.Count(context.Background(), a, b); err != nil || n != want(a, b) {
		t.Errorf("Count = %d, %v; want %d", n, err, want(a, b))
	}
}

// The SQL band is diagnosis.OverallBand, for the data set and for the edge
// cases of each metric, under default and changed thresholds.
func (fx *fixture) testQuality(t *testing.T) {
	ctx := context.Background()
	nf := func(v float64) vobiz.NullFloat { return vobiz.NullFloat{Float64: v, Valid: true} }
	var edge []vobiz.CDR
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, m := range []struct {
		billsec          int
		mos, jitter, los vobiz.NullFloat
	}{
		{0, vobiz.NullFloat{}, nf(0), nf(0)}, {0, vobiz.NullFloat{}, nf(12), nf(0)}, {10, vobiz.NullFloat{}, nf(0), nf(0)},
		{10, vobiz.NullFloat{}, nf(12), nf(0.7)}, {10, nf(4), nf(10), nf(0.49)}, {10, nf(3.99), nf(10.01), nf(0.5)},
		{10, nf(3.5), nf(30), nf(1)}, {10, nf(3.49), nf(30.1), nf(1.01)}, {10, nf(7), nf(0), nf(0)},
		{10, nf(4.2), nf(-1), nf(0)}, {10, nf(4.2), nf(5), nf(101)}, {0, nf(4.4), vobiz.NullFloat{}, vobiz.NullFloat{}},
		{10, vobiz.NullFloat{}, vobiz.NullFloat{}, nf(200)},
	} {
		edge = append(edge, vobiz.CDR{UUID: vobiz.Text(fmt.Sprintf("edge-%02d", i)), StartTime: vobiz.Time{Time: base.Add(time.Duration(i) * time.Second)},
			Billsec: vobiz.Int(m.billsec), MOS: m.mos, Jitter: m.jitter, PacketLoss: m.los, UpdatedAt: vobiz.Time{Time: base}})
	}
	if _, err := fx.ix.Upsert(ctx, edge); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := fx.ix.DeleteBefore(ctx, base.Add(time.Hour)); err != nil {
			t.Error(err)
		}
	})
	all := append(slices.Clone(fx.recs), edge...)
	odd := diagnosis.Thresholds{MOSGood: 4.4, MOSFair: 3.9, JitterGoodMS: 5, JitterMaxMS: 12, LossGoodPct: 0.2, LossMaxPct: 0.6}
	for _, th := range []diagnosis.Thresholds{diagnosis.DefaultThresholds(), odd} {
		for _, band := range []diagnosis.Band{diagnosis.BandGood, diagnosis.BandFair, diagnosis.BandPoor, diagnosis.BandNoMedia, diagnosis.BandUnknown} {
			f := callindex.Filter{Qualities: []diagnosis.Band{band}, Thresholds: th}
			got, _ := fx.all(t, f, callindex.MaxLimit)
			want := map[string]bool{}
			for i := range all {
				if diagnosis.OverallBand(&all[i], th) == band {
					want[string(all[i].UUID)] = true
				}
			}
			g := map[string]bool{}
			for _, u := range uuids(got) {
				g[u] = true
			}
			for u := range want {
				if !g[u] {
					t.Errorf("thresholds %+v band %s: missing %s", th, band, u)
				}
			}
			for u := range g {
				if !want[u] {
					t.Errorf("thresholds %+v band %s: extra %s", th, band, u)
				}
			}
		}
	}
}

func (fx *fixture) testBadFilters(t *testing.T) {
	for name, f := range map[string]callindex.Filter{
		"outcome":    {Outcomes: []diagnosis.Outcome{"exploded"}},
		"quality":    {Qualities: []diagnosis.Band{"loud"}},
		"nan":        {MinMOS: ptr(math.NaN())},
		"sort":       {Sort: callindex.Sort{Key: "colour"}},
		"dates":      {API: vobiz.Filter{StartDate: "2026-13-01", EndDate: "2026-13-02"}},
		"thresholds": {Qualities: []diagnosis.Band{diagnosis.BandGood}, Thresholds: diagnosis.Thresholds{MOSGood: math.Inf(1)}},
	} {
		if _, err := fx.ix.Query(context.Background(), f); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// A record is replaced only by a newer version; nulls, extra members and
// invalid records are handled.
func TestUpsertNewerWins(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		ix := callindex.New(tg.Open(t))
		t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		rec := func(name string, updated time.Time) vobiz.CDR {
			return vobiz.CDR{UUID: "u-1", StartTime: vobiz.Time{Time: t0}, CallerIDName: vobiz.Text(name),
				CallerIDNumber: "+919800000001", UpdatedAt: vobiz.Time{Time: updated}}
		}
		name := func() string {
			p, err := ix.Query(ctx, callindex.Filter{})
			if err != nil || len(p.Calls) != 1 {
				t.Fatalf("query: %v, %d calls", err, len(p.Calls))
			}
			return string(p.Calls[0].CDR.CallerIDName)
		}
		steps := []struct {
			batch []vobiz.CDR
			want  string
		}{
			{[]vobiz.CDR{rec("first", t0.Add(time.Minute))}, "first"},
			{[]vobiz.CDR{rec("older", t0)}, "first"},
			{[]vobiz.CDR{rec("same", t0.Add(time.Minute))}, "first"},
			{[]vobiz.CDR{rec("newer", t0.Add(2*time.Minute))}, "newer"},
			// Duplicates within one batch: the newest wins whatever the order.
			{[]vobiz.CDR{rec("dup-new", t0.Add(4*time.Minute)), rec("dup-old", t0.Add(3*time.Minute))}, "dup-new"},
		}
		for i, s := range steps {
			if _, err := ix.Upsert(ctx, s.batch); err != nil {
				t.Fatal(err)
			}
			if got := name(); got != s.want {
				t.Errorf("step %d: name %q, want %q", i, got, s.want)
			}
		}
		// The trigram index follows updates: the old name is not found.
		for term, want := range map[string]int64{"dup-new": 1, "first": 0, "dup-old": 0} {
			p, err := ix.Query(ctx, callindex.Filter{API: vobiz.Filter{Search: term}})
			if err != nil || p.Total != want {
				t.Errorf("search %q: %d, %v; want %d", term, p.Total, err, want)
			}
		}

		// Nulls stay null, unknown members of a raw record are kept.
		raw := json.RawMessage(`{"uuid":"u-2","start_time":"2026-12-01T11:00:00Z","mos":null,"recording_url":"https://x/r.mp3","tags":["a"]}`)
		c := vobiz.CDR{UUID: "u-2", StartTime: vobiz.Time{Time: t0.Add(time.Hour)}, Raw: raw}
		st, err := ix.Upsert(ctx, []vobiz.CDR{c, {UUID: "no-start"}, {StartTime: vobiz.Time{Time: t0}}})
		if err != nil || st.Offered != 3 || st.Invalid != 2 {
			t.Fatalf("upsert = %+v, %v; want 3 offered, 2 invalid", st, err)
		}
		p, err := ix.Query(ctx, callindex.Filter{API: vobiz.Filter{Search: "u-2"}})
		if err != nil || len(p.Calls) != 1 {
			t.Fatalf("query u-2: %v, %+v", err, p)
		}
		got := p.Calls[0]
		if got.CDR.MOS.Valid || got.CDR.HangupCauseCode.Valid || !got.CDR.AnswerTime.IsZero() || got.CDR.BridgeUUID.Valid {
			t.Errorf("nulls came back as values: %+v", got.CDR)
		}
		var extra map[string]any
		if err := json.Unmarshal(got.Extra, &extra); err != nil || len(extra) != 2 || extra["recording_url"] != "https://x/r.mp3" {
			t.Errorf("extra = %s (%v), want recording_url and tags only", got.Extra, err)
		}
	})
}

// Day states round-trip, an untouched day is missing, and DeleteBefore drops
// old calls and the states of the days it emptied.
func TestDaysAndDeleteBefore(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		clock := storetest.NewClock(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
		ix := callindex.New(tg.Open(t, store.WithClock(clock.Now)))
		d1 := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
		d2 := d1.AddDate(0, 0, 1)

		st, err := ix.Day(ctx, d1.Add(5*time.Hour))
		if err != nil || st.Status != callindex.DayMissing || !st.Day.Equal(d1) || st.APITotal != callindex.UnknownTotal {
			t.Fatalf("untouched day = %+v, %v", st, err)
		}
		verified := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
		states := []callindex.DayState{
			{Day: d1.Add(23 * time.Hour), Status: callindex.DayComplete, Rows: 10, APITotal: 10, VerifiedAt: verified},
			{Day: d2, Status: callindex.DayMismatch, Rows: 9, APITotal: 12, VerifiedAt: verified, LastError: "3 calls missing"},
		}
		for _, s := range states {
			if err := ix.SetDay(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		if err := ix.SetDay(ctx, callindex.DayState{Day: d2, Status: "done"}); err == nil {
			t.Error("SetDay accepted an unknown status")
		}
		got, err := ix.Days(ctx, d1, d2)
		if err != nil || len(got) != 2 {
			t.Fatalf("Days = %+v, %v", got, err)
		}
		for i, s := range states {
			s.Day, s.UpdatedAt = utcMidnight(s.Day), clock.Now()
			if got[i] != s {
				t.Errorf("day %d:\n got %+v\nwant %+v", i, got[i], s)
			}
		}
		// Back to syncing without a total.
		if err := ix.SetDay(ctx, callindex.DayState{Day: d2, Status: callindex.DaySyncing, APITotal: callindex.UnknownTotal}); err != nil {
			t.Fatal(err)
		}
		if st, _ := ix.Day(ctx, d2); st.Status != callindex.DaySyncing || st.APITotal != callindex.UnknownTotal || !st.VerifiedAt.IsZero() {
			t.Errorf("after syncing: %+v", st)
		}

		var calls []vobiz.CDR
		for i := range 48 {
			at := d1.Add(time.Duration(i) * time.Hour)
			calls = append(calls, vobiz.CDR{UUID: vobiz.Text(fmt.Sprintf("c%02d", i)), StartTime: vobiz.Time{Time: at}})
		}
		if _, err := ix.Upsert(ctx, calls); err != nil {
			t.Fatal(err)
		}
		n, err := ix.DeleteBefore(ctx, d2.Add(6*time.Hour))
		if err != nil || n != 30 {
			t.Fatalf("DeleteBefore = %d, %v; want 30", n, err)
		}
		if left, _ := ix.Count(ctx, d1, d2.AddDate(0, 0, 1)); left != 18 {
			t.Errorf("%d calls left, want 18", left)
		}
		got, _ = ix.Days(ctx, d1, d2)
		if len(got) != 1 || !got[0].Day.Equal(d2) {
			t.Errorf("day states after delete: %+v; want only %s (partly kept)", got, d2.Format(time.DateOnly))
		}
	})
}

func utcMidnight(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
