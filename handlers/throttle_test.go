package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/store"
)

// countRows counts the audit events and recorded sign-in failures, the two
// things a flood of sign-in posts could grow.
func countRows(t *testing.T, db *store.DB) (events, failures int) {
	t.Helper()
	ctx := context.Background()
	if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events`).Scan(&events); err != nil {
		t.Fatal(err)
	}
	if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM login_failures`).Scan(&failures); err != nil {
		t.Fatal(err)
	}
	return events, failures
}

// TestLoginFloodStopsBeforeTheDatabase: past the per-address burst, sign-in
// posts are refused in memory (429, Retry-After, a clear message) and add
// nothing to the audit trail or the failure table. The dashboard's clock is
// fixed, so the bucket never refills during the test.
func TestLoginFloodStopsBeforeTheDatabase(t *testing.T) {
	a := newTestApp(t, withCalls(100))
	c := a.browser(t)
	post := func() *http.Response {
		return a.postForm(t, c, "/login", url.Values{"username": {"demo"}, "password": {"wrong guess"}})
	}
	for i := range 20 {
		if res := post(); res.StatusCode != http.StatusUnauthorized && res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("attempt %d: status %d", i+1, res.StatusCode)
		}
	}
	events, failures := countRows(t, a.db)
	for i := range 100 {
		res := post()
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
			t.Fatalf("post %d past the burst: status %d, Retry-After %q", i+21, res.StatusCode, res.Header.Get("Retry-After"))
		}
	}
	if e, f := countRows(t, a.db); e != events || f != failures {
		t.Errorf("100 posts past the burst wrote %d audit events and %d failures, want none", e-events, f-failures)
	}
	// The page says what happened.
	req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/login", strings.NewReader("username=demo&password=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", a.srv.URL)
	res, body := do(t, c, req)
	msg := parsePage(t, body).text("login-error")
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(msg, "Too many sign-in attempts from your network") {
		t.Errorf("status %d, message %q", res.StatusCode, msg)
	}
}

// TestAdminOwnPasswordNeedsTheCurrentOne: the reset on the admin users page,
// applied to the admin's own row, changes nothing without the current
// password and works with it.
func TestAdminOwnPasswordNeedsTheCurrentOne(t *testing.T) {
	a := newTestApp(t, withCalls(100))
	c := a.demo(t)
	me, err := a.db.UserByName(context.Background(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	path := "/admin/users/" + strconv.FormatInt(me.ID, 10) + "/password"
	const next = "plum kettle orbit lantern"
	for _, form := range []url.Values{
		{"password": {next}},
		{"password": {next}, "current": {"not my password"}},
	} {
		if res := a.postForm(t, c, path, form); res.StatusCode != http.StatusBadRequest {
			t.Errorf("own reset with %v: status %d, want 400", form, res.StatusCode)
		}
	}
	if res := a.postForm(t, a.browser(t), "/login", url.Values{"username": {"demo"}, "password": {next}}); res.StatusCode == http.StatusSeeOther {
		t.Fatal("the password was changed without the current one")
	}
	if res := a.postForm(t, c, path, url.Values{"password": {next}, "current": {"demo"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("own change with the current password: status %d", res.StatusCode)
	}
	a.login(t, "demo", next)
	// The admin's browser stays signed in.
	if res, _ := a.get(t, c, "/admin/users"); res.StatusCode != http.StatusOK {
		t.Errorf("after changing own password: status %d", res.StatusCode)
	}
}

// TestAuditPageWalksByKeyset: the audit page shows 50 events per page with
// an "Older" link and no total; following the links visits every event
// once.
func TestAuditPageWalksByKeyset(t *testing.T) {
	a := newTestApp(t, withCalls(100))
	ctx := context.Background()
	for i := range 120 {
		if _, err := a.db.InsertEvent(ctx, store.Event{Action: "test.event", Username: "u" + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	c := a.demo(t)
	seen := map[string]bool{}
	path := "/admin/audit?action=test.event"
	for n := 1; path != ""; n++ {
		if n > 4 {
			t.Fatal("the Older links do not end")
		}
		res, body := a.get(t, c, path)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("page %d: status %d", n, res.StatusCode)
		}
		p := parsePage(t, body)
		if r := p.text("pager-range"); r == "" || strings.Contains(r, " of ") {
			t.Errorf("page %d shows a total, or no range: %q", n, r)
		}
		for _, row := range auditRows(t, body) {
			user := row[1]
			if seen[user] {
				t.Errorf("event of %s shown twice", user)
			}
			seen[user] = true
		}
		path = p.attr("pager-next", "href")
	}
	if len(seen) != 120 {
		t.Errorf("walked %d events, want 120", len(seen))
	}
	if res, _ := a.get(t, c, "/admin/audit?before=yesterday"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("bad cursor: status %d, want 400", res.StatusCode)
	}
}
