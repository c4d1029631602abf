package callindex_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// Benchmarks (not tests: nothing here is timed against a limit). Run with
//
//	go test -run '^$' -bench . -benchtime 1x ./callindex/   (backfill)
//	go test -run '^$' -bench Query -benchtime 20x ./callindex/
//
// The query benchmarks share one SQLite index of CDRDASH_BENCH_CALLS calls
// (default 1,000,000 over 90 days), built once per process in a temporary
// directory.

// BenchmarkBackfillSQLite measures the sync job's path end to end: the
// sandbox's CSV export over HTTP, decoding, and batched upserts into a
// fresh SQLite index with all its indexes.
func BenchmarkBackfillSQLite(b *testing.B) {
	benchBackfill(b, storetest.SQLiteTarget(b))
}

// BenchmarkBackfillPostgres is the same into PostgreSQL (a private schema
// of CDRDASH_TEST_DATABASE_URL; skipped without it).
func BenchmarkBackfillPostgres(b *testing.B) {
	benchBackfill(b, storetest.PostgresTarget(b))
}

func benchBackfill(b *testing.B, tg storetest.Target) {
	calls := benchBackfillCalls()
	sb := newSandbox(b, calls, 90)
	ctx := context.Background()
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		db := tg.Open(b)
		if _, err := db.SQL().ExecContext(ctx, "DELETE FROM call_index"); err != nil {
			b.Fatal(err)
		}
		ix := callindex.New(db)
		b.StartTimer()
		start := time.Now()
		n, err := loadExport(ctx, sb, ix)
		if err != nil || n != calls {
			b.Fatalf("loaded %d: %v", n, err)
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(calls*b.N)/total.Seconds(), "calls/s")
}

var (
	bigOnce sync.Once
	bigIx   *callindex.Index
	bigNow  time.Time
	bigErr  error
	bigDir  string
	// bigNumber is six digits of a caller's number in the index, for the
	// number searches.
	bigNumber string
)

