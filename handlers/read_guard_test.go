package handlers_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/handlers"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/store/storetest"
)

// auditEvents returns the events whose action matches (exact, or a prefix
// ending in "."), oldest first, with their details decoded.
func auditEvents(t testing.TB, a *testApp, action string) []map[string]any {
	t.Helper()
	events, _, err := a.db.ListEvents(context.Background(), store.EventFilter{Action: action, Limit: store.MaxEventLimit})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]map[string]any, 0, len(events))
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		d := map[string]any{}
		if e.Details != "" {
			if err := json.Unmarshal([]byte(e.Details), &d); err != nil {
				t.Fatalf("details %q: %v", e.Details, err)
			}
		}
		d["_action"], d["_user"] = e.Action, e.Username
		out = append(out, d)
	}
	return out
}

// getFrom sends GET path as a browser navigation with the given
// Sec-Fetch-Site ("" sends no header, as curl does).
func getFrom(t *testing.T, a *testApp, c *http.Client, path, site string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	if site != "" {
		req.Header.Set("Sec-Fetch-Site", site)
		req.Header.Set("Sec-Fetch-Mode", "navigate")
	}
	return do(t, c, req)
}

// TestCrossSiteGETsRefused: the GETs that write audit events or cost real
// work answer 403 with an explanation when another site started the
// navigation, before anything reaches Vobiz, the audit trail or the saved
// column choice; the browser's own navigations and header-less clients
// pass, and ordinary pages are not affected.
func TestCrossSiteGETsRefused(t *testing.T) {
	a := newTestApp(t, withCalls(300))
	c := a.demo(t)
	uuid := string(a.sb.Call(1).UUID)
	guarded := []struct{ path, what string }{
		{"/calls?call_direction=inbound", "search"},
		{"/calls/" + uuid, "call view"},
		{"/lookup?q=98765", "lookup"},
		{"/reports?start_date=2026-11-20&end_date=2026-11-21", "report build"},
		{"/calls/export?columns=uuid,mos", "export and preference"},
		{"/admin/audit", "audit read"},
	}
	for _, site := range []string{"cross-site", "same-site", "something-new"} {
		for _, g := range guarded {
			t.Run(site+" "+g.what, func(t *testing.T) {
				up, events := a.upstreamRequests(), len(auditEvents(t, a, ""))
				res, body := getFrom(t, a, c, g.path, site)
				if res.StatusCode != http.StatusForbidden || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
					t.Fatalf("status %d (%s), want a 403 page", res.StatusCode, res.Header.Get("Content-Type"))
				}
				if !strings.Contains(errorText(body), "another website") {
					t.Errorf("the page does not say why: %s", errorText(body))
				}
				if links := errorLinks(t, body); !slices.Contains(links, g.path) {
					t.Errorf("the page offers no same-site link to %s: %q", g.path, links)
				}
				if n := a.upstreamRequests() - up; n != 0 {
					t.Errorf("%d upstream requests", n)
				}
				if n := len(auditEvents(t, a, "")) - events; n != 0 {
					t.Errorf("%d audit events written", n)
				}
			})
		}
	}
	if u, err := a.db.UserByName(context.Background(), "demo"); err != nil || u.ExportColumns != "" {
		t.Errorf("a refused export saved the column choice %q (%v)", u.ExportColumns, err)
	}
	for _, site := range []string{"same-origin", "none", ""} {
		for _, g := range guarded {
			t.Run(site+" "+g.what, func(t *testing.T) {
				res, _ := getFrom(t, a, c, g.path, site)
				if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusSeeOther {
					t.Errorf("status %d, want the page", res.StatusCode)
				}
			})
		}
	}
	for _, path := range []string{"/", "/settings", "/diagnose", "/healthz"} {
		if res, _ := getFrom(t, a, c, path, "cross-site"); res.StatusCode != http.StatusOK {
			t.Errorf("%s from another site: %d, want 200 (it changes nothing)", path, res.StatusCode)
		}
	}
}

