package e2e

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/handlers"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
)

// indexedSite is a dashboard whose call index holds a small sandbox,
// served in this process (the suite's `cdrdash serve` is the pure proxy
// until the sync job is wired into it). The index is loaded without the
// sync job: the export through Upsert, every day marked verified.
func indexedSite(t *testing.T) string {
	t.Helper()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	_, client := sandboxClient(t, now)
	db := storetest.SQLite(t)
	ctx := context.Background()
	ix := callindex.New(db)
	body, err := client.Export(ctx, vobiz.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := vobiz.NewExportReader(body)
	if err != nil {
		t.Fatal(err)
	}
	var calls []vobiz.CDR
	for {
		c, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		calls = append(calls, *c)
	}
	body.Close()
	if _, err := ix.Upsert(ctx, calls); err != nil {
		t.Fatal(err)
	}
	today := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for i := range 91 {
		d := today.AddDate(0, 0, -i)
		if err := ix.SetDay(ctx, callindex.DayState{Day: d, Status: callindex.DayComplete, VerifiedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.UpdateSyncState(ctx, func(s *callindex.SyncState) { s.LastPoll = now }); err != nil {
		t.Fatal(err)
	}

	d, _, _ := siteDeps(t, db, now)
	d.CDRs, d.Index = client, ix
	h := handlers.New(d)
	d.Sessions.ErrorFunc = h.SessionError
	srv := httptest.NewServer(h.Routes())
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestIndexPages: on a list the index answers, a click on a column header
// sorts by it (and a second click turns the order), and ticking an outcome
// in the form lists only those calls; every page passes the CSP and axe
// checks.
func TestIndexPages(t *testing.T) {
	needBrowser(t)
	p := openTab(t, indexedSite(t))
	p.signIn()
	p.open("/calls?from=2026-11-20T00:00&to=2026-11-23T00:00")
	if !strings.HasPrefix(p.text(`[data-testid="index-fresh"]`), "Synced") {
		t.Fatalf("not answered by the index: %q", p.text(`[data-testid="index-fresh"]`))
	}
	costs := func() []float64 {
		return eval[[]float64](p, `[...document.querySelectorAll('[data-testid="call-row"] td[data-label="Cost"]')]`+
			`.map((c) => parseFloat(c.innerText.replace(/[^0-9.]/g, "")))`)
	}

	p.follow(`[data-testid="sort-link-cost"]`)
	if got := p.url().Query().Get("sort"); got != "-cost" {
		t.Fatalf("the Cost header led to sort=%q", got)
	}
	if got := p.attr(`[data-testid="sort-cost"]`, "aria-sort"); got != "descending" {
		t.Errorf("aria-sort %q after one click", got)
	}
	c := costs()
	if len(c) != 20 {
		t.Fatalf("%d rows", len(c))
	}
	for i := 1; i < len(c); i++ {
		if c[i] > c[i-1] {
			t.Errorf("row %d costs %v after %v: not largest first", i+1, c[i], c[i-1])
		}
	}
	p.follow(`[data-testid="sort-link-cost"]`)
	if got := p.attr(`[data-testid="sort-cost"]`, "aria-sort"); got != "ascending" || p.url().Query().Get("sort") != "cost" {
		t.Errorf("second click: aria-sort %q, sort=%q", got, p.url().Query().Get("sort"))
	}
	c = costs()
	for i := 1; i < len(c); i++ {
		if c[i] < c[i-1] {
			t.Errorf("row %d costs %v after %v: not smallest first", i+1, c[i], c[i-1])
		}
	}

	p.do(chromedp.Click(chromedp.CSS(`[data-testid="filter-outcome-failed"]`)))
	p.follow(`[data-testid="apply"]`)
	q := p.url().Query()
	if q.Get("outcome") != "failed" || q.Get("sort") != "cost" || q.Get("from") != "2026-11-20T00:00" {
		t.Fatalf("the form led to %s", p.url())
	}
	outcomes := eval[[]string](p, `[...document.querySelectorAll('[data-testid="call-row"] td[data-label="Outcome"] .badge')].map((b) => b.innerText.trim())`)
	if len(outcomes) == 0 {
		t.Fatal("no failed calls listed")
	}
	for i, o := range outcomes {
		if o != "Failed" {
			t.Errorf("row %d outcome %q", i+1, o)
		}
	}
	if !eval[bool](p, `document.querySelector('[data-testid="filter-outcome-failed"]').checked`) {
		t.Error("the Failed box is not ticked on the result page")
	}
}