func benchCalls() int {
	if n, err := strconv.Atoi(os.Getenv("CDRDASH_BENCH_CALLS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// bigIndex builds the shared index once: records straight from the sandbox
// generator (the HTTP path is BenchmarkBackfillSQLite's), then ANALYZE.
func bigIndex(b *testing.B) *callindex.Index {
	b.Helper()
	bigOnce.Do(func() {
		n := benchCalls()
		ctx := context.Background()
		sb := sandbox.New(sandbox.Options{Seed: 5, Calls: n, Days: 90, Now: sbNow})
		bigNow = sb.Now()
		num := string(sb.Call(n / 2).CallerIDNumber)
		bigNumber = num[len(num)-6:]
		if keep := os.Getenv("CDRDASH_BENCH_DIR"); keep != "" {
			// An index built by an earlier run, kept to iterate on queries.
			db, err := store.Open(ctx, "", keep, store.WithCleanupInterval(0))
			bigIx, bigErr = callindex.New(db), err
			return
		}
		bigDir, bigErr = os.MkdirTemp("", "callindex-bench-")
		if bigErr != nil {
			return
		}
		db, err := store.Open(ctx, "", bigDir, store.WithCleanupInterval(0))
		if err != nil {
			bigErr = err
			return
		}
		ix := callindex.New(db)
		start := time.Now()
		batch := make([]vobiz.CDR, 0, callindex.BatchSize)
		for i := range sb.Len() {
			batch = append(batch, sb.Call(i))
			if len(batch) == cap(batch) || i == sb.Len()-1 {
				if _, bigErr = ix.Upsert(ctx, batch); bigErr != nil {
					return
				}
				batch = batch[:0]
			}
		}
		loaded := time.Since(start)
		if bigErr = ix.Analyze(ctx); bigErr != nil {
			return
		}
		if _, bigErr = db.SQL().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); bigErr != nil {
			return
		}
		fi, err := os.Stat(filepath.Join(bigDir, store.SQLiteFileName))
		if err != nil {
			bigErr = err
			return
		}
		b.Logf("built an index of %d calls in %s (%.0f calls/s); database %.0f MB (%.0f MB per million calls)",
			n, loaded.Round(time.Millisecond), float64(n)/loaded.Seconds(), float64(fi.Size())/1e6,
			float64(fi.Size())/1e6*1e6/float64(n))
		bigIx = ix
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	return bigIx
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bigDir != "" {
		os.RemoveAll(bigDir)
	}
	os.Exit(code)
}

// BenchmarkQuery runs the list page's query (100 rows, exact total, summary
// tiles) over the last 7 and 30 days with one filter or sort each, and a
// number search, reporting p50 and p95.
func BenchmarkQuery(b *testing.B) {
	ix := bigIndex(b)
	end := bigNow
	cases := benchCases(bigNumber)
	for _, days := range []int{7, 30} {
		for _, tc := range cases {
			b.Run(strconv.Itoa(days)+"d/"+tc.name, func(b *testing.B) {
				f := tc.f
				f.From, f.To, f.Limit = end.AddDate(0, 0, -days), end, 100
				runQuery(b, ix, f)
			})
		}
	}
	// Number search over everything, no window.
	b.Run("all/from_number", func(b *testing.B) {
		runQuery(b, ix, callindex.Filter{API: vobiz.Filter{FromNumber: bigNumber}, Limit: 100})
	})
}

func runQuery(b *testing.B, ix *callindex.Index, f callindex.Filter) {
	ctx := context.Background()
	var times []time.Duration
	var total int64
	for b.Loop() {
		start := time.Now()
		p, err := ix.Query(ctx, f)
		if err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
		total = p.Total
	}
	slices.Sort(times)
	pct := func(p float64) float64 {
		return float64(times[min(len(times)-1, int(p*float64(len(times))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(float64(total), "matches")
}

func benchBackfillCalls() int {
	if n, err := strconv.Atoi(os.Getenv("CDRDASH_BENCH_BACKFILL")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// BenchmarkShowPlans prints the plans of the benchmarked queries on the
// index kept in CDRDASH_BENCH_DIR: a diagnostic, run on purpose with
// -bench ShowPlans (a benchmark, so that the test run never lists it as skipped).
func BenchmarkShowPlans(b *testing.B) {
	dir := os.Getenv("CDRDASH_BENCH_DIR")
	if dir == "" {
		b.Skip("CDRDASH_BENCH_DIR not set")
	}
	db, err := store.Open(context.Background(), "", dir, store.WithCleanupInterval(0))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ix := callindex.New(db)
	for _, tc := range benchCases("987654") {
		f := tc.f
		f.From, f.To = sbNow.AddDate(0, 0, -7), sbNow
		s, l, err := ix.Explain(context.Background(), f)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%s\n  summary: %s\n  list:    %s", tc.name, strings.Join(s, " | "), strings.Join(l, " | "))
	}
}

func benchCases(number string) []struct {
	name string
	f    callindex.Filter
} {
	return []struct {
		name string
		f    callindex.Filter
	}{
		{"none", callindex.Filter{}},
		{"direction", callindex.Filter{API: vobiz.Filter{CallDirection: vobiz.DirectionInbound}}},
		{"outcome_failed", callindex.Filter{Outcomes: []diagnosis.Outcome{diagnosis.Failed}}},
		{"quality_poor", callindex.Filter{Qualities: []diagnosis.Band{diagnosis.BandPoor}}},
		{"min_mos", callindex.Filter{MinMOS: ptr(4.0)}},
		{"hangup_cause", callindex.Filter{API: vobiz.Filter{HangupCause: "USER_BUSY"}}},
		{"cause_code", callindex.Filter{HangupCauseCode: ptr(int64(3010))}},
		{"trunk", callindex.Filter{TrunkID: "trunk-mum-01"}},
		{"sort_cost", callindex.Filter{Sort: callindex.Sort{Key: callindex.SortCost}}},
		{"sort_-duration", callindex.Filter{Sort: callindex.Sort{Key: callindex.SortDuration}}},
		{"sort_mos", callindex.Filter{Sort: callindex.Sort{Key: callindex.SortMOS, Ascending: true}}},
		{"from_number", callindex.Filter{API: vobiz.Filter{FromNumber: number}}},
		{"search", callindex.Filter{API: vobiz.Filter{Search: number}}},
	}
}
