package vobiz

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkDecodeSearch100 decodes a realistic 100-row search response,
// the dashboard's largest routine page, the way the client does. A
// hand-written decoder once did this in a third of the time (0.46 ms
// against 1.4 ms), a saving no one notices next to the upstream's own
// 30 ms or more, so encoding/json is the decoder.
func BenchmarkDecodeSearch100(b *testing.B) {
	body := searchBody(100)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var out SearchResponse
		if err := json.Unmarshal(body, &out); err != nil {
			b.Fatal(err)
		}
		if len(out.Data) != 100 {
			b.Fatal(len(out.Data))
		}
	}
}

// BenchmarkClientSearch measures a whole Search call against a local
// server serving a canned 100-row body: request building, transport,
// body reading and decoding.
func BenchmarkClientSearch(b *testing.B) {
	body := searchBody(100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	c, err := NewClient(srv.URL, "MA_XXXXXXXX", "token-secret")
	if err != nil {
		b.Fatal(err)
	}
	f := Filter{CallDirection: DirectionOutbound, StartDate: "2026-03-01", EndDate: "2026-03-25", PerPage: 100}
	ctx := context.Background()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		out, err := c.Search(ctx, f)
		if err != nil {
			b.Fatal(err)
		}
		if len(out.Data) != 100 {
			b.Fatal(len(out.Data))
		}
	}
}
