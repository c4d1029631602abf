package sandbox

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// benchServer is the default-size data set (100,000 calls).
var benchServer = sync.OnceValue(func() *Server {
	return New(Options{Now: testNow})
})

// serve runs one request through ServeHTTP end to end and checks it
// succeeded; the body goes to a recorder like in the handler tests.
func benchServe(b *testing.B, s *Server, target string) int {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Header.Set("X-Auth-ID", s.AuthID())
	req.Header.Set("X-Auth-Token", s.AuthToken())
	n := 0
	for b.Loop() {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body.String())
		}
		n = w.Body.Len()
	}
	return n
}

// BenchmarkSearchFiltered is the dashboard's typical request: a filtered
// page of 100 over 100,000 calls, with the summary computed over all
// matches. Target: ≤ 5 ms.
func BenchmarkSearchFiltered(b *testing.B) {
	s := benchServer()
	n := benchServe(b, s, basePath(s)+"/search?call_direction=outbound&per_page=100&page=3")
	b.SetBytes(int64(n))
}

func BenchmarkListUnfiltered(b *testing.B) {
	s := benchServer()
	benchServe(b, s, basePath(s)+"?per_page=100&page=1")
}

func BenchmarkListDateRange(b *testing.B) {
	s := benchServer()
	benchServe(b, s, basePath(s)+"?start_date=2026-03-01&end_date=2026-03-07&hangup_cause=NORMAL_CLEARING&per_page=100")
}

// BenchmarkTextSearch is the worst case for search: a hex-digit term that
// may occur in any UUID, so identifiers are derived for every call.
func BenchmarkTextSearch(b *testing.B) {
	s := benchServer()
	benchServe(b, s, basePath(s)+"/search?search=9876&per_page=100")
}

// BenchmarkTextSearchUUID is a pasted call uuid: decoded, not derived.
func BenchmarkTextSearchUUID(b *testing.B) {
	s := benchServer()
	benchServe(b, s, basePath(s)+"/search?search="+string(s.Call(777).UUID))
}

func BenchmarkTextSearchName(b *testing.B) {
	s := benchServer()
	benchServe(b, s, basePath(s)+"/search?search=sharma&per_page=100")
}

func BenchmarkGetOne(b *testing.B) {
	s := benchServer()
	benchServe(b, s, basePath(s)+"/"+string(s.Call(5000).UUID))
}

// BenchmarkExport100k streams all 100,000 rows; bytes/s is the export
// throughput.
func BenchmarkExport100k(b *testing.B) {
	s := benchServer()
	req := httptest.NewRequest(http.MethodGet, basePath(s)+"/export", nil)
	req.Header.Set("X-Auth-ID", s.AuthID())
	req.Header.Set("X-Auth-Token", s.AuthToken())
	w := &discardWriter{h: http.Header{}}
	for b.Loop() {
		w.n = 0
		s.ServeHTTP(w, req)
	}
	b.SetBytes(w.n)
	b.ReportMetric(float64(s.Len()), "rows/op")
}

// discardWriter is a ResponseWriter that counts and drops the body, so the
// export benchmark measures the sandbox rather than a growing buffer.
type discardWriter struct {
	h http.Header
	n int64
}

func (d *discardWriter) Header() http.Header { return d.h }
func (d *discardWriter) WriteHeader(int)     {}
func (d *discardWriter) Write(p []byte) (int, error) {
	d.n += int64(len(p))
	return io.Discard.Write(p)
}

func BenchmarkGenerate100k(b *testing.B) {
	for b.Loop() {
		New(Options{Now: testNow})
	}
}
