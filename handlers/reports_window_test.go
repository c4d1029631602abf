package handlers_test

import (
	"encoding/csv"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/report/chart"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/views"
)

// A billing period on /reports, as a month or as local from/to: the
// period's total cost on the page is the exact sum of total_cost over the
// raw export rows that started in that month in IST (the demo user's
// zone), and every chart downloads as the CSV of its table.
func TestReportsBillingPeriod(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		a := newIndexedApp(t, tg, 91)
		c := a.demo(t)
		ist := mustZone(t, "Asia/Kolkata")
		from, to := time.Date(2026, 10, 1, 0, 0, 0, 0, ist), time.Date(2026, 11, 1, 0, 0, 0, 0, ist)
		var micros, calls int64
		for _, r := range a.raw {
			if st := r.StartTime.Time; !st.Before(from) && st.Before(to) {
				micros += int64(math.Round(float64(r.TotalCost) * 1e6))
				calls++
			}
		}
		want := views.FormatMoney(float64(micros)/1e6, "INR")
		for _, path := range []string{"/reports?period=2026-10", "/reports?from=2026-10-01T00:00&to=2026-11-01T00:00"} {
			res, body := a.get(t, c, path)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: status %d", path, res.StatusCode)
			}
			p := parsePage(t, body)
			if got := p.text("period-total-cost"); got != want {
				t.Errorf("%s: period cost %q, the raw rows of the IST month add up to %q", path, got, want)
			}
			if got := p.text("range"); !strings.HasPrefix(got, "1 Oct – 31 Oct 2026, IST · 31 days") {
				t.Errorf("%s: range %q", path, got)
			}
			for _, id := range []string{chart.IDCallsPerDay, chart.IDTalkCost, chart.IDOutcomes, chart.IDCauses,
				chart.IDQuality, chart.IDMOS, chart.IDHourWeekday} {
				if !p.has("download-" + id) {
					t.Errorf("%s: no download link for %s", path, id)
				}
			}
		}

		_, body := a.get(t, c, "/reports?period=2026-10")
		p := parsePage(t, body)
		if got := p.attr("period-select", "name"); got != "period" {
			t.Errorf("period select named %q", got)
		}
		if !p.has("quick-this-month") || !p.has("quick-last-12-months") {
			t.Error("no quick links")
		}
		link := p.attr("download-"+chart.IDCallsPerDay, "href")
		res, csvBody := a.get(t, c, link)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("download %s: status %d", link, res.StatusCode)
		}
		if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename="cdrdash-calls-per-day-2026-10-01_2026-10-31.csv"` {
			t.Errorf("Content-Disposition %q", cd)
		}
		rows, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 32 || rows[0][0] != "Day" || rows[1][0] != "Thu 1 Oct" {
			t.Fatalf("%d rows, head %v, first %v", len(rows), rows[0], rows[min(1, len(rows)-1)])
		}
		var sum int64
		for _, r := range rows[1:] {
			n, err := strconv.ParseInt(strings.ReplaceAll(r[1], ",", ""), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			sum += n
		}
		if sum != calls {
			t.Errorf("the CSV's days add up to %d calls, the month has %d", sum, calls)
		}
	})
}

// Bad input: an unknown part, a malformed period, a unit giving too many
// points, a local window the index does not cover. Each is a 400 that
// says what to fix.
func TestReportsWindowErrors(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		a := newIndexedApp(t, tg, 91)
		c := a.demo(t)
		for _, tc := range []struct{ name, path, says string }{
			{"unknown part", "/reports/download?part=nope&period=2026-10", ""},
			{"bad period", "/reports?period=2026-13", "billing period like 2026-11"},
			{"period and dates", "/reports?period=2026-10&start_date=2026-10-01&end_date=2026-10-02", "either a billing period or dates"},
			{"bad bucket", "/reports?period=2026-10&bucket=hour", "Group by day, week or month"},
			{"month before the coverage", "/reports?period=2026-01", "does not cover this period"},
		} {
			res, body := a.get(t, c, tc.path)
			if res.StatusCode != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400", tc.name, res.StatusCode)
				continue
			}
			if tc.says == "" {
				continue
			}
			if got := parsePage(t, body).text("form-errors"); !strings.Contains(got, tc.says) {
				t.Errorf("%s: errors %q, want %q", tc.name, got, tc.says)
			}
		}
	})
}

// An hour's previous hour has fewer calls than a comparison
// needs: the page says so instead of a percentage; weeks bucket on demand.
func TestReportsComparisonGuard(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		a := newIndexedApp(t, tg, 91)
		c := a.demo(t)
		res, body := a.get(t, c, "/reports?from=2026-11-20T10:00&to=2026-11-20T11:00")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		p := parsePage(t, body)
		if got := p.text("comparison-guard"); !strings.HasPrefix(got, "Too few calls in the previous period to compare: ") {
			t.Errorf("guard %q (compare %q)", got, p.text("compare"))
		}
		for _, d := range p.texts("tile-delta") {
			if strings.Contains(d, "%") {
				t.Errorf("a delta %q beside the guard", d)
			}
		}
		res, body = a.get(t, c, "/reports?period=2026-10&bucket=week")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("weeks: status %d", res.StatusCode)
		}
		if got := parsePage(t, body).text("range"); !strings.Contains(got, "· 5 weeks") {
			t.Errorf("weeks: range %q", got)
		}
	})
}
