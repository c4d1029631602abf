package vobiz_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// These tests run the client against the in-process sandbox API, mounted
// under a path prefix like a reverse proxy would, and drive every error
// class through the sandbox's fault injection.

const (
	sbAuthID = "MA_SBTEST01"
	sbToken  = "sandbox-secret-token-91d2"
)

var sbNow = time.Date(2026, 3, 25, 12, 0, 0, 0, time.UTC)

type sbEnv struct {
	sb       *sandbox.Server
	srv      *httptest.Server
	base     string
	arrived  atomic.Int64 // requests that reached the sandbox
	mu       sync.Mutex
	attempts []int // statuses the client's observer saw
	waits    []time.Duration
}

func newSandbox(t *testing.T) *sbEnv {
	t.Helper()
	e := &sbEnv{sb: sandbox.New(sandbox.Options{Seed: 7, Calls: 3000, Days: 30, Now: sbNow, AuthID: sbAuthID, AuthToken: sbToken})}
	e.sb.SetObserver(func(*http.Request) { e.arrived.Add(1) })
	mux := http.NewServeMux()
	mux.Handle("/vobiz/", http.StripPrefix("/vobiz", e.sb))
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	e.base = e.srv.URL + "/vobiz"
	return e
}

// client returns a client for the sandbox with tiny backoff; Retry-After
// waits are recorded instead of slept.
func (e *sbEnv) client(t *testing.T, opts ...vobiz.Option) *vobiz.Client {
	t.Helper()
	all := append([]vobiz.Option{
		vobiz.WithRetries(2, time.Millisecond),
		vobiz.WithObserver(func(_ string, status int, _ time.Duration, _ error) {
			e.mu.Lock()
			e.attempts = append(e.attempts, status)
			e.mu.Unlock()
		}),
	}, opts...)
	c, err := vobiz.NewClient(e.base, sbAuthID, sbToken, all...)
	if err != nil {
		t.Fatal(err)
	}
	vobiz.SetSleepForTest(c, func(ctx context.Context, d time.Duration) error {
		e.mu.Lock()
		e.waits = append(e.waits, d)
		e.mu.Unlock()
		return ctx.Err()
	})
	return c
}

// reset clears faults and counters between cases.
func (e *sbEnv) reset(f sandbox.Faults) {
	e.sb.SetFaults(f)
	e.arrived.Store(0)
	e.mu.Lock()
	e.attempts, e.waits = nil, nil
	e.mu.Unlock()
}

func (e *sbEnv) observed() ([]int, []time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]int(nil), e.attempts...), append([]time.Duration(nil), e.waits...)
}

func noLeak(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(fmt.Sprintf("%v %+v", err, err), sbToken) {
		t.Errorf("error leaks the token: %v", err)
	}
}

var dateRange = vobiz.Filter{StartDate: "2026-03-20", EndDate: "2026-03-22"}

