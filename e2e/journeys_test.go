package e2e

import (
	"encoding/csv"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The journeys are what support staff do all day, each in a fresh browser
// context. Every page they reach is audited (console, CSP, axe-core).

const (
	rowSel  = `[data-testid="call-row"]`
	chipSel = `[data-testid="chip"]`
)

func TestSignIn(t *testing.T) {
	p := newTab(t)
	if s := p.open("/"); s != 200 || p.count(`[data-testid="login-form"]`) != 1 {
		t.Fatalf("a signed-out visit to / shows %s (status %d), want the sign-in form", p.path(), s)
	}

	// The browser logs the 401 of a refused sign-in as a failed resource.
	p.allow(`status of 401 \(Unauthorized\)`)
	p.do(chromedp.SendKeys(chromedp.CSS("#username"), "demo"),
		chromedp.SendKeys(chromedp.CSS("#password"), "not-the-password"))
	if s := p.follow(`[data-testid="login-submit"]`); s != 401 {
		t.Errorf("wrong password: status %d, want 401", s)
	}
	if msg := p.text(`[data-testid="login-error"]`); msg == "" {
		t.Error("wrong password: no error message shown")
	}
	if got := eval[string](p, `document.querySelector("#username").value`); got != "demo" {
		t.Errorf("wrong password: the username field holds %q, want it kept (demo)", got)
	}
	if got := eval[string](p, `document.querySelector("#password").value`); got != "" {
		t.Error("wrong password: the password field was filled in again")
	}

	before := p.cookies()
	p.do(chromedp.SendKeys(chromedp.CSS("#password"), "demo"))
	if s := p.follow(`[data-testid="login-submit"]`); s != 200 {
		t.Fatalf("right password: status %d", s)
	}
	// A real session cookie: one, HttpOnly, SameSite=Lax, and a new token
	// on sign-in (no session fixation).
	after := p.cookies()
	if len(after) != 1 {
		t.Fatalf("cookies after sign-in: %+v, want one session cookie", after)
	}
	c := after[0]
	if !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax {
		t.Errorf("session cookie %s: HttpOnly=%v SameSite=%q, want HttpOnly and Lax", c.Name, c.HTTPOnly, c.SameSite)
	}
	for _, b := range before {
		if b.Name == c.Name && b.Value == c.Value {
			t.Error("the session token did not change on sign-in")
		}
	}
	if got := eval[string](p, `document.cookie`); got != "" {
		t.Errorf("page scripts can read cookies: %q", got)
	}
	if got := p.path(); got != "/" {
		t.Errorf("signed in on %s, want the home page /", got)
	}
	if h1 := p.text("h1"); !strings.HasPrefix(h1, "Today") {
		t.Errorf("home page heading %q, want Today, …", h1)
	}
	if p.count(`[data-testid="tiles"]`) != 1 || p.count(rowSel) == 0 {
		t.Error("home page lacks the summary tiles or the recent calls")
	}
	if p.count(`[data-testid="logout"]`) != 1 {
		t.Error("home page has no sign-out button")
	}
}

func TestSearch(t *testing.T) {
	p := newTab(t)
	p.signIn()
	p.follow(`nav a[href$="/calls"]`)
	if got := p.path(); got != "/calls" {
		t.Fatalf("the Calls link leads to %s", got)
	}

	// Fill the filter form and submit it.
	p.do(chromedp.SetValue(chromedp.CSS("#f-call_direction"), "outbound"),
		chromedp.SendKeys(chromedp.CSS("#f-min_duration"), "5"))
	p.follow(`[data-testid="apply"]`)
	u := p.url()
	if u.Path != "/calls" || u.Query().Get("call_direction") != "outbound" || u.Query().Get("min_duration") != "5" {
		t.Fatalf("the form led to %s", u)
	}
	chips := eval[[]string](p, `[...document.querySelectorAll('[data-testid="chip"]')].map((c) => c.innerText.replace(/\s+/g, " ").trim())`)
	if len(chips) != 2 || !strings.Contains(chips[0], "Direction: Outbound") || !strings.Contains(chips[1], "Min. duration (s): 5") {
		t.Errorf("chips %q, want Direction: Outbound and Min. duration (s): 5", chips)
	}
	rows := p.count(rowSel)
	if rows != 20 {
		t.Fatalf("%d rows, want a full first page of 20", rows)
	}
	dirs := eval[[]string](p, `[...document.querySelectorAll('[data-testid="call-row"] td[data-label="Direction"]')].map((c) => c.innerText.trim())`)
	for i, d := range dirs {
		if !strings.HasSuffix(d, "Outbound") {
			t.Errorf("row %d direction %q, want Outbound", i+1, d)
		}
	}
	total := p.tileTotal()
	if want := "1–20 of " + strconv.Itoa(total); !strings.HasPrefix(strings.ReplaceAll(p.text(`[data-testid="pager-range"]`), ",", ""), want) {
		t.Errorf("range %q, want %q", p.text(`[data-testid="pager-range"]`), want)
	}
	first := p.rowUUIDs()

	// Page forward.
	p.follow(`[data-testid="pager-next"]`)
	if got := p.url().Query().Get("page"); got != "2" {
		t.Errorf("after Next the page is %q, want 2", got)
	}
	if r := strings.ReplaceAll(p.text(`[data-testid="pager-range"]`), ",", ""); !strings.HasPrefix(r, "21–40 of ") {
		t.Errorf("page 2 shows %q, want 21–40 of …", r)
	}
	second := p.rowUUIDs()
	if len(second) != 20 || second[0] == first[0] {
		t.Errorf("page 2 rows %v repeat page 1", second)
	}
	if p.count(chipSel) != 2 {
		t.Error("paging lost the filters")
	}

	// Change the number of rows per page: back to page 1, filters kept.
	p.follow(`[data-testid="perpage-50"]`)
	if q := p.url().Query(); q.Get("per_page") != "50" || q.Get("page") != "" || q.Get("call_direction") != "outbound" {
		t.Errorf("per-page 50 led to %s", p.url())
	}
	if n := p.count(rowSel); n != min(50, total) {
		t.Errorf("%d rows with 50 per page, want %d", n, min(50, total))
	}
	if got := p.rowUUIDs(); got[0] != first[0] {
		t.Errorf("per-page change did not start at the first call (%s, want %s)", got[0], first[0])
	}

	// Remove the direction chip: the other filter and the page size stay.
	p.follow(`[data-testid="chip"] a[aria-label="Remove filter Direction"]`)
	q := p.url().Query()
	if q.Get("call_direction") != "" || q.Get("min_duration") != "5" || q.Get("per_page") != "50" {
		t.Errorf("removing the Direction chip led to %s", p.url())
	}
	if chips := p.count(chipSel); chips != 1 {
		t.Errorf("%d chips after removing one of two", chips)
	}
	if got := eval[string](p, `document.querySelector("#f-call_direction").value`); got != "" {
		t.Errorf("the direction control still says %q", got)
	}
	if wider := p.tileTotal(); wider <= total {
		t.Errorf("without the direction filter %d calls, want more than %d", wider, total)
	}
}

func TestCallDetail(t *testing.T) {
	p := newTab(t)
	p.signIn()
	// A filtered list, so the detail page knows its neighbours.
	p.open("/calls?call_direction=inbound")
	uuids := p.rowUUIDs()
	if len(uuids) < 3 {
		t.Fatalf("only %d inbound calls", len(uuids))
	}

	p.follow(`[data-testid="call-row"]:nth-child(2) [data-testid="call-link"]`)
	if got, want := p.path(), "/calls/"+uuids[1]; !strings.HasPrefix(got, want) {
		t.Fatalf("the second row opened %s, want %s", got, want)
	}
	if got := p.attr(`[data-uuid]`, "data-uuid"); got != uuids[1] {
		t.Errorf("the page shows call %s, want %s", got, uuids[1])
	}
	for _, sel := range []string{`[data-testid="verdict"]`, `[data-testid="diagnosis-headline"]`, `[data-testid="likely-reason"]`, `[data-testid="tell-customer"]`, "h1"} {
		if p.text(sel) == "" {
			t.Errorf("%s is empty", sel)
		}
	}
	verdict := p.text(`[data-testid="verdict"]`)
	t.Logf("verdict: %s; diagnosis: %s", verdict, p.text(`[data-testid="diagnosis-headline"]`))

	// Previous and next follow the list's order.
	p.follow(`[data-testid="next-call"]`)
	if got := p.attr(`[data-uuid]`, "data-uuid"); got != uuids[2] {
		t.Errorf("Older call opened %s, want the third row %s", got, uuids[2])
	}
	p.follow(`[data-testid="prev-call"]`)
	p.follow(`[data-testid="prev-call"]`)
	if got := p.attr(`[data-uuid]`, "data-uuid"); got != uuids[0] {
		t.Errorf("Newer call twice opened %s, want the first row %s", got, uuids[0])
	}
	if p.count(`[data-testid="prev-call"]`) != 0 {
		t.Error("the newest call of the list offers a newer one")
	}

	// Copy the UUID with the button app.js adds.
	p.grantClipboard()
	copyBtn := `[data-uuid] button.copy`
	if p.count(copyBtn) != 1 {
		t.Fatal("no Copy button beside the call UUID")
	}
	p.do(chromedp.Click(chromedp.CSS(copyBtn)))
	p.waitUntil("the Copied label", `document.querySelector(`+jsString(copyBtn)+`).textContent === "Copied"`)
	if got := evalAsync[string](p, `navigator.clipboard.readText()`); got != uuids[0] {
		t.Errorf("clipboard holds %q, want %s", got, uuids[0])
	}

	// Back to the list it came from.
	p.follow(`[data-testid="back"]`)
	if q := p.url().Query(); p.url().Path != "/calls" || q.Get("call_direction") != "inbound" {
		t.Errorf("Back to the list led to %s", p.url())
	}
}

func TestReports(t *testing.T) {
	p := newTab(t)
	p.signIn()
	p.follow(`nav a[href$="/reports"]`)
	if got := p.path(); got != "/reports" {
		t.Fatalf("the Reports link leads to %s", got)
	}
	if n := p.count(`[data-chart]`); n == 0 {
		t.Fatal("the reports page has no chart containers ([data-chart])")
	}
	// charts.js draws after load; wait until every container has an ECharts
	// instance, then query each instance for its data.
	p.waitUntil("an ECharts instance in every chart container",
		`window.echarts && [...document.querySelectorAll("[data-chart]")].every((el) => echarts.getInstanceByDom(el) && el.dataset.chartReady === "1")`)
	type chart struct {
		Name   string
		Series int
		Points int
		Drawn  bool
	}
	charts := eval[[]chart](p, `[...document.querySelectorAll("[data-chart]")].map((el) => {
  const o = echarts.getInstanceByDom(el).getOption();
  const series = o.series || [];
  const value = (d) => (d !== null && typeof d === "object" && !Array.isArray(d) ? d.value : d);
  return { name: el.dataset.chart, series: series.length,
    points: series.reduce((n, s) => n + (s.data || []).filter((d) => { const v = value(d); return v !== null && v !== undefined && v !== "-"; }).length, 0),
    drawn: el.querySelector("svg, canvas") !== null };
})`)
	for _, c := range charts {
		if c.Series == 0 || c.Points == 0 || !c.Drawn {
			t.Errorf("chart %q: %d series, %d data points, drawn: %v", c.Name, c.Series, c.Points, c.Drawn)
		}
	}
	t.Logf("charts: %+v", charts)

	// Click one day of a per-day chart: that day's list opens. It is a real
	// mouse click on the pixel where ECharts drew the day's column; the
	// expected address is the server's own drill-down link for that day.
	pt := eval[struct {
		X, Y       float64
		Chart, URL string
	}](p, `(() => {
  const value = (d) => (d !== null && typeof d === "object" && !Array.isArray(d) ? d.value : d);
  for (const el of document.querySelectorAll("[data-chart][data-chart-links]")) {
    const links = JSON.parse(document.getElementById(el.dataset.chartLinks).textContent);
    const inst = echarts.getInstanceByDom(el);
    const s = (inst.getOption().series || [])[0];
    if (!s || !s.data) continue;
    for (let i = links.length - 1; i >= 0; i--) {
      const u = new URL(links[i] || "", location.href);
      // A day is one UTC day (start_date = end_date) or, in the user's
      // zone, a From/To pair (the default local-time report).
      const day = u.searchParams.get("start_date");
      const local = u.searchParams.get("from") && u.searchParams.get("to");
      const v = Number(value(s.data[i]));
      if (!(local || (day && day === u.searchParams.get("end_date"))) || !(v > 0)) continue;
      el.scrollIntoView({ block: "center" });
      const [x, top] = inst.convertToPixel({ seriesIndex: 0 }, [i, v]);
      const bottom = inst.convertToPixel({ seriesIndex: 0 }, [i, 0])[1];
      const r = el.getBoundingClientRect();
      return { x: r.left + x, y: r.top + (top + bottom) / 2, chart: el.dataset.chart, url: u.pathname + u.search };
    }
  }
  return { x: 0, y: 0, chart: "", url: "" };
})()`)
	if pt.URL == "" {
		t.Fatal("no per-day chart with a day that has calls")
	}
	p.navigateBy("click a day in chart "+pt.Chart, chromedp.MouseClickXY(pt.X, pt.Y))
	want, _ := url.Parse(pt.URL)
	u := p.url()
	day := want.Query().Get("start_date") + want.Query().Get("from")
	same := u.Path == "/calls"
	for _, k := range []string{"start_date", "end_date", "from", "to"} {
		same = same && u.Query().Get(k) == want.Query().Get(k)
	}
	if !same {
		t.Errorf("clicking %s in chart %s led to %s, want the calls of that day (%s)", day, pt.Chart, u, pt.URL)
	}
	if p.count(rowSel) == 0 {
		t.Errorf("the calls of %s show no rows", day)
	}
}

func TestExportCSV(t *testing.T) {
	p := newTab(t)
	p.signIn()
	// A narrow filter keeps the file small.
	p.open("/calls?call_direction=inbound&min_duration=300")
	total := p.tileTotal()
	label := p.text(`[data-testid="export"]`)
	if want := "Download " + formatInt(total) + " call"; !strings.HasPrefix(label, want) {
		t.Errorf("export label %q, want %q…", label, want)
	}
	if total == 0 || total > 5000 {
		t.Fatalf("the filter matches %d calls; pick one with a handful", total)
	}

	dir := p.allowDownloads()
	p.do(chromedp.Click(chromedp.CSS(`[data-testid="export"]`)))
	file := p.waitForDownload(dir)
	t.Logf("downloaded %s", file)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// The button downloads the report (formulas neutralised), with the
	// byte order mark Excel needs: never the raw Vobiz file.
	const bom = "\ufeff"
	if !strings.HasPrefix(string(data), bom) {
		t.Error("the download has no byte order mark: it is not the default report")
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), bom))).ReadAll()
	if err != nil {
		t.Fatalf("the download is no valid CSV: %v", err)
	}
	if len(records) == 0 {
		t.Fatal("empty CSV")
	}
	if !slices.Contains(records[0], "diagnosis") || !slices.Contains(records[0], "outcome") {
		t.Errorf("the download's header %q is not the report's", records[0])
	}
	if !strings.HasSuffix(file, "_report.csv") {
		t.Errorf("saved as %s, want the report's name", file)
	}
	if rows := len(records) - 1; rows != total {
		t.Errorf("the CSV has %d data rows, the page said %d calls", rows, total)
	}
	if !strings.HasSuffix(file, ".csv") {
		t.Errorf("saved as %s, want a .csv name", file)
	}
	// The page is still the list: a download navigates nowhere.
	if got := p.url().Path; got != "/calls" {
		t.Errorf("after the download the browser is on %s", got)
	}
	p.audit()
}

