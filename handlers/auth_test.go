package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/store/storetest"
)

func TestSignInFlow(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		a := newTestApp(t, withCalls(2000), withDB(tg.Open(t)))
		c := a.browser(t)

		res, _ := a.get(t, c, "/calls")
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Fcalls" {
			t.Fatalf("anonymous /calls: %d %q", res.StatusCode, res.Header.Get("Location"))
		}

		res = a.postForm(t, c, "/login", url.Values{"username": {"demo"}, "password": {"demo"}, "next": {"/calls"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/calls" {
			t.Fatalf("login: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		res, body := a.get(t, c, "/calls")
		if res.StatusCode != http.StatusOK || !parsePage(t, body).has("calls-table") {
			t.Fatalf("signed-in /calls: %d", res.StatusCode)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", cc)
		}

		// Keep the cookie, sign out, then replay it: the server must refuse it.
		old := c.Jar.Cookies(mustURL(t, a.srv.URL))
		res = a.postForm(t, c, "/logout", nil)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", res.StatusCode)
		}
		replay := a.browser(t)
		replay.Jar.SetCookies(mustURL(t, a.srv.URL), old)
		res, _ = a.get(t, replay, "/calls")
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("old cookie after logout: %d, want redirect to sign-in", res.StatusCode)
		}
	})
}

func TestSessionCookieFlags(t *testing.T) {
	a := newTestApp(t, withCalls(100))
	c := a.browser(t)
	res := a.postForm(t, c, "/login", url.Values{"username": {"demo"}, "password": {"demo"}})
	var found bool
	for _, ck := range res.Cookies() {
		found = true
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
			t.Errorf("cookie %s: HttpOnly=%v SameSite=%v", ck.Name, ck.HttpOnly, ck.SameSite)
		}
	}
	if !found {
		t.Fatal("no session cookie set on sign-in")
	}
}

func TestSignInErrors(t *testing.T) {
	a := newTestApp(t, withCalls(100))
	tests := []struct {
		name, user, pw string
		want           int
	}{
		{"wrong password", "demo", "nope", http.StatusUnauthorized},
		{"unknown user", "nobody", "whatever-long-password", http.StatusUnauthorized},
		{"empty", "", "", http.StatusUnauthorized},
		{"confusable name", "dеmo", "demo", http.StatusUnauthorized}, // Cyrillic е
	}
	var messages []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := a.browser(t)
			req := formRequest(t, a.srv.URL+"/login", url.Values{"username": {tt.user}, "password": {tt.pw}})
			res, body := do(t, c, req)
			if res.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.want)
			}
			msg := parsePage(t, body).text("login-error")
			if msg == "" {
				t.Fatal("no error message on the form")
			}
			messages = append(messages, msg)
		})
	}
	// Unknown user and wrong password must read the same.
	if len(messages) >= 2 && messages[0] != messages[1] {
		t.Errorf("messages differ: %q vs %q", messages[0], messages[1])
	}
}

func TestSignInThrottled(t *testing.T) {
	a := newTestApp(t, withCalls(100))
	c := a.browser(t)
	var last *http.Response
	for i := 1; i <= 6; i++ {
		last = a.postForm(t, c, "/login", url.Values{"username": {"demo"}, "password": {"wrong"}})
		if i < 6 && last.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d, want 401", i, last.StatusCode)
		}
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Fatalf("sixth attempt: %d Retry-After=%q, want 429 with Retry-After", last.StatusCode, last.Header.Get("Retry-After"))
	}
	// Even the right password is refused while locked.
	res := a.postForm(t, c, "/login", url.Values{"username": {"demo"}, "password": {"demo"}})
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("right password while locked: %d", res.StatusCode)
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	a := newTestApp(t, withCalls(100))
	signedIn := a.demo(t)
	routes := []string{"/login", "/logout", "/diagnose", "/settings/timezone", "/settings/password",
		"/admin/users", "/admin/users/1/disable", "/admin/users/1/enable", "/admin/users/1/role",
		"/admin/users/1/password", "/admin/users/1/revoke"}
	headers := []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "https://evil.example"},
	}
	for _, path := range routes {
		for _, hdr := range headers {
			req := formRequest(t, a.srv.URL+path, url.Values{"username": {"demo"}, "password": {"demo"}})
			req.Header.Del("Origin")
			req.Header.Del("Sec-Fetch-Site")
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			res, _ := do(t, signedIn, req)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with %v: %d, want 403", path, hdr, res.StatusCode)
			}
		}
	}
	// The session survived: the refused logout did nothing.
	if res, _ := a.get(t, signedIn, "/calls?per_page=1"); res.StatusCode != http.StatusOK {
		t.Fatalf("session lost after refused cross-origin posts: %d", res.StatusCode)
	}
}

