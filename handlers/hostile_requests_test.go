package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/cdrdash/cdrdash/auth"
)

// Hostile requests (issue 11, part 3) not covered elsewhere: path tricks
// and parameter smuggling that must never reach Vobiz, overlong addresses,
// oversized forms, tampered session cookies and open redirects. Header
// size limits and slow clients are properties of the real http.Server and
// are tested in package cli (hostile_test.go); cross-origin posts in
// TestCrossOriginPostRefused; concurrent exports in TestExportPerUserLimit.

func TestCallDetailPathTricks(t *testing.T) {
	a := newTestApp(t, withCalls(100))
	c := a.demo(t)
	valid := string(a.sb.Call(1).UUID)
	for _, path := range []string{
		"/calls/%00",
		"/calls/" + valid + "%00",
		"/calls/%252e%252e%252fexport",
		"/calls/" + valid + "%2F..",
		"/calls/" + valid + ";x=1",
		"/calls/" + valid + "%20",
		"/calls/%20" + valid,
		"/calls/" + strings.Replace(valid, "a", "\u0430", 1), // Cyrillic а
		"/calls/" + strings.Replace(valid, "-", "\u2010", 1), // hyphen lookalike
		"/calls/" + strings.Repeat("f", 36),
		"/calls/javascript:alert(1)",
		"/calls/%3Cscript%3E",
	} {
		before := a.upstreamRequests()
		res, body := a.get(t, c, path)
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", path, res.StatusCode)
		}
		if a.upstreamRequests() != before {
			t.Errorf("%s: reached the upstream", path)
		}
		if msg := errorText(body); !strings.Contains(msg, "not a call ID") {
			t.Errorf("%s: no explanation: %q", path, msg)
		}
	}
	// More segments are another address, not a call; dot segments are not
	// resolved by cdrdash (browsers do it before sending).
	for _, path := range []string{"/calls/" + valid + "/..", "/calls/x/../" + valid, "/calls/" + valid + "/raw"} {
		before := a.upstreamRequests()
		res, _ := a.get(t, c, path)
		if res.StatusCode != http.StatusNotFound || a.upstreamRequests() != before {
			t.Errorf("%s: status %d, upstream requests %d, want 404 and none", path, res.StatusCode,
				a.upstreamRequests()-before)
		}
	}
}

// TestFilterSmuggling: whatever the query string holds, Vobiz only ever
// receives known parameters, each once, without control characters; bad
// input is a 400 that names the problem, never a 5xx.
func TestFilterSmuggling(t *testing.T) {
	a := newTestApp(t, withCalls(300))
	c := a.demo(t)
	var mu sync.Mutex
	var seen []url.Values
	a.sb.SetObserver(func(r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Query())
		mu.Unlock()
	})
	known := map[string]bool{"search": true, "from_number": true, "to_number": true, "start_date": true,
		"end_date": true, "call_direction": true, "hangup_cause": true, "min_duration": true, "sip_call_id": true,
		"bridge_uuid": true, "hangup_disposition": true, "context": true, "campaign_id": true, "page": true, "per_page": true}
	for _, tc := range []struct {
		query  string
		status int // 0: 200 or 400, as long as the upstream stays clean
	}{
		{"search=a%00b", 400},
		{"search=%00", 400},
		{"from_number=%2B91%0098765", 400},
		{"call_direction=inbound%00", 400},
		{"start_date=2026-11-01%00&end_date=2026-11-02", 400},
		{"context=voice%0d%0aX-Injected:%201", 400},
		{"search=a&search=b", 400},
		{"page=1&page=2", 400},
		{"per_page=20&per_page=100", 400},
		{"call_direction=inbound&call_direction=outbound", 400},
		{"search=a%26per_page%3D1000%23frag", 200}, // one value holding & = #: sent as one encoded value
		{"search=x&per_page=1000", 400},
		{"sea%00rch=x", 200},       // unknown parameter: dropped
		{"Search=x&SEARCH=y", 200}, // names are case-sensitive: dropped
		{"search[]=x&search.x=1", 200},
		{"account_id=MA_OTHER&auth_id=x", 200},
		{"%zz=1&search=x", 0},
		{"search=%zz", 0},
		{"search=%ff%fe", 0},
		{";search=x", 0},
	} {
		t.Run(tc.query, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			res, body := a.get(t, c, "/calls?"+tc.query)
			switch {
			case tc.status != 0 && res.StatusCode != tc.status:
				t.Errorf("status %d, want %d: %s", res.StatusCode, tc.status, parsePage(t, body).text("form-errors"))
			case res.StatusCode != 200 && res.StatusCode != 400:
				t.Errorf("status %d", res.StatusCode)
			}
			mu.Lock()
			defer mu.Unlock()
			if res.StatusCode == 400 && len(seen) != 0 {
				t.Errorf("refused, but %d upstream requests were made", len(seen))
			}
			for _, q := range seen {
				for k, vs := range q {
					if !known[k] {
						t.Errorf("unknown parameter %q reached Vobiz", k)
					}
					if len(vs) != 1 {
						t.Errorf("%s reached Vobiz %d times", k, len(vs))
					}
					for _, v := range vs {
						if strings.ContainsAny(v, "\x00\r\n") || !utf8.ValidString(v) {
							t.Errorf("%s=%q reached Vobiz", k, v)
						}
					}
				}
			}
		})
	}
	mu.Lock()
	seen = nil
	mu.Unlock()
	a.get(t, c, "/calls?search=a%26per_page%3D1000%23frag")
	mu.Lock()
	if len(seen) != 1 || seen[0].Get("search") != "a&per_page=1000#frag" || seen[0].Get("per_page") != "" {
		t.Errorf("the smuggled value reached Vobiz as %v", seen)
	}
	mu.Unlock()
}

