package handlers_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/handlers"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
)

var ist = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		panic(err)
	}
	return loc
}()

// istTime is a wall-clock time in India.
func istTime(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, ist) }

func inWindow(c *vobiz.CDR, from, to time.Time) bool {
	return !c.StartTime.Before(from) && c.StartTime.Before(to)
}

// TestIndexedCallsTotals: for windows in IST and every new filter, the
// list's total (pager and tile) equals a count computed from the
// sandbox's raw export over the same window, and the rows are the
// matching calls.
func TestIndexedCallsTotals(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		a := newIndexedApp(t, tg, 91)
		c := a.demo(t)
		th := diagnosis.DefaultThresholds()
		from, to := istTime(2026, 11, 1, 0), istTime(2026, 11, 24, 6) // IST, ending mid-morning
		win := "from=2026-11-01T00:00&to=2026-11-24T06:00"
		// values present in the data, typed in another case (exact, case-insensitive)
		var sample *vobiz.CDR
		for i := range a.raw {
			c := &a.raw[i]
			if c.HangupSource.Valid && c.Codec.Valid && c.TrunkID.Valid && c.HangupCauseCode.Valid && c.Region != "" && inWindow(c, from, to) {
				sample = c
				break
			}
		}
		if sample == nil {
			t.Fatal("no sample call with every field")
		}
		in := func(c *vobiz.CDR) bool { return inWindow(c, from, to) }
		outcome := func(os ...diagnosis.Outcome) func(*vobiz.CDR) bool {
			return func(c *vobiz.CDR) bool { return in(c) && slices.Contains(os, diagnosis.OutcomeOf(c)) }
		}
		band := func(bs ...diagnosis.Band) func(*vobiz.CDR) bool {
			return func(c *vobiz.CDR) bool { return in(c) && slices.Contains(bs, diagnosis.OverallBand(c, th)) }
		}
		tests := []struct {
			name  string
			query string
			match func(*vobiz.CDR) bool
		}{
			{"window", win, in},
			{"window with seconds", "from=2026-11-01T00:00:00&to=2026-11-24T06:00:00", in},
			{"failed", win + "&outcome=failed", outcome(diagnosis.Failed)},
			{"busy or no answer", win + "&outcome=busy&outcome=no_answer", outcome(diagnosis.Busy, diagnosis.NoAnswer)},
			{"answered (comma list)", win + "&outcome=answered,cancelled", outcome(diagnosis.Answered, diagnosis.Cancelled)},
			{"poor", win + "&quality=poor", band(diagnosis.BandPoor)},
			{"acceptable", win + "&quality=acceptable", band(diagnosis.BandFair)},
			{"fair is acceptable", win + "&quality=fair&quality=good", band(diagnosis.BandFair, diagnosis.BandGood)},
			{"no media", win + "&quality=no_media", band(diagnosis.BandNoMedia)},
			{"mos bounds", win + "&min_mos=3.5&max_mos=4.2", func(c *vobiz.CDR) bool {
				return in(c) && c.MOS.Valid && c.MOS.Float64 >= 3.5 && c.MOS.Float64 <= 4.2
			}},
			{"cost bounds", win + "&min_cost=0.5&max_cost=2", func(c *vobiz.CDR) bool {
				return in(c) && float64(c.TotalCost) >= 0.5 && float64(c.TotalCost) <= 2
			}},
			{"max duration", win + "&max_duration=30", func(c *vobiz.CDR) bool { return in(c) && c.Duration <= 30 }},
			{"hangup source", win + "&hangup_source=" + url.QueryEscape(strings.ToUpper(sample.HangupSource.String)), func(c *vobiz.CDR) bool {
				return in(c) && strings.EqualFold(c.HangupSource.String, sample.HangupSource.String)
			}},
			{"cause code", win + "&hangup_cause_code=" + itoa(sample.HangupCauseCode.Int64), func(c *vobiz.CDR) bool {
				return in(c) && c.HangupCauseCode.Valid && c.HangupCauseCode.Int64 == sample.HangupCauseCode.Int64
			}},
			{"region", win + "&region=" + url.QueryEscape(strings.ToLower(string(sample.Region))), func(c *vobiz.CDR) bool {
				return in(c) && strings.EqualFold(string(c.Region), string(sample.Region))
			}},
			{"trunk", win + "&trunk_id=" + url.QueryEscape(sample.TrunkID.String), func(c *vobiz.CDR) bool {
				return in(c) && strings.EqualFold(c.TrunkID.String, sample.TrunkID.String)
			}},
			{"codec", win + "&codec=" + url.QueryEscape(strings.ToLower(sample.Codec.String)), func(c *vobiz.CDR) bool {
				return in(c) && strings.EqualFold(c.Codec.String, sample.Codec.String)
			}},
			{"hour of day in IST", win + "&hour=14", func(c *vobiz.CDR) bool { return in(c) && c.StartTime.In(ist).Hour() == 14 }},
			{"weekday in IST", "from=2026-11-01T00:00&to=2026-11-26T00:00&weekday=Tuesday", func(c *vobiz.CDR) bool {
				return inWindow(c, istTime(2026, 11, 1, 0), istTime(2026, 11, 26, 0)) && c.StartTime.In(ist).Weekday() == time.Tuesday
			}},
			{"hour and weekday", "from=2026-11-01T00:00&to=2026-11-26T00:00&weekday=fri&hour=9", func(c *vobiz.CDR) bool {
				t := c.StartTime.In(ist)
				return inWindow(c, istTime(2026, 11, 1, 0), istTime(2026, 11, 26, 0)) && t.Weekday() == time.Friday && t.Hour() == 9
			}},
			{"api filter on the index", win + "&call_direction=inbound", func(c *vobiz.CDR) bool {
				return in(c) && c.CallDirection == vobiz.DirectionInbound
			}},
			{"utc days with outcome", "start_date=2026-11-20&end_date=2026-11-21&outcome=failed", func(c *vobiz.CDR) bool {
				return inWindow(c, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)) &&
					diagnosis.OutcomeOf(c) == diagnosis.Failed
			}},
			{"no dates: the indexed period", "outcome=failed", func(c *vobiz.CDR) bool { return diagnosis.OutcomeOf(c) == diagnosis.Failed }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				want := a.count(tt.match)
				if want == 0 {
					t.Fatal("no call matches: the case proves nothing")
				}
				res, body := a.get(t, c, "/calls?per_page=100&"+tt.query)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("status %d: %s", res.StatusCode, errorText(body))
				}
				pg := parsePage(t, body)
				if !pg.has("index-fresh") || pg.has("index-banner") {
					t.Fatalf("not answered by the index: fresh %q banner %q", pg.text("index-fresh"), pg.text("index-banner"))
				}
				if got := pagerTotal(t, pg); got != want {
					t.Errorf("pager total = %d, want %d", got, want)
				}
				if got := number(t, pg.text("tile-total")); got != want {
					t.Errorf("tile total = %d, want %d", got, want)
				}
				byUUID := map[string]*vobiz.CDR{}
				for i := range a.raw {
					byUUID[string(a.raw[i].UUID)] = &a.raw[i]
				}
				rows := pg.all("call-row")
				if int64(len(rows)) != min(want, 100) {
					t.Errorf("%d rows, want %d", len(rows), min(want, 100))
				}
				for _, r := range rows {
					cdr := byUUID[attr(r, "data-uuid")]
					if cdr == nil || !tt.match(cdr) {
						t.Errorf("row %s does not match the filter", attr(r, "data-uuid"))
					}
				}
				if scope := pg.text("index-scope"); (tt.query == "outcome=failed") != strings.HasPrefix(scope, "Across the indexed period, 28 Aug – 26 Nov") {
					t.Errorf("scope %q", scope)
				}
				if want > 0 && tt.name == "failed" && len(pg.all("chip")) != 2 {
					t.Errorf("chips %q, want the time and the outcome", pg.texts("chip"))
				}
			})
		}
	})
}

