package callindex_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/vobiz"
)

// BenchmarkHasRecordingSQLite: list pages (100 rows, exact total, tiles)
// with has_recording over 7 and 30 days of the benchmark index, its
// recordings the sandbox's own (RecordingScenarios: about 40 % of answered
// calls). Printed first: the SQLite plans of the 30-day summary and page.
//
//	CDRDASH_BENCH_CALLS=200000 go test -run '^$' -bench HasRecording -benchtime 20x ./callindex/
func BenchmarkHasRecordingSQLite(b *testing.B) { benchHasRecording(b, bigSQLiteIndex(b), true) }

// BenchmarkHasRecordingPostgres is the same on PostgreSQL (skipped without
// CDRDASH_TEST_DATABASE_URL).
func BenchmarkHasRecordingPostgres(b *testing.B) { benchHasRecording(b, bigPostgresIndex(b), false) }

func benchHasRecording(b *testing.B, ix *callindex.Index, plans bool) {
	ctx := context.Background()
	if n, err := ix.CountRecordings(ctx); err != nil {
		b.Fatal(err)
	} else if n == 0 {
		var recs []vobiz.Recording
		for _, sc := range bigSandbox().RecordingScenarios() {
			recs = append(recs, vobiz.Recording{ID: vobiz.Text(sc.RecordingID), CallUUID: vobiz.Text(sc.CallUUID),
				Format: vobiz.Text(sc.Format)})
			if len(recs) == 10_000 {
				if err := ix.UpsertRecordings(ctx, recs); err != nil {
					b.Fatal(err)
				}
				recs = recs[:0]
			}
		}
		if err := ix.UpsertRecordings(ctx, recs); err != nil {
			b.Fatal(err)
		}
		// As the sync does after a backfill: flagging the calls rewrote
		// their rows, and PostgreSQL's index-only scans visit the table
		// for every row until a vacuum.
		if err := ix.Analyze(ctx); err != nil {
			b.Fatal(err)
		}
	}
	end := bigNow
	for _, h := range []callindex.RecordingFilter{callindex.RecordingWith, callindex.RecordingWithout} {
		if !plans {
			break
		}
		f := callindex.Filter{From: end.AddDate(0, 0, -30), To: end, HasRecording: h}
		s, l, err := ix.Explain(ctx, f)
		if err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(os.Stderr, "has_recording %d, 30 d:\n summary %s\n list %s\n", h, strings.Join(s, " | "), strings.Join(l, " | "))
	}
	for _, days := range []int{7, 30} {
		for _, tc := range []struct {
			name string
			h    callindex.RecordingFilter
		}{{"any", callindex.RecordingAny}, {"with", callindex.RecordingWith}, {"without", callindex.RecordingWithout}} {
			b.Run(strconv.Itoa(days)+"d/"+tc.name, func(b *testing.B) {
				runQuery(b, ix, callindex.Filter{From: end.AddDate(0, 0, -days), To: end, HasRecording: tc.h, Limit: 100})
			})
		}
	}
}
