package handlers_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/handlers"
	"github.com/cdrdash/cdrdash/report/reporttest"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
)

// paisa rounds millionths half away from zero to hundredths.
func paisa(m int64) int64 { return (m + 5_000) / 10_000 }

// istMonth is October 2026 in IST: the sandbox's 90 days up to testNow
// hold it whole, and the index is marked complete over it.
func istMonth(t testing.TB) (from, to time.Time) {
	ist := mustZone(t, "Asia/Kolkata")
	from = time.Date(2026, 10, 1, 0, 0, 0, 0, ist)
	return from, from.AddDate(0, 1, 0)
}

// The acceptance check: the total cost the Costs page states for a
// calendar month in IST is the exact decimal sum of total_cost over the
// raw export rows that started in that month in IST; the calls of every
// table add up; every UTC day reconciles with Vobiz's own summaries.
func TestCostsPageMonthEqualsRawExport(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		a := newIndexedApp(t, tg, 60)
		from, to := istMonth(t)
		var want, calls int64
		for i := range a.raw {
			st := a.raw[i].StartTime.Time
			if !st.Before(from) && st.Before(to) {
				want += reporttest.Micros(t, float64(a.raw[i].TotalCost))
				calls++
			}
		}
		c := a.demo(t)
		res, body := a.get(t, c, "/reports/costs?period=2026-10")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		pg := parsePage(t, body)
		if got, exp := pg.text("costs-total"), views.FormatMoney(float64(paisa(want))/100, "INR"); got != exp {
			t.Fatalf("costs-total %q, want %q", got, exp)
		}
		if got := number(t, pg.text("costs-calls")); got != calls {
			t.Errorf("costs-calls %d, want %d", got, calls)
		}
		for _, part := range []string{"direction", "country", "prefix", "trunk", "campaign", "region", "outcome", "numbers"} {
			tbl := pg.in("costs-" + part)
			if tbl.root == nil {
				t.Fatalf("no table %s", part)
			}
			var sum int64
			for _, row := range tbl.all("cost-row") {
				cells := page{row}.tags("td")
				sum += number(t, nodeText(cells[0]))
			}
			if sum != calls {
				t.Errorf("%s: rows hold %d calls, the month %d", part, sum, calls)
			}
			if href := pg.attr("download-"+part, "href"); !strings.Contains(href, "part="+part) || !strings.Contains(href, "period=2026-10") {
				t.Errorf("download-%s href %q", part, href)
			}
		}
		// IST midnight is 18:30 UTC: 30 September to 31 October.
		if got := pg.text("recon-ok"); !strings.Contains(got, "All 32 UTC days match Vobiz to the paisa") {
			t.Errorf("recon-ok %q (summary %q, error %q)", got, pg.text("recon-summary"), pg.text("recon-error"))
		}
		if href := pg.attr("tab-traffic", "href"); href != "/reports?period=2026-10" {
			t.Errorf("traffic tab %q", href)
		}
	})
}

// A call missing from the index makes its UTC day differ by its cost; an
// admin gets a re-sync button, an agent the advice to ask an admin.
func TestCostsReconciliationShowsDifferingDay(t *testing.T) {
	a, gone, dayMicros := appWithoutOneCall(t, "2026-10-14")
	_, body := a.get(t, a.demo(t), "/reports/costs?period=2026-10")
	pg := parsePage(t, body)
	if pg.has("recon-ok") {
		t.Fatal("reconciliation says every day matches")
	}
	row := pg.in("recon-day-2026-10-14")
	if row.root == nil {
		t.Fatalf("no row for 14 October: %q", pg.text("recon"))
	}
	if n := len(pg.all("recon-index")); n != 1 {
		t.Errorf("%d differing days, want 1", n)
	}
	lost := paisa(dayMicros) - paisa(dayMicros-reporttest.Micros(t, float64(gone.TotalCost)))
	if got, want := row.text("recon-diff"), views.FormatMoney(-float64(lost)/100, "INR"); got != want {
		t.Errorf("difference %q, want %q", got, want)
	}
	if got, want := row.text("recon-api"), views.FormatMoney(float64(paisa(dayMicros))/100, "INR"); got != want {
		t.Errorf("Vobiz total %q, want %q", got, want)
	}
	if !row.has("resync-2026-10-14") {
		t.Error("no re-sync button for an admin")
	}

	if _, err := a.auth.AddUser(context.Background(), auth.SystemActor("test"), "agent1", "agent-password-123", auth.RoleAgent); err != nil {
		t.Fatal(err)
	}
	_, body = a.get(t, a.login(t, "agent1", "agent-password-123"), "/reports/costs?period=2026-10")
	pg = parsePage(t, body)
	if pg.has("resync-2026-10-14") || !pg.has("ask-admin-2026-10-14") {
		t.Error("an agent must be told to ask an admin, without a button")
	}
}

