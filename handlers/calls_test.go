package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

func TestCallsPageOutboundPage2(t *testing.T) {
	a := newTestApp(t)
	c := a.demo(t)
	res, body := a.get(t, c, "/calls?call_direction=outbound&per_page=50&page=2")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	p := parsePage(t, body)
	if n := len(p.all("call-row")); n != 50 {
		t.Errorf("%d rows, want 50", n)
	}
	want, err := a.client.Search(context.Background(), vobiz.Filter{CallDirection: "outbound", PerPage: 50, Page: 2})
	if err != nil {
		t.Fatal(err)
	}
	wantRange := "51–100 of " + views.FormatInt(int64(want.Pagination.Total))
	if got := p.text("pager-range"); got != wantRange {
		t.Errorf("pager range %q, want %q", got, wantRange)
	}
	if chips := p.texts("chip"); !slices.ContainsFunc(chips, func(c string) bool { return strings.Contains(c, "Outbound") }) {
		t.Errorf("no direction chip: %q", chips)
	}
	tile := p.text("tile-total")
	if tile != views.FormatInt(int64(want.Summary.TotalCalls)) {
		t.Errorf("total tile %q, want %d", tile, want.Summary.TotalCalls)
	}
	for _, key := range []string{"answered", "rate", "avg", "talk", "cost", "last"} {
		if p.text("tile-"+key) == "" {
			t.Errorf("tile %s is empty", key)
		}
	}
	// Every row links to its call by UUID and keeps the list's query.
	rows := p.all("call-row")
	for _, row := range rows {
		uuid := attr(row, "data-uuid")
		link, err := url.Parse(page{row}.attr("call-link", "href"))
		if err != nil || uuid == "" || link.Path != "/calls/"+uuid {
			t.Fatalf("row %q links to %v (%v)", uuid, link, err)
		}
		if !strings.Contains(link.Query().Get("list"), "page=2") {
			t.Fatalf("detail link does not carry the list query: %s", link)
		}
	}
	// Paging links keep the filters.
	if next := p.attr("pager-next", "href"); next != "/calls?call_direction=outbound&page=3&per_page=50" {
		t.Errorf("next-page link %q does not keep the filters", next)
	}
}

func TestCallsValidationMakesNoUpstreamRequest(t *testing.T) {
	a := newTestApp(t, withCalls(1000))
	c := a.demo(t)
	tests := []struct {
		query, field, msg string
	}{
		{"start_date=2026-01-05", "end_date", "together"},
		{"end_date=2026-01-05", "start_date", "together"},
		{"start_date=2026-01-10&end_date=2026-01-05", "end_date", "before the start"},
		{"start_date=2026-02-30&end_date=2026-03-01", "start_date", "no such date"},
		{"start_date=05/01/2026&end_date=2026-03-01", "start_date", "YYYY-MM-DD"},
		{"call_direction=sideways", "call_direction", "inbound"},
		{"min_duration=-5", "min_duration", "negative"},
		{"min_duration=ten", "min_duration", "whole number"},
		{"per_page=0", "", "between 1 and 100"},
		{"per_page=101", "", "between 1 and 100"},
		{"from_number=" + url.QueryEscape("98765\x0043210"), "from_number", "control characters"},
		{"to_number=" + url.QueryEscape("sip:agent@pbx\x1b[31m"), "to_number", "control characters"},
		{"to_number=" + strings.Repeat("9", 200), "to_number", "too long"},
		{"search=" + strings.Repeat("x", 200), "search", "too long"},
		{"page=0", "", "Page"},
		{"call_direction=inbound&call_direction=outbound", "call_direction", "more than once"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			before := a.upstreamRequests()
			res, body := a.get(t, c, "/calls?"+tt.query)
			if res.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", res.StatusCode)
			}
			if a.upstreamRequests() != before {
				t.Fatal("the sandbox received a request for invalid filters")
			}
			p := parsePage(t, body)
			if tt.field != "" {
				msg := p.text("error-" + tt.field)
				if !strings.Contains(msg, tt.msg) {
					t.Fatalf("message beside %s = %q, want it to mention %q", tt.field, msg, tt.msg)
				}
				id, described := p.attr("filter-"+tt.field, "id"), p.attr("filter-"+tt.field, "aria-describedby")
				if id != "f-"+tt.field || described != "e-"+tt.field {
					t.Fatalf("the field itself is not on the page or not tied to its message (id %q, aria-describedby %q)", id, described)
				}
			} else if errs := p.text("form-errors"); !strings.Contains(errs, tt.msg) {
				t.Fatalf("form errors %q do not mention %q", errs, tt.msg)
			}
		})
	}
}

func TestCallsQueryEncoding(t *testing.T) {
	a := newTestApp(t, withCalls(1000))
	c := a.demo(t)
	var mu sync.Mutex
	var got []url.Values
	a.sb.SetObserver(func(r *http.Request) {
		mu.Lock()
		got = append(got, r.URL.Query())
		mu.Unlock()
	})
	hostile := "a&b=c#d%e+f"
	res, _ := a.get(t, c, "/calls?"+url.Values{"search": {hostile}, "context": {"x=y&z"}}.Encode())
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("%d upstream requests, want 1", len(got))
	}
	if v := got[0]["search"]; len(v) != 1 || v[0] != hostile {
		t.Errorf("search reached the sandbox as %q", v)
	}
	if v := got[0]["context"]; len(v) != 1 || v[0] != "x=y&z" {
		t.Errorf("context reached the sandbox as %q", v)
	}
	for k := range got[0] {
		if k != "search" && k != "context" {
			t.Errorf("unexpected upstream parameter %q", k)
		}
	}
}