// TestOverlongQueryString: past 4 KB of query string the filters are
// refused with a clear message before anything is sent upstream.
func TestOverlongQueryString(t *testing.T) {
	a := newTestApp(t, withCalls(100))
	c := a.demo(t)
	long := "search=x&context=" + strings.Repeat("y", 20) + "&" + strings.Repeat("z=1&", 1100)
	for path, box := range map[string]string{"/calls?" + long: "form-errors", "/reports?" + long: "form-errors", "/calls/export?" + long: "error"} {
		before := a.upstreamRequests()
		res, body := a.get(t, c, path)
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("%.20s…: status %d, want 400", path, res.StatusCode)
		}
		if msg := parsePage(t, body).text(box); !strings.Contains(msg, "The address is too long. Use fewer or shorter filters.") {
			t.Errorf("%.20s…: the %s box does not explain: %q", path, box, msg)
		}
		if a.upstreamRequests() != before {
			t.Errorf("%.20s…: reached the upstream", path)
		}
	}
}

// TestOversizedForms: every form has a size limit; past it the answer is
// 413 with a message, and nothing is processed.
func TestOversizedForms(t *testing.T) {
	a := newTestApp(t, withCalls(100))
	c := a.demo(t)
	big := strings.Repeat("a", 40<<10)
	for _, tc := range []struct {
		path      string
		form      url.Values
		box, text string
	}{
		{"/login", url.Values{"username": {big}, "password": {"x"}}, "error", "more data than cdrdash accepts"},
		{"/diagnose", url.Values{"cdr": {strings.Repeat(big, 7)}}, "diagnose-error", "That is too much text"},
		{"/settings/timezone", url.Values{"timezone": {big}}, "error", "more data than cdrdash accepts"},
		{"/settings/password", url.Values{"current": {big}}, "error", "more data than cdrdash accepts"},
		{"/admin/users", url.Values{"username": {big}}, "error", "more data than cdrdash accepts"},
	} {
		req := formRequest(t, a.srv.URL+tc.path, tc.form)
		res, body := do(t, c, req)
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("POST %s (%d bytes): status %d, want 413", tc.path, req.ContentLength, res.StatusCode)
		}
		if msg := parsePage(t, body).text(tc.box); !strings.Contains(msg, tc.text) {
			t.Errorf("POST %s: the %s box says %q, want %q", tc.path, tc.box, msg, tc.text)
		}
	}
	// The session is intact and the time zone unchanged.
	// Absent from the whole page, wherever it could have been echoed.
	if res, body := a.get(t, c, "/settings"); res.StatusCode != 200 || strings.Contains(body, big[:100]) {
		t.Errorf("after the oversized posts: /settings %d", res.StatusCode)
	}
}