// TestIndexedTilesEqualAPI: for filters the API can express, the index's
// tiles equal the API's summary to the paisa, and the rows are the API's.
func TestIndexedTilesEqualAPI(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		a := newIndexedApp(t, tg, 91)
		api := newTestApp(t, withCalls(indexCalls)) // same seed and clock, no index
		c, ac := a.demo(t), api.demo(t)
		for _, q := range []string{
			"start_date=2026-11-20&end_date=2026-11-22",
			"start_date=2026-11-01&end_date=2026-11-26&call_direction=outbound",
			"start_date=2026-11-10&end_date=2026-11-25&hangup_cause=NORMAL_CLEARING&min_duration=20",
			"start_date=2026-11-24&end_date=2026-11-26&from_number=98",
		} {
			t.Run(q, func(t *testing.T) {
				_, body := a.get(t, c, "/calls?"+q)
				_, want := api.get(t, ac, "/calls?"+q)
				got, exp := parsePage(t, body), parsePage(t, want)
				if !got.has("index-fresh") {
					t.Fatal("not answered by the index")
				}
				if exp.has("index-fresh") {
					t.Fatal("the API app answered from an index")
				}
				for _, k := range []string{"total", "answered", "rate", "avg", "talk", "cost", "last"} {
					if g, w := got.text("tile-"+k), exp.text("tile-"+k); g != w {
						t.Errorf("tile %s = %q, API %q", k, g, w)
					}
				}
				var gu, wu []string
				for _, r := range got.all("call-row") {
					gu = append(gu, attr(r, "data-uuid"))
				}
				for _, r := range exp.all("call-row") {
					wu = append(wu, attr(r, "data-uuid"))
				}
				if !slices.Equal(gu, wu) {
					t.Errorf("rows differ from the API's:\n%v\n%v", gu, wu)
				}
			})
		}
	})
}

