package handlers_test

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/cdrdash/cdrdash/handlers"
	"github.com/cdrdash/cdrdash/report"
	"github.com/cdrdash/cdrdash/report/chart"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// The charts every full report draws.
var reportChartIDs = []string{chart.IDCallsPerDay, chart.IDTalkCost, chart.IDOutcomes,
	chart.IDCauses, chart.IDQuality, chart.IDMOS, chart.IDHourWeekday}

// pageChart is one chart container of a page with its parsed JSON blocks.
type pageChart struct {
	options json.RawMessage
	links   []string
}

// reportCharts finds every chart container and fails when one has no
// matching options block (or links block, when it names one).
func reportCharts(t *testing.T, body string) map[string]pageChart {
	t.Helper()
	p := parsePage(t, body)
	blocks := map[string]string{}
	for _, s := range p.tags("script") {
		if attr(s, "type") == "application/json" && s.FirstChild != nil {
			blocks[attr(s, "id")] = s.FirstChild.Data
		}
	}
	out := map[string]pageChart{}
	for _, div := range p.find(func(n *html.Node) bool { return hasAttr(n, "data-chart") }) {
		id := attr(div, "data-chart")
		var pc pageChart
		for _, key := range []string{"data-chart-options", "data-chart-links"} {
			if !hasAttr(div, key) {
				continue
			}
			raw, ok := blocks[attr(div, key)]
			if !ok {
				t.Errorf("chart %s: no JSON block %q for %s", id, attr(div, key), key)
				continue
			}
			if key == "data-chart-options" {
				pc.options = json.RawMessage(raw)
			} else if err := json.Unmarshal([]byte(raw), &pc.links); err != nil {
				t.Errorf("chart %s links: %v", id, err)
			}
		}
		if pc.options == nil || !json.Valid(pc.options) {
			t.Errorf("chart %s: no valid options block", id)
		}
		out[id] = pc
	}
	return out
}

// seriesValues returns each series' data values (numbers, or "-" for a
// gap) and the category axis.
func seriesValues(t *testing.T, raw json.RawMessage) (series [][]any, cats []string) {
	t.Helper()
	var opt struct {
		Series []struct {
			Data []struct {
				Value any `json:"value"`
			} `json:"data"`
		} `json:"series"`
		XAxis []struct {
			Data []string `json:"data"`
		} `json:"xAxis"`
	}
	if err := json.Unmarshal(raw, &opt); err != nil {
		t.Fatal(err)
	}
	for _, s := range opt.Series {
		var vals []any
		for _, d := range s.Data {
			vals = append(vals, d.Value)
		}
		series = append(series, vals)
	}
	if len(opt.XAxis) > 0 {
		cats = opt.XAxis[0].Data
	}
	return series, cats
}

// missingRows are the day-table rows marked as not loaded.
func missingRows(p page) []*html.Node {
	return p.find(func(n *html.Node) bool {
		return n.Data == "tr" && hasAttr(n, "data-missing") && hasClass(n, "is-missing")
	})
}

// recordRequests records the path and query of every upstream request.
func recordRequests(a *testApp) func() []*url.URL {
	var mu sync.Mutex
	var seen []*url.URL
	a.sb.SetObserver(func(r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL)
		mu.Unlock()
	})
	return func() []*url.URL {
		mu.Lock()
		defer mu.Unlock()
		out := seen
		seen = nil
		return out
	}
}

func endpointOf(u *url.URL) string {
	switch {
	case strings.HasSuffix(u.Path, "/cdr"):
		return "list"
	case strings.HasSuffix(u.Path, "/cdr/search"):
		return "search"
	case strings.HasSuffix(u.Path, "/cdr/export"):
		return "export"
	}
	return u.Path
}

