package handlers_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/handlers"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/vobiz"
)

// fixedSource answers every search with one pre-decoded response, so a
// benchmark measures only the dashboard's own work (filters, view model,
// rendering), with the upstream and JSON decoding excluded.
type fixedSource struct {
	handlers.CDRSource
	search *vobiz.SearchResponse
	call   *vobiz.CDR
}

func (f fixedSource) Search(context.Context, vobiz.Filter) (*vobiz.SearchResponse, error) {
	return f.search, nil
}

func (f fixedSource) Get(context.Context, string) (*vobiz.CDR, error) { return f.call, nil }

// benchPage serves path through the full router with a signed-in user in
// the context, bypassing only the session cookie round trip.
func benchPage(b *testing.B, a *testApp, path string) {
	b.Helper()
	u, err := a.db.UserByName(context.Background(), "demo")
	if err != nil {
		b.Fatal(err)
	}
	router := a.h.Routes()
	c := a.demo(b)
	cookies := c.Jar.Cookies(mustURL(b, a.srv.URL))
	_ = u
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for _, ck := range cookies {
		req.AddCookie(ck)
	}
	durations := make([]time.Duration, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for b.Loop() {
		w := httptest.NewRecorder()
		start := time.Now()
		router.ServeHTTP(w, req)
		durations = append(durations, time.Since(start))
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
	b.StopTimer()
	cpu := processCPU() - cpu0
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds()), "p50-µs")
	// CPU time per page (GC included) does not grow when other work on the
	// machine delays the benchmark, unlike the wall-clock p50.
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(len(durations)), "cpu-µs/op")
	}
}

func predecoded(b *testing.B) appOption {
	return withDeps(func(d *handlers.Deps) {
		res, err := d.CDRs.Search(context.Background(), vobiz.Filter{PerPage: 100, Page: 2})
		if err != nil {
			b.Fatal(err)
		}
		call, err := d.CDRs.Get(context.Background(), string(res.Data[3].UUID))
		if err != nil {
			b.Fatal(err)
		}
		d.CDRs = fixedSource{CDRSource: d.CDRs, search: res, call: call}
	})
}

// BenchmarkCallsPage100 is the list page with 100 rows: the dashboard's own
// work (handler, session, view model, render), upstream and decoding
// excluded.
func BenchmarkCallsPage100(b *testing.B) {
	a := newTestApp(b, predecoded(b))
	benchPage(b, a, "/calls?per_page=100&page=2")
}

// BenchmarkCallsPage100WithDecode adds the client's request and JSON
// decoding against the in-process sandbox (loopback HTTP, no latency).
func BenchmarkCallsPage100WithDecode(b *testing.B) {
	a := newTestApp(b)
	benchPage(b, a, "/calls?per_page=100&page=2")
}

// BenchmarkCallDetail is one call's page, upstream excluded.
func BenchmarkCallDetail(b *testing.B) {
	a := newTestApp(b, predecoded(b))
	benchPage(b, a, "/calls/"+string(a.sb.Call(103).UUID))
}

var _ = io.Discard
var _ = auth.RoleAdmin
var _ store.EventFilter
