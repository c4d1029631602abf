package callindex_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
)

// BenchmarkAggregatesSQLite runs the aggregates of a report and of the costs
// page over the shared index of a million calls (see benchQuery), in IST
// local days: a 12-month report (Slots, Groups by cause and by MOS bucket,
// concurrently, as the report page runs them), its parts alone, and a month's
// costs section (Slots and Groups by trunk, campaign, region and
// destination). cold-ms is the first run on a store opened afresh (new
// connections, empty SQLite page cache; the OS's file cache and
// PostgreSQL's shared buffers stay warm); p50-ms and p95-ms are the warm
// runs on the shared store, cpu-p50-ms their CPU time.
func BenchmarkAggregatesSQLite(b *testing.B) { benchAggregates(b, bigSQLiteIndex(b), &bigSQLite) }

// BenchmarkAggregatesPostgres is the same on PostgreSQL.
func BenchmarkAggregatesPostgres(b *testing.B) { benchAggregates(b, bigPostgresIndex(b), &bigPostgres) }

// concurrently runs fns at once and returns their first error.
func concurrently(fns ...func() error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Go(func() { errs[i] = fn() })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func benchAggregates(b *testing.B, shared *callindex.Index, bi *bigIndex) {
	ist := time.FixedZone("IST", 5*3600+1800)
	n := bigNow.In(ist)
	end := time.Date(n.Year(), n.Month(), n.Day()+1, 0, 0, 0, 0, ist)
	year := callindex.Filter{From: end.AddDate(-1, 0, 0), To: end}
	month := callindex.Filter{From: end.AddDate(0, 0, -30), To: end}
	groups := func(ctx context.Context, ix *callindex.Index, f callindex.Filter, g callindex.GroupBy) func() error {
		return func() error { _, err := ix.Groups(ctx, f, g); return err }
	}
	slots := func(ctx context.Context, ix *callindex.Index, f callindex.Filter) func() error {
		return func() error { _, err := ix.Slots(ctx, f); return err }
	}
	cases := []struct {
		name string
		run  func(context.Context, *callindex.Index) error
	}{
		{"report_12m", func(ctx context.Context, ix *callindex.Index) error {
			return concurrently(slots(ctx, ix, year), groups(ctx, ix, year, callindex.ByCause),
				groups(ctx, ix, year, callindex.ByMOSBucket))
		}},
		{"slots_12m", func(ctx context.Context, ix *callindex.Index) error { return slots(ctx, ix, year)() }},
		{"cause_12m", func(ctx context.Context, ix *callindex.Index) error {
			return groups(ctx, ix, year, callindex.ByCause)()
		}},
		{"cause_1m", func(ctx context.Context, ix *callindex.Index) error {
			return groups(ctx, ix, month, callindex.ByCause)()
		}},
		{"destination_1m", func(ctx context.Context, ix *callindex.Index) error {
			return groups(ctx, ix, month, callindex.ByDestination)()
		}},
		{"costs_1m", func(ctx context.Context, ix *callindex.Index) error {
			return concurrently(slots(ctx, ix, month), groups(ctx, ix, month, callindex.ByTrunk),
				groups(ctx, ix, month, callindex.ByCampaign), groups(ctx, ix, month, callindex.ByRegion),
				groups(ctx, ix, month, callindex.ByDestination))
		}},
	}
	ctx := context.Background()
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			db, err := bi.open(ctx)
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			err = tc.run(ctx, callindex.New(db))
			cold := time.Since(start)
			db.Close()
			if err != nil {
				b.Fatal(err)
			}
			var times, cpus []time.Duration
			for b.Loop() {
				start, cpu0 := time.Now(), processCPU()
				if err := tc.run(ctx, shared); err != nil {
					b.Fatal(err)
				}
				cpus = append(cpus, processCPU()-cpu0)
				times = append(times, time.Since(start))
			}
			b.ReportMetric(float64(cold.Microseconds())/1000, "cold-ms")
			b.ReportMetric(percentile(times, 0.5), "p50-ms")
			b.ReportMetric(percentile(times, 0.95), "p95-ms")
			// This process's CPU time (all of SQLite's work; only the
			// client's for PostgreSQL): unlike the wall time, it does not
			// grow when other work shares the machine.
			b.ReportMetric(percentile(cpus, 0.5), "cpu-p50-ms")
		})
	}
}