func TestReportsDemo30Days(t *testing.T) {
	a := newTestApp(t)
	c := a.demo(t)
	const path = "/reports?start_date=2026-10-28&end_date=2026-11-26"
	res, body := a.get(t, c, path)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	assertNoInlineScript(t, path, body)
	charts := reportCharts(t, body)
	p := parsePage(t, body)
	for _, id := range reportChartIDs {
		if _, ok := charts[id]; !ok {
			t.Errorf("chart %s missing", id)
		}
		card := p.in("chart-" + id)
		captioned := slices.ContainsFunc(card.tags("figcaption"), func(n *html.Node) bool { return attr(n, "id") == id+"-caption" })
		if !captioned || !card.has("table-"+id) {
			t.Errorf("chart %s has no caption or data table", id)
		}
	}
	if len(charts) != len(reportChartIDs) {
		t.Errorf("%d charts, want %d", len(charts), len(reportChartIDs))
	}
	for id, pc := range charts {
		s := string(pc.options)
		if strings.Contains(s, "__f__") || strings.Contains(s, "http:") || strings.Contains(s, "https:") {
			t.Errorf("chart %s options carry a function or an external URL", id)
		}
	}
	for _, asset := range []string{"vendor/echarts/echarts.min.js", "js/charts.js"} {
		src := regexp.MustCompile(`^/static/[0-9a-f]+/` + regexp.QuoteMeta(asset) + `$`)
		if !slices.ContainsFunc(p.tags("script"), func(n *html.Node) bool { return src.MatchString(attr(n, "src")) && hasAttr(n, "defer") }) {
			t.Errorf("page does not load %s from /static", asset)
		}
	}

	// The days add up to what one search over the range says.
	want, err := a.client.Search(context.Background(), vobiz.Filter{StartDate: "2026-10-28", EndDate: "2026-11-26", PerPage: 1})
	if err != nil {
		t.Fatal(err)
	}
	series, cats := seriesValues(t, charts[chart.IDCallsPerDay].options)
	// Today is still running: its bar is labelled so.
	if len(cats) != 30 || cats[0] != "2026-10-28" || cats[29] != "2026-11-26 (so far)" {
		t.Fatalf("days on the axis: %d, %v…", len(cats), cats[:min(len(cats), 2)])
	}
	var sum float64
	for _, s := range series[:2] { // answered + not answered
		for i, v := range s {
			n, ok := v.(float64)
			if !ok {
				t.Fatalf("day %s: value %v", cats[i], v)
			}
			sum += n
		}
	}
	if int64(sum) != int64(want.Summary.TotalCalls) || sum == 0 {
		t.Errorf("days add up to %v calls, one search over the range says %d", sum, want.Summary.TotalCalls)
	}
	if got := p.text("tile-total"); got != views.FormatInt(int64(want.Summary.TotalCalls)) {
		t.Errorf("total tile %q", got)
	}
	if tile := p.in("tile-total").root; tile == nil || !strings.Contains(attr(tile.NextSibling, "title")+nodeText(tile.NextSibling), "previous") {
		t.Error("the total tile is not compared with the previous period")
	}
	if notices := p.find(func(n *html.Node) bool { return strings.HasPrefix(attr(n, "data-testid"), "notice-") }); len(notices) > 0 {
		t.Errorf("unexpected notice: %s", nodeText(notices[0]))
	}

	// Download and list links keep the filters and name the count.
	if href, label := p.attr("export", "href"), p.text("export"); href != "/calls/export?end_date=2026-11-26&start_date=2026-10-28" ||
		label != "Download "+views.FormatInt(int64(want.Summary.TotalCalls))+" calls" || !hasAttr(p.in("export").root, "download") {
		t.Errorf("export button %q labelled %q", href, label)
	}
	if href := p.attr("to-calls", "href"); href != "/calls?end_date=2026-11-26&start_date=2026-10-28" {
		t.Errorf("link to the same calls on /calls is %q", href)
	}
}

func TestReportsDefaultRange(t *testing.T) {
	a := newTestApp(t, withCalls(2000))
	c := a.demo(t)
	res, body := a.get(t, c, "/reports")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	// The last 30 days as the API counts them (UTC): testNow is 26 Nov.
	p := parsePage(t, body)
	if got := p.text("range"); !strings.HasPrefix(got, "2026-10-28 – 2026-11-26 · 30 days") {
		t.Errorf("range %q", got)
	}
	if from, to := p.attr("filter-start_date", "value"), p.attr("filter-end_date", "value"); from != "2026-10-28" || to != "2026-11-26" {
		t.Errorf("the form shows %q to %q, not the default dates", from, to)
	}
}