// TestIndexedSort: headers order the rows and toggle; the API has none.
func TestIndexedSort(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		a := newIndexedApp(t, tg, 91)
		c := a.demo(t)
		from, to := istTime(2026, 11, 20, 0), istTime(2026, 11, 23, 0)
		var in []vobiz.CDR
		for _, cdr := range a.raw {
			if inWindow(&cdr, from, to) {
				in = append(in, cdr)
			}
		}
		tie := func(x, y vobiz.CDR) int {
			return cmp.Or(x.StartTime.Compare(y.StartTime.Time), cmp.Compare(x.ID, y.ID))
		}
		tests := []struct {
			sort, key, dir, next string
			cmp                  func(x, y vobiz.CDR) int // ascending
			desc                 bool
		}{
			{"-cost", "cost", "descending", "cost", func(x, y vobiz.CDR) int { return cmp.Or(cmp.Compare(x.TotalCost, y.TotalCost), tie(x, y)) }, true},
			{"cost", "cost", "ascending", "-cost", func(x, y vobiz.CDR) int { return cmp.Or(cmp.Compare(x.TotalCost, y.TotalCost), tie(x, y)) }, false},
			{"-duration", "duration", "descending", "duration", func(x, y vobiz.CDR) int { return cmp.Or(cmp.Compare(x.Duration, y.Duration), tie(x, y)) }, true},
			{"talk", "talk", "ascending", "-talk", func(x, y vobiz.CDR) int { return cmp.Or(cmp.Compare(x.Billsec, y.Billsec), tie(x, y)) }, false},
			{"start", "start", "ascending", "", tie, false},
			{"", "start", "descending", "start", tie, true},
		}
		for _, tt := range tests {
			t.Run("sort="+tt.sort, func(t *testing.T) {
				want := slices.Clone(in)
				slices.SortStableFunc(want, tt.cmp)
				if tt.desc {
					slices.Reverse(want)
				}
				q := "from=2026-11-20T00:00&to=2026-11-23T00:00&per_page=20"
				if tt.sort != "" {
					q += "&sort=" + tt.sort
				}
				res, body := a.get(t, c, "/calls?"+q)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("status %d: %s", res.StatusCode, errorText(body))
				}
				pg := parsePage(t, body)
				rows := pg.all("call-row")
				if len(rows) != 20 {
					t.Fatalf("%d rows", len(rows))
				}
				for i, r := range rows {
					if got := attr(r, "data-uuid"); got != string(want[i].UUID) {
						t.Fatalf("row %d = %s, want %s", i, got, want[i].UUID)
					}
				}
				if got := pg.attr("sort-"+tt.key, "aria-sort"); got != tt.dir {
					t.Errorf("aria-sort = %q, want %q", got, tt.dir)
				}
				link := mustURL(t, pg.attr("sort-link-"+tt.key, "href"))
				if got := link.Query().Get("sort"); got != tt.next {
					t.Errorf("header links to sort=%q, want %q", got, tt.next)
				}
				if link.Query().Get("from") != "2026-11-20T00:00" {
					t.Errorf("sort link lost the filters: %s", link)
				}
				for _, other := range []string{"start", "duration", "talk", "cost", "mos"} {
					if other != tt.key && pg.attr("sort-"+other, "aria-sort") != "" {
						t.Errorf("%s also marked sorted", other)
					}
				}
			})
		}
	})
	t.Run("api has plain headers", func(t *testing.T) {
		a := newTestApp(t, withCalls(500))
		_, body := a.get(t, a.demo(t), "/calls")
		if pg := parsePage(t, body); pg.has("sort-link-cost") || pg.has("sort-cost") {
			t.Error("sort headers offered on an API page")
		}
	})
}

