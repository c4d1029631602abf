package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/handlers"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
)

// indexApp is a dashboard with a call index in its database, seeded with
// day states, a sync state and a few calls.
func indexApp(t *testing.T, tg storetest.Target) (*testApp, *callindex.Index) {
	t.Helper()
	db := tg.Open(t)
	ix := callindex.New(db)
	a := newTestApp(t, withCalls(300), withDB(db), withDeps(func(d *handlers.Deps) { d.Index = ix }))
	ctx := context.Background()
	var calls []vobiz.CDR
	for i := range 40 {
		calls = append(calls, a.sb.Call(i))
	}
	if _, err := ix.Upsert(ctx, calls); err != nil {
		t.Fatal(err)
	}
	today := testNow.Truncate(24 * time.Hour)
	day := func(n int) time.Time { return today.AddDate(0, 0, -n) }
	states := []callindex.DayState{
		{Day: day(0), Status: callindex.DaySyncing, Rows: 12, APITotal: callindex.UnknownTotal},
		{Day: day(1), Status: callindex.DayComplete, Rows: 28, APITotal: 28, VerifiedAt: testNow.Add(-time.Hour)},
		{Day: day(2), Status: callindex.DayComplete, Rows: 30, APITotal: 30, VerifiedAt: testNow.Add(-2 * time.Hour)},
		{Day: day(3), Status: callindex.DayMismatch, Rows: 25, APITotal: 27, LastError: "2 rows short of the API's total"},
		{Day: day(40), Status: callindex.DayComplete, Rows: 3, APITotal: 3, VerifiedAt: testNow.Add(-time.Hour)},
	}
	for _, st := range states {
		if err := ix.SetDay(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	err := ix.UpdateSyncState(ctx, func(s *callindex.SyncState) {
		s.LastPoll = testNow.Add(-8 * time.Second)
		s.LastError, s.LastErrorAt = "export cut after 5000 rows", testNow.Add(-time.Minute)
		s.BackfillDays, s.BackfillDone = 400, 120
	})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := ix.AcquireLease(ctx, "host-a/4242", testNow, 30*time.Second); err != nil || !ok {
		t.Fatalf("lease: %v %v", ok, err)
	}
	return a, ix
}

func TestAdminIndexPage(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		a, ix := indexApp(t, tg)
		admin := a.demo(t)
		res, body := a.get(t, admin, "/admin/index")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		p := parsePage(t, body)
		days := map[string]string{ // day -> status
			"2026-11-26": "syncing", "2026-11-25": "complete", "2026-11-24": "complete",
			"2026-11-23": "mismatch", "2026-11-22": "missing", "2026-10-17": "complete", "2026-10-18": "missing",
		}
		for d, want := range days {
			if got := p.attr("day-"+d, "data-status"); got != want {
				t.Errorf("day %s: status %q, want %q", d, got, want)
			}
			title := p.attr("day-"+d, "title")
			if !strings.HasPrefix(title, d+" (UTC): ") || !strings.Contains(strings.ToLower(title), want) {
				t.Errorf("day %s: title %q does not say %s", d, title, want)
			}
			if p.text("day-"+d) == "" {
				t.Errorf("day %s has no symbol: its status would be colour only", d)
			}
		}
		if p.has("day-2026-10-16") || p.has("day-2026-11-27") {
			t.Error("the strip runs past the oldest stored day or today")
		}
		counts := map[string]string{"complete": "3", "syncing": "1", "mismatch": "1", "missing": "36"}
		for s, want := range counts {
			if got := p.text("count-" + s); got != want {
				t.Errorf("count of %s: %q, want %q", s, got, want)
			}
		}
		checks := []struct{ id, want string }{
			{"index-rows", "40"},
			{"index-lag", "lag 8 s"},
			{"index-coverage", "24 Nov – 25 Nov 2026"},
			{"index-holder", "host-a/4242 (lease until"},
			{"index-last-error", "export cut after 5000 rows"},
			{"backfill", "Backfill: 120 of 400 days synced"},
		}
		for _, c := range checks {
			if got := p.text(c.id); !strings.Contains(got, c.want) {
				t.Errorf("%s: %q, want it to contain %q", c.id, got, c.want)
			}
		}
		if p.attr("backfill-progress", "max") != "400" || p.attr("backfill-progress", "value") != "120" {
			t.Errorf("progress max %q value %q", p.attr("backfill-progress", "max"), p.attr("backfill-progress", "value"))
		}
		if !strings.HasSuffix(p.text("index-size"), "iB") {
			t.Errorf("size %q", p.text("index-size"))
		}
		// Days not complete, newest first, each with its re-sync button.
		rows := p.texts("problem-day")
		if len(rows) != 2 || !strings.Contains(rows[0], "2026-11-26") || !strings.Contains(rows[1], "2 rows short") ||
			!p.has("resync-2026-11-23") {
			t.Fatalf("problem days %q", rows)
		}
		if p.has("day-detail") || p.has("index-off") || p.has("index-paused") {
			t.Fatal("detail, off or paused shown unasked")
		}

		// Paused, backfill over, lease given up.
		err := ix.UpdateSyncState(context.Background(), func(s *callindex.SyncState) {
			s.Paused, s.BackfillDays, s.BackfillDone = "the disk is full", 0, 0
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := ix.ReleaseLease(context.Background(), "host-a/4242"); err != nil {
			t.Fatal(err)
		}
		_, body = a.get(t, admin, "/admin/index")
		p = parsePage(t, body)
		if !strings.Contains(p.text("index-paused"), "the disk is full") || p.has("backfill-progress") ||
			!strings.Contains(p.text("index-holder"), "nobody syncs now") {
			t.Fatalf("paused %q, holder %q, backfill shown %v", p.text("index-paused"), p.text("index-holder"), p.has("backfill-progress"))
		}

		// Selecting a day shows its details and its button.
		_, body = a.get(t, admin, "/admin/index?day=2026-11-22")
		p = parsePage(t, body)
		if p.text("day-detail-status") != "Missing" || !p.has("resync-2026-11-22") || !p.inside("resync-2026-11-22", "day-detail") {
			t.Fatalf("detail of a missing day: %q", p.text("day-detail"))
		}
	})
}

func TestAdminIndexResync(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		a, ix := indexApp(t, tg)
		ctx := context.Background()
		admin := a.demo(t)
		res := a.postForm(t, admin, "/admin/index/days/2026-11-24/resync", url.Values{})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/index?day=2026-11-24" {
			t.Fatalf("status %d, Location %q", res.StatusCode, res.Header.Get("Location"))
		}
		st, err := ix.Day(ctx, time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if st.Status != callindex.DayMismatch || st.LastError != "re-sync asked by demo" || st.Rows != 30 || st.APITotal != 30 {
			t.Fatalf("day after re-sync: %+v", st)
		}
		sync, err := ix.SyncState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sync.PollRequested.IsZero() {
			t.Fatal("no poll requested")
		}
		events, _, err := a.db.ListEvents(ctx, store.EventFilter{Action: auth.ActionIndexResync, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 1 || events[0].Username != "demo" || !strings.Contains(events[0].Details, "2026-11-24") {
			t.Fatalf("audit events %+v", events)
		}
		_, body := a.get(t, admin, "/admin/index?day=2026-11-24")
		p := parsePage(t, body)
		if p.text("flash") != "Day 2026-11-24 (UTC) will be synced again." || p.text("day-detail-status") != "Mismatch" ||
			p.attr("day-2026-11-24", "data-status") != "mismatch" || p.text("day-detail-error") != "re-sync asked by demo" {
			t.Fatalf("after re-sync: flash %q, detail %q", p.text("flash"), p.text("day-detail"))
		}
		// A day never synced can be asked for too.
		if res := a.postForm(t, admin, "/admin/index/days/2026-11-01/resync", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("missing day: %d", res.StatusCode)
		}
	})
}

func TestAdminIndexBadInput(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		a, ix := indexApp(t, tg)
		admin := a.demo(t)
		for _, d := range []string{"2026-13-01", "yesterday", "2026-11-2", "2026-11-27", "1999-12-31", "2026-11-26x"} {
			if res := a.postForm(t, admin, "/admin/index/days/"+url.PathEscape(d)+"/resync", nil); res.StatusCode != http.StatusBadRequest {
				t.Errorf("POST day %q: %d, want 400", d, res.StatusCode)
			}
			res, body := a.get(t, admin, "/admin/index?day="+url.QueryEscape(d))
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "is not a day") {
				t.Errorf("GET day %q: %d", d, res.StatusCode)
			}
		}
		days, err := ix.Days(context.Background(), time.Time{}, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if len(days) != 5 {
			t.Fatalf("bad requests changed the days: %d stored", len(days))
		}

		if _, err := a.auth.AddUser(context.Background(), auth.SystemActor("test"), "agent1", "agent-password-123", auth.RoleAgent); err != nil {
			t.Fatal(err)
		}
		agent := a.login(t, "agent1", "agent-password-123")
		if res, _ := a.get(t, agent, "/admin/index"); res.StatusCode != http.StatusForbidden {
			t.Errorf("agent GET: %d, want 403", res.StatusCode)
		}
		if res := a.postForm(t, agent, "/admin/index/days/2026-11-24/resync", nil); res.StatusCode != http.StatusForbidden {
			t.Errorf("agent POST: %d, want 403", res.StatusCode)
		}
		if st, _ := ix.Day(context.Background(), time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)); st.Status != callindex.DayComplete {
			t.Errorf("an agent changed the day: %+v", st)
		}
	})
}

func TestAdminIndexOff(t *testing.T) {
	a := newTestApp(t, withCalls(100))
	admin := a.demo(t)
	res, body := a.get(t, admin, "/admin/index")
	p := parsePage(t, body)
	if res.StatusCode != http.StatusOK || !strings.Contains(p.text("index-off"), "CDRDASH_INDEX=off") || p.has("day-strip") {
		t.Fatalf("index off: %d %q", res.StatusCode, p.text("index-off"))
	}
	if res := a.postForm(t, admin, "/admin/index/days/2026-11-24/resync", nil); res.StatusCode != http.StatusConflict {
		t.Fatalf("re-sync with the index off: %d, want 409", res.StatusCode)
	}
	// Admins find the page from the navigation.
	_, body = a.get(t, admin, "/admin/users")
	found := false
	for _, n := range parsePage(t, body).tags("a") {
		if attr(n, "href") == "/admin/index" {
			found = true
		}
	}
	if !found {
		t.Fatal("no link to /admin/index for admins")
	}
}