func TestQuickLookup(t *testing.T) {
	p := newTab(t)
	p.signIn()
	uuids := p.rowUUIDs()
	if len(uuids) == 0 {
		t.Fatal("no recent calls on the home page")
	}

	// A pasted call UUID opens that call.
	p.do(chromedp.SendKeys(chromedp.CSS("#lookup-q"), uuids[0]))
	p.pressAndLoad("\r")
	if got := p.url().Path; got != "/calls/"+uuids[0] {
		t.Errorf("the UUID lookup led to %s", got)
	}
	if got := p.attr(`[data-uuid]`, "data-uuid"); got != uuids[0] {
		t.Errorf("the page shows call %s", got)
	}

	// A number typed the way people say it searches for its national
	// number, which matches it however a record stores it.
	p.do(chromedp.SendKeys(chromedp.CSS("#lookup-q"), "98765 43210"))
	p.pressAndLoad("\r")
	if u := p.url(); u.Path != "/calls" || u.Query().Get("search") != "9876543210" {
		t.Errorf("the number lookup led to %s, want /calls?search=9876543210", u)
	}
	if got := eval[string](p, `document.querySelector("#f-search").value`); got != "9876543210" {
		t.Errorf("the search box holds %q", got)
	}
	if p.count(chipSel) != 1 {
		t.Error("no Search chip for the number")
	}

	// The same with a number that has calls: typed as "NNNNN NNNNN".
	p.open("/calls?call_direction=inbound")
	e164 := p.attr(`[data-testid="call-row"] td[data-label="Caller"] .cell-number`, "title")
	if !regexp.MustCompile(`^\+91\d{10}$`).MatchString(e164) {
		t.Fatalf("unexpected caller number %q in the demo data", e164)
	}
	typed := e164[3:8] + " " + e164[8:]
	p.do(chromedp.SendKeys(chromedp.CSS("#lookup-q"), typed))
	p.pressAndLoad("\r")
	if got := p.url().Query().Get("search"); got != e164[3:] {
		t.Errorf("%q searched for %q, want %s", typed, got, e164[3:])
	}
	rows := p.count(rowSel)
	matching := eval[int](p, `[...document.querySelectorAll('[data-testid="call-row"]')].filter((r) =>
  [...r.querySelectorAll(".cell-number")].some((c) => c.title === `+jsString(e164)+`)).length`)
	if rows == 0 || matching != rows {
		t.Errorf("%q found %d rows, %d of them with %s", typed, rows, matching, e164)
	}
}

