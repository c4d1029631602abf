package e2e

import (
	"bufio"
	"context"
	"io"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cdrdash/cdrdash/cli"
	"github.com/cdrdash/cdrdash/internal/hostile"
)

// TestHostileDataDoesNotRun (issue 11, part 2): a second `cdrdash serve`,
// not in demo mode, reads its calls from a fake Vobiz API that serves
// package hostile's records (script, markup, javascript: URLs, quote
// breakouts in every text field, a uuid that is itself a payload, 10 KB
// strings, bidi and control characters, absurd numbers). Every payload
// sets window.__pwned when it runs. On every page that shows them the
// sentinel must stay undefined, with no console error and no CSP report
// (escaped text cannot trigger the CSP, so any report would mean markup got
// through), and no page may grow wider than the window.
func TestHostileDataDoesNotRun(t *testing.T) {
	needBrowser(t)
	base := startHostileServer(t)
	p := openTab(t, base)

	const user, password = "hostile-admin", "a long enough password for tests"
	if s := p.open("/login"); s != 200 {
		t.Fatalf("GET /login: status %d", s)
	}
	p.do(chromedp.SendKeys(chromedp.CSS("#username"), user), chromedp.SendKeys(chromedp.CSS("#password"), password))
	if s := p.follow(`[data-testid="login-submit"]`); s != 200 || p.path() != "/" {
		t.Fatalf("sign-in: status %d on %s", s, p.path())
	}
	check := func(what string) {
		t.Helper()
		if got := eval[string](p, `typeof window.__pwned`); got != "undefined" {
			t.Errorf("%s: a payload ran (window.__pwned is %s)", what, got)
		}
		if wide := eval[int](p, `document.documentElement.scrollWidth - window.innerWidth`); wide > 1 {
			t.Errorf("%s: the page is %d px wider than the window", what, wide)
		}
	}
	check("home")
	if p.count(`[data-testid="call-row"]`) != len(hostile.Records()) {
		t.Errorf("home shows %d calls, want %d", p.count(`[data-testid="call-row"]`), len(hostile.Records()))
	}

	for _, path := range []string{
		"/calls",
		"/calls?search=x&call_direction=inbound", // the filters echo fills the form
		"/calls/" + hostile.UUIDText,
		"/calls/" + hostile.UUIDNumbers,
		"/calls/" + hostile.UUIDLong,
	} {
		if s := p.open(path); s != 200 {
			t.Errorf("%s: status %d", path, s)
		}
		check(path)
	}

	// The text is shown as text, legibly.
	p.open("/calls/" + hostile.UUIDText)
	if got := p.text("h1"); !strings.Contains(got, hostile.JSURL) || !strings.Contains(got, hostile.SVGOnload) {
		t.Errorf("the heading does not show the numbers as text: %q", got)
	}

	// Following the hostile uuid's row: a refused ID, not a script.
	p.allow(`status of 400 \(Bad Request\)`)
	p.open("/calls")
	sel := `[data-testid="call-row"] a[href^="/calls/javascript"]`
	if p.count(sel) != 1 {
		t.Fatalf("no row link for the hostile uuid (%s)", sel)
	}
	if s := p.follow(sel); s != 400 {
		t.Errorf("the hostile uuid's page: status %d, want 400", s)
	}
	check("the hostile uuid's page")

	// The reports page draws causes (a payload among them) in its charts.
	p.open("/reports?start_date=2026-11-19&end_date=2026-11-21")
	p.waitUntil("every chart drawn or explained", `[...document.querySelectorAll("[data-chart]")].every((el) =>
	  el.dataset.chartReady === "1")`)
	check("reports")

	// Pasted into the diagnoser: the record, and a textarea breakout alone.
	for _, in := range []string{string(hostile.JSON(hostile.Records()[0])), hostile.EndTextarea + hostile.ImgOnerror} {
		p.open("/diagnose")
		eval[bool](p, `(document.querySelector("#cdr").value = `+jsString(in)+`, true)`)
		p.follow(`[data-testid="diagnose-form"] button[type="submit"]`)
		check("diagnose")
		if got := eval[string](p, `document.querySelector("#cdr").value`); got != strings.ReplaceAll(in, "\r\n", "\n") {
			t.Errorf("the textarea does not hold the pasted text back: %.80q", got)
		}
	}

	// On a phone too, 10 KB strings wrap instead of widening the page.
	p.viewport(390, 844)
	for _, path := range []string{"/calls", "/calls/" + hostile.UUIDLong} {
		p.open(path)
		check(path + " at 390 px")
	}
}

// startHostileServer runs `cdrdash serve` in this process against a fake
// Vobiz API serving hostile data, with one admin account, and returns its
// URL. Both stop when the test ends.
func startHostileServer(t *testing.T) string {
	t.Helper()
	up := httptest.NewServer(&hostile.Server{})
	t.Cleanup(up.Close)
	env := map[string]string{
		"CDRDASH_DATA_DIR":   t.TempDir(),
		"VOBIZ_BASE_URL":     up.URL,
		"VOBIZ_AUTH_ID":      "MA_HOSTILE",
		"VOBIZ_AUTH_TOKEN":   "hostile-token",
		"CDRDASH_LOG_LEVEL":  "warn",
		"CDRDASH_LOG_FORMAT": "text",
	}
	getenv := func(k string) string { return env[k] }
	var out, errOut lockedBuffer
	if code := cli.Run(context.Background(), []string{"user", "add", "hostile-admin", "-role", "admin"}, getenv,
		strings.NewReader("a long enough password for tests\n"), &out, &errOut); code != 0 {
		t.Fatalf("cdrdash user add: exit %d: %s%s", code, out.String(), errOut.String())
	}

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		code := cli.Run(ctx, []string{"serve", "-addr", "127.0.0.1:0"}, getenv, strings.NewReader(""), pw, &errOut)
		pw.Close()
		done <- code
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("cdrdash exited with %d; stderr:\n%s", code, errOut.String())
			}
		case <-time.After(30 * time.Second):
			t.Error("cdrdash did not stop within 30 s")
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := urlLine.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		close(found)
	}()
	select {
	case u, ok := <-found:
		if !ok {
			t.Fatalf("cdrdash printed no URL; stderr:\n%s", errOut.String())
		}
		if _, err := url.Parse(u); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("cdrdash stderr:\n%s", errOut.String())
			}
		})
		return u
	case <-time.After(60 * time.Second):
		t.Fatalf("cdrdash did not print its URL within 60 s; stderr:\n%s", errOut.String())
	}
	return ""
}