// TestSessionCookieTampering: a cookie that is not a live session's token
// — altered, cut, garbage, huge, or another user's after they signed out —
// is an anonymous visitor: sent to sign in, never a 500, never a session.
func TestSessionCookieTampering(t *testing.T) {
	a := newTestApp(t, withCalls(100))
	ctx := context.Background()
	if _, err := a.auth.AddUser(ctx, auth.SystemActor("test"), "other", "other-password-123", auth.RoleAgent); err != nil {
		t.Fatal(err)
	}
	cookieOf := func(c *http.Client) string {
		for _, ck := range c.Jar.Cookies(mustURL(t, a.srv.URL)) {
			if ck.Name == auth.DefaultCookieName {
				return ck.Value
			}
		}
		t.Fatal("no session cookie")
		return ""
	}
	live := cookieOf(a.demo(t))
	other := a.login(t, "other", "other-password-123")
	otherToken := cookieOf(other)
	a.postForm(t, other, "/logout", nil)
	a.demo(t) // someone else is signed in meanwhile

	flip := []byte(live)
	flip[len(flip)/2] ^= 0x01
	for name, value := range map[string]string{
		"one byte changed":           string(flip),
		"cut short":                  live[:len(live)-4],
		"extended":                   live + "A",
		"garbage":                    "%%%not-a-token%%%",
		"empty":                      "",
		"4 KB":                       strings.Repeat("A", 4<<10),
		"non-ASCII":                  "t\u00f6ken\u202e",
		"another user's, signed out": otherToken,
	} {
		t.Run(name, func(t *testing.T) {
			for _, path := range []string{"/", "/calls", "/admin/users"} {
				req, _ := http.NewRequest(http.MethodGet, a.srv.URL+path, nil)
				req.Header.Set("Accept", "text/html")
				req.Header.Set("Cookie", auth.DefaultCookieName+"="+value)
				res, _ := do(t, a.browser(t), req)
				if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
					t.Errorf("GET %s: %d %q, want a redirect to sign in", path, res.StatusCode, res.Header.Get("Location"))
				}
			}
			req := formRequest(t, a.srv.URL+"/settings/timezone", url.Values{"timezone": {"UTC"}})
			req.Header.Set("Cookie", auth.DefaultCookieName+"="+value)
			res, _ := do(t, a.browser(t), req)
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("POST with it: %d, want 401", res.StatusCode)
			}
		})
	}
}

// TestNextVariantsStayLocal extends TestNextStaysLocal with encodings and
// spellings browsers read as another host.
func TestNextVariantsStayLocal(t *testing.T) {
	a := newTestApp(t, withCalls(100))
	for _, next := range []string{
		"//evil.example/", "/\\evil.example", "\\\\evil.example", "/\t/evil.example", "/\n/evil.example",
		" //evil.example", "https:evil.example", "https:/evil.example", "HTTPS://evil.example",
		"%2F%2Fevil.example", "/%2F/evil.example", "/%5Cevil.example", "//%65vil.example",
		"\u3002evil.example", "/\u2215\u2215evil.example", "javascript:alert(1)", "data:text/html,x",
		"/calls\r\nLocation: https://evil.example", "@evil.example", "evil.example",
	} {
		c := a.browser(t)
		res := a.postForm(t, c, "/login", url.Values{"username": {"demo"}, "password": {"demo"}, "next": {next}})
		loc := res.Header.Get("Location")
		u, err := url.Parse(loc)
		if res.StatusCode != http.StatusSeeOther || err != nil || u.Host != "" || u.Scheme != "" ||
			!strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.ContainsAny(loc, "\\\r\n\t") {
			t.Errorf("next=%q: %d to %q", next, res.StatusCode, loc)
		}
		// The sign-in page carries next on to the form only when it is local.
		res2, body := a.get(t, a.browser(t), "/login?next="+url.QueryEscape(next))
		var carried string
		for _, in := range parsePage(t, body).in("login-form").tags("input") {
			if attr(in, "name") == "next" {
				carried = attr(in, "value")
			}
		}
		if u, err := url.Parse(carried); res2.StatusCode != 200 || err != nil || u.Host != "" || u.Scheme != "" ||
			!strings.HasPrefix(carried, "/") || strings.HasPrefix(carried, "//") || strings.ContainsAny(carried, "\\\r\n\t") {
			t.Errorf("GET /login?next=%q: %d, the form carries %q", next, res2.StatusCode, carried)
		}
	}
}
