package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Charts must be readable on a phone: every chart is drawn as SVG (see
// static/js/charts.js), so each label is a <text> node whose box the
// browser measures. These tests check that no two labels of a chart
// overlap and that no label sticks out of its chart, at a phone's width
// and at a laptop's, and keep a screenshot of every chart.

// chartSizes are the windows the charts are checked in: an iPhone 12-ish
// phone at its pixel ratio, and a laptop.
var chartSizes = []struct {
	name  string
	w, h  int64
	scale float64
}{
	{"390x844", 390, 844, 3},
	{"1280x800", 1280, 800, 1},
}

// TestChartLabels: every chart on /reports and /reports/costs, at every size in chartSizes,
// has no overlapping or cut labels. Screenshots of each chart go to
// CDRDASH_SCREENSHOTS/charts when that is set (make screenshots), to a
// temporary folder otherwise; the test logs where.
func TestChartLabels(t *testing.T) {
	for _, sz := range chartSizes {
		t.Run(sz.name, func(t *testing.T) {
			p := newTab(t)
			p.signIn()
			p.deviceMetrics(sz.w, sz.h, sz.scale)
			p.checkChartLabels("/reports", chartShotDir(t), sz.name)
			p.checkChartLabels("/reports/costs", chartShotDir(t), sz.name)
		})
	}
}

// TestChartTooltips: the heat map's tooltip names the weekday and the hour
// range with the count grouped as in the tables, and a horizontal bar's
// tooltip names its category in full, however the axis truncates it.
func TestChartTooltips(t *testing.T) {
	p := newTab(t)
	p.signIn()
	p.deviceMetrics(390, 844, 3)
	p.open("/reports")
	p.waitForCharts()

	// The busiest cell: its expected text is built from the options the
	// server sent, independently of charts.js.
	cell := eval[struct {
		Day   string
		Hour  int
		Count int
		Text  string
	}](p, `(() => {
  const el = document.querySelector('[data-chart="hour-weekday"]');
  const inst = echarts.getInstanceByDom(el);
  const o = inst.getOption();
  const data = o.series[0].data.map((d) => (Array.isArray(d) ? d : d.value));
  let best = 0;
  data.forEach((v, i) => { if (v[2] > data[best][2]) best = i; });
  const v = data[best];
  el.scrollIntoView({ block: "center" });
  inst.dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex: best });
  return { day: o.yAxis[0].data[v[1]], hour: v[0], count: v[2] };
})()`)
	// The tooltip is drawn on the next frame.
	p.waitUntil("the heat map's tooltip", `[...document.querySelectorAll('[data-chart="hour-weekday"] svg text')].some((t) => t.textContent.includes(":00–"))`)
	cell.Text = eval[string](p, `[...document.querySelectorAll('[data-chart="hour-weekday"] svg text')].map((t) => t.textContent).find((s) => s.includes(":00–"))`)
	want := fmt.Sprintf("%s %02d:00–%02d:00 · %s calls", cell.Day, cell.Hour, cell.Hour+1, formatInt(cell.Count))
	if cell.Count == 1 {
		want = strings.TrimSuffix(want, "s")
	}
	if cell.Text != want {
		t.Errorf("heat map tooltip of the busiest cell = %q, want %q", cell.Text, want)
	}

	// The longest hangup cause: the axis may cut it, the tooltip does not.
	cause := eval[struct{ Name, Text string }](p, `(() => {
  const el = document.querySelector('[data-chart="hangup-causes"]');
  if (!el) return { name: "", text: "" };
  const inst = echarts.getInstanceByDom(el);
  const o = inst.getOption();
  const names = o.yAxis[0].data.map((d) => (typeof d === "object" ? d.value : d));
  let best = 0;
  names.forEach((n, i) => { if (n.length > names[best].length) best = i; });
  el.scrollIntoView({ block: "center" });
  inst.dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex: best });
  return { name: names[best], text: "" };
})()`)
	if cause.Name == "" {
		t.Fatal("no hangup-cause chart on /reports")
	}
	causeTexts := `[...document.querySelectorAll('[data-chart="hangup-causes"] svg text')].map((t) => t.textContent)`
	p.waitUntil("the hangup causes' tooltip", causeTexts+`.some((s) => s.includes(`+jsString(cause.Name)+`))`)
	cause.Text = strings.Join(eval[[]string](p, causeTexts), " | ")
	if !strings.Contains(cause.Text, cause.Name) {
		t.Errorf("hangup-cause tooltip does not name %q in full; the chart's texts: %s", cause.Name, cause.Text)
	}

	// The cost of a day reads as money, grouped as in the tables.
	eval[bool](p, `(() => {
  const el = document.querySelector('[data-chart="talk-cost-per-day"]');
  el.scrollIntoView({ block: "center" });
  echarts.getInstanceByDom(el).dispatchAction({ type: "showTip", seriesIndex: 1, dataIndex: 0 });
  return true;
})()`)
	costTexts := `[...document.querySelectorAll('[data-chart="talk-cost-per-day"] svg text')].map((t) => t.textContent)`
	p.waitUntil("the cost tooltip", costTexts+`.some((s) => s.includes("Cost (INR): "))`)
	costTip := eval[string](p, costTexts+`.find((s) => s.includes("Cost (INR): "))`)
	if i := strings.Index(costTip, "Cost (INR): "); i < 0 || !indianMoney.MatchString(strings.Fields(costTip[i+len("Cost (INR): "):])[0]) {
		t.Errorf("cost tooltip %q, want the day's cost as ₹1,234.50", costTip)
	}
}

// chartShotDir is where chart screenshots go.
func chartShotDir(t *testing.T) string {
	dir := os.Getenv("CDRDASH_SCREENSHOTS")
	if dir == "" {
		return t.TempDir()
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", dir) // go test runs in e2e/
	}
	return filepath.Join(dir, "charts")
}

// deviceMetrics sizes the page area like a device: w×h CSS pixels at a
// device pixel ratio (a phone's 3 makes fonts and lines as thin as on the
// phone). Below 600 px it is a touch phone, as viewport does.
func (p *tab) deviceMetrics(w, h int64, scale float64) {
	p.t.Helper()
	opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(scale)}
	if w < 600 {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	}
	p.do(chromedp.EmulateViewport(w, h, opts...))
}