func TestSignOutBackButton(t *testing.T) {
	p := newTab(t)
	p.signIn()
	p.open("/calls?call_direction=outbound")
	if p.count(rowSel) == 0 {
		t.Fatal("no calls to look at")
	}
	if got := p.attr("html", "lang"); got != "en" {
		t.Errorf("lang=%q", got)
	}
	// The sign-out button sits in the user menu.
	p.do(chromedp.Click(chromedp.CSS(".usermenu__summary")))
	p.follow(`[data-testid="logout"]`)
	if got := p.path(); !strings.HasPrefix(got, "/login") {
		t.Errorf("after sign-out the browser is on %s, want /login", got)
	}

	// Back: the list must not come back from any cache. The server answers
	// the reload with 401 (the browser logs that as a failed resource).
	p.allow(`status of 401 \(Unauthorized\)`)
	p.do(chromedp.NavigateBack())
	p.audit()
	if n := p.count(rowSel); n != 0 {
		t.Errorf("after sign-out, Back shows %d call rows of %s", n, p.location())
	}
	body := eval[string](p, `document.body.innerText`)
	if !strings.Contains(body, "Sign in") {
		t.Errorf("after sign-out, Back shows neither the sign-in form nor a sign-in prompt:\n%s", tail(body, 500))
	}
}

