package callindex_test

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
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

// Benchmarks (not tests: nothing here is timed against a limit). `make
// bench-index` runs them on both databases; by hand:
//
//	go test -run '^$' -bench Backfill -benchtime 1x ./callindex/
//	go test -run '^$' -bench Query -benchtime 20x ./callindex/
//
// The query benchmarks share one index of CDRDASH_BENCH_CALLS calls (default
// 1,000,000 over 90 days) per database, built once. With CDRDASH_BENCH_DIR
// set, the SQLite one is kept in that directory and the PostgreSQL one in
// the schema cdrdash_bench_<calls> of CDRDASH_TEST_DATABASE_URL, and later
// runs reuse them (delete the directory, or drop the schema, to rebuild
// after a schema change); without it they are built in a temporary
// directory or schema and removed at the end.

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
	var total, cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		db := tg.Open(b)
		if _, err := db.SQL().ExecContext(ctx, "DELETE FROM call_index"); err != nil {
			b.Fatal(err)
		}
		ix := callindex.New(db)
		b.StartTimer()
		start, cpu0 := time.Now(), processCPU()
		n, err := loadExport(ctx, sb, ix)
		if err != nil || n != calls {
			b.Fatalf("loaded %d: %v", n, err)
		}
		total += time.Since(start)
		cpu += processCPU() - cpu0
		if tg.Name == store.DialectSQLite {
			b.StopTimer()
			if _, err := db.SQL().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
				b.Fatal(err)
			}
			if fi, err := os.Stat(filepath.Join(tg.DataDir, store.SQLiteFileName)); err == nil {
				b.ReportMetric(float64(fi.Size())/float64(calls), "MB/M-calls")
			}
			b.StartTimer()
		}
	}
	b.ReportMetric(float64(calls*b.N)/total.Seconds(), "calls/s")
	// CPU time per call of the whole process (the in-process sandbox
	// writing the export included; PostgreSQL's server excluded): unlike
	// the rate, it does not drop when other work shares the machine.
	b.ReportMetric(float64(cpu.Microseconds())/float64(calls*b.N), "cpu-µs/call")
}

// bigIndex is a shared index of benchCalls() calls in one database.
type bigIndex struct {
	once sync.Once
	ix   *callindex.Index
	err  error
	// cleanup removes a temporary index at the end of the process.
	cleanup func()
	// open opens another store on the same index, with fresh connections
	// (the aggregates' cold runs).
	open func(context.Context) (*store.DB, error)
}

var (
	bigSQLite, bigPostgres bigIndex
	// bigNow is the sandbox's clock; bigNumber six digits of a caller's
	// number in the index, for the number searches.
	bigNow    time.Time
	bigNumber string
	bigSB     *sandbox.Server
	sbOnce    sync.Once
)

