package vobiz

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	testAuthID = "MA_TEST1234"
	testToken  = "sekrit-token-7f3a9c"
)

// probe records what the client did: one entry per attempt (through the
// observer) and every backoff it asked for (through the sleep seam, which
// returns at once so no test sleeps).
type probe struct {
	mu       sync.Mutex
	attempts []attemptRec
	waits    []time.Duration
}

type attemptRec struct {
	endpoint string
	status   int
	err      error
}

func (p *probe) observe(endpoint string, status int, _ time.Duration, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.attempts = append(p.attempts, attemptRec{endpoint, status, err})
}

func (p *probe) sleep(ctx context.Context, d time.Duration) error {
	p.mu.Lock()
	p.waits = append(p.waits, d)
	p.mu.Unlock()
	return ctx.Err()
}

func (p *probe) statuses() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var s []int
	for _, a := range p.attempts {
		s = append(s, a.status)
	}
	return s
}

func (p *probe) waited() []time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Duration(nil), p.waits...)
}

// newTestClient returns a client for base with tiny backoff and a probe.
func newTestClient(t *testing.T, base string, opts ...Option) (*Client, *probe) {
	t.Helper()
	p := &probe{}
	all := append([]Option{WithRetries(2, time.Millisecond), WithObserver(p.observe)}, opts...)
	c, err := NewClient(base, testAuthID, testToken, all...)
	if err != nil {
		t.Fatal(err)
	}
	c.sleep = p.sleep
	return c, p
}

// server is an httptest server whose handler gets the 0-based request
// number, and which keeps a copy of every request.
type server struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

func newServer(t *testing.T, h func(n int, w http.ResponseWriter, r *http.Request)) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		n := len(s.reqs)
		s.reqs = append(s.reqs, r.Clone(context.Background()))
		s.mu.Unlock()
		h(n, w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

func (s *server) req(i int) *http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reqs[i]
}

func writeBody(w http.ResponseWriter, status int, contentType, body string) {
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func okJSON(body string) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeBody(w, http.StatusOK, "application/json", body)
	}
}

var bg = context.Background()

func TestNewClientValidation(t *testing.T) {
	bad := []struct{ base, id, token string }{
		{"", testAuthID, testToken},
		{"api.vobiz.ai", testAuthID, testToken},
		{"/relative/path", testAuthID, testToken},
		{"ftp://api.vobiz.ai", testAuthID, testToken},
		{"http://", testAuthID, testToken},
		{"https://user:pass@api.vobiz.ai", testAuthID, testToken},
		{"https://api.vobiz.ai?x=1", testAuthID, testToken},
		{"https://api.vobiz.ai/#frag", testAuthID, testToken},
		{"https://api.vobiz.ai", "", testToken},
		{"https://api.vobiz.ai", "  ", testToken},
		{"https://api.vobiz.ai", "MA_\nX", testToken},
		{"https://api.vobiz.ai", testAuthID, "tok\r\nX-Evil: 1"},
	}
	for _, b := range bad {
		c, err := NewClient(b.base, b.id, b.token)
		if err == nil || c != nil {
			t.Errorf("NewClient(%q, %q) accepted", b.base, b.id)
			continue
		}
		if strings.Contains(err.Error(), "pass@") || strings.Contains(err.Error(), testToken) {
			t.Errorf("NewClient error leaks credentials: %v", err)
		}
	}
	for _, base := range []string{"https://api.vobiz.ai", "http://127.0.0.1:8080/", "https://example.test/vobiz/proxy/"} {
		c, err := NewClient(base, testAuthID, "")
		if err != nil {
			t.Errorf("NewClient(%q) = %v", base, err)
			continue
		}
		if c.AuthID() != testAuthID {
			t.Errorf("AuthID = %q", c.AuthID())
		}
	}
}

func TestRequestShape(t *testing.T) {
	s := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/export") {
			writeBody(w, http.StatusOK, "text/csv", "uuid\n")
			return
		}
		if strings.HasSuffix(r.URL.Path, "/u-1") {
			writeBody(w, http.StatusOK, "application/json", `{"data":{"uuid":"u-1"},"success":true}`)
			return
		}
		writeBody(w, http.StatusOK, "application/json", `{"data":[],"success":true}`)
	})
	// The base URL has its own path prefix (a reverse proxy, the sandbox).
	c, p := newTestClient(t, s.URL+"/prefix/")
	f := Filter{FromNumber: "+91 98", StartDate: "2026-03-01", EndDate: "2026-03-31", CallDirection: "inbound",
		MinDuration: intp(10), Page: 2, PerPage: 50}

	calls := []struct {
		name       string
		call       func() error
		path       string
		query      string
		accept     string
		userAgentX string
	}{
		{"list", func() error { _, err := c.List(bg, f); return err }, "/prefix/api/v1/Account/MA_TEST1234/cdr",
			"call_direction=inbound&end_date=2026-03-31&from_number=%2B91+98&min_duration=10&page=2&per_page=50&start_date=2026-03-01",
			"application/json", ""},
		{"search", func() error { _, err := c.Search(bg, f); return err }, "/prefix/api/v1/Account/MA_TEST1234/cdr/search",
			"call_direction=inbound&end_date=2026-03-31&from_number=%2B91+98&min_duration=10&page=2&per_page=50&start_date=2026-03-01",
			"application/json", ""},
		{"recent", func() error { _, err := c.Recent(bg, 50); return err }, "/prefix/api/v1/Account/MA_TEST1234/cdr/recent",
			"limit=50", "application/json", ""},
		{"get", func() error { _, err := c.Get(bg, "u-1"); return err }, "/prefix/api/v1/Account/MA_TEST1234/cdr/u-1",
			"", "application/json", ""},
		{"export", func() error {
			rc, err := c.Export(bg, f)
			if err == nil {
				rc.Close()
			}
			return err
		}, "/prefix/api/v1/Account/MA_TEST1234/cdr/export",
			// page and per_page are stripped from exports
			"call_direction=inbound&end_date=2026-03-31&from_number=%2B91+98&min_duration=10&start_date=2026-03-01",
			"text/csv", ""},
	}
	for i, tc := range calls {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); err != nil {
				t.Fatal(err)
			}
			r := s.req(i)
			if r.Method != http.MethodGet {
				t.Errorf("method = %s", r.Method)
			}
			if r.URL.Path != tc.path {
				t.Errorf("path = %s, want %s", r.URL.Path, tc.path)
			}
			if r.URL.RawQuery != tc.query {
				t.Errorf("query = %s\nwant    %s", r.URL.RawQuery, tc.query)
			}
			if got := r.Header.Get("X-Auth-ID"); got != testAuthID {
				t.Errorf("X-Auth-ID = %q", got)
			}
			if got := r.Header.Get("X-Auth-Token"); got != testToken {
				t.Errorf("X-Auth-Token = %q", got)
			}
			if got := r.Header.Get("Accept"); got != tc.accept {
				t.Errorf("Accept = %q, want %q", got, tc.accept)
			}
			if got := r.Header.Get("User-Agent"); !strings.HasPrefix(got, "cdrdash/") {
				t.Errorf("User-Agent = %q", got)
			}
			if a := p.attempts[i]; a.endpoint != tc.name || a.status != 200 || a.err != nil {
				t.Errorf("observer got %+v", a)
			}
		})
	}
}

