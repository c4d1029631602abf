package reportpage

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/report"
	"github.com/cdrdash/cdrdash/report/chart"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
)

var errUpstream = errors.New("upstream down")

func input() Input {
	return Input{
		Zone: time.UTC, Now: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC), DayZone: "UTC",
		Thresholds: diagnosis.DefaultThresholds(),
		Tiles:      []views.Tile{{Key: "total"}, {Key: "rate"}, {Key: "cost"}},
		ExportURL:  "/calls/export?x=1",
		// The link names its changes so tests can see which were asked for.
		CallsURL: func(pairs ...string) string { return "/calls?" + strings.Join(pairs, ",") },
		Explain:  func(part string, err error) string { return "[" + part + ": " + err.Error() + "]" },
	}
}

func day(date string, total, answered int) report.Day {
	return report.Day{Date: date, Summary: vobiz.Summary{TotalCalls: vobiz.Int(total), AnsweredCalls: vobiz.Int(answered)}}
}

// fullReport is a finished two-day range whose days agree with its totals.
func fullReport() *report.Report {
	return &report.Report{
		Start: "2026-11-01", End: "2026-11-02",
		Days:     []report.Day{day("2026-11-01", 3, 2), day("2026-11-02", 1, 1)},
		Range:    report.Period{Totals: report.Totals{Summary: vobiz.Summary{TotalCalls: 4, AnsweredCalls: 3, TotalCost: 12}}},
		Previous: report.Period{Start: "2026-10-30", End: "2026-10-31", Totals: report.Totals{Summary: vobiz.Summary{TotalCalls: 200, AnsweredCalls: 200, TotalCost: 600}}},
		Breakdown: &report.Breakdown{Rows: 4, Causes: map[string]int64{"NORMAL_CLEARING": 3, report.NoCause: 1},
			Outcomes: [5]int64{3, 1}},
		RowCap: 50_000,
	}
}