// TestIndexFallbackAndRefusal: a window the index does not cover is
// answered by the API with the banner, unless it uses an index-only
// parameter, which is a 400 naming the coverage. With the index off,
// index-only parameters are refused too.
func TestIndexFallbackAndRefusal(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		a := newIndexedApp(t, tg, 30) // 28 Oct – 26 Nov (UTC days)
		c := a.demo(t)

		res, body := a.get(t, c, "/calls?start_date=2026-10-01&end_date=2026-10-05")
		pg := parsePage(t, body)
		if res.StatusCode != http.StatusOK || pg.has("index-fresh") {
			t.Fatalf("status %d, fresh %q", res.StatusCode, pg.text("index-fresh"))
		}
		if got := pg.text("index-banner"); got != "Live from Vobiz: the call index covers 28 Oct – 26 Nov." {
			t.Errorf("banner %q", got)
		}
		// Where the calls came from is information, not a fault.
		if cls := pg.attr("index-banner", "class"); !strings.Contains(cls, "notice--info") {
			t.Errorf("banner of an uncovered window: class %q, want information", cls)
		}
		want := a.count(func(c *vobiz.CDR) bool {
			return inWindow(c, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 6, 0, 0, 0, 0, time.UTC))
		})
		if got := pagerTotal(t, pg); got != want {
			t.Errorf("API total %d, want %d", got, want)
		}

		for _, q := range []string{
			"from=2026-10-01T00:00&to=2026-10-05T00:00",
			"start_date=2026-10-01&end_date=2026-10-05&outcome=failed",
			"to=2026-10-05T00:00&quality=poor",
		} {
			res, body := a.get(t, c, "/calls?"+q)
			if res.StatusCode != http.StatusBadRequest {
				t.Fatalf("%s: status %d", q, res.StatusCode)
			}
			msg := parsePage(t, body).text("form-errors")
			if !strings.Contains(msg, "does not cover these dates") || !strings.Contains(msg, "28 Oct 2026") {
				t.Errorf("%s: message %q", q, msg)
			}
		}
		res, _ = a.get(t, c, "/calls/export?from=2026-10-01T00:00&to=2026-10-05T00:00")
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("export of an uncovered window: status %d", res.StatusCode)
		}

		// No day complete: "still being built".
		b := newIndexedApp(t, storetest.SQLiteTarget(t), 0)
		bc := b.demo(t)
		_, body = b.get(t, bc, "/calls?start_date=2026-11-20&end_date=2026-11-21")
		if got := parsePage(t, body).text("index-banner"); got != "Live from Vobiz: the call index is still being built." {
			t.Errorf("banner %q", got)
		}
		res, body = b.get(t, bc, "/calls?outcome=failed")
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(parsePage(t, body).text("form-errors"), "still being built") {
			t.Errorf("status %d, %q", res.StatusCode, parsePage(t, body).text("form-errors"))
		}
	})
	t.Run("index off", func(t *testing.T) {
		a := newTestApp(t, withCalls(500))
		c := a.demo(t)
		up := a.upstreamRequests()
		res, body := a.get(t, c, "/calls?outcome=failed&sort=-cost")
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("status %d", res.StatusCode)
		}
		msg := parsePage(t, body).text("form-errors")
		if !strings.Contains(msg, "Outcome and Sort can only be answered by the call index, which is off") {
			t.Errorf("message %q", msg)
		}
		if a.upstreamRequests() != up {
			t.Error("Vobiz was asked anyway")
		}
		_, body = a.get(t, c, "/calls?start_date=2026-11-20&end_date=2026-11-21")
		if parsePage(t, body).has("index-banner") {
			t.Error("a banner about an index that is off")
		}
	})
}