func TestSandboxHappyPath(t *testing.T) {
	e := newSandbox(t)
	c := e.client(t)
	ctx := context.Background()

	// Page through a date range and compare with the export of it.
	f := dateRange
	f.PerPage = 100
	var listed []string
	var total int64
	for page := 1; ; page++ {
		f.Page = page
		r, err := c.List(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		total = int64(r.Pagination.Total)
		for _, cdr := range r.Data {
			listed = append(listed, string(cdr.UUID))
		}
		if !r.Pagination.HasNext {
			break
		}
		if page > 100 {
			t.Fatal("paging does not end")
		}
	}
	if total == 0 || int64(len(listed)) != total {
		t.Fatalf("listed %d rows, pagination total %d", len(listed), total)
	}

	rc, err := c.Export(ctx, dateRange)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	er, err := vobiz.NewExportReader(rc)
	if err != nil {
		t.Fatal(err)
	}
	var exported []string
	for {
		cdr, err := er.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		exported = append(exported, string(cdr.UUID))
	}
	if strings.Join(exported, ",") != strings.Join(listed, ",") {
		t.Errorf("export (%d rows) differs from the listed pages (%d rows)", len(exported), len(listed))
	}

	s, err := c.Search(ctx, vobiz.Filter{CallDirection: vobiz.DirectionOutbound, PerPage: 5})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Filters.Get("call_direction"); v != "outbound" || len(s.Data) != 5 {
		t.Errorf("search: %d rows, echo %v", len(s.Data), s.Filters)
	}
	for _, cdr := range s.Data {
		if cdr.CallDirection != vobiz.DirectionOutbound {
			t.Errorf("search returned a %s call", cdr.CallDirection)
		}
	}

	rec, err := c.Recent(ctx, 10)
	if err != nil || len(rec.Data) != 10 {
		t.Fatalf("recent: %v, %+v", err, rec)
	}
	got, err := c.Get(ctx, string(rec.Data[0].UUID))
	if err != nil {
		t.Fatal(err)
	}
	want := e.sb.Call(0)
	if got.UUID != want.UUID || got.ID != want.ID || got.Duration != want.Duration || !got.StartTime.Equal(want.StartTime.Time) ||
		got.MOS != want.MOS || got.HangupCauseCode != want.HangupCauseCode || len(got.Raw) == 0 || got.Raw[0] != '{' {
		t.Errorf("Get = %+v\nwant %+v", got, want)
	}
}

func TestSandboxAuthAndNotFound(t *testing.T) {
	e := newSandbox(t)
	ctx := context.Background()

	bad, _ := vobiz.NewClient(e.base, sbAuthID, "wrong-token-value")
	_, err := bad.List(ctx, vobiz.Filter{})
	var ae *vobiz.APIError
	if !errors.Is(err, vobiz.ErrUnauthorized) || !errors.As(err, &ae) || ae.Code != "INVALID_CREDENTIALS" || ae.RequestID == "" {
		t.Errorf("wrong token: %v", err)
	}
	other, _ := vobiz.NewClient(e.base, "MA_SOMEONEELSE", sbToken)
	if _, err := other.Recent(ctx, 1); !errors.Is(err, vobiz.ErrUnauthorized) {
		t.Errorf("other account: %v", err)
	}

	c := e.client(t)
	if _, err := c.Get(ctx, "00000000-0000-0000-0000-000000000000"); !errors.Is(err, vobiz.ErrNotFound) {
		t.Errorf("unknown uuid: %v", err)
	}
	e.reset(sandbox.Faults{Body: sandbox.BodyEmpty404})
	if _, err := c.Get(ctx, "00000000-0000-0000-0000-000000000000"); !errors.Is(err, vobiz.ErrNotFound) {
		t.Errorf("unknown uuid, empty 404: %v", err)
	}
	if n := e.arrived.Load(); n != 1 {
		t.Errorf("404 sent %d requests", n)
	}
}

func TestSandboxInjectedStatuses(t *testing.T) {
	e := newSandbox(t)
	c := e.client(t)
	tests := []struct {
		status     int
		retryAfter time.Duration
		sentinel   error
		attempts   int
		waits      []time.Duration
	}{
		{400, 0, vobiz.ErrBadRequest, 1, nil},
		{401, 0, vobiz.ErrUnauthorized, 1, nil},
		{403, 0, vobiz.ErrForbidden, 1, nil},
		{404, 0, vobiz.ErrNotFound, 1, nil},
		{422, 0, vobiz.ErrBadRequest, 1, nil},
		{429, 0, vobiz.ErrRateLimited, 3, nil},
		{429, time.Second, vobiz.ErrRateLimited, 3, []time.Duration{time.Second, time.Second}},
		{429, 30 * time.Second, vobiz.ErrRateLimited, 1, nil}, // over the cap: handed to the caller
		{500, 0, nil, 1, nil},
		{502, 0, vobiz.ErrUnavailable, 3, nil},
		{503, 2 * time.Second, vobiz.ErrUnavailable, 3, []time.Duration{2 * time.Second, 2 * time.Second}},
		{504, 0, vobiz.ErrUnavailable, 3, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d retry-after %v", tt.status, tt.retryAfter), func(t *testing.T) {
			e.reset(sandbox.Faults{ErrorRate: 1, ErrorStatus: tt.status, RetryAfter: tt.retryAfter})
			_, err := c.Search(context.Background(), dateRange)
			noLeak(t, err)
			var ae *vobiz.APIError
			if !errors.As(err, &ae) || ae.StatusCode != tt.status || ae.Code == "" || ae.RequestID == "" {
				t.Fatalf("err = %v", err)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("err = %v, want %v", err, tt.sentinel)
			}
			if tt.sentinel == nil && (errors.Is(err, vobiz.ErrUnavailable) || errors.Is(err, vobiz.ErrBadResponse)) {
				t.Errorf("500 matched a sentinel: %v", err)
			}
			if d, ok := vobiz.RetryAfter(err); ok != (tt.retryAfter > 0) || d != tt.retryAfter {
				t.Errorf("RetryAfter = %v, %v", d, ok)
			}
			attempts, waits := e.observed()
			if len(attempts) != tt.attempts || e.arrived.Load() != int64(tt.attempts) {
				t.Errorf("attempts %v, sandbox saw %d; want %d", attempts, e.arrived.Load(), tt.attempts)
			}
			if tt.waits != nil && fmt.Sprint(waits) != fmt.Sprint(tt.waits) {
				t.Errorf("waits = %v, want %v", waits, tt.waits)
			}
		})
	}
}

