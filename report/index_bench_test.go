package report_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/report"
	"github.com/cdrdash/cdrdash/report/reporttest"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// BenchmarkIndexReport90Days: a 90-day report (ending today) from the call
// index over the 100,000 calls of BenchmarkReport90DaysCold, on SQLite
// (CDRDASH_BENCH_DB=postgres for PostgreSQL): 92 summary queries through
// the pool of 8 and one Each over the range's calls feeding the breakdown.
// cold builds with an empty cache every time; warm keeps the service, so
// settled days come from the cache and only today is asked again.
func BenchmarkIndexReport90Days(b *testing.B) {
	tg := storetest.SQLiteTarget(b)
	if benchDB() == store.DialectPostgres {
		tg = storetest.PostgresTarget(b)
	}
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	e := reporttest.New(b, tg, sandbox.Options{Seed: 7, Calls: 100_000, Days: 200, Now: now})
	e.Load(b)
	e.MarkComplete(b, now.AddDate(0, 0, -190), now, now, now)
	if err := e.Index.Analyze(context.Background()); err != nil {
		b.Fatal(err)
	}
	req := report.Request{Filter: vobiz.Filter{StartDate: now.AddDate(0, 0, -89).Format(vobiz.DateLayout),
		EndDate: now.Format(vobiz.DateLayout)}}
	opts := report.Options{Now: func() time.Time { return now }, Index: e.Index}
	build := func(b *testing.B, s *report.Service) {
		rep, err := s.Build(context.Background(), req)
		if err != nil || rep.Origin != report.OriginIndex || rep.BreakdownErr != nil || len(rep.Missing()) > 0 {
			b.Fatalf("report: %v, origin %s, breakdown %v", err, rep.Origin, rep.BreakdownErr)
		}
		b.ReportMetric(float64(rep.Breakdown.Rows), "calls")
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			build(b, report.New(e.Client, opts))
		}
	})
	b.Run("warm", func(b *testing.B) {
		s := report.New(e.Client, opts)
		build(b, s)
		for b.Loop() {
			build(b, s)
		}
	})
}

// benchDB is the database the index benchmarks run on.
func benchDB() string {
	if os.Getenv("CDRDASH_BENCH_DB") == store.DialectPostgres {
		return store.DialectPostgres
	}
	return store.DialectSQLite
}
