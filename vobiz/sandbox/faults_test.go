package sandbox

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/vobiz"
)

func TestLatency(t *testing.T) {
	s := newSmall(t)
	s.SetFaults(Faults{Latency: 40 * time.Millisecond})
	start := time.Now()
	w := do(t, s, basePath(s)+"/recent", nil)
	mustStatus(t, w, http.StatusOK)
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Fatalf("answered after %v", d)
	}
}

func TestInjectedErrors(t *testing.T) {
	tests := []struct {
		name       string
		f          Faults
		status     int
		code       string
		retryAfter string
	}{
		{"default 500", Faults{ErrorRate: 1}, 500, "INTERNAL_ERROR", ""},
		{"503 retry", Faults{ErrorRate: 1, ErrorStatus: 503, RetryAfter: 1500 * time.Millisecond}, 503, "SERVICE_UNAVAILABLE", "2"},
		{"429 retry", Faults{ErrorRate: 1, ErrorStatus: 429, RetryAfter: 3 * time.Second}, 429, "RATE_LIMIT_EXCEEDED", "3"},
		{"502 no retry header", Faults{ErrorRate: 1, ErrorStatus: 502, RetryAfter: time.Second}, 502, "BAD_GATEWAY", ""},
		{"504", Faults{ErrorRate: 1, ErrorStatus: 504}, 504, "GATEWAY_TIMEOUT", ""},
		{"400", Faults{ErrorRate: 1, ErrorStatus: 400}, 400, "BAD_REQUEST", ""},
		{"401", Faults{ErrorRate: 1, ErrorStatus: 401}, 401, "INVALID_CREDENTIALS", ""},
		{"403", Faults{ErrorRate: 1, ErrorStatus: 403}, 403, "ACCOUNT_INACTIVE", ""},
		{"404", Faults{ErrorRate: 1, ErrorStatus: 404}, 404, "NOT_FOUND", ""},
		{"422", Faults{ErrorRate: 1, ErrorStatus: 422}, 422, "VALIDATION_ERROR", ""},
		{"invalid status falls back", Faults{ErrorRate: 1, ErrorStatus: 42}, 500, "INTERNAL_ERROR", ""},
	}
	s := newSmall(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.SetFaults(tt.f)
			for _, ep := range []string{"", "/search", "/recent", "/export", "/" + string(s.Call(0).UUID)} {
				w := do(t, s, basePath(s)+ep, nil)
				e := decodeError(t, w, tt.status, tt.code)
				if got := w.Header().Get("Retry-After"); got != tt.retryAfter {
					t.Fatalf("Retry-After %q, want %q", got, tt.retryAfter)
				}
				if tt.status == 429 && (e.Error.Details.RetryAfter == nil || *e.Error.Details.RetryAfter != 3) {
					t.Fatalf("details.retryAfter %v", e.Error.Details.RetryAfter)
				}
			}
		})
	}
}

func TestErrorRateIsPartialAndRepeatable(t *testing.T) {
	count := func() (fails int, pattern string) {
		s := newSmall(t)
		s.SetFaults(Faults{ErrorRate: 0.3, ErrorStatus: 503})
		var b strings.Builder
		for range 400 {
			w := do(t, s, basePath(s)+"/recent", vals("limit", "1"))
			if w.Code == 503 {
				fails++
				b.WriteByte('x')
			} else {
				b.WriteByte('.')
			}
		}
		return fails, b.String()
	}
	n1, p1 := count()
	n2, p2 := count()
	if n1 < 80 || n1 > 160 {
		t.Fatalf("%d of 400 failed at rate 0.3", n1)
	}
	if n1 != n2 || p1 != p2 {
		t.Fatal("same seed gave a different failure pattern")
	}
}

func TestFailFirst(t *testing.T) {
	s := newSmall(t)
	s.SetFaults(Faults{FailFirst: 2, ErrorStatus: 503, RetryAfter: time.Second})
	for i, want := range []int{503, 503, 200, 200} {
		if w := do(t, s, basePath(s), nil); w.Code != want {
			t.Fatalf("request %d: %d, want %d", i, w.Code, want)
		}
	}
	s.SetFaults(s.Faults()) // re-installing restarts the count
	if w := do(t, s, basePath(s), nil); w.Code != 503 {
		t.Fatalf("after SetFaults: %d", w.Code)
	}
}