func TestPathEscaping(t *testing.T) {
	s := newServer(t, okJSON(`{"data":{"uuid":"a b?c#d"},"success":true}`))
	c, err := NewClient(s.URL, "MA/odd id", testToken, WithUserAgent("probe/1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(bg, "a?b#c%d"); err != nil {
		t.Fatal(err)
	}
	r := s.req(0)
	if want := "/api/v1/Account/MA%2Fodd%20id/cdr/a%3Fb%23c%25d"; r.URL.EscapedPath() != want || r.URL.RawQuery != "" {
		t.Errorf("path = %s ? %s, want %s", r.URL.EscapedPath(), r.URL.RawQuery, want)
	}
	if r.Header.Get("User-Agent") != "probe/1" {
		t.Errorf("User-Agent = %q", r.Header.Get("User-Agent"))
	}
}

func TestDecodeEachEndpoint(t *testing.T) {
	body := searchBody(5)
	s := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/recent"):
			writeBody(w, 200, "application/json", `{"account_id":"MA_X","count":1,"data":[`+answeredJSON+`],"success":true}`)
		case strings.HasSuffix(r.URL.Path, "/search"):
			writeBody(w, 200, "application/json; charset=utf-8", string(body))
		default:
			writeBody(w, 200, "application/json", string(body))
		}
	})
	c, _ := newTestClient(t, s.URL)
	l, err := c.List(bg, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Data) != 5 || l.Pagination.Total != 4500 || l.Summary.AnsweredCalls != 2171 || l.Data[0].Raw != nil {
		t.Errorf("list = %+v", l.Pagination)
	}
	sr, err := c.Search(bg, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sr.Data) != 5 || sr.Filters["call_direction"] != "outbound" {
		t.Errorf("search filters = %v", sr.Filters)
	}
	rr, err := c.Recent(bg, 0)
	if err != nil {
		t.Fatal(err)
	}
	if rr.Count != 1 || len(rr.Data) != 1 {
		t.Fatalf("recent = %+v", rr)
	}
	assertCDR(t, rr.Data[0], wantAnswered())
	if s.req(2).URL.RawQuery != "" {
		t.Errorf("Recent(0) sent %q; want the API default", s.req(2).URL.RawQuery)
	}
}

func TestRecentLimitValidation(t *testing.T) {
	s := newServer(t, okJSON(`{"data":[]}`))
	c, _ := newTestClient(t, s.URL)
	for _, n := range []int{-1, MaxLimit + 1} {
		if _, err := c.Recent(bg, n); !IsValidation(err) {
			t.Errorf("Recent(%d) err = %v, want validation error", n, err)
		}
	}
	if _, err := c.Recent(bg, MaxLimit); err != nil {
		t.Fatal(err)
	}
	if s.count() != 1 || s.req(0).URL.RawQuery != "limit=100" {
		t.Errorf("requests = %d, query %q", s.count(), s.req(0).URL.RawQuery)
	}
}

func TestInvalidFilterSendsNothing(t *testing.T) {
	s := newServer(t, okJSON(`{"data":[]}`))
	c, _ := newTestClient(t, s.URL)
	bad := Filter{StartDate: "2026-02-30"}
	_, err1 := c.List(bg, bad)
	_, err2 := c.Search(bg, bad)
	_, err3 := c.Export(bg, bad)
	for _, err := range []error{err1, err2, err3} {
		var v *ValidationError
		if !errors.As(err, &v) {
			t.Errorf("err = %v, want *ValidationError", err)
		}
	}
	if s.count() != 0 {
		t.Errorf("%d requests sent for an invalid filter", s.count())
	}
}

