package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/handlers"
	"github.com/cdrdash/cdrdash/report"
	"github.com/cdrdash/cdrdash/report/chart"
	"github.com/cdrdash/cdrdash/report/reporttest"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// The Reports page on the call index, on both databases: a range the index
// covers is answered without a request to Vobiz, says how fresh it is and
// drills down by outcome, quality, MOS and hour × weekday; a range it does
// not cover comes from Vobiz with the banner saying what the index covers,
// and keeps the API's links.
func TestReportsFromIndex(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		const calls = 5000
		// The same seed, size and clock as newTestApp's sandbox: the index
		// holds exactly the app's upstream calls.
		e := reporttest.New(t, tg, sandbox.Options{Seed: 7, Calls: calls, Now: testNow})
		e.Load(t)
		polled := testNow.Add(-8 * time.Second)
		e.MarkComplete(t, testNow.AddDate(0, 0, -60), testNow, polled, polled) // the range and the period before it
		a := newTestApp(t, withCalls(calls), withDB(e.DB), withDeps(func(d *handlers.Deps) { d.Index = e.Index }))
		c := a.demo(t)

		before := a.upstreamRequests()
		const path = "/reports?call_direction=inbound&start_date=2026-11-01&end_date=2026-11-26"
		res, body := a.get(t, c, path)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		if n := a.upstreamRequests() - before; n != 0 {
			t.Errorf("a covered range sent %d requests to Vobiz", n)
		}
		p := parsePage(t, body)
		if got := p.text("index-fresh"); got != "Synced 8 s ago" || p.has("index-banner") {
			t.Errorf("freshness %q, banner shown %v", got, p.has("index-banner"))
		}
		if got := p.text("breakdown-note"); !strings.Contains(got, "call index") {
			t.Errorf("breakdown note %q", got)
		}
		charts := reportCharts(t, body)
		for id, param := range map[string]string{chart.IDOutcomes: "outcome", chart.IDQuality: "quality",
			chart.IDMOS: "min_mos", chart.IDHourWeekday: "hour"} {
			links := charts[id].links
			if len(links) == 0 {
				t.Errorf("%s: no links", id)
			}
			for _, l := range links {
				u, err := url.Parse(l)
				if err != nil {
					t.Fatal(err)
				}
				q := u.Query()
				if q.Get(param) == "" || q.Get("call_direction") != "inbound" || q.Get("start_date") != "2026-11-01" ||
					q.Get("end_date") != "2026-11-26" {
					t.Errorf("%s link %s", id, l)
				}
			}
		}
		if got := charts[chart.IDQuality].links[1]; !strings.Contains(got, "quality=acceptable") {
			t.Errorf("the acceptable band links %s", got)
		}
		if n := len(charts[chart.IDHourWeekday].links); n != 7*24 {
			t.Errorf("heat map: %d links", n)
		}
		// The tiles come from the index with the API's semantics.
		want, err := a.client.Search(context.Background(), vobiz.Filter{CallDirection: vobiz.DirectionInbound,
			StartDate: "2026-11-01", EndDate: "2026-11-26", PerPage: 1})
		if err != nil {
			t.Fatal(err)
		}
		if got := p.text("tile-total"); got != views.FormatInt(int64(want.Summary.TotalCalls)) {
			t.Errorf("total tile %q, Vobiz counts %d", got, want.Summary.TotalCalls)
		}

		// Before the coverage: Vobiz answers and the banner says why.
		before = a.upstreamRequests()
		res, body = a.get(t, c, "/reports?start_date=2026-09-01&end_date=2026-09-10")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		if a.upstreamRequests() == before {
			t.Error("an uncovered range made no request to Vobiz")
		}
		p = parsePage(t, body)
		if got, want := p.text("index-banner"), "Live from Vobiz: the call index covers 27 Sep – 26 Nov."; got != want || p.has("index-fresh") {
			t.Errorf("banner %q, want %q (freshness shown %v)", got, want, p.has("index-fresh"))
		}
		for _, l := range reportCharts(t, body)[chart.IDOutcomes].links {
			if l != "/calls?end_date=2026-09-10&start_date=2026-09-01" {
				t.Errorf("API-path outcome link %s", l)
			}
		}
	})
}