// TestReportsCache: a finished range is served from the cache without any
// upstream request; a range ending today asks only about today.
func TestReportsCache(t *testing.T) {
	a := newTestApp(t)
	c := a.demo(t)
	seen := recordRequests(a)

	const past = "/reports?start_date=2026-09-01&end_date=2026-09-30"
	a.get(t, c, past)
	if n := len(seen()); n != 30+2+1 { // days, range and previous totals, export
		t.Errorf("first report: %d upstream requests, want 33", n)
	}
	res, _ := a.get(t, c, past)
	if n := len(seen()); n != 0 || res.StatusCode != http.StatusOK {
		t.Errorf("the same past range again: %d upstream requests (status %d)", n, res.StatusCode)
	}

	const recent = "/reports?start_date=2026-11-20&end_date=2026-11-26"
	a.get(t, c, recent)
	seen()
	a.get(t, c, recent)
	for _, u := range seen() {
		q := u.Query()
		if q.Get("end_date") != "2026-11-26" || (endpointOf(u) != "search" && q.Get("start_date") != "2026-11-26") {
			t.Errorf("second report asked about a finished day: %s %s", endpointOf(u), u.RawQuery)
		}
	}

	// Other filters are other cache entries.
	a.get(t, c, past+"&call_direction=inbound")
	lists := 0
	for _, u := range seen() {
		if u.Query().Get("call_direction") != "inbound" {
			t.Errorf("request without the filter: %s", u.RawQuery)
		}
		if endpointOf(u) == "list" {
			lists++
		}
	}
	if lists != 30 {
		t.Errorf("inbound report: %d day requests, want 30 (served another filter's cache?)", lists)
	}
}

func TestReportsInvalidFiltersMakeNoUpstreamRequest(t *testing.T) {
	a := newTestApp(t, withCalls(1000))
	c := a.demo(t)
	for _, tc := range []struct{ query, msg string }{
		{"start_date=2026-11-05", "together"},
		{"start_date=2026-11-10&end_date=2026-11-05", "before the start"},
		{"start_date=2025-01-01&end_date=2026-02-04", "at most 366 days; these dates span 400 days"},
		{"start_date=2026-02-30&end_date=2026-03-01", "no such date"},
		{"call_direction=sideways", "inbound"},
		{"min_duration=ten", "whole number"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			before := a.upstreamRequests()
			res, body := a.get(t, c, "/reports?"+tc.query)
			if res.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d, want 400", res.StatusCode)
			}
			p := parsePage(t, body)
			if msg := p.text("filters"); !strings.Contains(msg, tc.msg) {
				t.Errorf("no message %q in the form: %s", tc.msg, msg)
			}
			if len(p.find(func(n *html.Node) bool { return hasAttr(n, "data-chart") })) > 0 || p.has("report-progress") {
				t.Error("an invalid report drew charts or a progress message")
			}
			if n := a.upstreamRequests() - before; n != 0 {
				t.Errorf("%d upstream requests for invalid filters", n)
			}
		})
	}
}

func TestReportsDrillDown(t *testing.T) {
	a := newTestApp(t, withCalls(5000))
	c := a.demo(t)
	_, body := a.get(t, c, "/reports?call_direction=inbound&start_date=2026-11-01&end_date=2026-11-07")
	charts := reportCharts(t, body)
	rangeURL := "/calls?call_direction=inbound&end_date=2026-11-07&start_date=2026-11-01"

	for _, id := range []string{chart.IDCallsPerDay, chart.IDTalkCost} {
		links := charts[id].links
		if len(links) != 7 {
			t.Fatalf("%s: %d links", id, len(links))
		}
		for i, l := range links {
			d := time.Date(2026, 11, 1+i, 0, 0, 0, 0, time.UTC).Format(vobiz.DateLayout)
			if want := "/calls?call_direction=inbound&end_date=" + d + "&start_date=" + d; l != want {
				t.Errorf("%s day %d: %s, want %s", id, i, l, want)
			}
		}
	}
	dayLink := func(n *html.Node) bool {
		return nodeText(n) == "2026-11-03" && attr(n, "href") == "/calls?call_direction=inbound&end_date=2026-11-03&start_date=2026-11-03"
	}
	if !slices.ContainsFunc(parsePage(t, body).in("table-"+chart.IDCallsPerDay).tags("a"), dayLink) {
		t.Error("the day table does not link the day")
	}

	causes := charts[chart.IDCauses].links
	if len(causes) == 0 {
		t.Fatal("no cause links")
	}
	for _, l := range causes {
		u, err := url.Parse(l)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		if u.Path != "/calls" || q.Get("call_direction") != "inbound" || q.Get("start_date") != "2026-11-01" ||
			q.Get("end_date") != "2026-11-07" {
			t.Errorf("cause link %s loses the filters", l)
		}
		if cause := q.Get("hangup_cause"); cause == "" && l != rangeURL {
			t.Errorf("cause link %s", l)
		}
	}
	if !slices.ContainsFunc(causes, func(l string) bool { return strings.Contains(l, "hangup_cause=NORMAL_CLEARING") }) {
		t.Errorf("no link for NORMAL_CLEARING: %v", causes)
	}
	// Outcomes and quality bands have no API filter: they open the range.
	for _, id := range []string{chart.IDOutcomes, chart.IDQuality, chart.IDMOS} {
		for _, l := range charts[id].links {
			if l != rangeURL {
				t.Errorf("%s link %s, want the range %s", id, l, rangeURL)
			}
		}
	}
	// The heat map's cells span many days: no drill-down.
	if len(charts[chart.IDHourWeekday].links) != 0 {
		t.Error("the heat map has drill-down links")
	}
}