func TestGet(t *testing.T) {
	wrapped := `{"data": ` + answeredJSON + `, "success": true}`
	tests := []struct {
		name    string
		body    string
		wantErr error
	}{
		{"wrapped", wrapped, nil},
		{"bare partner form", answeredJSON, nil},
		{"data null", `{"data":null,"success":true}`, ErrNotFound},
		{"data not an object", `{"data":[1],"success":true}`, ErrBadResponse},
		{"no uuid", `{"success":true}`, ErrBadResponse},
		{"array", `[` + answeredJSON + `]`, ErrBadResponse},
		{"bad field type", `{"data":{"uuid":"u","billsec":"forty"}}`, ErrBadResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, okJSON(tt.body))
			c, p := newTestClient(t, s.URL)
			cdr, err := c.Get(bg, "aabbccdd-1234-5678-90ab-cdef12345678")
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || cdr != nil {
					t.Fatalf("Get = %v, %v; want %v", cdr, err, tt.wantErr)
				}
				if len(p.attempts) != 1 {
					t.Errorf("%d attempts, want 1", len(p.attempts))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			assertCDR(t, *cdr, wantAnswered())
			// Raw is the record object itself, not the envelope.
			var compactRaw, compactWant bytes.Buffer
			if err := json.Compact(&compactRaw, cdr.Raw); err != nil {
				t.Fatal(err)
			}
			_ = json.Compact(&compactWant, []byte(answeredJSON))
			if compactRaw.String() != compactWant.String() {
				t.Errorf("Raw = %s", cdr.Raw)
			}
		})
	}
}

func TestGetValidatesUUID(t *testing.T) {
	s := newServer(t, okJSON(`{}`))
	c, _ := newTestClient(t, s.URL)
	for _, id := range []string{"", "a/b", "..", ".", "a b", "a\nb", strings.Repeat("a", 65)} {
		if _, err := c.Get(bg, id); !IsValidation(err) {
			t.Errorf("Get(%q) err = %v, want validation error", id, err)
		}
	}
	if s.count() != 0 {
		t.Errorf("%d requests sent", s.count())
	}
}

// D-ERR shaped error body.
func derr(code, msg string, retryAfter int) string {
	return fmt.Sprintf(`{"status":"error","error":{"code":%q,"message":%q,"details":{"retryAfter":%d}},"timestamp":"2025-10-12T10:30:00.000Z","requestId":"req_7a8b9c0d1e2f"}`,
		code, msg, retryAfter)
}