func TestSandboxRetriesRecover(t *testing.T) {
	e := newSandbox(t)
	c := e.client(t)
	ctx := context.Background()
	for _, ep := range []struct {
		name string
		call func() error
	}{
		{"list", func() error { _, err := c.List(ctx, dateRange); return err }},
		{"search", func() error { _, err := c.Search(ctx, dateRange); return err }},
		{"recent", func() error { _, err := c.Recent(ctx, 5); return err }},
		{"get", func() error { _, err := c.Get(ctx, string(e.sb.Call(3).UUID)); return err }},
		{"export", func() error {
			rc, err := c.Export(ctx, dateRange)
			if err != nil {
				return err
			}
			defer rc.Close()
			_, err = io.Copy(io.Discard, rc)
			return err
		}},
	} {
		t.Run(ep.name, func(t *testing.T) {
			e.reset(sandbox.Faults{FailFirst: 2, ErrorStatus: 503})
			if err := ep.call(); err != nil {
				t.Fatalf("after two 503s: %v", err)
			}
			if attempts, _ := e.observed(); fmt.Sprint(attempts) != "[503 503 200]" {
				t.Errorf("attempts = %v", attempts)
			}
			e.reset(sandbox.Faults{FailFirst: 3, ErrorStatus: 502})
			if err := ep.call(); !errors.Is(err, vobiz.ErrUnavailable) {
				t.Errorf("after three 502s: %v", err)
			}
			if e.arrived.Load() != 3 {
				t.Errorf("sandbox saw %d requests; the budget is 3", e.arrived.Load())
			}
		})
	}
}

func TestSandboxFaultsOnOneEndpoint(t *testing.T) {
	e := newSandbox(t)
	c := e.client(t)
	e.reset(sandbox.Faults{Endpoints: []string{sandbox.EndpointSearch}, ErrorRate: 1, ErrorStatus: 503})
	if _, err := c.List(context.Background(), vobiz.Filter{}); err != nil {
		t.Errorf("list: %v", err)
	}
	if _, err := c.Search(context.Background(), vobiz.Filter{}); !errors.Is(err, vobiz.ErrUnavailable) {
		t.Errorf("search: %v", err)
	}
}