// TestReportsPartialFailure: days that fail are named and drawn as gaps,
// never as zeros; the next visit asks only for them.
func TestReportsPartialFailure(t *testing.T) {
	a := newTestApp(t, withCalls(5000))
	c := a.demo(t)
	a.sb.SetFaults(sandbox.Faults{FailFirst: 3, Endpoints: []string{sandbox.EndpointList}, ErrorStatus: 500})
	const path = "/reports?start_date=2026-11-01&end_date=2026-11-10"
	res, body := a.get(t, c, path)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	p := parsePage(t, body)
	notice := p.text("notice-missing")
	if !strings.Contains(notice, "Missing: 3 days could not be loaded") || !strings.Contains(notice, "not counted as zero") {
		t.Errorf("notice %q", notice)
	}
	charts := reportCharts(t, body)
	for _, id := range []string{chart.IDCallsPerDay, chart.IDTalkCost} {
		series, cats := seriesValues(t, charts[id].options)
		var gaps []string
		for i, v := range series[0] {
			if v == "-" {
				gaps = append(gaps, cats[i])
				for _, s := range series {
					if s[i] != "-" {
						t.Errorf("%s: missing day %s has value %v", id, cats[i], s[i])
					}
				}
				if !strings.Contains(notice, strings.TrimSuffix(cats[i], " (not loaded)")) {
					t.Errorf("%s: gap %s not named in the notice", id, cats[i])
				}
			}
		}
		if len(gaps) != 3 {
			t.Errorf("%s: %d gaps, want 3: %v", id, len(gaps), gaps)
		}
	}
	rows := missingRows(p)
	if len(rows) != 6 { // 3 days in each of the two day tables
		t.Errorf("%d missing table rows, want 6", len(rows))
	}
	for _, r := range rows {
		zero := slices.ContainsFunc((page{r}).tags("td"), func(n *html.Node) bool { return nodeText(n) == "0" })
		if zero || !strings.Contains(nodeText(r), "not loaded") {
			t.Errorf("missing row shows a number: %s", nodeText(r))
		}
	}
	if p.text("tile-total") == "" {
		t.Error("the totals, which loaded, are not shown")
	}

	seen := recordRequests(a)
	_, body = a.get(t, c, path)
	if parsePage(t, body).has("notice-missing") {
		t.Error("still missing days on the second visit")
	}
	lists := 0
	for _, u := range seen() {
		if endpointOf(u) == "list" {
			lists++
		}
	}
	if lists != 3 {
		t.Errorf("second visit: %d day requests, want 3 (only the failed days)", lists)
	}
}

func TestReportsBreakdownFailureKeepsDayCharts(t *testing.T) {
	a := newTestApp(t, withCalls(2000))
	c := a.demo(t)
	a.sb.SetFaults(sandbox.Faults{ErrorRate: 1, Endpoints: []string{sandbox.EndpointExport}, ErrorStatus: 500})
	res, body := a.get(t, c, "/reports?start_date=2026-11-01&end_date=2026-11-10")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if parsePage(t, body).text("breakdown-error") == "" {
		t.Error("no breakdown error box")
	}
	charts := reportCharts(t, body)
	if _, ok := charts[chart.IDCallsPerDay]; !ok || len(charts) != 2 {
		t.Errorf("charts %v, want the two day charts", slices.Collect(maps.Keys(charts)))
	}
}