// TestIndexBadInput: malformed index parameters answer 400 with the
// message, before any query.
func TestIndexBadInput(t *testing.T) {
	a := newIndexedApp(t, storetest.SQLiteTarget(t), 91)
	c := a.demo(t)
	tests := []struct{ query, field, msg string }{
		{"from=garbage", "from", "Enter a date and time like 2026-12-06T09:30"},
		{"from=2026-11-20T10:00&to=2026-11-20T09:00", "to", "To must be after From."},
		{"from=2026-11-20T10:00&to=2026-11-20T10:00", "to", "To must be after From."},
		{"hour=25", "hour", "Hour must be a whole number from 0 to 23."},
		{"hour=-1", "hour", "Hour must be a whole number from 0 to 23."},
		{"sort=bogus", "", "Sort must be start, duration, talk, ring, cost or mos"},
		{"outcome=maybe", "outcome", `Outcome must be answered, busy, no_answer, failed or cancelled (not "maybe").`},
		{"quality=awful", "quality", "Quality must be good, acceptable, poor or no_media"},
		{"weekday=funday", "weekday", "Weekday must be mon, tue"},
		{"weekday=monkey", "weekday", "Weekday must be mon, tue"},
		{"min_mos=abc", "min_mos", "Min. MOS must be a number from 0 to 5"},
		{"min_mos=4&max_mos=3", "max_mos", "Max. MOS must not be below Min. MOS."},
		{"min_cost=NaN", "min_cost", "Min. cost must be an amount"},
		{"max_duration=1.5", "max_duration", "Max. duration must be a whole number"},
		{"hangup_cause_code=x", "hangup_cause_code", "Hangup cause code must be a whole number"},
		{"codec=%01", "codec", "without control characters"},
		{"from=2026-11-20T10:00&start_date=2026-11-20&end_date=2026-11-20", "from", "not both"},
		{"hour=1&hour=2", "hour", "given more than once"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res, body := a.get(t, c, "/calls?"+tt.query)
			if res.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d", res.StatusCode)
			}
			pg := parsePage(t, body)
			if msg := pg.text("form-errors"); !strings.Contains(msg, tt.msg) {
				t.Errorf("form errors %q, want %q", msg, tt.msg)
			}
			if tt.field != "" && !strings.Contains(pg.text("error-"+tt.field), tt.msg) {
				t.Errorf("field message %q", pg.text("error-"+tt.field))
			}
			if pg.has("call-row") {
				t.Error("rows on a refused page")
			}
		})
	}
}

// TestIndexRefresh: the button asks for a poll and goes back to the page;
// a return address outside cdrdash is refused.
func TestIndexRefresh(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		// The poll is "done" already (LastPoll after any request the store
		// clock can write), so the wait ends at its first look.
		a := newIndexedApp(t, tg, 91, withDeps(func(d *handlers.Deps) { d.IndexRefreshWait = time.Hour }))
		if err := a.ix.UpdateSyncState(context.Background(), func(s *callindex.SyncState) {
			s.LastPoll = time.Now().Add(time.Hour)
		}); err != nil {
			t.Fatal(err)
		}
		c := a.demo(t)
		_, body := a.get(t, c, "/calls?from=2026-11-20T00:00&to=2026-11-23T00:00&outcome=failed")
		pg := parsePage(t, body)
		form := pg.in("index-status")
		var ret string
		for _, in := range form.tags("input") {
			if attr(in, "name") == "return" {
				ret = attr(in, "value")
			}
		}
		if ret != "/calls?from=2026-11-20T00:00&to=2026-11-23T00:00&outcome=failed" {
			t.Fatalf("return %q", ret)
		}
		res := a.postForm(t, c, "/index/refresh", url.Values{"return": {ret}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != ret {
			t.Fatalf("status %d location %q", res.StatusCode, res.Header.Get("Location"))
		}
		st, err := a.ix.SyncState(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.PollRequested.IsZero() {
			t.Error("no poll requested")
		}
		for _, bad := range []string{"https://evil.example/", "//evil.example/x", `/\evil.example`, "calls", ""} {
			if res := a.postForm(t, c, "/index/refresh", url.Values{"return": {bad}}); res.StatusCode != http.StatusBadRequest {
				t.Errorf("return %q: status %d", bad, res.StatusCode)
			}
		}
		// A cross-site post is refused by the CSRF guard.
		req := formRequest(t, a.srv.URL+"/index/refresh", url.Values{"return": {"/calls"}})
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if res, _ := do(t, c, req); res.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site refresh: status %d", res.StatusCode)
		}
	})
}