// TestCallsNumbersNormalised: a whole number typed in any format reaches
// the API as its national significant number, which is a substring of the
// number however a record stores it (E.164, 91…, 0…, bare); a partial
// number keeps the digits typed.
func TestCallsNumbersNormalised(t *testing.T) {
	a := newTestApp(t, withCalls(1000))
	c := a.demo(t)
	var seen url.Values
	a.sb.SetObserver(func(r *http.Request) { seen = r.URL.Query() })
	tests := []struct{ param, typed, sent string }{
		{"from_number", "098765 43210", "9876543210"},
		{"from_number", "+91 98765-43210", "9876543210"},
		{"from_number", "9876543210", "9876543210"},
		{"to_number", "+918012345678", "8012345678"},
		{"to_number", "080-1234-5678", "8012345678"},
		{"to_number", "918012345678", "8012345678"},
		{"to_number", "+1 415 555 2671", "4155552671"},
		{"to_number", "98765", "98765"},
		{"to_number", "+9198", "+9198"},
		{"search", "+91 98765 43210", "9876543210"},
		{"search", "98765", "98765"},
	}
	for _, tt := range tests {
		res, _ := a.get(t, c, "/calls?"+url.Values{tt.param: {tt.typed}}.Encode())
		if res.StatusCode != http.StatusOK || seen.Get(tt.param) != tt.sent {
			t.Errorf("%s=%q: status %d, reached the API as %q, want %q", tt.param, tt.typed, res.StatusCode, seen.Get(tt.param), tt.sent)
		}
	}
}

func TestCallsEmptyState(t *testing.T) {
	a := newTestApp(t, withCalls(1000))
	c := a.demo(t)
	res, body := a.get(t, c, "/calls?from_number=%2B910000000000&call_direction=inbound")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	empty := parsePage(t, body).text("empty")
	if !strings.Contains(empty, "No calls match") || !strings.Contains(empty, "Without caller number") {
		t.Errorf("empty state does not name the filters or offer to widen: %q", empty)
	}
}

func TestHomePage(t *testing.T) {
	a := newTestApp(t)
	c := a.demo(t)
	res, body := a.get(t, c, "/")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	p := parsePage(t, body)
	if n := len(p.all("call-row")); n != 20 {
		t.Errorf("%d recent rows, want 20", n)
	}
	if href := p.attr("today-calls", "href"); href != "/calls?end_date=2026-11-26&start_date=2026-11-26" {
		t.Errorf("link to today's calls is %q", href)
	}
	if total := p.text("tile-total"); total == "" || total == "0" {
		t.Error("today's summary shows no calls, but the sandbox has calls today")
	}
}

func TestQuickLookup(t *testing.T) {
	a := newTestApp(t, withCalls(1000))
	c := a.demo(t)
	uuid := string(a.sb.Call(3).UUID)
	tests := map[string]string{
		uuid:                  "/calls/" + uuid,
		strings.ToUpper(uuid): "/calls/" + uuid,
		"98765 43210":         "/calls?search=9876543210",
		"+91 98765-43210":     "/calls?search=9876543210",
		"Priya":               "/calls?search=Priya",
		"":                    "/calls",
	}
	for q, want := range tests {
		res, _ := a.get(t, c, "/lookup?"+url.Values{"q": {q}}.Encode())
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
			t.Errorf("lookup %q: %d %q, want %q", q, res.StatusCode, res.Header.Get("Location"), want)
		}
	}
}

// TestUpstreamFailures checks every upstream failure class becomes a clear
// page with the right status.
func TestUpstreamFailures(t *testing.T) {
	tests := []struct {
		name       string
		faults     sandbox.Faults
		status     int
		text       string
		retryAfter bool
	}{
		{"unauthorized", sandbox.Faults{ErrorRate: 1, ErrorStatus: 401}, 502, "credentials", false},
		{"forbidden", sandbox.Faults{ErrorRate: 1, ErrorStatus: 403}, 502, "credentials", false},
		{"rate limited", sandbox.Faults{ErrorRate: 1, ErrorStatus: 429, RetryAfter: 30 * time.Second}, 503, "retry in 30 s", true},
		{"server error", sandbox.Faults{ErrorRate: 1, ErrorStatus: 500}, 502, "Request ID to quote", false},
		{"bad gateway", sandbox.Faults{ErrorRate: 1, ErrorStatus: 502}, 502, "Request ID to quote", false},
		{"malformed", sandbox.Faults{Body: sandbox.BodyMalformedJSON}, 502, "could not read", false},
		{"html page", sandbox.Faults{Body: sandbox.BodyHTML, ErrorStatus: 502}, 502, "Vobiz could not answer", false},
		{"timeout", sandbox.Faults{HangBeforeHeaders: true}, 504, "did not answer in time", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestApp(t, withCalls(500), withClient(vobiz.WithTimeout(300*time.Millisecond), vobiz.WithRetries(0, time.Millisecond)))
			c := a.demo(t)
			a.sb.SetFaults(tt.faults)
			t.Cleanup(func() { a.sb.SetFaults(sandbox.Faults{}) })
			res, body := a.get(t, c, "/calls")
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.status)
			}
			if msg := parsePage(t, body).text("error"); !strings.Contains(msg, tt.text) {
				t.Errorf("error page does not say %q: %q", tt.text, msg)
			}
			if tt.retryAfter && res.Header.Get("Retry-After") != "30" {
				t.Errorf("Retry-After = %q, want 30", res.Header.Get("Retry-After"))
			}
			// Absent from the whole response, not just from one element.
			if strings.Contains(body, "goroutine ") || strings.Contains(body, "sandbox-token") {
				t.Error("error page leaks internals")
			}
		})
	}
}