func TestStatusErrors(t *testing.T) {
	date := time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		ctype      string
		body       string
		sentinel   error // nil: matches no sentinel
		attempts   int
		code, msg  string
		requestID  string
		retryAfter time.Duration // on the final error; -1 for "between 1s and 3s"
		waits      func([]time.Duration) bool
	}{
		{name: "400 D-ERR", status: 400, body: derr("VALIDATION_ERROR", "bad date", 0), sentinel: ErrBadRequest,
			attempts: 1, code: "VALIDATION_ERROR", msg: "bad date", requestID: "req_7a8b9c0d1e2f"},
		{name: "401 string error", status: 401, body: `{"error":"invalid credentials"}`, sentinel: ErrUnauthorized,
			attempts: 1, msg: "invalid credentials"},
		{name: "403 inactive", status: 403, body: derr("ACCOUNT_INACTIVE", "Account is inactive", 0), sentinel: ErrForbidden,
			attempts: 1, code: "ACCOUNT_INACTIVE", msg: "Account is inactive", requestID: "req_7a8b9c0d1e2f"},
		{name: "404 empty body", status: 404, ctype: "-", sentinel: ErrNotFound, attempts: 1},
		{name: "404 string", status: 404, body: `{"error":"CDR not found"}`, sentinel: ErrNotFound, attempts: 1, msg: "CDR not found"},
		{name: "422", status: 422, body: `{"error":{"code":"VALIDATION_ERROR","message":"per_page too big","details":{"errors":[{"field":"per_page"}]}}}`,
			sentinel: ErrBadRequest, attempts: 1, code: "VALIDATION_ERROR", msg: "per_page too big"},
		{name: "429 no Retry-After", status: 429, body: `{"error":"slow down"}`, sentinel: ErrRateLimited, attempts: 3, msg: "slow down",
			waits: func(w []time.Duration) bool {
				// jittered exponential from 1ms: [0.5,1]ms then [1,2]ms
				return len(w) == 2 && w[0] >= 500*time.Microsecond && w[0] <= time.Millisecond &&
					w[1] >= time.Millisecond && w[1] <= 2*time.Millisecond
			}},
		{name: "429 Retry-After seconds", status: 429, header: map[string]string{"Retry-After": "2"},
			body: derr("RATE_LIMIT_EXCEEDED", "Too many requests", 1), sentinel: ErrRateLimited, attempts: 3,
			code: "RATE_LIMIT_EXCEEDED", msg: "Too many requests", requestID: "req_7a8b9c0d1e2f", retryAfter: 2 * time.Second,
			waits: func(w []time.Duration) bool { return len(w) == 2 && w[0] == 2*time.Second && w[1] == 2*time.Second }},
		{name: "429 Retry-After date", status: 429, header: map[string]string{"Retry-After": date}, body: `{}`,
			sentinel: ErrRateLimited, attempts: 3, retryAfter: -1, // "about 3s", checked below
			waits: func(w []time.Duration) bool { return len(w) == 2 && w[0] > time.Second && w[0] <= 3*time.Second }},
		{name: "429 retryAfter in body only", status: 429, body: derr("RATE_LIMIT_EXCEEDED", "x", 1),
			sentinel: ErrRateLimited, attempts: 3, code: "RATE_LIMIT_EXCEEDED", msg: "x", requestID: "req_7a8b9c0d1e2f",
			retryAfter: time.Second,
			waits:      func(w []time.Duration) bool { return len(w) == 2 && w[0] == time.Second }},
		{name: "429 Retry-After over the cap", status: 429, header: map[string]string{"Retry-After": "3600"},
			body: `{"error":"quota"}`, sentinel: ErrRateLimited, attempts: 1, msg: "quota", retryAfter: time.Hour},
		{name: "500 not retried", status: 500, body: `{"error":"boom"}`, attempts: 1, msg: "boom"},
		{name: "502", status: 502, ctype: "text/plain", body: "upstream connect error\nmore", sentinel: ErrUnavailable, attempts: 3,
			msg: "upstream connect error"},
		{name: "503 with Retry-After", status: 503, header: map[string]string{"Retry-After": "1", "X-Request-Id": "hdr-42"},
			body: `{"error":"maintenance"}`, sentinel: ErrUnavailable, attempts: 3, msg: "maintenance", requestID: "hdr-42",
			retryAfter: time.Second},
		{name: "504", status: 504, body: ``, sentinel: ErrUnavailable, attempts: 3},
		{name: "502 HTML from a proxy", status: 502, ctype: "text/html",
			body:     "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
			sentinel: ErrUnavailable, attempts: 3, msg: "502 Bad Gateway"},
		{name: "418 other 4xx", status: 418, body: `not json`, attempts: 1, msg: "not json"},
	}
	sentinels := []error{ErrUnauthorized, ErrForbidden, ErrNotFound, ErrRateLimited, ErrBadRequest,
		ErrUnavailable, ErrBadResponse, ErrTimeout, ErrResponseTooLarge}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				ct := tt.ctype
				switch ct {
				case "":
					ct = "application/json"
				case "-":
					ct = ""
				}
				writeBody(w, tt.status, ct, tt.body)
			})
			c, p := newTestClient(t, s.URL)
			_, err := c.Search(bg, Filter{})
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v (%T), want *APIError", err, err)
			}
			for _, se := range sentinels {
				if got := errors.Is(err, se); got != (se == tt.sentinel) {
					t.Errorf("errors.Is(err, %v) = %v", se, got)
				}
			}
			wantRA := tt.retryAfter
			if wantRA < 0 && ae.RetryAfter > time.Second && ae.RetryAfter <= 3*time.Second {
				wantRA = ae.RetryAfter
			}
			if ae.StatusCode != tt.status || ae.Endpoint != "search" || ae.Code != tt.code || ae.Message != tt.msg ||
				ae.RequestID != tt.requestID || ae.RetryAfter != wantRA {
				t.Errorf("APIError = status %d endpoint %q code %q msg %q request %q retry %v",
					ae.StatusCode, ae.Endpoint, ae.Code, ae.Message, ae.RequestID, ae.RetryAfter)
			}
			if d, ok := RetryAfter(err); ok != (wantRA > 0) || d != wantRA {
				t.Errorf("RetryAfter(err) = %v, %v", d, ok)
			}
			if len(p.attempts) != tt.attempts || s.count() != tt.attempts {
				t.Errorf("attempts = %d (server saw %d), want %d", len(p.attempts), s.count(), tt.attempts)
			}
			for _, a := range p.attempts {
				if a.endpoint != "search" || a.status != tt.status || a.err == nil {
					t.Errorf("observer got %+v", a)
				}
			}
			if tt.waits != nil && !tt.waits(p.waited()) {
				t.Errorf("waits = %v", p.waited())
			}
			if !strings.HasPrefix(err.Error(), "vobiz: search cdrs: HTTP ") {
				t.Errorf("Error() = %q", err)
			}
			if len(ae.Body) > maxErrorBody {
				t.Errorf("Body is %d bytes", len(ae.Body))
			}
		})
	}
}

func TestRetryThenSuccess(t *testing.T) {
	s := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n < 2 {
			writeBody(w, []int{503, 429}[n], "application/json", `{"error":"busy"}`)
			return
		}
		writeBody(w, 200, "application/json", `{"data":[],"success":true}`)
	})
	c, p := newTestClient(t, s.URL)
	if _, err := c.List(bg, Filter{}); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(p.statuses()); got != "[503 429 200]" {
		t.Errorf("attempt statuses = %s", got)
	}
	if len(p.waited()) != 2 {
		t.Errorf("waits = %v", p.waited())
	}
}

func TestRetriesDisabledAndBackoffCap(t *testing.T) {
	s := newServer(t, func(int, http.ResponseWriter, *http.Request) {})
	s.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeBody(w, 503, "application/json", `{}`)
	})
	c, p := newTestClient(t, s.URL, WithRetries(0, time.Millisecond))
	if _, err := c.List(bg, Filter{}); !errors.Is(err, ErrUnavailable) || len(p.attempts) != 1 {
		t.Errorf("err = %v after %d attempts, want 1 attempt", err, len(p.attempts))
	}
	// A long run of retries never waits more than the cap.
	c2, _ := newTestClient(t, s.URL, WithRetries(40, time.Second))
	for n := range 40 {
		if d := c2.backoff(n); d < 500*time.Millisecond || d > maxBackoff {
			t.Fatalf("backoff(%d) = %v", n, d)
		}
	}
}