// appWithoutOneCall is a test app whose index holds every call of the
// sandbox but the costliest of the UTC day; it returns that call and the
// day's exact total cost as Vobiz has it.
func appWithoutOneCall(t *testing.T, day string) (*testApp, *vobiz.CDR, int64) {
	t.Helper()
	db := storetest.SQLiteTarget(t).Open(t)
	ix := callindex.New(db)
	a := newTestApp(t, withCalls(indexCalls), withDB(db), withDeps(func(d *handlers.Deps) { d.Index = ix }))
	raw := exportAll(t, a.client)
	var gone *vobiz.CDR
	for i := range raw {
		c := &raw[i]
		if c.StartTime.UTC().Format(vobiz.DateLayout) == day && (gone == nil || c.TotalCost > gone.TotalCost) {
			gone = c
		}
	}
	if gone == nil || gone.TotalCost == 0 {
		t.Fatalf("no call with a cost on %s", day)
	}
	var dayMicros int64
	rest := make([]vobiz.CDR, 0, len(raw))
	for i := range raw {
		if raw[i].StartTime.UTC().Format(vobiz.DateLayout) == day {
			dayMicros += reporttest.Micros(t, float64(raw[i].TotalCost))
		}
		if raw[i].UUID != gone.UUID {
			rest = append(rest, raw[i])
		}
	}
	if _, err := ix.Upsert(context.Background(), rest); err != nil {
		t.Fatal(err)
	}
	markCovered(t, ix, 60)
	return a, gone, dayMicros
}

// Today's UTC day is still filling: the index trails Vobiz by up to a
// poll, so a difference there is said in passing, never flagged as a
// day to re-sync.
func TestCostsReconciliationToleratesToday(t *testing.T) {
	a, _, _ := appWithoutOneCall(t, testNow.UTC().Format(vobiz.DateLayout))
	_, body := a.get(t, a.demo(t), "/reports/costs?from=2026-11-26T00:00&to=2026-11-27T00:00")
	pg := parsePage(t, body)
	if !pg.has("recon-ok") || pg.has("recon-days") {
		t.Fatalf("today's difference is flagged: ok %q, summary %q", pg.text("recon-ok"), pg.text("recon-summary"))
	}
	if got := pg.text("recon-ok"); !strings.Contains(got, "1 finished UTC day of 2 match") {
		t.Errorf("recon-ok %q", got)
	}
	if got := pg.text("recon-pending"); !strings.Contains(got, "2026-11-26 (UTC) is still coming in") {
		t.Errorf("recon-pending %q", got)
	}
}

func TestCostsPageBadInput(t *testing.T) {
	a := newIndexedApp(t, storetest.SQLiteTarget(t), 60)
	c := a.demo(t)
	for _, tc := range []struct{ query, field string }{
		{"period=2026-13", "error-period"},
		{"period=2026-10&from=2026-10-02T00:00", "error-period"},
		{"from=2026-10-05T00:00&to=2026-10-01T00:00", "error-to"},
		{"call_direction=sideways", "error-call_direction"},
		{"from=yesterday", "error-from"},
	} {
		res, body := a.get(t, c, "/reports/costs?"+tc.query)
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", tc.query, res.StatusCode)
			continue
		}
		pg := parsePage(t, body)
		if !pg.has("costs-form") || !pg.has(tc.field) || pg.has("costs-body") {
			t.Errorf("%s: want the form with %s", tc.query, tc.field)
		}
	}
	if res, _ := a.get(t, c, "/reports/costs/download?part=nope&period=2026-10"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown part: %d", res.StatusCode)
	}
}

// Without a window the page is this month, a billing period.
func TestCostsPageDefaultsToThisMonth(t *testing.T) {
	a := newIndexedApp(t, storetest.SQLiteTarget(t), 60)
	_, body := a.get(t, a.demo(t), "/reports/costs")
	pg := parsePage(t, body)
	if v, _ := selectedOption(pg, "period"); v != "2026-11" {
		t.Errorf("period %q, want 2026-11", v)
	}
	if !pg.has("costs-total") || !pg.has("recon-ok") {
		t.Errorf("no costs: %q", pg.text("costs-body"))
	}
}