func TestKeyboardOnly(t *testing.T) {
	p := newTab(t)
	p.open("/login")
	// Sign in with Tab and Enter alone: the form's order is username,
	// password, then the button.
	p.pressTabUntil("#username", 5)
	p.do(chromedp.KeyEvent("demo"))
	if n := p.pressTabUntil("#password", 1); n != 1 {
		t.Errorf("password is %d Tabs after the username, want 1", n)
	}
	p.do(chromedp.KeyEvent("demo"))
	if n := p.pressTabUntil(`[data-testid="login-submit"]`, 2); n != 1 {
		t.Errorf("the Sign in button is %d Tabs after the password, want 1", n)
	}
	if s := p.pressAndLoad("\r"); s != 200 || p.path() != "/" {
		t.Fatalf("Enter on Sign in led to %s (status %d)", p.path(), s)
	}

	// Reach the filter form from the top of the calls page with Tab, type a
	// minimum duration and submit with Enter.
	p.open("/calls")
	n := p.pressTabUntil("#f-min_duration", 40)
	t.Logf("the minimum duration field is %d Tabs from the top of /calls", n)
	p.do(chromedp.KeyEvent("60"))
	p.pressAndLoad("\r")
	if got := p.url().Query().Get("min_duration"); got != "60" {
		t.Fatalf("Enter in the filter form led to %s", p.url())
	}
	if p.count(rowSel) == 0 {
		t.Fatal("no rows for calls of at least 60 s")
	}

	// Follow the pagination with Tab and Enter.
	n = p.pressTabUntil(`[data-testid="pager-next"]`, 80)
	t.Logf("Next is %d Tabs further", n)
	p.pressAndLoad("\r")
	if q := p.url().Query(); q.Get("page") != "2" || q.Get("min_duration") != "60" {
		t.Errorf("Enter on Next led to %s", p.url())
	}
	// The focus ring is visible: keyboard users see where they are.
	p.pressTabUntil(`[data-testid="pager-prev"]`, 80)
	if style := eval[string](p, `(() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle + " " + s.outlineWidth; })()`); strings.HasPrefix(style, "none") || strings.HasSuffix(style, " 0px") {
		t.Errorf("the focused link has no visible outline (%s)", style)
	}
}

// url is the page's address, parsed.
func (p *tab) url() *url.URL {
	p.t.Helper()
	u, err := url.Parse(p.location())
	if err != nil {
		p.t.Fatal(err)
	}
	return u
}

// cookies lists the browser's cookies for the site.
func (p *tab) cookies() []*network.Cookie {
	p.t.Helper()
	res, err := chromedp.Call(p.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{p.base + "/"}})
	if err != nil {
		p.t.Fatalf("read cookies: %v", err)
	}
	return res.Cookies
}

// tileTotal reads the "Calls" summary tile.
func (p *tab) tileTotal() int {
	p.t.Helper()
	s := p.text(`[data-testid="tile-total"]`)
	n, err := strconv.Atoi(strings.NewReplacer(",", "", " ", "", "\u202f", "", "\u00a0", "").Replace(s))
	if err != nil {
		p.t.Fatalf("the Calls tile says %q", s)
	}
	return n
}

// formatInt writes n as the pages do (views.FormatInt): 12,345.
func formatInt(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
