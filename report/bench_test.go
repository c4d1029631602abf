package report

import (
	"context"
	"io"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// sandboxClient serves a sandbox of n calls over real HTTP, with latency
// added before every response, and returns a client for it.
func sandboxClient(tb testing.TB, n int, latency time.Duration) (*sandbox.Server, *vobiz.Client) {
	tb.Helper()
	sb := sandbox.New(sandbox.Options{Seed: 7, Calls: n, Now: testNow})
	if latency > 0 {
		sb.SetFaults(sandbox.Faults{Latency: latency})
	}
	srv := httptest.NewServer(sb)
	tb.Cleanup(srv.Close)
	c, err := vobiz.NewClient(srv.URL, sb.AuthID(), sb.AuthToken())
	if err != nil {
		tb.Fatal(err)
	}
	return sb, c
}

// The benchmark ranges: 90 days ending today (the usual report, whose last
// day is always asked again) and 90 finished days.
var (
	last90 = request("2026-08-29", "2026-11-26")
	past90 = request("2026-08-28", "2026-11-25")
)

func buildOK(tb testing.TB, s *Service, req Request) *Report {
	rep, err := s.Build(context.Background(), req)
	if err != nil {
		tb.Fatal(err)
	}
	if len(rep.Missing()) > 0 || rep.Range.Err != nil || rep.Previous.Err != nil || rep.BreakdownErr != nil {
		tb.Fatalf("incomplete report: %d missing days, %v, %v, %v", len(rep.Missing()), rep.Range.Err, rep.Previous.Err, rep.BreakdownErr)
	}
	return rep
}

// BenchmarkReport90DaysCold: a 90-day report with an empty cache, against
// a sandbox that adds 50 ms before every response: 92 JSON requests
// through the pool of 8, plus the export of 100,000 calls read alongside.
func BenchmarkReport90DaysCold(b *testing.B) {
	_, client := sandboxClient(b, 100_000, 50*time.Millisecond)
	for b.Loop() {
		buildOK(b, newService(client, Options{}), last90)
	}
}

// BenchmarkReport90DaysWarm: the same report again. Only today is asked:
// its day summary, the range totals (the range is not finished) and
// today's part of the export, concurrently, so about one 50 ms round trip.
func BenchmarkReport90DaysWarm(b *testing.B) {
	_, client := sandboxClient(b, 100_000, 50*time.Millisecond)
	s := newService(client, Options{})
	buildOK(b, s, last90)
	for b.Loop() {
		buildOK(b, s, last90)
	}
}

// BenchmarkReport90DaysWarmPast: 90 finished days again: no upstream
// request at all.
func BenchmarkReport90DaysWarmPast(b *testing.B) {
	sb, client := sandboxClient(b, 100_000, 50*time.Millisecond)
	s := newService(client, Options{})
	buildOK(b, s, past90)
	before := sb.Requests()
	for b.Loop() {
		buildOK(b, s, past90)
	}
	if n := sb.Requests() - before; n != 0 {
		b.Fatalf("%d upstream requests for a cached past range", n)
	}
}

// heapSampler wraps an export body and measures the live heap (after a
// forced collection) every few megabytes read, so the peak seen while
// rows are being counted can be compared with the heap before.
type heapSampler struct {
	io.ReadCloser
	every, since int
	peak         uint64
}

func (h *heapSampler) Read(p []byte) (int, error) {
	n, err := h.ReadCloser.Read(p)
	h.since += n
	if h.since >= h.every {
		h.since = 0
		h.sample()
	}
	return n, err
}

func (h *heapSampler) sample() {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	h.peak = max(h.peak, m.HeapAlloc)
}

type samplingSource struct {
	Source
	sampler *heapSampler
}

func (s samplingSource) Export(ctx context.Context, f vobiz.Filter) (io.ReadCloser, error) {
	body, err := s.Source.Export(ctx, f)
	if err != nil {
		return nil, err
	}
	s.sampler.ReadCloser = body
	return s.sampler, nil
}

// breakdownHeapGrowth counts the whole export of a sandbox of n calls and
// returns the rows counted and the largest live-heap growth seen while
// counting.
func breakdownHeapGrowth(tb testing.TB, client *vobiz.Client) (rows int64, growth uint64) {
	sampler := &heapSampler{every: 8 << 20}
	src := samplingSource{Source: client, sampler: sampler}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base := m.HeapAlloc
	body, err := src.Export(context.Background(), vobiz.Filter{StartDate: "2026-08-01", EndDate: "2026-11-26"})
	if err != nil {
		tb.Fatal(err)
	}
	defer body.Close()
	b, err := Aggregate(context.Background(), body, AggregateOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	if sampler.peak < base {
		return b.Rows, 0
	}
	return b.Rows, sampler.peak - base
}

// maxHeapGrowth is what counting may add to the live heap, whatever the
// number of rows: the HTTP and CSV buffers and the aggregate itself.
const maxHeapGrowth = 16 << 20

// TestBreakdownMemoryFlat: counting an export does not keep rows. The
// million-row version is BenchmarkBreakdown1MRows (make bench).
func TestBreakdownMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("reads an export of 100,000 calls")
	}
	_, client := sandboxClient(t, 100_000, 0)
	rows, growth := breakdownHeapGrowth(t, client)
	if rows != 100_000 {
		t.Fatalf("counted %d rows", rows)
	}
	if growth > maxHeapGrowth {
		t.Errorf("live heap grew by %d MiB while counting %d rows", growth>>20, rows)
	}
	t.Logf("%d rows, live heap growth %.1f MiB", rows, float64(growth)/(1<<20))
}

// BenchmarkBreakdown1MRows counts an export of 1,000,000 calls and reports
// the live-heap growth, which must stay as flat as for 100,000.
func BenchmarkBreakdown1MRows(b *testing.B) {
	_, client := sandboxClient(b, 1_000_000, 0)
	for b.Loop() {
		rows, growth := breakdownHeapGrowth(b, client)
		if rows != 1_000_000 {
			b.Fatalf("counted %d rows", rows)
		}
		if growth > maxHeapGrowth {
			b.Fatalf("live heap grew by %d MiB while counting %d rows", growth>>20, rows)
		}
		b.ReportMetric(float64(growth)/(1<<20), "MiB-heap-growth")
	}
}