// A table downloads as the numbers shown, named after the period and
// filters.
func TestCostsDownload(t *testing.T) {
	a := newIndexedApp(t, storetest.SQLiteTarget(t), 60)
	from, to := istMonth(t)
	var calls, want int64
	for i := range a.raw {
		r := &a.raw[i]
		if st := r.StartTime.Time; !st.Before(from) && st.Before(to) && r.CallDirection == vobiz.DirectionOutbound {
			calls++
			want += reporttest.Micros(t, float64(r.TotalCost))
		}
	}
	res, body := a.get(t, a.demo(t), "/reports/costs/download?part=trunk&period=2026-10&call_direction=outbound")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	if got := res.Header.Get("Content-Disposition"); got != `attachment; filename="cdrdash-costs-trunk-2026-10-01_2026-10-31-outbound.csv"` {
		t.Errorf("Content-Disposition %q", got)
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if recs[0][0] != "Trunk" || recs[0][5] != "Total cost (INR)" {
		t.Errorf("head %q", recs[0])
	}
	var n int64
	for _, r := range recs[1:] {
		n += number(t, r[1])
	}
	if n != calls {
		t.Errorf("rows hold %d calls, want %d", n, calls)
	}
	_, page := a.get(t, a.demo(t), "/reports/costs?period=2026-10&call_direction=outbound")
	if got, exp := parsePage(t, page).text("costs-total"), views.FormatMoney(float64(paisa(want))/100, "INR"); got != exp {
		t.Errorf("outbound total %q, want %q", got, exp)
	}
	// The reconciliation is the whole account's: the filters change
	// neither its rows nor its file name.
	res, body = a.get(t, a.demo(t), "/reports/costs/download?part=reconciliation&period=2026-10&call_direction=outbound")
	if res.StatusCode != http.StatusOK || strings.Count(body, "\n") != 33 {
		t.Errorf("reconciliation: %d, %d lines", res.StatusCode, strings.Count(body, "\n"))
	}
	if got := res.Header.Get("Content-Disposition"); got != `attachment; filename="cdrdash-costs-reconciliation-2026-10-01_2026-10-31.csv"` {
		t.Errorf("reconciliation: Content-Disposition %q", got)
	}
}

// Without the index the page says so and shows Vobiz's own total for the
// whole UTC days of the period.
func TestCostsPageWithoutIndex(t *testing.T) {
	a := newTestApp(t, withCalls(indexCalls))
	raw := exportAll(t, a.client)
	from, to := istMonth(t)
	first := from.UTC().Truncate(24 * time.Hour)
	var want int64
	for i := range raw {
		st := raw[i].StartTime.Time
		if !st.Before(first) && st.Before(to.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)) {
			want += reporttest.Micros(t, float64(raw[i].TotalCost))
		}
	}
	res, body := a.get(t, a.demo(t), "/reports/costs?period=2026-10")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	pg := parsePage(t, body)
	if !strings.Contains(pg.text("costs-not-covered"), "index is off") {
		t.Errorf("not-covered %q", pg.text("costs-not-covered"))
	}
	if got, exp := pg.text("tile-total"), views.FormatMoney(float64(paisa(want))/100, "INR"); got != exp {
		t.Errorf("API total %q, want %q (%s)", got, exp, pg.text("costs-api-note"))
	}
	if pg.has("costs-total") {
		t.Error("no breakdown without the index")
	}
}

// When Vobiz cannot be reached, only the reconciliation says so: the
// costs come from the index as usual.
func TestCostsReconciliationAPIFailure(t *testing.T) {
	a := newIndexedApp(t, storetest.SQLiteTarget(t), 60, withUpstreamURL(t, closedURL(t)))
	res, body := a.get(t, a.demo(t), "/reports/costs?period=2026-10")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	pg := parsePage(t, body)
	if !pg.has("costs-total") || !pg.has("costs-trunk") {
		t.Error("the costs are missing")
	}
	if !strings.Contains(pg.text("recon-error"), "could not be fetched") || pg.has("recon-ok") || pg.has("download-reconciliation") {
		t.Errorf("recon %q", pg.text("recon"))
	}
}

// A period the index does not cover: the page says what it covers and
// shows Vobiz's own totals, with 200.
func TestCostsPageNotCovered(t *testing.T) {
	a := newIndexedApp(t, storetest.SQLiteTarget(t), 10)
	res, body := a.get(t, a.demo(t), "/reports/costs?period=2026-10")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	pg := parsePage(t, body)
	if got := pg.text("costs-not-covered"); !strings.Contains(got, "does not cover this period: it covers 17 Nov – 26 Nov") {
		t.Errorf("not covered %q", got)
	}
	if !pg.has("tile-total") || pg.has("costs-total") || pg.has("recon") {
		t.Error("want Vobiz's totals only")
	}
	// Index-only filters cannot be totalled by Vobiz either.
	_, body = a.get(t, a.demo(t), "/reports/costs?period=2026-10&trunk_id=trunk-blr-01")
	pg = parsePage(t, body)
	if !strings.Contains(pg.text("costs-api-note"), "Trunk ID can only be applied by the call index") || pg.has("tile-total") {
		t.Errorf("index-only filter: %q", pg.text("costs-api-note"))
	}
}
