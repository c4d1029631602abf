package handlers_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"golang.org/x/net/html"

	"github.com/cdrdash/cdrdash/handlers"
	"github.com/cdrdash/cdrdash/metrics"
	"github.com/cdrdash/cdrdash/report"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// pagePaths are the pages a signed-in admin can GET.
func pagePaths(a *testApp) []string {
	uuid := string(a.sb.Call(1).UUID)
	return []string{"/", "/calls", "/calls?call_direction=inbound&per_page=20", "/calls/" + uuid,
		"/diagnose", "/settings", "/admin/users", "/admin/audit", "/reports",
		"/calls?start_date=2026-01-05", "/calls/abc", "/nope", "/login"}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	a := newTestApp(t, withCalls(2000))
	c := a.demo(t)
	paths := append(pagePaths(a), "/healthz", "/readyz", "/static/"+"x/css/app.css")
	for _, p := range paths {
		res, body := a.get(t, c, p)
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "object-src 'none'", "frame-ancestors 'none'",
			"base-uri 'self'", "form-action 'self'", "script-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP lacks %q", p, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows unsafe scripts: %s", p, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", p)
		}
		if rp := h.Get("Referrer-Policy"); rp != "same-origin" && rp != "no-referrer" {
			t.Errorf("%s: Referrer-Policy %q", p, rp)
		}
		pp := h.Get("Permissions-Policy")
		for _, feature := range []string{"camera", "microphone", "geolocation", "payment", "usb"} {
			if !strings.Contains(", "+pp+",", ", "+feature+"=(),") {
				t.Errorf("%s: Permissions-Policy %q does not deny %s", p, pp, feature)
			}
		}
		if strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			if h.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: HTML page without Cache-Control no-store", p)
			}
			assertNoInlineScript(t, p, body)
		}
	}
}

// assertNoInlineScript fails on any executable inline script, inline
// event handler, style attribute or third-party origin in a page. It reads
// the parsed tree, so it sees the elements and attributes a browser would,
// and escaped text that merely reads "onerror=" does not count.
func assertNoInlineScript(t *testing.T, path, body string) {
	t.Helper()
	for _, n := range parsePage(t, body).find(func(*html.Node) bool { return true }) {
		for _, a := range n.Attr {
			name := strings.ToLower(a.Key)
			switch {
			case strings.HasPrefix(name, "on"):
				t.Errorf("%s: <%s> has an inline event handler %s=%q", path, n.Data, name, a.Val)
			case name == "style":
				t.Errorf("%s: <%s> has an inline style attribute", path, n.Data)
			case name == "src" || name == "href":
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if strings.HasPrefix(v, "//") || strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") {
					t.Errorf("%s: loads a third-party origin: <%s %s=%q>", path, n.Data, name, a.Val)
				}
			}
		}
		if n.Data != "script" {
			continue
		}
		content := strings.TrimSpace(nodeText(n))
		if attr(n, "type") == "application/json" {
			// templ escapes < in JSON blocks, so a raw one came from data.
			if strings.Contains(content, "<") {
				t.Errorf("%s: a JSON block holds a raw <: %.80q", path, content)
			}
			continue
		}
		if content != "" || attr(n, "src") == "" {
			t.Errorf("%s: inline script (src %q) %.80q", path, attr(n, "src"), content)
		}
	}
}

func TestStaticAssetsFingerprinted(t *testing.T) {
	a := newTestApp(t, withCalls(100))
	c := a.demo(t)
	_, body := a.get(t, c, "/")
	fingerprinted := regexp.MustCompile(`^/static/[0-9a-f]+/css/app\.css$`)
	var href string
	for _, l := range parsePage(t, body).tags("link") {
		if attr(l, "rel") == "stylesheet" && fingerprinted.MatchString(attr(l, "href")) {
			href = attr(l, "href")
		}
	}
	if href == "" {
		t.Fatal("no fingerprinted stylesheet link")
	}
	res, _ := a.get(t, c, href)
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") || res.Header.Get("ETag") == "" {
		t.Fatalf("asset: %d %q %q", res.StatusCode, res.Header.Get("Cache-Control"), res.Header.Get("ETag"))
	}
	req, _ := http.NewRequest(http.MethodGet, a.srv.URL+href, nil)
	req.Header.Set("If-None-Match", res.Header.Get("ETag"))
	res2, _ := do(t, c, req)
	if res2.StatusCode != http.StatusNotModified {
		t.Errorf("conditional request: %d, want 304", res2.StatusCode)
	}
	// A stale fingerprint still serves the file, without immutable caching.
	res3, _ := a.get(t, c, "/static/000000000000/css/app.css")
	if res3.StatusCode != 200 || strings.Contains(res3.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("stale hash: %d %q", res3.StatusCode, res3.Header.Get("Cache-Control"))
	}
}