func TestReportsRowCapNotice(t *testing.T) {
	a := newTestApp(t, withCalls(5000), withDeps(func(d *handlers.Deps) {
		d.Reports = report.New(d.CDRs, report.Options{RowCap: 100, Now: d.Now})
	}))
	c := a.demo(t)
	_, body := a.get(t, c, "/reports?start_date=2026-10-01&end_date=2026-10-31")
	p := parsePage(t, body)
	notice := p.text("cap-notice")
	for _, want := range []string{"(100 per export)", "count 100 of ", "calls: those that started from"} {
		if !strings.Contains(notice, want) {
			t.Errorf("cap notice %q lacks %q", notice, want)
		}
	}
	// The totals and day charts still count every call.
	want, err := a.client.Search(context.Background(), vobiz.Filter{StartDate: "2026-10-01", EndDate: "2026-10-31", PerPage: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.text("tile-total"); want.Summary.TotalCalls <= 100 ||
		got != views.FormatInt(int64(want.Summary.TotalCalls)) {
		t.Errorf("total tile %q, want %d", got, want.Summary.TotalCalls)
	}
}

// finishedRequests signals every finished request by its route.
type finishedRequests struct{ done chan string }

func (l finishedRequests) Enabled(context.Context, slog.Level) bool { return true }
func (l finishedRequests) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "request" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "route" {
				l.done <- a.Value.String()
			}
			return true
		})
	}
	return nil
}
func (l finishedRequests) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l finishedRequests) WithGroup(string) slog.Handler      { return l }

// TestReportsStreamsProgressAndCancels: the progress message reaches the
// browser while Vobiz has not answered yet, and when the person leaves
// the upstream work stops (the handler returns although every upstream
// request would otherwise hang for a minute).
func TestReportsStreamsProgressAndCancels(t *testing.T) {
	log := finishedRequests{done: make(chan string, 16)}
	a := newTestApp(t, withCalls(1000), withClient(vobiz.WithTimeout(time.Minute)),
		withDeps(func(d *handlers.Deps) { d.Log = slog.New(log) }))
	c := a.demo(t)
	for len(log.done) > 0 {
		<-log.done // the sign-in's requests
	}
	a.sb.SetFaults(sandbox.Faults{HangBeforeHeaders: true})
	t.Cleanup(func() { a.sb.SetFaults(sandbox.Faults{}) })
	var mu sync.Mutex
	started := 0
	a.sb.SetObserver(func(*http.Request) { mu.Lock(); started++; mu.Unlock() })

	ctx, leave := context.WithCancel(context.Background())
	defer leave()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.srv.URL+"/reports?start_date=2026-08-01&end_date=2026-10-29", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	sc.Split(bufio.ScanRunes)
	var got strings.Builder
	// The page is still streaming, so there is no whole document to parse
	// yet: the end of the progress paragraph is what has to have arrived.
	for !strings.Contains(got.String(), "fetching 90 days and reading the export…</p>") {
		if !sc.Scan() {
			t.Fatalf("body ended before the progress message: %v", sc.Err())
		}
		got.WriteString(sc.Text())
	}
	leave()
	select {
	case route := <-log.done:
		if route != "/reports" {
			t.Errorf("finished %s", route)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the report kept running after the person left")
	}
	mu.Lock()
	defer mu.Unlock()
	if started > 8+1 {
		t.Errorf("%d upstream requests started at once; the pool allows 8 plus the export", started)
	}
}

// benchmarkReportsPage renders a 90-day report page against a sandbox of
// 100,000 calls that adds 50 ms before every response. Cold: every
// iteration uses filters never seen before (so nothing is cached); warm:
// the same page again, where only today is asked.
func benchmarkReportsPage(b *testing.B, cold bool) {
	a := newTestApp(b, withCalls(100_000))
	c := a.demo(b)
	a.sb.SetFaults(sandbox.Faults{Latency: 50 * time.Millisecond})
	const path = "/reports?start_date=2026-08-29&end_date=2026-11-26"
	if !cold {
		a.get(b, c, path)
	}
	n := 0
	for b.Loop() {
		p := path
		if cold {
			n++
			p += "&min_duration=" + itoa(int64(n))
		}
		res, body := a.get(b, c, p)
		// A cheap completeness check: parsing the page would be timed too.
		if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-chart="hour-weekday"`) ||
			strings.Contains(body, `data-testid="notice-missing"`) {
			b.Fatalf("status %d, incomplete report", res.StatusCode)
		}
	}
}

func BenchmarkReportsPage90DaysCold(b *testing.B) { benchmarkReportsPage(b, true) }
func BenchmarkReportsPage90DaysWarm(b *testing.B) { benchmarkReportsPage(b, false) }