// TestIndexedExport: the CSV from the index is byte-equal to the API's for
// the same API-expressible filter (raw and report), and has the matching
// rows for index-only filters.
func TestIndexedExport(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		a := newIndexedApp(t, tg, 91)
		api := newTestApp(t, withCalls(indexCalls))
		c, ac := a.demo(t), api.demo(t)
		for _, q := range []string{
			"start_date=2026-11-20&end_date=2026-11-22",
			"start_date=2026-11-01&end_date=2026-11-26&call_direction=inbound&format=raw",
			"start_date=2026-11-01&end_date=2026-11-26&columns=start_time,caller_id_number,outcome,diagnosis,quality,total_cost&bom=0",
			"start_date=2026-11-25&end_date=2026-11-25&search=zz-no-such-call",
		} {
			t.Run(q, func(t *testing.T) {
				res, got := a.get(t, c, "/calls/export?"+q)
				_, want := api.get(t, ac, "/calls/export?"+q)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("status %d: %s", res.StatusCode, errorText(got))
				}
				if got != want {
					t.Errorf("index CSV (%d bytes) differs from the API's (%d bytes)", len(got), len(want))
				}
			})
		}
		events := auditEvents(t, a.testApp, "call.export")
		if len(events) == 0 || events[len(events)-1]["source"] != "index" {
			t.Errorf("export audit %v", events)
		}

		from, to := istTime(2026, 11, 20, 0), istTime(2026, 11, 23, 0)
		want := a.count(func(c *vobiz.CDR) bool { return inWindow(c, from, to) && diagnosis.OutcomeOf(c) == diagnosis.Failed })
		res, body := a.get(t, c, "/calls/export?from=2026-11-20T00:00&to=2026-11-23T00:00&outcome=failed&columns=uuid,outcome&bom=0")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", res.StatusCode, errorText(body))
		}
		recs, err := csv.NewReader(bytes.NewReader([]byte(body))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(recs)-1) != want {
			t.Errorf("%d rows, want %d", len(recs)-1, want)
		}
		for _, r := range recs[1:] {
			if r[1] != "Failed" {
				t.Errorf("row %v is not failed", r)
			}
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, "calls_2026-11-20T0000_2026-11-23T0000") {
			t.Errorf("file name %q", cd)
		}
	})
}

// TestIndexedNeighboursAndAudit: a call opened from an indexed list links
// to its neighbours in that list's order, and the search's audit event
// records the new parameters and the source.
func TestIndexedNeighboursAndAudit(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		a := newIndexedApp(t, tg, 91)
		c := a.demo(t)
		_, body := a.get(t, c, "/calls?from=2026-11-20T00:00&to=2026-11-23T00:00&sort=-cost&per_page=20")
		pg := parsePage(t, body)
		links := pg.all("call-link")
		if len(links) != 20 {
			t.Fatalf("%d rows", len(links))
		}
		rows := pg.all("call-row")
		for _, i := range []int{5, 19} {
			_, detail := a.get(t, c, attr(links[i], "href"))
			d := parsePage(t, detail)
			prev := mustURL(t, d.attr("prev-call", "href"))
			if !strings.HasSuffix(prev.Path, "/"+attr(rows[i-1], "data-uuid")) {
				t.Errorf("row %d: prev %s, want %s", i, prev.Path, attr(rows[i-1], "data-uuid"))
			}
			next := mustURL(t, d.attr("next-call", "href"))
			if i < 19 && !strings.HasSuffix(next.Path, "/"+attr(rows[i+1], "data-uuid")) {
				t.Errorf("row %d: next %s, want %s", i, next.Path, attr(rows[i+1], "data-uuid"))
			}
			if i == 19 {
				// the first of page 2, in the same order
				list, _ := url.ParseQuery(next.Query().Get("list"))
				if list.Get("page") != "2" || list.Get("sort") != "-cost" {
					t.Errorf("next list %v", list)
				}
				_, p2 := a.get(t, c, "/calls?"+next.Query().Get("list"))
				if first := parsePage(t, p2).all("call-row"); len(first) == 0 || !strings.HasSuffix(next.Path, "/"+attr(first[0], "data-uuid")) {
					t.Errorf("next %s is not the first row of page 2", next.Path)
				}
			}
		}
		var found bool
		for _, e := range auditEvents(t, a.testApp, "call.search") {
			if e["source"] == "index" && strings.Contains(e["filters"].(string), "sort=-cost") &&
				strings.Contains(e["filters"].(string), "from=2026-11-20T00%3A00") {
				found = true
			}
		}
		if !found {
			t.Errorf("no search event with the index source and the new parameters: %v", auditEvents(t, a.testApp, "call.search"))
		}
	})
}

