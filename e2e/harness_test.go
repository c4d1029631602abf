package e2e

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// journeyTimeout bounds one journey; every wait inside it is bounded too.
const journeyTimeout = 2 * time.Minute

// waitTimeout bounds one wait for something to appear on a page.
const waitTimeout = 10 * time.Second

// loadTimeout bounds one page load (the reports page streams for a few
// seconds while it reads the export).
const loadTimeout = 30 * time.Second

//go:embed testdata/axe/axe.min.js
var axeSource string

// reportBinding is the name of the DevTools binding through which pages
// report CSP violations to the test. A binding survives navigations, so no
// violation is lost between two checks.
const reportBinding = "__cdrdashReportCSP"

// cspListener runs in every document before the page's own scripts
// (Page.addScriptToEvaluateOnNewDocument; DevTools-injected, so the page's
// CSP does not block it). It records securitypolicyviolation events in
// window.__cspViolations and reports each one to the test.
const cspListener = `(() => {
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", (e) => {
    const v = {
      directive: e.effectiveDirective || e.violatedDirective,
      blocked: e.blockedURI,
      source: e.sourceFile,
      line: e.lineNumber,
      sample: e.sample,
      page: String(document.location.href),
    };
    window.__cspViolations.push(v);
    try { window.` + reportBinding + `(JSON.stringify(v)); } catch (_) {}
  }, true);
})();`

// tab is one journey's browser window: a fresh browser context (its own
// cookies, storage, permissions and downloads, like an incognito window)
// with one page. It records console errors, uncaught exceptions, browser
// log errors and CSP violations as they happen.
type tab struct {
	t      *testing.T
	base   string          // URL prefix of the site under test
	tabCtx context.Context // the tab itself, without the journey deadline
	ctx    context.Context // the tab, bounded by the journey deadline

	mu       sync.Mutex
	messages []string // everything the page logged, for failure output
	problems []string // console errors and CSP violations not yet reported
	allowed  []*regexp.Regexp
}

// newTab opens a journey against the cdrdash under test.
func newTab(t *testing.T) *tab {
	t.Helper()
	needBrowser(t)
	return openTab(t, suite.baseURL)
}

// openTab opens a journey against any site (the harness self-tests use
// their own server). When the test ends, it fails the test on any problem
// not yet reported and, if the test failed, saves a screenshot.
func openTab(t *testing.T, base string) *tab {
	t.Helper()
	p := &tab{t: t, base: strings.TrimSuffix(base, "/")}
	tabCtx, cancelTab := chromedp.NewContext(suite.browserCtx,
		chromedp.WithNewBrowserContext(), chromedp.WithListener(p.onEvent))
	t.Cleanup(cancelTab) // cleanups run last-in first-out: this one last
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("open a browser tab: %v", err)
	}
	ctx, cancel := context.WithTimeout(tabCtx, journeyTimeout)
	t.Cleanup(cancel)
	p.tabCtx, p.ctx = tabCtx, ctx
	t.Cleanup(p.screenshotOnFailure)
	t.Cleanup(func() { p.reportProblems("at the end of the journey") })

	if _, err := chromedp.Call(ctx, runtime.AddBinding, runtime.AddBindingParams{Name: reportBinding}); err != nil {
		t.Fatalf("add the CSP report binding: %v", err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument,
		page.AddScriptToEvaluateOnNewDocumentParams{Source: cspListener}); err != nil {
		t.Fatalf("install the CSP listener: %v", err)
	}
	// A headless window is never focused; emulate focus so :focus styles,
	// keyboard focus and the clipboard behave as for a person at the screen.
	if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled,
		emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		t.Fatalf("emulate focus: %v", err)
	}
	p.viewport(1366, 768)
	return p
}