func TestNextStaysLocal(t *testing.T) {
	a := newTestApp(t, withCalls(100))
	tests := map[string]string{
		"https://evil.example/": "/",
		"//evil.example":        "/",
		"/\\evil.example":       "/",
		"javascript:alert(1)":   "/",
		"/calls?page=2":         "/calls?page=2",
		"":                      "/",
	}
	for next, want := range tests {
		c := a.browser(t)
		res := a.postForm(t, c, "/login", url.Values{"username": {"demo"}, "password": {"demo"}, "next": {next}})
		if got := res.Header.Get("Location"); got != want {
			t.Errorf("next=%q: redirected to %q, want %q", next, got, want)
		}
	}
}

func TestAdminPagesNeedAdmin(t *testing.T) {
	a := newTestApp(t, withCalls(100))
	ctx := context.Background()
	if _, err := a.auth.AddUser(ctx, auth.SystemActor("test"), "agent1", "agent-password-123", auth.RoleAgent); err != nil {
		t.Fatal(err)
	}
	agent := a.login(t, "agent1", "agent-password-123")
	for _, path := range []string{"/admin/users", "/admin/audit"} {
		if res, _ := a.get(t, agent, path); res.StatusCode != http.StatusForbidden {
			t.Errorf("agent GET %s: %d, want 403", path, res.StatusCode)
		}
	}
	if res := a.postForm(t, agent, "/admin/users", url.Values{"username": {"x"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("agent POST /admin/users: %d, want 403", res.StatusCode)
	}
}

func TestAdminManagesUsers(t *testing.T) {
	a := newTestApp(t, withCalls(100))
	admin := a.demo(t)

	// Add: a short password is refused with the message on the form.
	res := a.postForm(t, admin, "/admin/users", url.Values{"username": {"priya"}, "password": {"short"}, "role": {"agent"}})
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("short password: %d", res.StatusCode)
	}
	res = a.postForm(t, admin, "/admin/users", url.Values{"username": {"priya"}, "password": {"a-long-password-1"}, "role": {"agent"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add user: %d", res.StatusCode)
	}
	_, body := a.get(t, admin, "/admin/users")
	p := parsePage(t, body)
	var names []string
	for _, r := range p.all("user-row") {
		if s := (page{r}).tags("strong"); len(s) > 0 {
			names = append(names, nodeText(s[0]))
		}
	}
	if p.text("flash") != "User priya added." || !slices.Contains(names, "priya") {
		t.Fatalf("users page does not show the new user and the flash: flash %q, users %q", p.text("flash"), names)
	}
	u, err := a.db.UserByName(context.Background(), "priya")
	if err != nil {
		t.Fatal(err)
	}
	id := itoa(u.ID)
	priya := a.login(t, "priya", "a-long-password-1")

	steps := []struct {
		path string
		form url.Values
	}{
		{"/admin/users/" + id + "/role", url.Values{"role": {"admin"}}},
		{"/admin/users/" + id + "/role", url.Values{"role": {"agent"}}},
		{"/admin/users/" + id + "/password", url.Values{"password": {"another-long-password"}}},
		{"/admin/users/" + id + "/disable", nil},
		{"/admin/users/" + id + "/enable", nil},
		{"/admin/users/" + id + "/revoke", nil},
	}
	for _, s := range steps {
		if res := a.postForm(t, admin, s.path, s.form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST %s: %d", s.path, res.StatusCode)
		}
	}
	// The password reset signed priya out.
	if res, _ := a.get(t, priya, "/calls?per_page=1"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("priya still signed in after password reset: %d", res.StatusCode)
	}
	a.login(t, "priya", "another-long-password")

	// An admin cannot disable themself.
	me, _ := a.db.UserByName(context.Background(), "demo")
	if res := a.postForm(t, admin, "/admin/users/"+itoa(me.ID)+"/disable", nil); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("self-disable: %d, want 400", res.StatusCode)
	}
	if res := a.postForm(t, admin, "/admin/users/99999/disable", nil); res.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown user: %d, want 404", res.StatusCode)
	}
}

func TestAuditTrail(t *testing.T) {
	a := newTestApp(t, withCalls(500))
	ctx := context.Background()
	bad := a.browser(t)
	a.postForm(t, bad, "/login", url.Values{"username": {"demo"}, "password": {"wrong"}})
	c := a.demo(t)
	uuid := string(a.sb.Call(0).UUID)
	if res, _ := a.get(t, c, "/calls/"+uuid); res.StatusCode != http.StatusOK {
		t.Fatalf("detail: %d", res.StatusCode)
	}
	a.postForm(t, c, "/admin/users", url.Values{"username": {"ravi"}, "password": {"a-long-password-2"}, "role": {"agent"}})
	a.postForm(t, c, "/logout", nil)

	events, _, err := a.db.ListEvents(ctx, store.EventFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range events {
		seen[e.Action] = true
		if e.Action == auth.ActionCallView && !strings.Contains(e.Details, uuid) {
			t.Errorf("call.view details %q lack the call id", e.Details)
		}
	}
	for _, want := range []string{auth.ActionLoginFailure, auth.ActionLoginSuccess, auth.ActionCallView,
		auth.ActionUserCreate, auth.ActionLogout} {
		if !seen[want] {
			t.Errorf("no %s event; saw %v", want, seen)
		}
	}

	admin := a.demo(t)
	_, body := a.get(t, admin, "/admin/audit?action=call.view")
	if rows := auditRows(t, body); len(rows) == 0 || slices.ContainsFunc(rows, func(r []string) bool { return r[2] != auth.ActionCallView }) {
		t.Errorf("audit page filter by action does not work: %q", rows)
	}
	_, body = a.get(t, admin, "/admin/audit?user=demo")
	if rows := auditRows(t, body); len(rows) == 0 || slices.ContainsFunc(rows, func(r []string) bool { return r[1] != "demo" }) {
		t.Errorf("audit page shows no rows for demo, or others' rows: %q", rows)
	}
}

// auditRows are the cells (time, user, action, client IP, details) of
// the audit page's rows.
func auditRows(t testing.TB, body string) [][]string {
	var rows [][]string
	for _, r := range parsePage(t, body).all("audit-row") {
		var cells []string
		for _, td := range (page{r}).tags("td") {
			cells = append(cells, nodeText(td))
		}
		if len(cells) != 5 {
			t.Fatalf("audit row with %d cells: %q", len(cells), cells)
		}
		rows = append(rows, cells)
	}
	return rows
}

func TestSettingsTimeZone(t *testing.T) {
	a := newTestApp(t, withCalls(500))
	c := a.demo(t)
	if res := a.postForm(t, c, "/settings/timezone", url.Values{"timezone": {"Mars/Olympus"}}); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown zone: %d", res.StatusCode)
	}
	if res := a.postForm(t, c, "/settings/timezone", url.Values{"timezone": {"Europe/London"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save zone: %d", res.StatusCode)
	}
	_, body := a.get(t, c, "/calls?per_page=5")
	if th := parsePage(t, body).in("calls-table").tags("th"); len(th) == 0 || nodeText(th[0]) != "Start (GMT +00:00)" {
		t.Errorf("table header does not name the new zone: %d header cells", len(th))
	}
}