func TestBuild(t *testing.T) {
	rangeDown := fullReport()
	rangeDown.Range.Err = errUpstream
	prevDown := fullReport()
	tinyPrev := fullReport()
	tinyPrev.Previous.Summary = vobiz.Summary{TotalCalls: 12, AnsweredCalls: 1, TotalCost: 0.01}
	prevDown.Previous.Err = errUpstream
	prevOutside := fullReport()
	prevOutside.Previous.Err = fmt.Errorf("the previous period: %w", report.ErrNotCovered)
	onlyToday := fullReport()
	onlyToday.Previous.Err = report.ErrNoFinishedDay
	empty := fullReport()
	empty.Range.Summary = vobiz.Summary{}
	empty.Days = []report.Day{day("2026-11-01", 0, 0), day("2026-11-02", 0, 0)}
	empty.Breakdown = &report.Breakdown{Causes: map[string]int64{}}
	manyMissing := fullReport()
	manyMissing.Days = nil
	for i := range 12 {
		manyMissing.Days = append(manyMissing.Days, report.Day{Date: fmt.Sprintf("2026-11-%02d", i+1), Err: errUpstream})
	}
	mismatch := fullReport()
	mismatch.Range.Summary.TotalCalls = 5
	live := fullReport()
	live.Range.Summary.TotalCalls = 5
	live.Days[1].Live = true
	exportDown := fullReport()
	exportDown.Breakdown, exportDown.BreakdownErr = nil, errUpstream
	capped := fullReport()
	capped.Breakdown.Truncated = true
	capped.Breakdown.First = time.Date(2026, 11, 1, 0, 0, 1, 0, time.UTC)
	capped.Breakdown.Last = time.Date(2026, 11, 1, 20, 0, 0, 0, time.UTC)
	capped.RowCap = 4

	notice := func(v views.ReportView, key string) string {
		for _, n := range v.Notices {
			if n.Key == key {
				return n.Text
			}
		}
		return ""
	}
	for _, c := range []struct {
		name  string
		rep   *report.Report
		check func(t *testing.T, v views.ReportView)
	}{
		{"totals compared with the period before", fullReport(), func(t *testing.T, v views.ReportView) {
			if v.ExportLabel != "Download 4 calls" || v.ExportURL != "/calls/export?x=1" {
				t.Errorf("export %q %q", v.ExportLabel, v.ExportURL)
			}
			if want := "▲/▼ compare 2026-11-01 – 2026-11-02 with the same length just before (2026-10-30 – 2026-10-31)."; v.Compare != want {
				t.Errorf("compare %q, want %q", v.Compare, want)
			}
			if got := v.Tiles[0].Delta; got != "▼ 98.0 % (previous 200)" {
				t.Errorf("total delta %q", got)
			}
			if got := v.Tiles[1]; got.Delta != "▼ 25.0 pts (previous 100.0 %)" || got.DeltaDir != "down" {
				t.Errorf("rate delta %+v", got)
			}
			if got := v.Tiles[2]; got.DeltaDir != "flat" || !strings.HasPrefix(got.Delta, "▼ 98.0 %") {
				t.Errorf("cost delta %+v: rising spend must stay neutral", got)
			}
			if len(v.Notices) != 0 || v.TilesError != "" || v.BreakdownError != "" || v.CapNotice != "" {
				t.Errorf("unexpected messages %+v", v)
			}
			if want := "2026-11-01 – 2026-11-02 · 2 days; days are UTC days, as Vobiz cuts them (UTC)"; v.RangeLabel != want {
				t.Errorf("range %q, want %q", v.RangeLabel, want)
			}
		}},
		{"a tiny previous period is not compared", tinyPrev, func(t *testing.T, v views.ReportView) {
			if want := "Too few calls in the previous period to compare: 12 calls (2026-10-30 – 2026-10-31)."; v.CompareGuard != want {
				t.Errorf("guard %q, want %q", v.CompareGuard, want)
			}
			for _, tile := range v.Tiles {
				if tile.Delta != "" {
					t.Errorf("tile %s has a delta %q beside the guard", tile.Key, tile.Delta)
				}
			}
		}},
		{"range totals failed", rangeDown, func(t *testing.T, v views.ReportView) {
			if want := "The totals for this range could not be loaded: [range totals: upstream down]"; v.TilesError != want {
				t.Errorf("tiles error %q", v.TilesError)
			}
			if v.ExportLabel != "Download CSV" || v.Tiles != nil {
				t.Errorf("export label %q, tiles %+v", v.ExportLabel, v.Tiles)
			}
		}},
		{"previous period failed: tiles without deltas", prevDown, func(t *testing.T, v views.ReportView) {
			if !strings.HasPrefix(v.Compare, "No comparison: the previous period (2026-10-30 – 2026-10-31)") ||
				!strings.HasSuffix(v.Compare, "[previous period: upstream down]") {
				t.Errorf("compare %q", v.Compare)
			}
			if v.Tiles[0].Delta != "" {
				t.Errorf("delta %q without a previous period", v.Tiles[0].Delta)
			}
		}},
		{"previous period outside the index is not a failure", prevOutside, func(t *testing.T, v views.ReportView) {
			if want := "No comparison: the call index does not hold the previous period (2026-10-30 – 2026-10-31)."; v.Compare != want {
				t.Errorf("compare %q, want %q", v.Compare, want)
			}
			if v.Tiles[0].Delta != "" {
				t.Errorf("delta %q without a previous period", v.Tiles[0].Delta)
			}
		}},
		{"only today: nothing to compare yet", onlyToday, func(t *testing.T, v views.ReportView) {
			if want := "No comparison: today is not over yet, and there is no finished day to compare."; v.Compare != want {
				t.Errorf("compare %q, want %q", v.Compare, want)
			}
		}},
		{"no calls: no download, empty charts without options", empty, func(t *testing.T, v views.ReportView) {
			if v.ExportURL != "" {
				t.Errorf("export URL %q for an empty range", v.ExportURL)
			}
			for _, ch := range v.BreakdownCharts {
				if ch.Empty != "No calls in this range." || ch.Options != nil {
					t.Errorf("chart %s: empty %q, options %d bytes", ch.ID, ch.Empty, len(ch.Options))
				}
			}
		}},
		{"missing days named, ten at most", manyMissing, func(t *testing.T, v views.ReportView) {
			got := notice(v, "missing")
			if !strings.HasPrefix(got, "Missing: 12 days could not be loaded: 2026-11-01, ") ||
				!strings.Contains(got, "2026-11-10, and 2 more. [days: upstream down]") {
				t.Errorf("missing notice %q", got)
			}
			for _, row := range v.DayCharts[0].Table.Rows {
				if !row.Missing || row.Cells[1].Text != "not loaded" {
					t.Errorf("row %+v: a missing day must not read as zero", row)
				}
			}
		}},
		{"days that do not add up, finished range", mismatch, func(t *testing.T, v views.ReportView) {
			if want := "The days add up to 4 calls but Vobiz counts 5 calls"; !strings.HasPrefix(notice(v, "mismatch"), want) {
				t.Errorf("mismatch notice %q", notice(v, "mismatch"))
			}
		}},
		{"days that do not add up while today runs: no notice", live, func(t *testing.T, v views.ReportView) {
			if len(v.Notices) != 0 {
				t.Errorf("notices %+v", v.Notices)
			}
		}},
		{"export failed: day charts stay", exportDown, func(t *testing.T, v views.ReportView) {
			if want := "The breakdowns could not be built from the export: [export: upstream down] The day charts above are not affected."; v.BreakdownError != want {
				t.Errorf("breakdown error %q", v.BreakdownError)
			}
			if len(v.DayCharts) != 2 || v.BreakdownCharts != nil {
				t.Errorf("%d day charts, breakdowns %+v", len(v.DayCharts), v.BreakdownCharts)
			}
		}},
		{"capped export says what it counted", capped, func(t *testing.T, v views.ReportView) {
			want := "This range holds more calls than one report reads (4 per export), so the breakdowns below count 4 of 4 calls: " +
				"those that started from 01 Nov 2026, 00:00:01 to 01 Nov 2026, 20:00:00."
			if !strings.HasPrefix(v.CapNotice, want) {
				t.Errorf("cap notice %q", v.CapNotice)
			}
		}},
		{"drill-down links keep the filters", fullReport(), func(t *testing.T, v views.ReportView) {
			calls := v.DayCharts[0]
			if calls.ID != chart.IDCallsPerDay || calls.Links[0] != "/calls?start_date,2026-11-01,end_date,2026-11-01,from,,to,,period," {
				t.Errorf("day link %q", calls.Links)
			}
			if got := calls.Table.Rows[0].Cells; got[1].Text != "3" || got[4].Text != "66.7 %" {
				t.Errorf("day row %+v", got)
			}
			causes := v.BreakdownCharts[1]
			links := map[string]string{}
			for _, row := range causes.Table.Rows {
				links[row.Cells[0].Text] = row.Cells[0].URL
			}
			if links["NORMAL_CLEARING"] != "/calls?hangup_cause,NORMAL_CLEARING" {
				t.Errorf("cause link %q", links["NORMAL_CLEARING"])
			}
			if links[report.NoCause] != "/calls?per_page," {
				t.Errorf("no-cause link %q: it has no filter, so it opens the whole range", links[report.NoCause])
			}
			for _, ch := range append(v.DayCharts, v.BreakdownCharts...) {
				if ch.Empty == "" && len(ch.Options) == 0 {
					t.Errorf("chart %s has neither options nor an empty note", ch.ID)
				}
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) { c.check(t, Build(c.rep, input())) })
	}
}

func TestDeltaText(t *testing.T) {
	for _, c := range []struct {
		cur, prev float64
		want, dir string
	}{
		{0, 0, "= no change (previous 0)", "flat"},
		{5, 0, "▲ new (previous 0)", "up"},
		{110, 100, "▲ 10.0 % (previous P)", "up"},
		{90, 100, "▼ 10.0 % (previous P)", "down"},
		{100, 100, "= 0.0 % (previous P)", "flat"},
	} {
		got, dir := deltaText(c.cur, c.prev, "P")
		if got != c.want || dir != c.dir {
			t.Errorf("deltaText(%v, %v) = %q, %q; want %q, %q", c.cur, c.prev, got, dir, c.want, c.dir)
		}
	}
}

func TestCurrency(t *testing.T) {
	for _, c := range []struct {
		rep  report.Report
		want string
	}{
		{report.Report{}, "INR"},
		{report.Report{Range: report.Period{Totals: report.Totals{Currency: "USD"}}, Breakdown: &report.Breakdown{Currency: "EUR"}}, "USD"},
		{report.Report{Breakdown: &report.Breakdown{Currency: "EUR"}}, "EUR"},
	} {
		if got := Currency(&c.rep); got != c.want {
			t.Errorf("Currency = %q, want %q", got, c.want)
		}
	}
}