// onEvent runs in the tab's event loop, in the order Chromium sent the
// events, so after any command returns every earlier event is recorded.
func (p *tab) onEvent(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		bad := ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert
		p.record(bad, "console."+string(ev.Type)+": "+argsText(ev.Args)+stackPlace(ev.StackTrace))
	case *runtime.EventExceptionThrown:
		p.record(true, "uncaught exception: "+exceptionText(ev.ExceptionDetails))
	case *cdplog.EventEntryAdded:
		e := ev.Entry
		bad := e.Level == cdplog.EntryLevelError
		where := ""
		if e.URL != "" {
			where = " (" + e.URL + ")"
		}
		p.record(bad, "browser log, "+string(e.Source)+" "+string(e.Level)+": "+e.Text+where)
	case *runtime.EventBindingCalled:
		if ev.Name != reportBinding {
			return
		}
		var v struct {
			Directive, Blocked, Source, Sample, Page string
			Line                                     int
		}
		_ = json.Unmarshal([]byte(ev.Payload), &v)
		msg := fmt.Sprintf("CSP violation on %s: %s blocked %q", v.Page, v.Directive, v.Blocked)
		if v.Source != "" {
			msg += fmt.Sprintf(" at %s:%d", v.Source, v.Line)
		}
		if v.Sample != "" {
			msg += fmt.Sprintf(" (sample %q)", v.Sample)
		}
		p.record(true, msg)
	}
}

func (p *tab) record(bad bool, msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.messages = append(p.messages, msg)
	if !bad {
		return
	}
	for _, re := range p.allowed {
		if re.MatchString(msg) {
			p.messages[len(p.messages)-1] += "  [expected by this journey]"
			return
		}
	}
	p.problems = append(p.problems, msg)
}

// allow declares a console error this journey expects, such as the
// browser's "status of 401" log line for a refused sign-in. Keep patterns
// narrow: everything not allowed fails the journey.
func (p *tab) allow(pattern string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.allowed = append(p.allowed, regexp.MustCompile(pattern))
}