func benchCalls() int {
	if n, err := strconv.Atoi(os.Getenv("CDRDASH_BENCH_CALLS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

func bigSandbox() *sandbox.Server {
	sbOnce.Do(func() {
		n := benchCalls()
		bigSB = sandbox.New(sandbox.Options{Seed: 5, Calls: n, Days: 90, Now: sbNow})
		bigNow = bigSB.Now()
		num := string(bigSB.Call(n / 2).CallerIDNumber)
		bigNumber = num[len(num)-6:]
	})
	return bigSB
}

// completeMarker is the table a finished benchmark index carries, so an
// interrupted build is never reused.
const completeMarker = "cdrdash_bench_complete"

// bigSQLiteIndex returns the shared SQLite index, building it if needed.
func bigSQLiteIndex(b *testing.B) *callindex.Index {
	b.Helper()
	bigSQLite.once.Do(func() {
		ctx := context.Background()
		sb := bigSandbox()
		dir := os.Getenv("CDRDASH_BENCH_DIR")
		if dir == "" {
			tmp, err := os.MkdirTemp("", "callindex-bench-")
			if err != nil {
				bigSQLite.err = err
				return
			}
			dir, bigSQLite.cleanup = tmp, func() { os.RemoveAll(tmp) }
		}
		bigSQLite.open = func(ctx context.Context) (*store.DB, error) {
			return store.Open(ctx, "", dir, store.WithCleanupInterval(0))
		}
		db, err := bigSQLite.open(ctx)
		if err != nil {
			bigSQLite.err = err
			return
		}
		bigSQLite.ix, bigSQLite.err = buildBig(ctx, b, db, sb)
		if bigSQLite.err != nil {
			return
		}
		if _, err := db.SQL().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			bigSQLite.err = err
			return
		}
		if fi, err := os.Stat(filepath.Join(dir, store.SQLiteFileName)); err == nil {
			fmt.Fprintf(os.Stderr, "SQLite database %.0f MB (%.0f MB per million calls) in %s\n", float64(fi.Size())/1e6,
				float64(fi.Size())/float64(sb.Len()), dir)
		}
	})
	if bigSQLite.err != nil {
		b.Fatal(bigSQLite.err)
	}
	return bigSQLite.ix
}

// bigPostgresIndex returns the shared PostgreSQL index, building it if
// needed, or skips like the tests when there is no server.
func bigPostgresIndex(b *testing.B) *callindex.Index {
	b.Helper()
	// Skips loudly (or fails when strict) without a server; its fresh
	// schema holds the index unless a kept one is asked for.
	tg := storetest.PostgresTarget(b)
	keep := os.Getenv("CDRDASH_BENCH_DIR") != ""
	bigPostgres.once.Do(func() {
		ctx := context.Background()
		sb := bigSandbox()
		dsn := tg.DSN
		if keep {
			var err error
			if dsn, err = benchSchema(ctx, sb.Len()); err != nil {
				bigPostgres.err = err
				return
			}
		}
		// The benchmark outlives this sub-benchmark's cleanups, so the
		// store is opened here, not through tg.Open.
		bigPostgres.open = func(ctx context.Context) (*store.DB, error) {
			return store.Open(ctx, dsn, "", store.WithCleanupInterval(0))
		}
		db, err := bigPostgres.open(ctx)
		if err != nil {
			bigPostgres.err = err
			return
		}
		bigPostgres.ix, bigPostgres.err = buildBig(ctx, b, db, sb)
		if bigPostgres.err == nil {
			var size int64
			if err := db.SQL().QueryRowContext(ctx, "SELECT pg_total_relation_size('call_index') + "+
				"pg_total_relation_size('call_index_slots') + pg_total_relation_size('call_index_day_groups')").Scan(&size); err == nil {
				fmt.Fprintf(os.Stderr, "PostgreSQL call index %.0f MB (%.0f MB per million calls)\n", float64(size)/1e6, float64(size)/float64(sb.Len()))
			}
		}
	})
	if bigPostgres.err != nil {
		b.Fatal(bigPostgres.err)
	}
	return bigPostgres.ix
}

// benchSchema returns the URL of the kept benchmark schema for n calls,
// creating the schema when it does not exist.
func benchSchema(ctx context.Context, n int) (string, error) {
	u, err := url.Parse(os.Getenv(storetest.EnvDatabaseURL))
	if err != nil {
		return "", err
	}
	admin, err := sql.Open("pgx", u.String())
	if err != nil {
		return "", err
	}
	defer admin.Close()
	// CDRDASH_BENCH_SCHEMA names another one, to keep indexes built by
	// different versions of the schema apart.
	schema := cmp.Or(os.Getenv("CDRDASH_BENCH_SCHEMA"), "cdrdash_bench_"+strconv.Itoa(n))
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// buildBig loads every call of sb into db, unless an earlier run completed
// it (the marker table), then analyzes it.
func buildBig(ctx context.Context, b *testing.B, db *store.DB, sb *sandbox.Server) (*callindex.Index, error) {
	ix := callindex.New(db)
	var done int
	if err := db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+completeMarker).Scan(&done); err == nil && done == 1 {
		if db.Dialect() == store.DialectPostgres {
			// A migration since the build (a new index) leaves it to
			// autovacuum to set the visibility map again.
			return ix, ix.Analyze(ctx)
		}
		return ix, nil
	}
	// An interrupted build: start again.
	if _, err := db.SQL().ExecContext(ctx, "DELETE FROM call_index"); err != nil {
		return nil, err
	}
	for _, t := range []string{"call_index_slots", "call_index_day_groups"} {
		if _, err := db.SQL().ExecContext(ctx, "DELETE FROM "+t); err != nil {
			return nil, err
		}
	}
	start, cpu0 := time.Now(), processCPU()
	batch := make([]vobiz.CDR, 0, callindex.BatchSize)
	for i := range sb.Len() {
		batch = append(batch, sb.Call(i))
		if len(batch) == cap(batch) || i == sb.Len()-1 {
			if _, err := ix.Upsert(ctx, batch); err != nil {
				return nil, err
			}
			batch = batch[:0]
		}
	}
	loaded, cpu := time.Since(start), processCPU()-cpu0
	if err := ix.Analyze(ctx); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "%s: built an index of %d calls in %s (%.0f calls/s, %.1f µs of this process's CPU per call)\n",
		db.Dialect(), sb.Len(), loaded.Round(time.Millisecond), float64(sb.Len())/loaded.Seconds(),
		float64(cpu.Microseconds())/float64(sb.Len()))
	if _, err := db.SQL().ExecContext(ctx, "CREATE TABLE "+completeMarker+" (done INTEGER)"); err != nil {
		return nil, err
	}
	if _, err := db.SQL().ExecContext(ctx, "INSERT INTO "+completeMarker+" VALUES (1)"); err != nil {
		return nil, err
	}
	return ix, nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, bi := range []*bigIndex{&bigSQLite, &bigPostgres} {
		if bi.cleanup != nil {
			bi.cleanup()
		}
	}
	os.Exit(code)
}

// BenchmarkQuerySQLite runs the list page's query (100 rows, exact total,
// summary tiles) over the last 7 and 30 days with one filter or sort each,
// and a number search, reporting p50 and p95.
func BenchmarkQuerySQLite(b *testing.B) { benchQuery(b, bigSQLiteIndex(b)) }

// BenchmarkQueryPostgres is the same on PostgreSQL.
func BenchmarkQueryPostgres(b *testing.B) { benchQuery(b, bigPostgresIndex(b)) }

func benchQuery(b *testing.B, ix *callindex.Index) {
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
	var times, cpus []time.Duration
	var total int64
	// The query runs on this goroutine (modernc's SQLite is Go code), so
	// with the goroutine locked to its thread, the thread's CPU time is the
	// query's own: a figure that, unlike the wall time, other work on the
	// machine does not inflate. (For PostgreSQL it is only the client's.)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for b.Loop() {
		start, cpu0 := time.Now(), threadCPU()
		p, err := ix.Query(ctx, f)
		if err != nil {
			b.Fatal(err)
		}
		cpus = append(cpus, threadCPU()-cpu0)
		times = append(times, time.Since(start))
		total = p.Total
	}
	b.ReportMetric(percentile(times, 0.5), "p50-ms")
	b.ReportMetric(percentile(times, 0.95), "p95-ms")
	b.ReportMetric(percentile(cpus, 0.5), "cpu-p50-ms")
	b.ReportMetric(float64(total), "matches")
}

// percentile is the p-th percentile of ds in milliseconds (sorts ds).
func percentile(ds []time.Duration, p float64) float64 {
	slices.Sort(ds)
	return float64(ds[min(len(ds)-1, int(p*float64(len(ds))))].Microseconds()) / 1000
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