// TestIndexedHome: "Today" is the local day from the index, with links to
// it as from/to; with the index not covering today, the API's UTC day and
// a banner.
func TestIndexedHome(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		a := newIndexedApp(t, tg, 91)
		c := a.demo(t)
		start := istTime(2026, 11, 26, 0)
		want := a.count(func(c *vobiz.CDR) bool { return inWindow(c, start, testNow) })
		_, body := a.get(t, c, "/")
		pg := parsePage(t, body)
		if !pg.has("index-fresh") {
			t.Fatal("home not answered by the index")
		}
		if got := number(t, pg.text("tile-total")); got != want {
			t.Errorf("today's calls %d, want %d (IST day so far)", got, want)
		}
		link := mustURL(t, pg.attr("today-calls", "href"))
		if link.Query().Get("from") != "2026-11-26T00:00" || link.Query().Get("to") != "2026-11-27T00:00" {
			t.Errorf("today link %s", link)
		}
		if got := len(pg.all("call-row")); got != 20 {
			t.Errorf("%d recent rows", got)
		}
		_, cb := a.get(t, c, link.RequestURI())
		if got := pagerTotal(t, parsePage(t, cb)); got != want {
			t.Errorf("today's list %d, want %d", got, want)
		}

		// Not covered: the first complete day is yesterday's.
		b := newIndexedApp(t, storetest.SQLiteTarget(t), 0)
		ctx := context.Background()
		y := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
		if err := b.ix.SetDay(ctx, callindex.DayState{Day: y, Status: callindex.DayComplete, VerifiedAt: testNow}); err != nil {
			t.Fatal(err)
		}
		_, body = b.get(t, b.demo(t), "/")
		pg = parsePage(t, body)
		if pg.has("index-fresh") || !strings.HasPrefix(pg.text("index-banner"), "Live from Vobiz") {
			t.Errorf("fresh %q banner %q", pg.text("index-fresh"), pg.text("index-banner"))
		}
	})
}

// TestLocalPresets: the date presets the index covers are local days as
// from/to; the others stay the API's UTC days.
func TestLocalPresets(t *testing.T) {
	a := newIndexedApp(t, storetest.SQLiteTarget(t), 91)
	presets := func(a *indexedApp, path string) map[string]string {
		_, body := a.get(t, a.demo(t), path)
		got := map[string]string{}
		for _, l := range parsePage(t, body).all("preset") {
			q := mustURL(t, attr(l, "href")).Query()
			got[nodeText(l)] = q.Get("from") + "/" + q.Get("to") + q.Get("start_date") + "/" + q.Get("end_date")
		}
		return got
	}
	got := presets(a, "/calls?from=2026-11-20T00:00&to=2026-11-23T00:00")
	want := map[string]string{
		"Today": "2026-11-26T00:00/2026-11-27T00:00/", "Yesterday": "2026-11-25T00:00/2026-11-26T00:00/",
		"Last 7 days": "2026-11-20T00:00/2026-11-27T00:00/", "Last 30 days": "2026-10-28T00:00/2026-11-27T00:00/",
		"This month": "2026-11-01T00:00/2026-11-27T00:00/",
	}
	if !maps.Equal(got, want) {
		t.Errorf("presets %v, want %v", got, want)
	}

	// Covering only 22–26 Nov (UTC days, so from 05:30 IST on the 22nd):
	// the longer presets stay UTC days.
	b := newIndexedApp(t, storetest.SQLiteTarget(t), 5)
	got = presets(b, "/calls?from=2026-11-23T00:00&to=2026-11-24T00:00")
	want["Last 7 days"], want["Last 30 days"], want["This month"] = "/2026-11-20/2026-11-26", "/2026-10-28/2026-11-26", "/2026-11-01/2026-11-26"
	if !maps.Equal(got, want) {
		t.Errorf("presets %v, want %v", got, want)
	}
}