// A Retry-After that outlasts the caller's deadline is not waited out:
// the caller gets the rate-limit error at once, with RetryAfter.
func TestRetryAfterBeyondDeadline(t *testing.T) {
	s := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "5")
		writeBody(w, 429, "application/json", `{}`)
	})
	c, p := newTestClient(t, s.URL)
	ctx, cancel := context.WithTimeout(bg, 2*time.Second)
	defer cancel()
	_, err := c.List(ctx, Filter{})
	if d, ok := RetryAfter(err); !errors.Is(err, ErrRateLimited) || !ok || d != 5*time.Second {
		t.Fatalf("err = %v, RetryAfter %v %v", err, d, ok)
	}
	if len(p.attempts) != 1 || len(p.waited()) != 0 {
		t.Errorf("attempts %d, waits %v", len(p.attempts), p.waited())
	}
}

// Real waiting (no sleep seam) with a tiny backoff, and cancellation
// during the wait.
func TestBackoffRealSleepAndCancel(t *testing.T) {
	s := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeBody(w, 503, "application/json", `{}`)
	})
	c, err := NewClient(s.URL, testAuthID, testToken, WithRetries(2, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.List(bg, Filter{}); !errors.Is(err, ErrUnavailable) || s.count() != 3 {
		t.Errorf("err = %v after %d requests", err, s.count())
	}
	c2, _ := NewClient(s.URL, testAuthID, testToken, WithRetries(2, time.Hour))
	ctx, cancel := context.WithCancel(bg)
	c2.observer = func(string, int, time.Duration, error) { cancel() } // cancel while backing off
	_, err = c2.List(ctx, Filter{})
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnavailable) {
		t.Errorf("err = %v, want context.Canceled only", err)
	}
}

func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, p := newTestClient(t, "http://"+addr)
	_, err = c.List(bg, Filter{})
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v", err)
	}
	if got := fmt.Sprint(p.statuses()); got != "[0 0 0]" {
		t.Errorf("attempt statuses = %s, want three transport failures", got)
	}
	if !strings.Contains(err.Error(), "cannot reach the API") {
		t.Errorf("Error() = %q", err)
	}
}

// hijack takes over the connection, writes raw, and closes it; with reset
// the close is an RST rather than a FIN.
func hijack(t *testing.T, w http.ResponseWriter, raw string, reset bool) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	if raw != "" {
		_, _ = buf.WriteString(raw)
		_ = buf.Flush()
	}
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		_ = tc.SetLinger(0)
	}
	conn.Close()
}

func TestConnectionDroppedBeforeResponse(t *testing.T) {
	for _, reset := range []bool{false, true} {
		t.Run(fmt.Sprintf("reset=%v", reset), func(t *testing.T) {
			s := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if n < 2 {
					hijack(t, w, "", reset)
					return
				}
				writeBody(w, 200, "application/json", `{"data":[],"success":true}`)
			})
			c, p := newTestClient(t, s.URL)
			if _, err := c.List(bg, Filter{}); err != nil {
				t.Fatalf("List = %v after %v", err, p.statuses())
			}
			if got := fmt.Sprint(p.statuses()); got != "[0 0 200]" {
				t.Errorf("attempt statuses = %s", got)
			}
		})
	}
}

func TestConnectionResetMidBody(t *testing.T) {
	partial := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"data\":[" + answeredJSON
	s := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { hijack(t, w, partial, true) })
	c, p := newTestClient(t, s.URL)
	_, err := c.List(bg, Filter{})
	var ae *APIError
	if !errors.As(err, &ae) || !errors.Is(err, ErrUnavailable) || ae.StatusCode != 200 || errors.Is(err, ErrBadResponse) {
		t.Fatalf("err = %v", err)
	}
	// The server had answered: not retried.
	if len(p.attempts) != 1 {
		t.Errorf("attempts = %d, want 1", len(p.attempts))
	}
}