func TestFaultEndpoints(t *testing.T) {
	s := newSmall(t)
	s.SetFaults(Faults{ErrorRate: 1, Endpoints: []string{EndpointExport, EndpointGet}})
	for ep, want := range map[string]int{
		"": 200, "/search": 200, "/recent": 200, "/export": 500, "/" + string(s.Call(1).UUID): 500,
	} {
		if w := do(t, s, basePath(s)+ep, nil); w.Code != want {
			t.Errorf("%q: %d, want %d", ep, w.Code, want)
		}
	}
	// Unknown paths never get faults.
	if w := do(t, s, "/nope", nil); w.Code != 404 {
		t.Errorf("unknown path: %d", w.Code)
	}
	// Faults reports a copy.
	f := s.Faults()
	f.Endpoints[0] = "list"
	if s.Faults().Endpoints[0] != EndpointExport {
		t.Fatal("Faults shares its slice")
	}
}

func TestBodyFaults(t *testing.T) {
	s := newSmall(t)
	known := basePath(s) + "/" + string(s.Call(0).UUID)
	unknown := basePath(s) + "/aabbccdd-1234-4678-90ab-cdef12345678"
	tests := []struct {
		name  string
		f     Faults
		path  string
		check func(t *testing.T, w *httptest.ResponseRecorder)
	}{
		{"malformed", Faults{Body: BodyMalformedJSON}, basePath(s), func(t *testing.T, w *httptest.ResponseRecorder) {
			mustStatus(t, w, 200)
			if json.Valid(w.Body.Bytes()) || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
				t.Fatal("body is valid JSON")
			}
		}},
		{"truncated", Faults{Body: BodyTruncatedJSON}, basePath(s) + "/search", func(t *testing.T, w *httptest.ResponseRecorder) {
			mustStatus(t, w, 200)
			var v any
			if err := json.Unmarshal(w.Body.Bytes(), &v); err == nil || w.Body.Len() < 1000 {
				t.Fatalf("truncated body decodes (%d bytes)", w.Body.Len())
			}
		}},
		{"html default 502", Faults{Body: BodyHTML}, basePath(s), func(t *testing.T, w *httptest.ResponseRecorder) {
			mustStatus(t, w, 502)
			if w.Header().Get("Content-Type") != "text/html" || !strings.Contains(w.Body.String(), "<h1>502 Bad Gateway</h1>") {
				t.Fatalf("%q %s", w.Header().Get("Content-Type"), w.Body.String())
			}
		}},
		{"html 504 export", Faults{Body: BodyHTML, ErrorStatus: 504}, basePath(s) + "/export", func(t *testing.T, w *httptest.ResponseRecorder) {
			mustStatus(t, w, 504)
			if !strings.Contains(w.Body.String(), "<html>") {
				t.Fatal("not HTML")
			}
		}},
		{"html with error rate", Faults{Body: BodyHTML, ErrorRate: 1, ErrorStatus: 503}, basePath(s), func(t *testing.T, w *httptest.ResponseRecorder) {
			mustStatus(t, w, 503)
			if !strings.Contains(w.Body.String(), "503 Service Unavailable") {
				t.Fatal("not the HTML 503 page")
			}
		}},
		{"wrong content type", Faults{Body: BodyWrongContentType}, known, func(t *testing.T, w *httptest.ResponseRecorder) {
			mustStatus(t, w, 200)
			if !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") || !json.Valid(w.Body.Bytes()) {
				t.Fatal("want valid JSON labelled text/html")
			}
		}},
		{"huge", Faults{Body: BodyHuge}, basePath(s) + "/recent", func(t *testing.T, w *httptest.ResponseRecorder) {
			mustStatus(t, w, 200)
			if w.Body.Len() <= 20<<20 {
				t.Fatalf("%d bytes", w.Body.Len())
			}
			var resp vobiz.RecentResponse
			if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || resp.Count != 20 {
				t.Fatalf("huge body: %v, count %d", err, resp.Count)
			}
		}},
		{"wrong types", Faults{Body: BodyWrongTypes}, basePath(s), func(t *testing.T, w *httptest.ResponseRecorder) {
			mustStatus(t, w, 200)
			if !json.Valid(w.Body.Bytes()) {
				t.Fatal("invalid JSON")
			}
			if !strings.Contains(w.Body.String(), `"duration":{"value":`) {
				t.Fatal("duration is not an object")
			}
			var resp vobiz.ListResponse
			if err := json.Unmarshal(w.Body.Bytes(), &resp); err == nil {
				t.Fatal("decoding into vobiz types should fail on an object duration")
			}
		}},
		{"empty 404 unknown", Faults{Body: BodyEmpty404}, unknown, func(t *testing.T, w *httptest.ResponseRecorder) {
			mustStatus(t, w, 404)
			if w.Body.Len() != 0 {
				t.Fatalf("body %q", w.Body.String())
			}
		}},
		{"empty 404 known still served", Faults{Body: BodyEmpty404}, known, func(t *testing.T, w *httptest.ResponseRecorder) {
			mustStatus(t, w, 200)
		}},
		{"reset via recorder stops the body", Faults{ResetAfterBytes: 100}, basePath(s), func(t *testing.T, w *httptest.ResponseRecorder) {
			if w.Body.Len() != 100 {
				t.Fatalf("%d bytes", w.Body.Len())
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.SetFaults(tt.f)
			tt.check(t, do(t, s, tt.path, nil))
		})
	}
}

