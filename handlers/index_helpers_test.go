package handlers_test

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/handlers"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
)

// indexedApp is a dashboard whose call index holds the sandbox's whole
// export, loaded without the sync job: the export through Upsert, then
// the covered UTC days marked complete and the last poll set, which is
// all the pages read.
type indexedApp struct {
	*testApp
	ix  *callindex.Index
	raw []vobiz.CDR // the sandbox's export, decoded: the independent truth
}

// indexCalls is the size of the indexed sandbox: about 33 calls a day
// over the sandbox's 90 days.
const indexCalls = 3000

// newIndexedApp loads the sandbox into an index on tg and marks the last
// coveredDays UTC days (today included) complete.
func newIndexedApp(t *testing.T, tg storetest.Target, coveredDays int, opts ...appOption) *indexedApp {
	t.Helper()
	db := tg.Open(t)
	ix := callindex.New(db)
	var extra func(*handlers.Deps)
	cfg := appConfig{}
	for _, o := range opts {
		o(&cfg)
	}
	extra = cfg.deps
	opts = append(opts, withCalls(indexCalls), withDB(db), withDeps(func(d *handlers.Deps) {
		d.Index = ix
		if extra != nil {
			extra(d)
		}
	}))
	a := &indexedApp{testApp: newTestApp(t, opts...), ix: ix}
	a.raw = exportAll(t, a.client)
	ctx := context.Background()
	if _, err := ix.Upsert(ctx, a.raw); err != nil {
		t.Fatal(err)
	}
	markCovered(t, ix, coveredDays)
	return a
}

// markCovered marks the days UTC days ending with testNow's complete,
// verified at testNow, and the last poll at testNow.
func markCovered(t testing.TB, ix *callindex.Index, days int) {
	t.Helper()
	ctx := context.Background()
	today := time.Date(testNow.Year(), testNow.Month(), testNow.Day(), 0, 0, 0, 0, time.UTC)
	for i := range days {
		d := today.AddDate(0, 0, -i)
		n, err := ix.Count(ctx, d, d.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		if err := ix.SetDay(ctx, callindex.DayState{Day: d, Status: callindex.DayComplete, Rows: n, APITotal: n,
			VerifiedAt: testNow}); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.UpdateSyncState(ctx, func(s *callindex.SyncState) { s.LastPoll = testNow }); err != nil {
		t.Fatal(err)
	}
}

func exportAll(t testing.TB, c *vobiz.Client) []vobiz.CDR {
	t.Helper()
	body, err := c.Export(context.Background(), vobiz.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	r, err := vobiz.NewExportReader(body)
	if err != nil {
		t.Fatal(err)
	}
	var out []vobiz.CDR
	for {
		cdr, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, *cdr)
	}
}

// count is how many raw calls match.
func (a *indexedApp) count(match func(*vobiz.CDR) bool) int64 {
	var n int64
	for i := range a.raw {
		if match(&a.raw[i]) {
			n++
		}
	}
	return n
}

// number reads a figure as the page writes it ("1,234").
func number(t testing.TB, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(s), ",", ""), 10, 64)
	if err != nil {
		t.Fatalf("not a count: %q", s)
	}
	return n
}

// pagerTotal is the total a list page's pager states ("1–20 of 1,234").
func pagerTotal(t testing.TB, pg page) int64 {
	t.Helper()
	s := pg.text("pager-range")
	if s == "No calls" {
		return 0
	}
	_, after, ok := strings.Cut(s, " of ")
	if !ok {
		t.Fatalf("pager range %q", s)
	}
	return number(t, after)
}