func TestTimeouts(t *testing.T) {
	t.Run("before headers", func(t *testing.T) {
		s := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		c, p := newTestClient(t, s.URL, WithTimeout(50*time.Millisecond))
		_, err := c.List(bg, Filter{})
		if !errors.Is(err, ErrTimeout) || errors.Is(err, context.Canceled) || errors.Is(err, ErrUnavailable) {
			t.Fatalf("err = %v", err)
		}
		if len(p.attempts) != 1 {
			t.Errorf("%d attempts; timeouts are not retried", len(p.attempts))
		}
		if !strings.Contains(err.Error(), "timed out") {
			t.Errorf("Error() = %q", err)
		}
	})
	t.Run("slow body", func(t *testing.T) {
		s := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"data":[`)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		})
		c, _ := newTestClient(t, s.URL, WithTimeout(50*time.Millisecond))
		_, err := c.List(bg, Filter{})
		var ae *APIError
		if !errors.Is(err, ErrTimeout) || !errors.As(err, &ae) || ae.StatusCode != 200 {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("caller cancels", func(t *testing.T) {
		started := make(chan struct{})
		s := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
			close(started)
			<-r.Context().Done()
		})
		c, p := newTestClient(t, s.URL)
		ctx, cancel := context.WithCancel(bg)
		go func() { <-started; cancel() }()
		_, err := c.List(ctx, Filter{})
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) || errors.Is(err, ErrUnavailable) {
			t.Fatalf("err = %v, want wrapped context.Canceled", err)
		}
		if !strings.HasPrefix(err.Error(), "vobiz: list cdrs: ") || len(p.attempts) != 1 {
			t.Errorf("err = %q after %d attempts", err, len(p.attempts))
		}
	})
	t.Run("caller deadline", func(t *testing.T) {
		s := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		c, _ := newTestClient(t, s.URL)
		ctx, cancel := context.WithTimeout(bg, 30*time.Millisecond)
		defer cancel()
		_, err := c.List(ctx, Filter{})
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrTimeout) {
			t.Fatalf("err = %v, want the caller's DeadlineExceeded", err)
		}
	})
	t.Run("http.Client timeout", func(t *testing.T) {
		s := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		c, _ := newTestClient(t, s.URL, WithHTTPClient(&http.Client{Timeout: 30 * time.Millisecond}), WithTimeout(0))
		if _, err := c.List(bg, Filter{}); !errors.Is(err, ErrTimeout) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestBadResponses(t *testing.T) {
	big := `{"data":[` + strings.Repeat(answeredJSON+",", 3) + answeredJSON + `]}`
	tests := []struct {
		name     string
		ctype    string
		body     string
		chunked  bool
		want     []error
		contains []string
	}{
		{name: "malformed JSON", ctype: "application/json", body: `{"data":[}`, want: []error{ErrBadResponse},
			contains: []string{"byte 10"}},
		{name: "truncated JSON", ctype: "application/json", body: `{"data":[` + answeredJSON[:200], want: []error{ErrBadResponse},
			contains: []string{"unexpected end of JSON input"}},
		{name: "body over limit", ctype: "application/json", body: big, want: []error{ErrBadResponse, ErrResponseTooLarge},
			contains: []string{"too large", "limit"}},
		{name: "body over limit, no length", ctype: "application/json", body: big, chunked: true,
			want: []error{ErrBadResponse, ErrResponseTooLarge}},
		{name: "HTML on a 200", ctype: "text/html; charset=utf-8", body: "<html><title>Sign in – Corp Proxy</title></html>",
			want: []error{ErrBadResponse}, contains: []string{"text/html", "Sign in – Corp Proxy"}},
		{name: "JSON labelled text/plain", ctype: "text/plain", body: `{"data":[]}`, want: []error{ErrBadResponse}},
		{name: "object where a number belongs", ctype: "application/json", body: `{"data":[{"uuid":"u","duration":{}}]}`,
			want: []error{ErrBadResponse}, contains: []string{"data.duration"}},
		{name: "string where a list belongs", ctype: "application/json", body: `{"data":"none"}`, want: []error{ErrBadResponse}},
		{name: "no data key", ctype: "application/json", body: `{"success":true}`, want: []error{ErrBadResponse},
			contains: []string{`no "data"`}},
		{name: "array body", ctype: "application/json", body: `[]`, want: []error{ErrBadResponse}},
		{name: "empty body", ctype: "application/json", body: ``, want: []error{ErrBadResponse}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tt.ctype)
				if tt.chunked {
					_, _ = io.WriteString(w, tt.body[:10])
					w.(http.Flusher).Flush()
					_, _ = io.WriteString(w, tt.body[10:])
					return
				}
				w.Header().Set("Content-Length", fmt.Sprint(len(tt.body)))
				_, _ = io.WriteString(w, tt.body)
			})
			c, p := newTestClient(t, s.URL, WithMaxBodyBytes(int64(len(answeredJSON)*2)))
			_, err := c.List(bg, Filter{})
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("err = %v, want %v", err, w)
				}
			}
			for _, other := range []error{ErrUnavailable, ErrTimeout, ErrNotFound, ErrRateLimited} {
				if errors.Is(err, other) {
					t.Errorf("err also matches %v", other)
				}
			}
			for _, sub := range tt.contains {
				if !strings.Contains(err.Error(), sub) {
					t.Errorf("Error() = %q, want it to contain %q", err, sub)
				}
			}
			if len(p.attempts) != 1 {
				t.Errorf("attempts = %d; bad responses are not retried", len(p.attempts))
			}
		})
	}
}

func TestTokenNeverLeaks(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		tok := r.Header.Get("X-Auth-Token")
		w.Header().Set("X-Request-Id", "rid-"+tok)
		switch n % 4 {
		case 0: // an error body echoing the request headers
			writeBody(w, 401, "application/json", `{"error":{"code":"BAD_`+tok+`","message":"token `+tok+` refused"},"requestId":"`+tok+`"}`)
		case 1: // a 200 with garbage that mentions the token
			writeBody(w, 200, "application/json", `{"data":[{"uuid":"`+tok+`","duration":"`+tok+`"}]}`)
		case 2: // a proxy page echoing it
			writeBody(w, 502, "text/html", `<title>bad gateway for `+tok+`</title>`)
		default:
			writeBody(w, 200, "text/html", `<title>login `+tok+`</title>`+tok)
		}
	})
	c, _ := newTestClient(t, s.URL, WithLogger(logger), WithRetries(0, time.Millisecond))
	for range 4 {
		_, err := c.List(bg, Filter{})
		if err == nil {
			t.Fatal("want an error")
		}
		var ae *APIError
		errors.As(err, &ae)
		for what, text := range map[string]string{
			"Error()": err.Error(), "%+v": fmt.Sprintf("%+v", err), "Body": string(ae.Body),
			"fields": ae.Code + ae.Message + ae.RequestID,
		} {
			if strings.Contains(text, testToken) {
				t.Errorf("%s leaks the token: %s", what, text)
			}
		}
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	ln.Close()
	c2, _ := newTestClient(t, "http://"+ln.Addr().String(), WithLogger(logger))
	if _, err := c2.Get(bg, "u"); err == nil || strings.Contains(err.Error(), testToken) {
		t.Errorf("transport error = %v", err)
	}
	if logs.Len() == 0 {
		t.Error("nothing was logged at debug level")
	}
	if strings.Contains(logs.String(), testToken) {
		t.Errorf("logs leak the token:\n%s", logs.String())
	}
}

func TestWithHTTPClientIsUsed(t *testing.T) {
	s := newServer(t, okJSON(`{"data":[]}`))
	var used int
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used++
		return http.DefaultTransport.RoundTrip(r)
	})}
	c, _ := newTestClient(t, s.URL, WithHTTPClient(hc))
	if _, err := c.Recent(bg, 5); err != nil || used != 1 {
		t.Errorf("err %v, custom transport used %d times", err, used)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// exportServer streams a CSV in two parts: the header and first row, then
// (after next is closed) the rest. done is closed when the handler ends,
// with the reason.
func exportServer(t *testing.T, next <-chan struct{}) (*server, <-chan string) {
	done := make(chan string, 1)
	s := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		_, _ = io.WriteString(w, "uuid,duration,billsec\r\nu-1,47,42\r\n")
		w.(http.Flusher).Flush()
		select {
		case <-next:
		case <-r.Context().Done():
			done <- "cancelled"
			return
		}
		for i := 2; i <= 1000; i++ {
			if _, err := fmt.Fprintf(w, "u-%d,%d,0\r\n", i, i); err != nil {
				done <- "write failed"
				return
			}
		}
		done <- "complete"
	})
	return s, done
}

func TestExportStreams(t *testing.T) {
	next := make(chan struct{})
	s, done := exportServer(t, next)
	c, p := newTestClient(t, s.URL)
	rc, err := c.Export(bg, Filter{StartDate: "2026-03-01", EndDate: "2026-03-02", Page: 4, PerPage: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if q := s.req(0).URL.Query(); q.Has("page") || q.Has("per_page") || q.Get("start_date") != "2026-03-01" {
		t.Errorf("export query = %v", q)
	}
	if got := fmt.Sprint(p.statuses()); got != "[200]" {
		t.Errorf("observer = %s", got)
	}
	er, err := NewExportReader(rc)
	if err != nil {
		t.Fatal(err)
	}
	// The first row arrives while the server still holds the rest back:
	// Export streams, it does not buffer.
	first, err := er.Next()
	if err != nil || first.UUID != "u-1" || first.Duration != 47 {
		t.Fatalf("first row = %+v, %v", first, err)
	}
	close(next)
	n := 1
	for {
		c, err := er.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if want := fmt.Sprintf("u-%d", n); string(c.UUID) != want {
			t.Fatalf("row %d uuid %s", n, c.UUID)
		}
	}
	if n != 1000 || <-done != "complete" {
		t.Errorf("read %d rows", n)
	}
	if err := rc.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	if err := rc.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

func TestExportCancelAndClose(t *testing.T) {
	t.Run("ctx cancel stops the stream", func(t *testing.T) {
		next := make(chan struct{})
		s, done := exportServer(t, next)
		c, _ := newTestClient(t, s.URL)
		ctx, cancel := context.WithCancel(bg)
		rc, err := c.Export(ctx, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		br := bufio.NewReader(rc)
		if line, err := br.ReadString('\n'); err != nil || line != "uuid,duration,billsec\r\n" {
			t.Fatalf("first line %q, %v", line, err)
		}
		cancel()
		_, err = io.ReadAll(br)
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnavailable) {
			t.Errorf("read after cancel = %v", err)
		}
		if got := <-done; got != "cancelled" {
			t.Errorf("server saw %s", got)
		}
	})
	t.Run("Close releases the request", func(t *testing.T) {
		next := make(chan struct{})
		s, done := exportServer(t, next)
		c, _ := newTestClient(t, s.URL)
		rc, err := c.Export(bg, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 4)
		if _, err := io.ReadFull(rc, buf); err != nil {
			t.Fatal(err)
		}
		if err := rc.Close(); err != nil {
			t.Fatal(err)
		}
		if got := <-done; got != "cancelled" {
			t.Errorf("server saw %s", got)
		}
		if _, err := rc.Read(buf); err == nil {
			t.Error("Read after Close succeeded")
		}
	})
	t.Run("stall is a timeout", func(t *testing.T) {
		next := make(chan struct{}) // never closed: the server stalls after row 1
		s, _ := exportServer(t, next)
		c, _ := newTestClient(t, s.URL, WithTimeout(50*time.Millisecond))
		rc, err := c.Export(bg, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		_, err = io.ReadAll(rc)
		if !errors.Is(err, ErrTimeout) || errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want ErrTimeout", err)
		}
	})
	t.Run("slow consumer is not a stall", func(t *testing.T) {
		next := make(chan struct{})
		s, done := exportServer(t, next)
		c, _ := newTestClient(t, s.URL, WithTimeout(30*time.Millisecond))
		rc, err := c.Export(bg, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		buf := make([]byte, 8)
		if _, err := io.ReadFull(rc, buf); err != nil {
			t.Fatal(err)
		}
		// The consumer dawdles between reads for longer than the limit;
		// the server has data ready, so the stream must not be cut. The
		// wait is on a timer channel, not the stall timer under test.
		close(next)
		<-time.After(60 * time.Millisecond)
		if _, err := io.Copy(io.Discard, rc); err != nil {
			t.Errorf("stream cut: %v", err)
		}
		<-done
	})
}

func TestExportErrors(t *testing.T) {
	t.Run("401 before the stream", func(t *testing.T) {
		s := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			writeBody(w, 401, "application/json", `{"error":"invalid credentials"}`)
		})
		c, p := newTestClient(t, s.URL)
		rc, err := c.Export(bg, Filter{})
		if rc != nil || !errors.Is(err, ErrUnauthorized) || len(p.attempts) != 1 {
			t.Errorf("Export = %v, %v after %d attempts", rc, err, len(p.attempts))
		}
	})
	t.Run("503 retried before the first byte", func(t *testing.T) {
		s := newServer(t, func(n int, w http.ResponseWriter, _ *http.Request) {
			if n == 0 {
				writeBody(w, 503, "application/json", `{}`)
				return
			}
			writeBody(w, 200, "text/csv", "uuid\r\nu-1\r\n")
		})
		c, p := newTestClient(t, s.URL)
		rc, err := c.Export(bg, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil || string(b) != "uuid\r\nu-1\r\n" || fmt.Sprint(p.statuses()) != "[503 200]" {
			t.Errorf("body %q, %v, attempts %v", b, err, p.statuses())
		}
	})
	t.Run("huge error body is read only in part", func(t *testing.T) {
		s := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(500)
			chunk := strings.Repeat("x", 64<<10)
			for range 64 { // 4 MiB
				if _, err := io.WriteString(w, chunk); err != nil {
					return
				}
			}
		})
		c, _ := newTestClient(t, s.URL)
		_, err := c.Export(bg, Filter{})
		var ae *APIError
		if !errors.As(err, &ae) || ae.StatusCode != 500 || len(ae.Body) != maxErrorBody {
			t.Errorf("err = %.80v, body %d bytes", err, len(ae.Body))
		}
	})
	t.Run("HTML page on a 200", func(t *testing.T) {
		s := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			writeBody(w, 200, "text/html", "<html><title>Portal</title></html>")
		})
		c, _ := newTestClient(t, s.URL)
		if _, err := c.Export(bg, Filter{}); !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), "Portal") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("timeout before headers", func(t *testing.T) {
		s := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		c, p := newTestClient(t, s.URL, WithTimeout(40*time.Millisecond))
		if _, err := c.Export(bg, Filter{}); !errors.Is(err, ErrTimeout) || len(p.attempts) != 1 {
			t.Errorf("err = %v after %d attempts", err, len(p.attempts))
		}
	})
	t.Run("connection reset mid-stream", func(t *testing.T) {
		raw := "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"10\r\nuuid,duration\r\nu-\r\n"
		s := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { hijack(t, w, raw, true) })
		c, _ := newTestClient(t, s.URL)
		rc, err := c.Export(bg, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		_, err = io.ReadAll(rc)
		if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "stream cut after 16 bytes") {
			t.Errorf("err = %v", err)
		}
	})
}

// The client is used by many page loads at once.
func TestConcurrentUse(t *testing.T) {
	body := searchBody(10)
	s := newServer(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n%5 == 0 {
			writeBody(w, 503, "application/json", `{}`)
			return
		}
		writeBody(w, 200, "application/json", string(body))
	})
	c, _ := newTestClient(t, s.URL, WithRetries(5, time.Millisecond))
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			r, err := c.Search(bg, Filter{PerPage: 10})
			if err == nil && len(r.Data) != 10 {
				err = fmt.Errorf("%d rows", len(r.Data))
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestBaseURLPrefixVariants(t *testing.T) {
	s := newServer(t, okJSON(`{"data":[]}`))
	for _, suffix := range []string{"", "/", "/a/b", "/a/b/", "/sp%20ace"} {
		c, _ := newTestClient(t, s.URL+suffix)
		if _, err := c.Recent(bg, 0); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"/api/v1/Account/MA_TEST1234/cdr/recent", "/api/v1/Account/MA_TEST1234/cdr/recent",
		"/a/b/api/v1/Account/MA_TEST1234/cdr/recent", "/a/b/api/v1/Account/MA_TEST1234/cdr/recent",
		"/sp%20ace/api/v1/Account/MA_TEST1234/cdr/recent"}
	for i, w := range want {
		if got := s.req(i).URL.EscapedPath(); got != w {
			t.Errorf("request %d path = %s, want %s", i, got, w)
		}
	}
	if _, err := url.Parse(s.URL); err != nil {
		t.Fatal(err)
	}
}

// SetSleepForTest replaces c's backoff wait. It is exported from a test
// file so the external sandbox tests (package vobiz_test) can record the
// Retry-After waits the sandbox asks for (whole seconds) without waiting.
func SetSleepForTest(c *Client, fn func(ctx context.Context, d time.Duration) error) { c.sleep = fn }

// A redirect to another host must not carry the token there.
func TestRedirectToOtherHostRefused(t *testing.T) {
	var leaked sync.Map
	other := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		leaked.Store("token", r.Header.Get("X-Auth-Token"))
		writeBody(w, 200, "application/json", `{"data":[]}`)
	})
	s := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/moved/") {
			writeBody(w, 200, "application/json", `{"data":[]}`)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/recent") {
			http.Redirect(w, r, "/moved"+r.URL.Path, http.StatusFound) // same host: followed
			return
		}
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	})
	c, p := newTestClient(t, s.URL)
	_, err := c.List(bg, Filter{})
	if !errors.Is(err, ErrBadResponse) || other.count() != 0 || len(p.attempts) != 1 {
		t.Errorf("err = %v; other host saw %d requests", err, other.count())
	}
	if _, ok := leaked.Load("token"); ok {
		t.Error("the token reached the other host")
	}
	if _, err := c.Recent(bg, 0); err != nil {
		t.Errorf("same-host redirect: %v", err)
	}
}

func TestIsJSONType(t *testing.T) {
	for ct, want := range map[string]bool{
		"": true, "application/json": true, "Application/JSON; charset=utf-8": true,
		"application/problem+json": true, "text/json": true, "text/html": false,
		"text/plain": false, "application/octet-stream": false, "application/json; charset=\"": false,
	} {
		if got := isJSONType(ct); got != want {
			t.Errorf("isJSONType(%q) = %v", ct, got)
		}
	}
}