func TestSandboxBodyFaults(t *testing.T) {
	e := newSandbox(t)
	c := e.client(t)
	tests := []struct {
		name     string
		fault    sandbox.BodyFault
		want     []error
		attempts int
		contains string
	}{
		{"malformed JSON", sandbox.BodyMalformedJSON, []error{vobiz.ErrBadResponse}, 1, "decode JSON at byte"},
		{"truncated JSON", sandbox.BodyTruncatedJSON, []error{vobiz.ErrBadResponse}, 1, "unexpected end of JSON input"},
		{"HTML proxy page", sandbox.BodyHTML, []error{vobiz.ErrUnavailable}, 3, "502 Bad Gateway"},
		{"wrong content type", sandbox.BodyWrongContentType, []error{vobiz.ErrBadResponse}, 1, "is not JSON"},
		{"huge body", sandbox.BodyHuge, []error{vobiz.ErrBadResponse, vobiz.ErrResponseTooLarge}, 1, "limit"},
		{"wrong field types", sandbox.BodyWrongTypes, []error{vobiz.ErrBadResponse}, 1, "data."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.reset(sandbox.Faults{Body: tt.fault})
			_, err := c.List(context.Background(), vobiz.Filter{PerPage: 20})
			noLeak(t, err)
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("err = %v, want %v", err, w)
				}
			}
			if err == nil || !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("err = %v, want it to mention %q", err, tt.contains)
			}
			if attempts, _ := e.observed(); len(attempts) != tt.attempts {
				t.Errorf("attempts = %v, want %d", attempts, tt.attempts)
			}
		})
	}
	t.Run("HTML on export", func(t *testing.T) {
		e.reset(sandbox.Faults{Body: sandbox.BodyHTML, ErrorStatus: 504})
		if _, err := c.Export(context.Background(), dateRange); !errors.Is(err, vobiz.ErrUnavailable) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestSandboxBrokenConnections(t *testing.T) {
	e := newSandbox(t)
	ctx := context.Background()
	t.Run("reset mid-body", func(t *testing.T) {
		c := e.client(t)
		e.reset(sandbox.Faults{ResetAfterBytes: 1500})
		_, err := c.List(ctx, vobiz.Filter{PerPage: 50})
		if !errors.Is(err, vobiz.ErrUnavailable) || errors.Is(err, vobiz.ErrBadResponse) {
			t.Errorf("err = %v", err)
		}
		if attempts, _ := e.observed(); len(attempts) != 1 {
			t.Errorf("attempts = %v; a response cut after its status is not retried", attempts)
		}
	})
	t.Run("reset mid-export", func(t *testing.T) {
		c := e.client(t)
		e.reset(sandbox.Faults{ResetAfterBytes: 20000})
		rc, err := c.Export(ctx, dateRange)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		n, err := io.Copy(io.Discard, rc)
		if !errors.Is(err, vobiz.ErrUnavailable) || n == 0 || n > 20000 {
			t.Errorf("read %d bytes, err = %v", n, err)
		}
	})
	t.Run("export dropped after rows", func(t *testing.T) {
		c := e.client(t)
		e.reset(sandbox.Faults{ExportDropAfterRows: 40})
		rc, err := c.Export(ctx, dateRange)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		er, err := vobiz.NewExportReader(rc)
		if err != nil {
			t.Fatal(err)
		}
		rows := 0
		for {
			_, err = er.Next()
			if err != nil {
				break
			}
			rows++
		}
		if errors.Is(err, io.EOF) || !errors.Is(err, vobiz.ErrUnavailable) || rows > 40 {
			t.Errorf("after %d rows: %v; a dropped export must not look complete", rows, err)
		}
	})
	t.Run("hang before headers", func(t *testing.T) {
		c := e.client(t, vobiz.WithTimeout(50*time.Millisecond))
		e.reset(sandbox.Faults{HangBeforeHeaders: true})
		_, err := c.Recent(ctx, 5)
		if !errors.Is(err, vobiz.ErrTimeout) || errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
		if _, err := c.Export(ctx, dateRange); !errors.Is(err, vobiz.ErrTimeout) {
			t.Errorf("export: %v", err)
		}
		if attempts, _ := e.observed(); fmt.Sprint(attempts) != "[0 0]" {
			t.Errorf("attempts = %v; timeouts are not retried", attempts)
		}
	})
	t.Run("hang, caller cancels", func(t *testing.T) {
		c := e.client(t)
		e.reset(sandbox.Faults{HangBeforeHeaders: true})
		cctx, cancel := context.WithCancel(ctx)
		e.sb.SetObserver(func(*http.Request) { cancel() })
		defer e.sb.SetObserver(func(*http.Request) { e.arrived.Add(1) })
		_, err := c.Get(cctx, string(e.sb.Call(0).UUID))
		if !errors.Is(err, context.Canceled) || errors.Is(err, vobiz.ErrTimeout) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("latency within the limit", func(t *testing.T) {
		c := e.client(t, vobiz.WithTimeout(2*time.Second))
		e.reset(sandbox.Faults{Latency: 20 * time.Millisecond})
		if _, err := c.Recent(ctx, 5); err != nil {
			t.Error(err)
		}
	})
	t.Run("latency over the limit", func(t *testing.T) {
		c := e.client(t, vobiz.WithTimeout(30*time.Millisecond))
		e.reset(sandbox.Faults{Latency: time.Second})
		if _, err := c.Recent(ctx, 5); !errors.Is(err, vobiz.ErrTimeout) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("slow body over the limit", func(t *testing.T) {
		c := e.client(t, vobiz.WithTimeout(50*time.Millisecond))
		e.reset(sandbox.Faults{SlowBody: time.Second})
		if _, err := c.List(ctx, vobiz.Filter{PerPage: 100}); !errors.Is(err, vobiz.ErrTimeout) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("slow export stalls", func(t *testing.T) {
		c := e.client(t, vobiz.WithTimeout(50*time.Millisecond))
		e.reset(sandbox.Faults{SlowBody: time.Second})
		rc, err := c.Export(ctx, dateRange)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		if _, err := io.Copy(io.Discard, rc); !errors.Is(err, vobiz.ErrTimeout) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("slow export within the limit", func(t *testing.T) {
		c := e.client(t, vobiz.WithTimeout(2*time.Second))
		e.reset(sandbox.Faults{SlowBody: time.Millisecond})
		rc, err := c.Export(ctx, vobiz.Filter{StartDate: "2026-03-22", EndDate: "2026-03-22"})
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		if _, err := io.Copy(io.Discard, rc); err != nil {
			t.Errorf("err = %v", err)
		}
	})
}