func TestSlowBody(t *testing.T) {
	s := newSmall(t)
	s.SetFaults(Faults{SlowBody: 10 * time.Millisecond})
	start := time.Now()
	w := do(t, s, basePath(s)+"/recent", vals("limit", "10"))
	mustStatus(t, w, 200)
	pauses := (w.Body.Len() - 1) / slowChunk
	if d := time.Since(start); pauses < 2 || d < time.Duration(pauses)*10*time.Millisecond {
		t.Fatalf("%d bytes answered in %v", w.Body.Len(), d)
	}
	if !json.Valid(w.Body.Bytes()) {
		t.Fatal("slow body is not valid JSON")
	}
}

func TestResetAfterBytes(t *testing.T) {
	s := newSmall(t)
	ts := httptest.NewServer(s)
	defer ts.Close()
	for _, ep := range []string{"", "/export"} {
		t.Run(ep, func(t *testing.T) {
			s.SetFaults(Faults{ResetAfterBytes: 5000})
			resp, err := ts.Client().Do(authed(t, s, ts.URL+basePath(s)+ep+"?per_page=100"))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			b, err := io.ReadAll(resp.Body)
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("read %d bytes, err %v; want unexpected EOF", len(b), err)
			}
			if len(b) != 5000 {
				t.Fatalf("read %d bytes before the reset, want 5000", len(b))
			}
		})
	}
	s.SetFaults(Faults{})
	resp, err := ts.Client().Do(authed(t, s, ts.URL+basePath(s)))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("server unusable after resets: %v", err)
	}
	resp.Body.Close()
}