// TestReadsAreAudited: one audit event per search page, lookup, report
// view and audit page read, with its filters; phone numbers reach the
// trail and never the process log. Refused requests, the home page,
// health checks and static files write none.
func TestReadsAreAudited(t *testing.T) {
	var logs syncBuffer
	db := storetest.SQLite(t)
	a := newTestApp(t, withCalls(500), withDB(db), withDeps(func(d *handlers.Deps) {
		log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		d.Log = log
		d.Auth = auth.NewService(db, auth.WithHashParams(auth.InsecureFastParams), auth.WithLogger(log), auth.WithDemoMode(true))
	}))
	c := a.demo(t)
	reads := func() []map[string]any {
		var out []map[string]any
		for _, e := range auditEvents(t, a, "") {
			switch e["_action"] {
			case auth.ActionCallSearch, auth.ActionCallLookup, auth.ActionReportView, auth.ActionAuditRead:
				out = append(out, e)
			}
		}
		return out
	}

	// Not audited: pages that show no search, and refused input.
	for _, path := range []string{"/", "/healthz", "/readyz", "/settings", "/calls?call_direction=sideways",
		"/lookup?q=" + strings.Repeat("x", 300), "/lookup?q=", "/admin/audit?before=zero"} {
		a.get(t, c, path)
	}
	if got := reads(); len(got) != 0 {
		t.Fatalf("audited without a search: %v", got)
	}

	steps := []struct {
		path   string
		action string
		want   map[string]any
	}{
		{"/calls?from_number=98765+43210&per_page=20", auth.ActionCallSearch,
			map[string]any{"filters": "from_number=9876543210", "page": float64(1), "per_page": float64(20)}},
		{"/calls?from_number=98765+43210&per_page=20&page=2", auth.ActionCallSearch,
			map[string]any{"filters": "from_number=9876543210", "page": float64(2)}},
		{"/lookup?q=" + url.QueryEscape("98765 43210"), auth.ActionCallLookup, map[string]any{"q": "98765 43210"}},
		{"/reports?start_date=2026-11-20&end_date=2026-11-21&to_number=8012345678", auth.ActionReportView,
			map[string]any{"filters": "end_date=2026-11-21&start_date=2026-11-20&to_number=8012345678"}},
		{"/admin/audit?action=call.search", auth.ActionAuditRead, map[string]any{"action": "call.search"}},
	}
	for i, s := range steps {
		res, _ := a.get(t, c, s.path)
		if res.StatusCode >= 400 {
			t.Fatalf("%s: status %d", s.path, res.StatusCode)
		}
		got := reads()
		if len(got) != i+1 {
			t.Fatalf("%s: %d read events, want %d", s.path, len(got), i+1)
		}
		e := got[i]
		if e["_action"] != s.action || e["_user"] != "demo" {
			t.Errorf("%s: event %v, want %s by demo", s.path, e, s.action)
		}
		for k, v := range s.want {
			if e[k] != v {
				t.Errorf("%s: %s = %v, want %v", s.path, k, e[k], v)
			}
		}
	}
	out := logs.String()
	if !strings.Contains(out, `"action":"call.search"`) {
		t.Errorf("the audit events are not logged by action: %s", out)
	}
	for _, number := range []string{"9876543210", "98765 43210", "8012345678"} {
		if strings.Contains(out, number) {
			t.Errorf("the process log holds the number %q", number)
		}
	}
}

// TestCrossSiteRefusalUnderBasePath: the 403 page's link stays under the
// base path, so following it opens the page that was asked for.
func TestCrossSiteRefusalUnderBasePath(t *testing.T) {
	a := newTestApp(t, withCalls(100), withBasePath("/cdr"))
	c := a.browser(t)
	a.postForm(t, c, "/cdr/login", url.Values{"username": {"demo"}, "password": {"demo"}})
	res, body := getFrom(t, a, c, "/cdr/calls?call_direction=inbound", "cross-site")
	if links := errorLinks(t, body); res.StatusCode != http.StatusForbidden || !slices.Contains(links, "/cdr/calls?call_direction=inbound") {
		t.Fatalf("status %d, links %q", res.StatusCode, links)
	}
	if res, _ := getFrom(t, a, c, "/cdr/calls?call_direction=inbound", "same-origin"); res.StatusCode != http.StatusOK {
		t.Errorf("following the link: %d", res.StatusCode)
	}
}
