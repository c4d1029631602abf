package handlers_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"
)

// benchExportCalls is the data set of the export benchmarks: 100,000 calls,
// about 46 MB of raw CSV.
const benchExportCalls = 100_000

func drain(b *testing.B, r io.ReadCloser) int64 {
	b.Helper()
	defer r.Close()
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkExportRaw measures the raw export straight from the sandbox and
// through the dashboard (sign-in session, filters, streaming copy, audit)
// in the same run, alternating which goes first, and reports both
// throughputs and their ratio (target ≥ 0.9). Run with e.g.
//
//	go test -run '^$' -bench ExportRaw -benchtime 5x ./handlers
func BenchmarkExportRaw(b *testing.B) {
	a := newTestApp(b, withCalls(benchExportCalls))
	c := a.demo(b)
	var direct, dash time.Duration
	var bytes int64
	i := 0
	for b.Loop() {
		runDirect := func() {
			t0 := time.Now()
			bytes += drain(b, directExport(b, a, ""))
			direct += time.Since(t0)
		}
		runDash := func() {
			t0 := time.Now()
			res := exportStart(b, context.Background(), c, a, "/calls/export?format=raw")
			if res.StatusCode != http.StatusOK {
				b.Fatalf("status %d", res.StatusCode)
			}
			drain(b, res.Body)
			dash += time.Since(t0)
		}
		if i%2 == 0 {
			runDirect()
			runDash()
		} else {
			runDash()
			runDirect()
		}
		i++
	}
	mb := float64(bytes) / 1e6
	b.ReportMetric(mb/direct.Seconds(), "direct-MB/s")
	b.ReportMetric(mb/dash.Seconds(), "dashboard-MB/s")
	b.ReportMetric(direct.Seconds()/dash.Seconds(), "ratio")
}

// BenchmarkExportReport measures the report format through the dashboard
// (default columns: times in the user's zone, outcome, diagnosis, quality):
// MB/s of report written and rows/s.
func BenchmarkExportReport(b *testing.B) {
	a := newTestApp(b, withCalls(benchExportCalls))
	c := a.demo(b)
	var bytes int64
	var took time.Duration
	for b.Loop() {
		t0 := time.Now()
		res := exportStart(b, context.Background(), c, a, "/calls/export?format=report")
		if res.StatusCode != http.StatusOK {
			b.Fatalf("status %d", res.StatusCode)
		}
		bytes += drain(b, res.Body)
		took += time.Since(t0)
	}
	b.ReportMetric(float64(bytes)/1e6/took.Seconds(), "report-MB/s")
	b.ReportMetric(float64(b.N*benchExportCalls)/took.Seconds(), "rows/s")
}
