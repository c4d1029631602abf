// Package reporttest builds what the report tests of several packages
// share: a sandbox API, and a call index loaded from its export and marked
// as the sync job leaves it (every day complete, freshly polled), so a
// report can be answered from either and the two compared.
package reporttest

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/report"
	"github.com/cdrdash/cdrdash/report/chart"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// Env is a sandbox over HTTP, a client for it and an index in a test
// database.
type Env struct {
	Sandbox *sandbox.Server
	Client  *vobiz.Client
	DB      *store.DB
	Index   *callindex.Index
	// Records are the sandbox's calls as its export gave them.
	Records []vobiz.CDR
}

// New starts a sandbox with o (o.Now is required: the tests' clock) and
// opens an empty index on tg.
func New(t testing.TB, tg storetest.Target, o sandbox.Options) *Env {
	t.Helper()
	if o.Now.IsZero() {
		t.Fatal("reporttest: sandbox.Options.Now is required")
	}
	sb := sandbox.New(o)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	c, err := vobiz.NewClient(srv.URL, sb.AuthID(), sb.AuthToken(), vobiz.WithTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	db := tg.Open(t)
	return &Env{Sandbox: sb, Client: c, DB: db, Index: callindex.New(db)}
}

// Load writes the sandbox's whole export into the index, through the real
// export endpoint and callindex.Upsert in batches, and fails the test
// unless every call arrived.
func (e *Env) Load(t testing.TB) {
	t.Helper()
	e.load(t, true)
}

// LoadOnly is Load without keeping Records: a million calls would hold a
// gigabyte of memory for nothing in a benchmark.
func (e *Env) LoadOnly(t testing.TB) {
	t.Helper()
	e.load(t, false)
}

func (e *Env) load(t testing.TB, keep bool) {
	t.Helper()
	ctx := context.Background()
	body, err := e.Client.Export(ctx, vobiz.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	r, err := vobiz.NewExportReader(body)
	if err != nil {
		t.Fatal(err)
	}
	batch := make([]vobiz.CDR, 0, callindex.BatchSize)
	flush := func() {
		st, err := e.Index.Upsert(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		if st.Invalid != 0 {
			t.Fatalf("reporttest: %d invalid records", st.Invalid)
		}
		batch = batch[:0]
	}
	e.Records = e.Records[:0]
	n := 0
	for {
		c, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if keep {
			e.Records = append(e.Records, *c)
		}
		if batch = append(batch, *c); len(batch) == cap(batch) {
			flush()
		}
	}
	if len(batch) > 0 {
		flush()
	}
	if n != e.Sandbox.Len() {
		t.Fatalf("reporttest: exported %d calls, the sandbox has %d", n, e.Sandbox.Len())
	}
}

// MarkComplete records the UTC days first..last (any times within them) as
// complete, with their row counts verified at verifiedAt, and the last
// poll at lastPoll, as the sync job would after a backfill.
func (e *Env) MarkComplete(t testing.TB, first, last, verifiedAt, lastPoll time.Time) {
	t.Helper()
	ctx := context.Background()
	y, m, d := first.UTC().Date()
	for day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC); !day.After(last); day = day.AddDate(0, 0, 1) {
		n, err := e.Index.Count(ctx, day, day.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Index.SetDay(ctx, callindex.DayState{Day: day, Status: callindex.DayComplete, Rows: n,
			APITotal: n, VerifiedAt: verifiedAt}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Index.UpdateSyncState(ctx, func(st *callindex.SyncState) { st.LastPoll = lastPoll }); err != nil {
		t.Fatal(err)
	}
}

// MarkValues are the values of a chart's marks, by the index of their
// links.
func MarkValues(rep *report.Report, chartID string) []int64 {
	b := rep.Breakdown
	var out []int64
	switch chartID {
	case chart.IDCallsPerDay, chart.IDTalkCost:
		for _, d := range rep.Days {
			out = append(out, int64(d.Summary.TotalCalls))
		}
	case chart.IDOutcomes:
		out = b.Outcomes[:]
	case chart.IDCauses:
		for _, n := range report.TopCauses(b.CauseCounts()) {
			out = append(out, n.N)
		}
	case chart.IDQuality:
		for i, band := range report.Bands() {
			if band != diagnosis.BandUnknown || b.Quality[i] > 0 {
				out = append(out, b.Quality[i])
			}
		}
	case chart.IDMOS:
		out = b.MOS[:]
	case chart.IDHourWeekday:
		for d := range 7 {
			out = append(out, b.HourWeekday[d][:]...)
		}
	}
	return out
}

// Micros reads an amount as the API wrote it (its shortest decimal) into
// exact millionths: the independent truth the exact sums of the index are
// checked against, never added up as floats.
func Micros(t testing.TB, v float64) int64 {
	t.Helper()
	s := strconv.FormatFloat(v, 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 6 {
		t.Fatalf("amount %s has more than 6 decimals", s)
	}
	n, err := strconv.ParseInt(whole+(frac + "000000")[:6], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
