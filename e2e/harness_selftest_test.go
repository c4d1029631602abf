package e2e

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/handlers"
)

// The harness self-tests prove that each check can fail: a page served
// with cdrdash's own Content-Security-Policy that breaks one rule must be
// reported. Without them a check that silently never fires would pass
// every journey.

const cleanBody = `<main><h1>Harness test</h1><p>Nothing wrong here.</p></main>`

// harnessSite serves small pages under cdrdash's CSP.
func harnessSite(t *testing.T) string {
	t.Helper()
	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Security-Policy", handlers.ContentSecurityPolicy)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Harness test</title><link rel="icon" href="data:,">` +
				`<script src="/ok.js" defer></script></head><body>` + body + `</body></html>`))
		}
	}
	script := func(js string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			w.Write([]byte(js))
		}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /clean", page(cleanBody))
	mux.Handle("GET /inline-script", page(cleanBody+`<script>document.title = "inline ran";</script>`))
	mux.Handle("GET /console-error", page(cleanBody+`<script src="/error.js"></script>`))
	mux.Handle("GET /exception", page(cleanBody+`<script src="/throw.js"></script>`))
	mux.Handle("GET /unlabelled", page(`<main><h1>Harness test</h1><form><input type="text" name="q"></form>`+
		`<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="10" height="10"></main>`))
	mux.Handle("GET /ok.js", script(`document.documentElement.dataset.ok = "1";`))
	mux.Handle("GET /error.js", script(`console.error("harness: deliberate console error");`))
	mux.Handle("GET /throw.js", script(`throw new Error("harness: deliberate exception");`))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func contains(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func TestHarnessPassesCleanPage(t *testing.T) {
	needBrowser(t)
	p := openTab(t, harnessSite(t))
	p.open("/clean") // audits: fails the test on any finding
	if got := p.attr("html", "data-ok"); got != "1" {
		t.Errorf("the page's own script did not run (data-ok=%q)", got)
	}
}

func TestHarnessCatchesCSPViolation(t *testing.T) {
	needBrowser(t)
	p := openTab(t, harnessSite(t))
	p.open("/clean") // a clean page first: the listener must survive navigations
	p.do(navigate(p, "/inline-script"))
	probs := p.takeProblems()
	if !contains(probs, "CSP violation") || !contains(probs, "script-src") {
		t.Errorf("an inline <script> under the CSP was not reported; problems: %q", probs)
	}
	if n := eval[int](p, `window.__cspViolations.length`); n != 1 {
		t.Errorf("window.__cspViolations has %d entries, want 1", n)
	}
	if title := eval[string](p, `document.title`); title == "inline ran" {
		t.Error("the inline script ran: the CSP was not applied")
	}
	t.Logf("reported: %q", probs)
}

func TestHarnessCatchesConsoleError(t *testing.T) {
	needBrowser(t)
	p := openTab(t, harnessSite(t))
	p.do(navigate(p, "/console-error"))
	probs := p.takeProblems()
	if !contains(probs, "console.error: harness: deliberate console error") {
		t.Errorf("console.error was not reported; problems: %q", probs)
	}
	p.do(navigate(p, "/exception"))
	probs = p.takeProblems()
	if !contains(probs, "uncaught exception") || !contains(probs, "harness: deliberate exception") {
		t.Errorf("an uncaught exception was not reported; problems: %q", probs)
	}
	t.Logf("reported: %q", probs)
}

func TestHarnessCatchesAxeFinding(t *testing.T) {
	needBrowser(t)
	p := openTab(t, harnessSite(t))
	p.do(navigate(p, "/unlabelled"))
	findings, err := p.axe()
	if err != nil {
		t.Fatal(err)
	}
	if !contains(findings, "image-alt (critical)") || !contains(findings, "label (critical)") {
		t.Errorf("an <img> without alt and an <input> without label were not both reported; findings: %q", findings)
	}
	// axe-core itself must not trip the CSP (no eval in it).
	if probs := p.takeProblems(); len(probs) > 0 {
		t.Errorf("running axe-core caused: %q", probs)
	}
}