// waitForCharts waits until charts.js has drawn every chart on the page.
func (p *tab) waitForCharts() {
	p.t.Helper()
	if p.count(`[data-chart]`) == 0 {
		p.t.Fatalf("%s has no chart containers ([data-chart])", p.path())
	}
	p.waitUntil("every chart drawn as SVG",
		`window.echarts && [...document.querySelectorAll("[data-chart]")].every((el) => el.dataset.chartReady === "1" && el.querySelector("svg text"))`)
}

// labelProblemsJS lists, for every chart on the page, the visible SVG texts
// whose boxes overlap another's by more than a pixel each way, or reach
// more than a pixel beyond the chart's container. Hidden texts (ECharts
// hides overlapping category labels) do not count.
const labelProblemsJS = `(() => {
  const visible = (n, stop) => {
    for (; n && n !== stop; n = n.parentNode) {
      if (n.nodeType !== 1) continue;
      const s = getComputedStyle(n);
      if (s.display === "none" || s.visibility === "hidden" || Number(s.opacity) === 0) return false;
      if (n.getAttribute("opacity") === "0" || n.getAttribute("fill-opacity") === "0") return false;
    }
    return true;
  };
  const out = [];
  const tol = 1;
  for (const el of document.querySelectorAll("[data-chart]")) {
    const box = el.getBoundingClientRect();
    const texts = [...el.querySelectorAll("svg text")]
      .filter((t) => t.textContent.trim() !== "" && visible(t, el))
      .map((t) => ({ s: t.textContent, r: t.getBoundingClientRect() }))
      .filter((x) => x.r.width > 0 && x.r.height > 0);
    const name = el.dataset.chart;
    for (const x of texts) {
      if (x.r.left < box.left - tol || x.r.right > box.right + tol || x.r.top < box.top - tol || x.r.bottom > box.bottom + tol) {
        out.push(name + ": " + JSON.stringify(x.s) + " is cut by the chart's edge (text " +
          [x.r.left, x.r.top, x.r.right, x.r.bottom].map(Math.round).join(",") + ", chart " +
          [box.left, box.top, box.right, box.bottom].map(Math.round).join(",") + ")");
      }
    }
    for (let i = 0; i < texts.length; i++) {
      for (let j = i + 1; j < texts.length; j++) {
        const a = texts[i].r, b = texts[j].r;
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > tol && h > tol) out.push(name + ": " + JSON.stringify(texts[i].s) + " overlaps " + JSON.stringify(texts[j].s));
      }
    }
    if (texts.length === 0) out.push(name + ": no visible text at all");
  }
  return out;
})()`

