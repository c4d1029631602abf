package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/handlers"
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
		if got := p.text("freshness"); got != "Synced 8 s ago" || p.has("source-banner") {
			t.Errorf("freshness %q, banner shown %v", got, p.has("source-banner"))
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
		if got, want := p.text("source-banner"), "Live from Vobiz: the index covers 27 Sep – 26 Nov"; got != want || p.has("freshness") {
			t.Errorf("banner %q, want %q (freshness shown %v)", got, want, p.has("freshness"))
		}
		for _, l := range reportCharts(t, body)[chart.IDOutcomes].links {
			if l != "/calls?end_date=2026-09-10&start_date=2026-09-01" {
				t.Errorf("API-path outcome link %s", l)
			}
		}
	})
}