// Every mark of every chart on a Reports page answered by the index opens,
// through the real /calls page, a list whose total is the mark's value:
// each day, outcome, cause, quality band, MOS bucket and hour × weekday
// cell (IST), with the report's own filters kept. The values come from a
// report built independently over the same index.
func TestReportDrillDownsThroughCalls(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		a := newIndexedApp(t, tg, 91)
		c := a.demo(t)
		const path = "/reports?call_direction=outbound&start_date=2026-11-10&end_date=2026-11-23"
		res, body := a.get(t, c, path)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		svc := report.New(a.client, report.Options{Now: func() time.Time { return testNow }, Index: a.ix})
		// The page's window: the UTC days, bucketed in local (IST) days.
		rep, err := svc.Build(context.Background(), report.Request{Zone: mustZone(t, "Asia/Kolkata"),
			Thresholds: diagnosis.DefaultThresholds(),
			From:       time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC),
			Filter: vobiz.Filter{CallDirection: vobiz.DirectionOutbound, StartDate: "2026-11-10", EndDate: "2026-11-23"}})
		if err != nil || rep.Origin != report.OriginIndex {
			t.Fatalf("report: origin %s, %v", rep.Origin, err)
		}
		checked := 0
		for id, pc := range reportCharts(t, body) {
			values := reporttest.MarkValues(rep, id)
			if len(pc.links) == 0 || len(pc.links) != len(values) {
				t.Errorf("%s: %d links for %d marks", id, len(pc.links), len(values))
				continue
			}
			for i, link := range pc.links {
				if link == "" {
					continue // a mark no parameter selects ("(other)" causes)
				}
				res, body := a.get(t, c, link)
				if res.StatusCode != http.StatusOK {
					t.Errorf("%s mark %d: %s answered %d", id, i, link, res.StatusCode)
					continue
				}
				pg := parsePage(t, body)
				if pg.has("index-banner") || !pg.has("index-fresh") {
					t.Errorf("%s mark %d: %s was not answered by the index", id, i, link)
				}
				var got int64 // the empty state ("No calls match …") has no pager
				if pg.has("pager-range") || !pg.has("empty") {
					got = pagerTotal(t, pg)
				}
				if got != values[i] {
					t.Errorf("%s mark %d: %s lists %d calls, the mark says %d", id, i, link, got, values[i])
				}
				checked++
			}
		}
		if checked < 200 {
			t.Errorf("only %d marks checked", checked)
		}
	})
}

// Index-only filters narrow a report the index covers; they are refused
// (400, saying why) when it cannot answer them, and the local times and
// windows that the Reports page cannot cut yet are refused too.
func TestReportsNarrowedByIndexFilters(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		a := newIndexedApp(t, tg, 30)
		c := a.demo(t)
		from, to := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
		want := a.count(func(r *vobiz.CDR) bool {
			return inWindow(r, from, to) && diagnosis.OutcomeOf(r) == diagnosis.Failed
		})
		res, body := a.get(t, c, "/reports?start_date=2026-11-10&end_date=2026-11-23&outcome=failed&sort=-cost")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		p := parsePage(t, body)
		if got := number(t, p.text("tile-total")); got != want || want == 0 {
			t.Errorf("failed calls tile %d, the export counts %d", got, want)
		}
		if l := p.attr("to-calls", "href"); !strings.Contains(l, "outcome=failed") || strings.Contains(l, "sort=") {
			t.Errorf("the calls link %q drops the outcome or keeps the sort", l)
		}

		for _, tc := range []struct{ name, path, says string }{
			{"before the coverage", "/reports?start_date=2026-09-01&end_date=2026-09-10&outcome=failed",
				"Outcome can only be answered by the call index, and it does not cover these dates"},
			{"local times before the coverage", "/reports?from=2026-01-10T00:00&to=2026-01-12T00:00",
				"Reports in your time zone (From/To, a billing period) come from the call index, and it does not cover this period"},
			{"hour", "/reports?start_date=2026-11-10&end_date=2026-11-23&hour=14", "Hour of day applies to the calls list"},
		} {
			res, body := a.get(t, c, tc.path)
			if res.StatusCode != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400", tc.name, res.StatusCode)
				continue
			}
			if got := parsePage(t, body).text("form-errors"); !strings.Contains(got, tc.says) {
				t.Errorf("%s: errors %q, want %q", tc.name, got, tc.says)
			}
		}
	})
}