// TestBrokenIndexFallsBack: an index that cannot be read costs the pages
// the index-only filters (a clear refusal), never the API's answers.
func TestBrokenIndexFallsBack(t *testing.T) {
	ixdb := storetest.SQLiteTarget(t).Open(t)
	ix := callindex.New(ixdb)
	a := newTestApp(t, withCalls(500), withDeps(func(d *handlers.Deps) { d.Index = ix }))
	c := a.demo(t)
	if err := ixdb.Close(); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/", "/calls?start_date=2026-11-20&end_date=2026-11-21"} {
		res, body := a.get(t, c, path)
		pg := parsePage(t, body)
		if res.StatusCode != http.StatusOK || pg.text("index-banner") != "Live from Vobiz: the call index cannot be read right now." {
			t.Errorf("%s: status %d banner %q", path, res.StatusCode, pg.text("index-banner"))
		}
		if cls := pg.attr("index-banner", "class"); strings.Contains(cls, "notice--info") || !pg.has("index-banner") {
			t.Errorf("%s: banner of a broken index: class %q, want a warning", path, cls)
		}
		if !pg.has("tile-total") {
			t.Errorf("%s: no tiles from the API", path)
		}
	}
	res, body := a.get(t, c, "/calls?outcome=failed")
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(parsePage(t, body).text("form-errors"), "cannot be read right now") {
		t.Errorf("index-only filter: status %d, %q", res.StatusCode, parsePage(t, body).text("form-errors"))
	}
}

// BenchmarkIndexedCallsPage100 is the list page with 100 rows answered by
// a small SQLite index (3,000 calls, a 3-day IST window, sorted by cost):
// the page's own work plus the index's queries at this size. The
// index's cost at a million calls is callindex's BenchmarkQuery.
func BenchmarkIndexedCallsPage100(b *testing.B) {
	db := storetest.SQLite(b)
	ix := callindex.New(db)
	a := newTestApp(b, withCalls(indexCalls), withDB(db), withDeps(func(d *handlers.Deps) { d.Index = ix }))
	if _, err := ix.Upsert(context.Background(), exportAll(b, a.client)); err != nil {
		b.Fatal(err)
	}
	markCovered(b, ix, 91)
	benchPage(b, a, "/calls?per_page=100&from=2026-11-01T00:00&to=2026-11-24T00:00&sort=-cost")
}

// A day being synced again (an admin's re-sync, a verification that found
// a late call) takes only that day away from the pages: a window before or
// after it is still answered by the index, one that touches it by Vobiz,
// with the banner naming the day.
func TestIndexHoleKeepsTheRestCovered(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		a := newIndexedApp(t, tg, 30)
		c := a.demo(t)
		if err := a.ix.SetDay(context.Background(), callindex.DayState{Day: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC),
			Status: callindex.DayMismatch, APITotal: callindex.UnknownTotal, LastError: "re-sync asked by demo"}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			path  string
			index bool
		}{
			{"/calls?start_date=2026-11-10&end_date=2026-11-19&outcome=failed", true},
			{"/calls?start_date=2026-11-21&end_date=2026-11-25&sort=-cost", true},
			{"/calls?start_date=2026-11-18&end_date=2026-11-22", false},
		} {
			res, body := a.get(t, c, tc.path)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: status %d", tc.path, res.StatusCode)
			}
			pg := parsePage(t, body)
			if got := pg.has("index-fresh"); got != tc.index {
				t.Errorf("%s: answered by the index %v, want %v (banner %q)", tc.path, got, tc.index, pg.text("index-banner"))
			}
			if !tc.index && !strings.Contains(pg.text("index-banner"), "except 20 Nov (UTC), which is being synced again") {
				t.Errorf("%s: banner %q does not name the day being synced", tc.path, pg.text("index-banner"))
			}
		}
	})
}