func TestExportDropAfterRows(t *testing.T) {
	s := newSmall(t)
	s.SetFaults(Faults{ExportDropAfterRows: 300})
	ts := httptest.NewServer(s)
	defer ts.Close()
	resp, err := ts.Client().Do(authed(t, s, ts.URL+basePath(s)+"/export"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	cr := csv.NewReader(resp.Body)
	rows := -1 // header
	for {
		_, err = cr.Read()
		if err != nil {
			break
		}
		rows++
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("stream ended with %v, want unexpected EOF", err)
	}
	if rows != 300 {
		t.Fatalf("%d rows before the drop", rows)
	}
}

func TestHangBeforeHeaders(t *testing.T) {
	s := newSmall(t)
	s.SetFaults(Faults{HangBeforeHeaders: true})
	ts := httptest.NewServer(s)
	defer ts.Close()

	// A client timeout ends the hang.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := ts.Client().Do(authed(t, s, ts.URL+basePath(s)).WithContext(ctx))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want deadline exceeded", err)
	}

	// Replacing the faults releases a hanging request, which is then served.
	arrived := make(chan struct{}, 1)
	s.SetObserver(func(*http.Request) { arrived <- struct{}{} })
	done := make(chan int, 1)
	go func() {
		resp, err := ts.Client().Do(authed(t, s, ts.URL+basePath(s)+"/recent"))
		if err != nil {
			done <- -1
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	<-arrived
	select {
	case code := <-done:
		t.Fatalf("request finished (%d) while hanging", code)
	default:
	}
	s.SetFaults(Faults{})
	if code := <-done; code != 200 {
		t.Fatalf("released request: %d", code)
	}
}

func TestObserverAndRequests(t *testing.T) {
	s := newSmall(t)
	var paths []string
	s.SetObserver(func(r *http.Request) { paths = append(paths, r.URL.Path) })
	before := s.Requests()
	do(t, s, basePath(s), nil)
	do(t, s, "/elsewhere", nil)
	do(t, s, basePath(s)+"/export", vals("call_direction", "bad"))
	if got := s.Requests() - before; got != 3 {
		t.Fatalf("Requests grew by %d", got)
	}
	if len(paths) != 3 || paths[1] != "/elsewhere" {
		t.Fatalf("observer saw %v", paths)
	}
	s.SetObserver(nil)
	do(t, s, basePath(s), nil)
	if len(paths) != 3 {
		t.Fatal("observer still called after clearing")
	}
}

func TestParseFaultFlags(t *testing.T) {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	get := ParseFaultFlags(fs)
	if err := fs.Parse([]string{"-latency", "30ms", "-error-rate", "0.05", "-error-status", "503", "-retry-after", "2s"}); err != nil {
		t.Fatal(err)
	}
	want := Faults{Latency: 30 * time.Millisecond, ErrorRate: 0.05, ErrorStatus: 503, RetryAfter: 2 * time.Second}
	if got := get(); got.Latency != want.Latency || got.ErrorRate != want.ErrorRate ||
		got.ErrorStatus != want.ErrorStatus || got.RetryAfter != want.RetryAfter {
		t.Fatalf("got %+v", got)
	}
	fs2 := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	if got := ParseFaultFlags(fs2)(); !isZeroFaults(got) {
		t.Fatalf("defaults inject faults: %+v", got)
	}
}

// TestParseSyncFaultFlags: the faults a sync job meets are reachable from
// the command line.
func TestParseSyncFaultFlags(t *testing.T) {
	tests := []struct {
		args []string
		want Faults
		err  string
	}{
		{args: []string{"-error-status", "429", "-retry-after", "2s", "-fail-first", "3", "-fault-endpoints", "export, list"},
			want: Faults{ErrorStatus: 429, RetryAfter: 2 * time.Second, FailFirst: 3, Endpoints: []string{"export", "list"}}},
		{args: []string{"-export-drop-after-rows", "5000"}, want: Faults{ErrorStatus: 500, ExportDropAfterRows: 5000}},
		{args: []string{"-reset-after-bytes", "1024", "-fail-first", "-2"}, want: Faults{ErrorStatus: 500, ResetAfterBytes: 1024}},
		{args: []string{"-fault-endpoints", "export,everything"}, err: `unknown endpoint "everything"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			get := ParseFaultFlags(fs)
			err := fs.Parse(tt.args)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := get(); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestBodyFaultString(t *testing.T) {
	if BodyHTML.String() != "html" || BodyFault(99).String() != "BodyFault(99)" {
		t.Fatal(BodyHTML.String(), BodyFault(99).String())
	}
}

// TestConcurrentUse serves requests from several goroutines while faults
// are swapped; run with -race.
func TestConcurrentUse(t *testing.T) {
	s := newSmall(t)
	ts := httptest.NewServer(s)
	defer ts.Close()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				path := []string{"", "/search?search=9", "/recent", "/export?call_direction=inbound"}[(g+i)%4]
				resp, err := ts.Client().Do(authed(t, s, ts.URL+basePath(s)+path))
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 && resp.StatusCode != 503 {
					t.Errorf("status %d", resp.StatusCode)
				}
			}
		}()
	}
	for i := range 50 {
		s.SetFaults(Faults{ErrorRate: float64(i%2) * 0.5, ErrorStatus: 503})
		_ = s.Faults()
	}
	wg.Wait()
}
