package report_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/report"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// The costs benchmarks: the Costs page's data for November 2026 in IST
// (355,295 calls) out of an index of 1,000,000 calls over 90 days
// (CDRDASH_BENCH_CALLS to change), on SQLite and PostgreSQL. Target:
// 500 ms cold.
//
// The index is the one callindex's query benchmarks build (same sandbox:
// seed 5, 90 days, 7 Dec 2026): with CDRDASH_BENCH_DIR set it is reused
// from that directory (SQLite) and the schema cdrdash_bench_<calls>
// (PostgreSQL), as `make bench-index` leaves them, or built there once;
// without it, it is built in a temporary place and removed.
//
// cold opens a new connection pool and a new report.Service for every
// run (nothing cached in the process); warm keeps both. "reconcile" adds
// the reconciliation: one Slots call over the month's 31 UTC days and 31
// day summaries from the sandbox API over HTTP.
//
//	CDRDASH_BENCH_DIR=~/.cache/cdrdash/bench-index go test -run '^$' -bench CostsMonth -benchtime 3x ./report

func BenchmarkCostsMonthSQLite(b *testing.B) {
	dir := os.Getenv("CDRDASH_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	open := func() *store.DB {
		db, err := store.Open(context.Background(), "", dir, store.WithCleanupInterval(0))
		if err != nil {
			b.Fatal(err)
		}
		return db
	}
	benchCosts(b, open)
}

func BenchmarkCostsMonthPostgres(b *testing.B) {
	tg := storetest.PostgresTarget(b) // skips (or fails when strict) without a server
	dsn := tg.DSN
	if os.Getenv("CDRDASH_BENCH_DIR") != "" {
		var err error
		if dsn, err = keptSchema(benchCostsCalls()); err != nil {
			b.Fatal(err)
		}
	}
	open := func() *store.DB {
		db, err := store.Open(context.Background(), dsn, "", store.WithCleanupInterval(0))
		if err != nil {
			b.Fatal(err)
		}
		return db
	}
	benchCosts(b, open)
}

var costsNow = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func benchCostsCalls() int {
	if n, err := strconv.Atoi(os.Getenv("CDRDASH_BENCH_CALLS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// keptSchema is the URL of callindex's kept benchmark schema for n calls.
func keptSchema(n int) (string, error) {
	u, err := url.Parse(os.Getenv(storetest.EnvDatabaseURL))
	if err != nil {
		return "", err
	}
	admin, err := sql.Open("pgx", u.String())
	if err != nil {
		return "", err
	}
	defer admin.Close()
	schema := "cdrdash_bench_" + strconv.Itoa(n)
	if _, err := admin.Exec("CREATE SCHEMA IF NOT EXISTS " + schema); err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// benchMarker is the table callindex's benchmarks put in a finished index.
const benchMarker = "cdrdash_bench_complete"

func benchCosts(b *testing.B, open func() *store.DB) {
	ctx := context.Background()
	sb := sandbox.New(sandbox.Options{Seed: 5, Calls: benchCostsCalls(), Days: 90, Now: costsNow})
	db := open()
	ix := callindex.New(db)
	var done int
	if err := db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+benchMarker).Scan(&done); err != nil || done != 1 {
		start := time.Now()
		for _, t := range []string{"call_index", "call_index_slots", "call_index_day_groups"} {
			if _, err := db.SQL().ExecContext(ctx, "DELETE FROM "+t); err != nil {
				b.Fatal(err)
			}
		}
		batch := make([]vobiz.CDR, 0, callindex.BatchSize)
		for i := range sb.Len() {
			batch = append(batch, sb.Call(i))
			if len(batch) == cap(batch) || i == sb.Len()-1 {
				if _, err := ix.Upsert(ctx, batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		if err := ix.Analyze(ctx); err != nil {
			b.Fatal(err)
		}
		for _, q := range []string{"CREATE TABLE " + benchMarker + " (done INTEGER)", "INSERT INTO " + benchMarker + " VALUES (1)"} {
			if _, err := db.SQL().ExecContext(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
		fmt.Fprintf(os.Stderr, "%s: built an index of %d calls in %s\n", db.Dialect(), sb.Len(), time.Since(start).Round(time.Second))
	}
	db.Close()

	api := httptest.NewServer(sb)
	b.Cleanup(api.Close)
	client, err := vobiz.NewClient(api.URL, sb.AuthID(), sb.AuthToken(), vobiz.WithTimeout(time.Minute))
	if err != nil {
		b.Fatal(err)
	}
	ist, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		b.Fatal(err)
	}
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, ist)
	f := callindex.Filter{From: from, To: from.AddDate(0, 1, 0)}
	run := func(b *testing.B, s *report.Service, reconcile bool) {
		c, err := s.Costs(ctx, f)
		if err != nil {
			b.Fatal(err)
		}
		if reconcile {
			rec, err := s.Reconcile(ctx, f.From, f.To)
			if err != nil || rec.Err != nil || len(rec.Differing()) > 0 {
				b.Fatalf("reconcile: %v %v, %d days differ", err, rec.Err, len(rec.Differing()))
			}
		}
		b.ReportMetric(float64(c.Total.Calls), "calls")
	}
	svc := func(db *store.DB) *report.Service {
		return report.New(client, report.Options{Now: func() time.Time { return costsNow }, Index: callindex.New(db)})
	}
	for _, reconcile := range []bool{false, true} {
		name := "costs"
		if reconcile {
			name = "costs+reconcile"
		}
		b.Run(name+"/cold", func(b *testing.B) {
			for b.Loop() {
				db := open()
				run(b, svc(db), reconcile)
				b.StopTimer()
				db.Close()
				b.StartTimer()
			}
		})
		b.Run(name+"/warm", func(b *testing.B) {
			db := open()
			defer db.Close()
			s := svc(db)
			run(b, s, reconcile)
			for b.Loop() {
				run(b, s, reconcile)
			}
		})
	}
}