func TestMetricsEndpoint(t *testing.T) {
	m := metrics.New("test-version", func(context.Context) (int64, error) { return 1, nil })
	a := newTestApp(t, withCalls(500),
		withClient(vobiz.WithObserver(m.ObserveUpstream)),
		withDeps(func(d *handlers.Deps) {
			d.Metrics = m
			d.MetricsToken = "s3cret"
			d.Reports = report.New(d.CDRs, report.Options{Now: func() time.Time { return testNow },
				OnCacheLookup: func(hit bool) { m.CacheLookup("report_days", hit) }})
		}))
	c := a.demo(t)
	a.get(t, c, "/calls?per_page=5")
	a.get(t, c, "/calls/abc")
	a.get(t, c, "/calls/export?format=raw&start_date=2026-11-20&end_date=2026-11-21")
	a.get(t, c, "/reports?start_date=2026-11-20&end_date=2026-11-21")
	a.get(t, c, "/reports?start_date=2026-11-20&end_date=2026-11-21")

	res, _ := a.get(t, a.browser(t), "/metrics")
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("metrics without token: %d", res.StatusCode)
	}
	for auth, want := range map[string]int{"Bearer wrong": http.StatusUnauthorized, "Basic s3cret": http.StatusUnauthorized,
		"bearer s3cret": http.StatusOK, "BEARER  s3cret": http.StatusOK, "Bearer S3CRET": http.StatusUnauthorized} {
		req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/metrics", nil)
		req.Header.Set("Authorization", auth)
		if res, _ := do(t, a.browser(t), req); res.StatusCode != want {
			t.Errorf("metrics with %q: %d, want %d", auth, res.StatusCode, want)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	res, body := do(t, a.browser(t), req)
	if res.StatusCode != 200 {
		t.Fatalf("metrics: %d", res.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("metrics do not parse: %v", err)
	}
	for _, name := range []string{"cdrdash_http_requests_total", "cdrdash_http_request_duration_seconds",
		"cdrdash_build_info", "cdrdash_exports_total", "cdrdash_export_bytes_total",
		"cdrdash_upstream_request_duration_seconds", "cdrdash_cache_requests_total", "cdrdash_active_sessions"} {
		if _, ok := families[name]; !ok {
			t.Errorf("no %s", name)
		}
	}
	sum := func(name string, match map[string]string) float64 {
		var total float64
		for _, mm := range families[name].GetMetric() {
			ok := true
			for _, l := range mm.GetLabel() {
				if want, set := match[l.GetName()]; set && want != l.GetValue() {
					ok = false
				}
			}
			if ok {
				total += mm.GetCounter().GetValue() + float64(mm.GetHistogram().GetSampleCount())
			}
		}
		return total
	}
	if sum("cdrdash_exports_total", map[string]string{"format": "raw", "result": "completed"}) != 1 {
		t.Error("the completed raw export is not counted")
	}
	if sum("cdrdash_export_bytes_total", map[string]string{"format": "raw"}) == 0 {
		t.Error("export bytes not counted")
	}
	if sum("cdrdash_cache_requests_total", map[string]string{"result": "hit"}) == 0 ||
		sum("cdrdash_cache_requests_total", map[string]string{"result": "miss"}) == 0 {
		t.Error("report cache hits and misses not counted")
	}
	if sum("cdrdash_upstream_request_duration_seconds", map[string]string{"endpoint": "search", "status": "200"}) == 0 {
		t.Error("upstream latency by endpoint and status not recorded")
	}
	if !strings.Contains(body, `cdrdash_build_info{version="test-version"} 1`) {
		t.Error("build info has no version")
	}
	var sawCalls400 bool
	for _, mm := range families["cdrdash_http_requests_total"].GetMetric() {
		labels := map[string]string{}
		for _, l := range mm.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["route"] == "/calls/{uuid}" && labels["status"] == "400" {
			sawCalls400 = true
		}
	}
	if !sawCalls400 {
		t.Error("request counter has no series by route pattern and status")
	}
}

func TestTrustedProxies(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	tests := []struct {
		name     string
		proxies  []netip.Prefix
		xff      string
		proto    string
		wantIP   string
		wantHSTS bool
	}{
		{"untrusted peer is not believed", nil, "203.0.113.9", "https", "127.0.0.1", false},
		{"trusted peer", trusted, "203.0.113.9", "https", "203.0.113.9", true},
		{"spoofed left hops ignored", trusted, "1.2.3.4, 203.0.113.9", "http", "203.0.113.9", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestApp(t, withCalls(100), withDeps(func(d *handlers.Deps) { d.TrustedProxies = tt.proxies }))
			c := a.browser(t)
			req := formRequest(t, a.srv.URL+"/login", url.Values{"username": {"demo"}, "password": {"demo"}})
			req.Header.Set("X-Forwarded-For", tt.xff)
			req.Header.Set("X-Forwarded-Proto", tt.proto)
			res, _ := do(t, c, req)
			if got := res.Header.Get("Strict-Transport-Security") != ""; got != tt.wantHSTS {
				t.Errorf("HSTS = %v, want %v", got, tt.wantHSTS)
			}
			for _, ck := range res.Cookies() {
				if ck.Secure != tt.wantHSTS {
					t.Errorf("cookie Secure = %v, want %v", ck.Secure, tt.wantHSTS)
				}
			}
			events, _, err := a.db.ListEvents(req.Context(), storeFilter("login.success"))
			if err != nil || len(events) == 0 {
				t.Fatalf("no login event: %v", err)
			}
			if events[0].ClientIP != tt.wantIP {
				t.Errorf("audit client IP %q, want %q", events[0].ClientIP, tt.wantIP)
			}
		})
	}
}

func TestBasePath(t *testing.T) {
	a := newTestApp(t, withCalls(500), withBasePath("/cdr"))
	c := a.browser(t)
	res, _ := a.get(t, c, "/cdr/calls")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/cdr/login?next=%2Fcdr%2Fcalls" {
		t.Fatalf("anonymous: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	res = a.postForm(t, c, "/cdr/login", url.Values{"username": {"demo"}, "password": {"demo"}, "next": {"/cdr/calls"}})
	if res.Header.Get("Location") != "/cdr/calls" {
		t.Fatalf("after sign-in: %q", res.Header.Get("Location"))
	}
	res, body := a.get(t, c, "/cdr/calls?per_page=20")
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	urls := 0
	for _, n := range parsePage(t, body).find(func(*html.Node) bool { return true }) {
		for _, a := range n.Attr {
			if (a.Key == "href" || a.Key == "action" || a.Key == "src") && strings.HasPrefix(a.Val, "/") {
				urls++
				if !strings.HasPrefix(a.Val, "/cdr/") && a.Val != "/cdr" {
					t.Errorf("URL outside the base path: <%s %s=%q>", n.Data, a.Key, a.Val)
				}
			}
		}
	}
	if urls < 20 {
		t.Errorf("only %d site URLs on the page", urls)
	}
	if res, _ := a.get(t, c, "/calls"); res.StatusCode != http.StatusNotFound {
		t.Errorf("path outside the base path: %d, want 404", res.StatusCode)
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestLogsCarryNoSecrets(t *testing.T) {
	var buf syncBuffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a := newTestApp(t, withCalls(200), withDeps(func(d *handlers.Deps) { d.Log = log }))
	c := a.demo(t)
	a.get(t, c, "/calls?from_number=9876543210")
	a.sb.SetFaults(sandbox.Faults{ErrorRate: 1, ErrorStatus: 401})
	a.get(t, c, "/calls")
	a.sb.SetFaults(sandbox.Faults{})
	out := buf.String()
	if !strings.Contains(out, `"route":"/calls"`) || !strings.Contains(out, `"request_id"`) || !strings.Contains(out, `"user":"demo"`) {
		t.Fatalf("request log line lacks fields: %s", out)
	}
	for _, secret := range []string{a.sb.AuthToken(), "password", "9876543210"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q", secret)
		}
	}
}