// takeProblems returns the problems recorded so far and forgets them. A
// round trip to the page first makes sure every earlier event is in.
func (p *tab) takeProblems() []string {
	if p.ctx.Err() == nil {
		_, _ = chromedp.Run(p.ctx, chromedp.Evaluate[int](`0`))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.problems
	p.problems = nil
	return out
}

// reportProblems fails the test on every problem recorded so far.
func (p *tab) reportProblems(where string) {
	p.t.Helper()
	if probs := p.takeProblems(); len(probs) > 0 {
		p.t.Errorf("console errors or CSP violations %s:\n  %s", where, strings.Join(probs, "\n  "))
	}
}

// audit checks the page now shown: no console errors or CSP violations so
// far, and no serious or critical axe-core finding.
func (p *tab) audit() {
	p.t.Helper()
	where := "on " + p.location()
	p.reportProblems(where)
	key := p.axeKey()
	axeAudited.Lock()
	done := axeAudited.keys[key]
	axeAudited.Unlock()
	if done {
		return
	}
	findings, err := p.axe()
	if err != nil {
		p.t.Fatalf("run axe-core %s: %v", where, err)
	}
	if len(findings) == 0 {
		axeAudited.Lock()
		axeAudited.keys[key] = true
		axeAudited.Unlock()
	}
	if len(findings) > 0 {
		p.t.Errorf("axe-core: serious or critical accessibility findings %s:\n  %s", where, strings.Join(findings, "\n  "))
	}
}

// axeAudited holds the structures (see axeKey) that axe-core found clean
// in this run, so the same structure with other data is not audited again.
var axeAudited = struct {
	sync.Mutex
	keys map[string]bool
}{keys: map[string]bool{}}

// axeStructure describes what axe-core's verdict depends on, apart from
// the words and numbers: every distinct element kind (tag, classes, role,
// ARIA and state attributes), which of them scroll, the viewport and the
// colour scheme. Two pages with the same description get the same findings.
const axeStructure = `(() => {
  const kinds = new Set();
  const keep = /^(role|type|tabindex|open|hidden|disabled|inert|lang|alt|title|for|scope|aria-.*)$/;
  for (const el of document.querySelectorAll("*")) {
    let k = el.tagName;
    if (el.classList.length) k += "." + [...el.classList].sort().join(".");
    for (const a of el.attributes) {
      if (!keep.test(a.name)) continue;
      k += "[" + a.name + (a.name === "role" || a.name === "type" ? "=" + a.value : a.value === "" ? "=" : "") + "]";
    }
    if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) {
      const s = getComputedStyle(el);
      if (/auto|scroll/.test(s.overflowX + s.overflowY)) k += " (scrolls)";
    }
    kinds.add(k);
  }
  return innerWidth + "x" + innerHeight + " " + (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light") +
    "\n" + [...kinds].sort().join("\n");
})()`

// axeKey is a digest of axeStructure for the page shown.
func (p *tab) axeKey() string {
	p.t.Helper()
	sum := sha256.Sum256([]byte(eval[string](p, axeStructure)))
	return hex.EncodeToString(sum[:])
}

// axe runs axe-core in the page and returns its serious and critical
// findings. It is injected with Runtime.evaluate, which the page's CSP
// does not govern (a <script> tag would be blocked).
func (p *tab) axe() ([]string, error) {
	loaded, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err != nil {
		return nil, err
	}
	if !loaded {
		if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](axeSource+"\n;true")); err != nil {
			return nil, fmt.Errorf("inject axe-core: %w", err)
		}
	}
	type finding struct {
		ID, Impact, Help string
		Nodes            []string
	}
	res, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]finding](`(async () => {
  const r = await axe.run(document, { resultTypes: ["violations"] });
  return r.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + ": " +
        (n.failureSummary || "").split("\n").slice(1).join(" ").trim()),
    }));
})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range res {
		out = append(out, fmt.Sprintf("%s (%s): %s\n      %s", f.ID, f.Impact, f.Help, strings.Join(f.Nodes, "\n      ")))
	}
	return out, nil
}

// open navigates to path (relative to the site) and audits the page. It
// returns the HTTP status of the document.
func (p *tab) open(path string) int64 {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, loadTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(p.base+path))
	if err != nil {
		p.t.Fatalf("open %s: %v", path, err)
	}
	p.audit()
	return resp.Status
}

// follow clicks the first element matching the CSS selector, waits for the
// page it leads to, and audits that page. It returns the HTTP status.
func (p *tab) follow(sel string) int64 {
	p.t.Helper()
	return p.navigateBy("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// pressAndLoad types keys into the focused element, waits for the page
// load they cause and audits the page. It returns the HTTP status.
func (p *tab) pressAndLoad(keys string) int64 {
	p.t.Helper()
	return p.navigateBy(fmt.Sprintf("press %q", keys), chromedp.KeyEvent(keys))
}

func (p *tab) navigateBy(what string, a chromedp.Action[chromedp.Void]) int64 {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, loadTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, a)
	if err != nil {
		p.t.Fatalf("%s on %s: %v", what, p.location(), err)
	}
	p.audit()
	return resp.Status
}

// do runs steps that need no page load, such as typing or clicking.
func (p *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatalf("on %s: %v", p.location(), err)
	}
}

// eval evaluates a JavaScript expression in the page and decodes its value.
func eval[T any](p *tab, js string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		p.t.Fatalf("evaluate %s on %s: %v", js, p.location(), err)
	}
	return v
}

// waitUntil polls a JavaScript condition until it is true. (chromedp.Poll
// builds its predicate with new Function, which a strict CSP forbids, so it
// would trip our own CSP check.)
func (p *tab) waitUntil(what, cond string) {
	p.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool]("Boolean("+cond+")"))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("waited %s for %s on %s (last error: %v)", waitTimeout, what, p.location(), err)
		}
		select {
		case <-tick.C:
		case <-p.ctx.Done():
			p.t.Fatalf("waiting for %s: %v", what, p.ctx.Err())
		}
	}
}

// text returns the visible text of the first element matching sel.
func (p *tab) text(sel string) string {
	p.t.Helper()
	return strings.TrimSpace(eval[string](p, `(() => { const e = document.querySelector(`+jsString(sel)+
		`); if (!e) throw new Error("no element matches "+`+jsString(sel)+`); return e.innerText; })()`))
}

// count returns how many elements match sel.
func (p *tab) count(sel string) int {
	p.t.Helper()
	return eval[int](p, `document.querySelectorAll(`+jsString(sel)+`).length`)
}

// attr returns an attribute of the first element matching sel.
func (p *tab) attr(sel, name string) string {
	p.t.Helper()
	return eval[string](p, `(document.querySelector(`+jsString(sel)+`) || {getAttribute(){return ""}}).getAttribute(`+jsString(name)+`) || ""`)
}

// location is the address of the page shown, or a note why it is unknown.
func (p *tab) location() string {
	if p.ctx.Err() != nil {
		return "(the page, after the journey's deadline)"
	}
	ctx, cancel := context.WithTimeout(p.ctx, 2*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "(unknown page)"
	}
	return loc
}

// path is the location without the site prefix.
func (p *tab) path() string {
	return strings.TrimPrefix(p.location(), p.base)
}

// viewport sets the size of the page area; mobile sizes also get touch
// and a mobile viewport, as a phone would.
func (p *tab) viewport(w, h int64) {
	p.t.Helper()
	var opts []chromedp.EmulateViewportOption
	if w < 600 {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	}
	p.do(chromedp.EmulateViewport(w, h, opts...))
}

// colorScheme emulates prefers-color-scheme ("light" or "dark").
func (p *tab) colorScheme(scheme string) {
	p.t.Helper()
	if _, err := chromedp.Call(p.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
	}); err != nil {
		p.t.Fatalf("emulate %s colour scheme: %v", scheme, err)
	}
}

// pressTabUntil presses Tab until the focused element matches sel, at most
// max times, and returns how many presses it took.
func (p *tab) pressTabUntil(sel string, max int) int {
	p.t.Helper()
	focused := `(document.activeElement && document.activeElement.matches(` + jsString(sel) + `))`
	for n := 0; n <= max; n++ {
		if eval[bool](p, focused) {
			return n
		}
		p.do(chromedp.KeyEvent("\t"))
	}
	p.t.Fatalf("%s not reached with %d presses of Tab on %s; focus is on %s", sel, max, p.location(),
		eval[string](p, `document.activeElement ? document.activeElement.outerHTML.slice(0, 200) : "nothing"`))
	return -1
}

// signIn signs in as the demo user through the form and lands on home.
func (p *tab) signIn() {
	p.t.Helper()
	if s := p.open("/login"); s != 200 {
		p.t.Fatalf("GET /login: status %d", s)
	}
	p.do(chromedp.SendKeys(chromedp.CSS("#username"), "demo"),
		chromedp.SendKeys(chromedp.CSS("#password"), "demo"))
	if s := p.follow(`[data-testid="login-submit"]`); s != 200 {
		p.t.Fatalf("sign-in: status %d on %s", s, p.location())
	}
	if got := p.path(); got != "/" {
		p.t.Fatalf("after sign-in the browser is on %s, want /", got)
	}
}

// allowDownloads makes the browser save downloads into a fresh folder,
// without asking, and returns the folder.
func (p *tab) allowDownloads() string {
	p.t.Helper()
	dir := p.t.TempDir()
	events := true
	if _, err := chromedp.CallBrowser(p.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior:         browser.SetDownloadBehaviorBehaviorAllow,
		BrowserContextID: chromedp.FromContext(p.ctx).BrowserContextID,
		DownloadPath:     dir,
		EventsEnabled:    &events,
	}); err != nil {
		p.t.Fatalf("allow downloads: %v", err)
	}
	return dir
}

// waitForDownload waits until dir holds one finished file (Chromium writes
// NAME.crdownload and renames it when complete) and returns its path.
func (p *tab) waitForDownload(dir string) string {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		entries, err := os.ReadDir(dir)
		if err != nil {
			p.t.Fatal(err)
		}
		for _, e := range entries {
			if !e.IsDir() && !strings.HasSuffix(e.Name(), ".crdownload") {
				return filepath.Join(dir, e.Name())
			}
		}
		if time.Now().After(deadline) {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			p.t.Fatalf("no finished download in %s after 30 s (found: %v)", dir, names)
		}
		select {
		case <-tick.C:
		case <-p.ctx.Done():
			p.t.Fatalf("waiting for the download: %v", p.ctx.Err())
		}
	}
}

// grantClipboard lets the site read and write the clipboard without asking.
func (p *tab) grantClipboard() {
	p.t.Helper()
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(p.ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission:       &browser.PermissionDescriptor{Name: name, AllowWithoutSanitization: true},
			Setting:          browser.PermissionSettingGranted,
			Origin:           p.base,
			BrowserContextID: chromedp.FromContext(p.ctx).BrowserContextID,
		}); err != nil {
			p.t.Fatalf("grant %s: %v", name, err)
		}
	}
}

// screenshot saves a full-page PNG of what the tab shows.
func (p *tab) screenshot(ctx context.Context, file string) error {
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	return os.WriteFile(file, png, 0o644)
}

// artifactsDir is where failing journeys leave their screenshots.
func artifactsDir() string {
	if d := os.Getenv("CDRDASH_E2E_ARTIFACTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "cdrdash-e2e")
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// screenshotOnFailure saves the page of a failed journey and says where,
// with what the page logged and the server's log.
func (p *tab) screenshotOnFailure() {
	if !p.t.Failed() {
		return
	}
	ctx, cancel := context.WithTimeout(p.tabCtx, 10*time.Second)
	defer cancel()
	file := filepath.Join(artifactsDir(), unsafeName.ReplaceAllString(p.t.Name(), "_")+".png")
	loc := "(unknown page)"
	if l, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
		loc = l
	}
	if err := p.screenshot(ctx, file); err != nil {
		p.t.Logf("no screenshot of the failing page: %v", err)
	} else {
		p.t.Logf("screenshot of the failing page (%s): %s", loc, file)
	}
	p.mu.Lock()
	msgs := strings.Join(p.messages, "\n  ")
	p.mu.Unlock()
	if msgs != "" {
		p.t.Logf("the page logged:\n  %s", msgs)
	}
	if suite.serverLog != nil {
		if s := suite.serverLog.String(); s != "" {
			p.t.Logf("cdrdash log (warnings and errors):\n%s", tail(s, 4000))
		}
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func argsText(args []*runtime.RemoteObject) string {
	var parts []string
	for _, a := range args {
		switch {
		case a == nil:
		case a.Type == runtime.RemoteObjectTypeString && len(a.Value) > 0:
			var s string
			if json.Unmarshal(a.Value, &s) == nil {
				parts = append(parts, s)
				continue
			}
			parts = append(parts, string(a.Value))
		case len(a.Value) > 0:
			parts = append(parts, string(a.Value))
		case a.Description != "":
			parts = append(parts, a.Description)
		default:
			parts = append(parts, string(a.Type))
		}
	}
	return strings.Join(parts, " ")
}

func stackPlace(st *runtime.StackTrace) string {
	if st == nil || len(st.CallFrames) == 0 {
		return ""
	}
	f := st.CallFrames[0]
	return " (" + f.URL + ":" + strconv.FormatInt(f.LineNumber+1, 10) + ")"
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return "(no details)"
	}
	s := d.Text
	if d.Exception != nil && d.Exception.Description != "" {
		s += " " + d.Exception.Description
	}
	if d.URL != "" {
		s += fmt.Sprintf(" (%s:%d)", d.URL, d.LineNumber+1)
	}
	return s
}

// rowUUIDs lists the call UUIDs of the table rows, in order.
func (p *tab) rowUUIDs() []string {
	p.t.Helper()
	return eval[[]string](p, `[...document.querySelectorAll('[data-testid="call-row"]')].map((r) => r.dataset.uuid)`)
}

// evalAsync is eval for expressions that return a promise.
func evalAsync[T any](p *tab, js string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("evaluate %s on %s: %v", js, p.location(), err)
	}
	return v
}

// navigate is the plain navigation action, without the audit of open.
func navigate(p *tab, path string) chromedp.Action[chromedp.Void] {
	return chromedp.Navigate(p.base + path)
}

// typeInto types text into the element matching sel.
func typeInto(sel, text string) chromedp.Action[chromedp.Void] {
	return chromedp.SendKeys(chromedp.CSS(sel), text)
}