// checkChartLabels opens path at the tab's current size, waits for its
// charts, saves a screenshot of each chart's card into dir (named
// "<chart>-<suffix>.png"), and fails the test for every overlapping or
// cut label. Any page whose charts come from static/js/charts.js can be
// checked: /reports, /reports/costs.
func (p *tab) checkChartLabels(path, dir, suffix string) {
	p.t.Helper()
	p.open(path)
	p.waitForCharts()
	if w, vw := eval[int](p, `document.documentElement.scrollWidth`), eval[int](p, `window.innerWidth`); w > vw {
		p.t.Errorf("%s is %d px wide in a %d px window (sideways scrolling)", path, w, vw)
	}
	ids := eval[[]string](p, `[...document.querySelectorAll("[data-chart]")].map((el) => el.dataset.chart)`)
	for _, id := range ids {
		// Capture the whole card (caption, chart, table toggle) as seen.
		png, err := p.elementShot(fmt.Sprintf(`figure:has([data-chart=%q])`, id))
		if err != nil {
			p.t.Fatalf("screenshot of chart %s on %s: %v", id, path, err)
		}
		file := filepath.Join(dir, safeFile.ReplaceAllString(strings.Trim(path, "/"), "_")+"-"+id+"-"+suffix+".png")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			p.t.Fatal(err)
		}
		if err := os.WriteFile(file, png, 0o644); err != nil {
			p.t.Fatal(err)
		}
		p.t.Logf("chart %s: %s", id, file)
	}
	// Measured after the screenshots: scrolling each chart into view
	// settles lazy layout, and the boxes are compared in one frame.
	for _, problem := range eval[[]string](p, labelProblemsJS) {
		p.t.Errorf("%s at %s: %s", path, suffix, problem)
	}
}

// elementShot captures the element matching sel as the viewport shows it,
// after scrolling it into view. chromedp.Screenshot captures beyond the
// viewport, for which Chromium resizes the page while it captures: charts
// follow the resize (ResizeObserver) and are caught squeezed.
func (p *tab) elementShot(sel string) ([]byte, error) {
	r := eval[page.Viewport](p, `(() => {
  const e = document.querySelector(`+jsString(sel)+`);
  if (!e) return { x: 0, y: 0, width: 0, height: 0 };
  e.scrollIntoView({ block: "center" }); // clear of the sticky top bar
  const b = e.getBoundingClientRect(), d = document.documentElement.getBoundingClientRect();
  return { x: b.left - d.left, y: b.top - d.top, width: b.width, height: Math.min(b.height, innerHeight) };
})()`)
	if r.Width == 0 {
		return nil, fmt.Errorf("no element matches %s", sel)
	}
	r.Scale = 1
	res, err := chromedp.Call(p.ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{
		Format: page.CaptureScreenshotFormatPng, Clip: &r})
	if err != nil {
		return nil, err
	}
	return res.Data, nil
}

var safeFile = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// TestMoneyAtPhoneWidth: on the pages that show money (the sandbox bills
// in INR), at a phone's width, every amount has Indian digit grouping
// (₹1,50,328.20) and sits on one line.
func TestMoneyAtPhoneWidth(t *testing.T) {
	p := newTab(t)
	p.signIn()
	p.deviceMetrics(390, 844, 3)
	for _, path := range []string{"/reports", "/reports/costs", "/calls"} {
		p.open(path)
		p.openAllDetails()
		amounts := eval[[]struct {
			Text  string
			Lines int
			Chart bool
		}](p, moneyJS)
		if len(amounts) == 0 {
			t.Errorf("%s shows no amount in rupees", path)
		}
		for _, a := range amounts {
			re := indianMoney
			if a.Chart {
				re = indianAxisMoney // axis labels are whole rupees
			}
			if !re.MatchString(a.Text) {
				t.Errorf("%s: %q is not grouped the Indian way (₹1,50,328.20)", path, a.Text)
			}
			if a.Lines != 1 {
				t.Errorf("%s: %q is wrapped over %d lines", path, a.Text, a.Lines)
			}
		}
		t.Logf("%s: %d amounts, e.g. %v", path, len(amounts), amounts[:min(3, len(amounts))])
	}
}

// indianMoney is an amount in rupees: the last three digits, then pairs.
var (
	indianMoney     = regexp.MustCompile(`^₹-?(\d{1,2}(,\d\d)*,\d{3}|\d{1,3})\.\d\d$`)
	indianAxisMoney = regexp.MustCompile(`^₹-?(\d{1,2}(,\d\d)*,\d{3}|\d{1,3})(\.\d\d)?$`)
)

// moneyJS lists every rupee amount in the page's main content that is
// laid out (inside closed <details> it is not), with the number of line
// boxes it takes and whether a chart drew it.
const moneyJS = `(() => {
  const out = [];
  const walk = document.createTreeWalker(document.querySelector("main") || document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const re = /₹[-\d,.]*\d/g;
    let m;
    while ((m = re.exec(n.data))) {
      const r = document.createRange();
      r.setStart(n, m.index);
      r.setEnd(n, m.index + m[0].length);
      const rects = [...r.getClientRects()].filter((b) => b.width > 0);
      if (rects.length === 0) continue;
      const tops = new Set(rects.map((b) => Math.round(b.top)));
      out.push({ text: m[0], lines: tops.size, chart: n.parentNode.closest("svg") !== null });
    }
  }
  return out;
})()`
