package sandbox

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Endpoint names, as used by Faults.Endpoints.
const (
	EndpointList   = "list"
	EndpointSearch = "search"
	EndpointGet    = "get"
	EndpointRecent = "recent"
	EndpointExport = "export"
)

// BodyFault selects a way to break an otherwise successful response body.
type BodyFault int

const (
	// BodyNone leaves bodies intact.
	BodyNone BodyFault = iota
	// BodyMalformedJSON answers 200 application/json with syntactically
	// invalid JSON.
	BodyMalformedJSON
	// BodyTruncatedJSON answers 200 with the first half of the real body,
	// cleanly terminated at the HTTP level (unlike ResetAfterBytes), so only
	// the JSON decoder notices.
	BodyTruncatedJSON
	// BodyHTML answers with a reverse proxy's HTML error page, with status
	// ErrorStatus (502 when unset). It applies to export too.
	BodyHTML
	// BodyWrongContentType sends the correct JSON labelled text/html.
	BodyWrongContentType
	// BodyHuge sends valid JSON larger than 20 MiB (the real envelope with a
	// large extra "padding" member), for response-size limits.
	BodyHuge
	// BodyWrongTypes sends records whose fields have unexpected types:
	// duration as an object, billsec, id and mos as strings, answer_time as
	// a number.
	BodyWrongTypes
	// BodyEmpty404 makes get-one answer an unknown uuid with 404 and an
	// empty body instead of {"error":"CDR not found"} (the OpenAPI's 404 has
	// no body schema). Known calls and other endpoints are unaffected.
	BodyEmpty404
)

var bodyFaultNames = []string{"none", "malformed-json", "truncated-json", "html", "wrong-content-type", "huge", "wrong-types", "empty-404"}

// String returns the fault's flag-style name.
func (b BodyFault) String() string {
	if b >= 0 && int(b) < len(bodyFaultNames) {
		return bodyFaultNames[b]
	}
	return "BodyFault(" + strconv.Itoa(int(b)) + ")"
}

// hugeBodySize is the minimum size of a BodyHuge response.
const hugeBodySize = 21 << 20

// Faults describes misbehaviour to inject. The zero value injects nothing.
// Faults are checked on every request to a CDR endpoint after routing and
// before authentication, in this order: HangBeforeHeaders, Latency,
// FailFirst/ErrorRate (an error response), Body; ResetAfterBytes, SlowBody
// and ExportDropAfterRows then shape the body as it is written.
type Faults struct {
	// Latency is added before the response headers.
	Latency time.Duration
	// Endpoints restricts the faults to these endpoints (EndpointList, …).
	// Empty means all CDR endpoints. Unknown paths never get faults.
	Endpoints []string
	// ErrorRate is the probability (0..1) of answering with ErrorStatus.
	// Draws come from a PRNG seeded with Options.Seed, so a test run is
	// repeatable when requests arrive in the same order.
	ErrorRate float64
	// ErrorStatus is the status of injected errors (400-599); default 500.
	// The body is the documented error shape with a fitting code
	// (RATE_LIMIT_EXCEEDED for 429, …), or an HTML page with BodyHTML.
	ErrorStatus int
	// RetryAfter is sent as Retry-After (whole seconds, at least 1) with
	// injected 429 and 503 answers when > 0.
	RetryAfter time.Duration
	// FailFirst makes the first N matching requests after SetFaults fail
	// with ErrorStatus; later ones succeed (retry tests).
	FailFirst int
	// Body breaks successful bodies (see BodyFault).
	Body BodyFault
	// ResetAfterBytes closes the connection after this many body bytes
	// (hijack and close, so the client sees a reset mid-body). It applies to
	// JSON and export bodies. Under httptest.ResponseRecorder, which cannot
	// be hijacked, the body simply stops; under HTTP/2 the handler aborts
	// with http.ErrAbortHandler, which resets the stream.
	ResetAfterBytes int64
	// SlowBody pauses between body chunks (4 KiB of JSON, or each write of
	// the export stream), flushing each chunk.
	SlowBody time.Duration
	// HangBeforeHeaders blocks until the request's context is done (the
	// client gave up; nothing is written) or the faults are replaced with
	// SetFaults (the request is then served normally, without faults).
	HangBeforeHeaders bool
	// ExportDropAfterRows aborts an export after this many data rows: the
	// connection is closed without the terminating chunk.
	ExportDropAfterRows int

	// The recording faults act on their own, whatever Endpoints says
	// (docs/vobiz-api.md#recordings). The general faults above reach the
	// Recording endpoints only when Endpoints names EndpointRecordings.

	// RecordingURLExpired makes every recording_url answer this status,
	// 403 or 404 (other values are ignored), as an expired signed URL does.
	RecordingURLExpired int
	// RecordingSlowStart delays the media response headers by this long;
	// the wait ends early when the client gives up or faults are replaced.
	RecordingSlowStart time.Duration
	// RecordingCutAfterBytes cuts every media body after this many bytes
	// (the connection is closed mid-body, as ResetAfterBytes does).
	RecordingCutAfterBytes int64
	// NoRecordingAPI makes the Recording endpoints answer 404 with an HTML
	// page, like an upstream that does not have them.
	NoRecordingAPI bool
}

// faultState is one installed Faults value with its counters. SetFaults
// swaps the whole state, which resets FailFirst counting and releases
// requests hanging in the previous state.
type faultState struct {
	f        Faults
	active   bool
	seen     atomic.Int64 // matching requests so far, for FailFirst
	mu       sync.Mutex
	rng      *rng
	released chan struct{}
}

func newFaultState(f Faults, seed int64) *faultState {
	f.Endpoints = slices.Clone(f.Endpoints)
	return &faultState{
		f:        f,
		active:   !isZeroFaults(f),
		rng:      newRNG(seed, 0xfa17),
		released: make(chan struct{}),
	}
}

func isZeroFaults(f Faults) bool {
	return f.Latency <= 0 && f.ErrorRate <= 0 && f.FailFirst <= 0 && f.Body == BodyNone &&
		f.ResetAfterBytes <= 0 && f.SlowBody <= 0 && !f.HangBeforeHeaders && f.ExportDropAfterRows <= 0
}

// SetFaults replaces the current faults. It is safe for concurrent use;
// requests already past a check keep the faults they started with, except
// that requests blocked by HangBeforeHeaders are released.
func (s *Server) SetFaults(f Faults) {
	old := s.faults.Swap(newFaultState(f, s.opts.Seed))
	if old != nil {
		close(old.released)
	}
}

// Faults returns the current faults.
func (s *Server) Faults() Faults {
	f := s.faults.Load().f
	f.Endpoints = slices.Clone(f.Endpoints)
	return f
}

// appliesTo reports whether the faults affect the endpoint.
func (fs *faultState) appliesTo(endpoint string) bool {
	if fs == nil || !fs.active {
		return false
	}
	if endpoint == EndpointRecordings {
		return slices.Contains(fs.f.Endpoints, endpoint) // only when named
	}
	return len(fs.f.Endpoints) == 0 || slices.Contains(fs.f.Endpoints, endpoint)
}

// shouldFail decides whether this request gets an injected error.
func (fs *faultState) shouldFail() bool {
	if fs.f.FailFirst > 0 && fs.seen.Add(1) <= int64(fs.f.FailFirst) {
		return true
	}
	if fs.f.ErrorRate <= 0 {
		return false
	}
	fs.mu.Lock()
	x := fs.rng.float()
	fs.mu.Unlock()
	return x < fs.f.ErrorRate
}

// errorStatus is the status for injected errors; it is always a valid
// error status, so WriteHeader cannot panic on a bad configuration.
func (fs *faultState) errorStatus(fallback int) int {
	if st := fs.f.ErrorStatus; st >= 400 && st <= 599 {
		return st
	}
	return fallback
}

// retryAfter returns the Retry-After value for status, or "".
func (fs *faultState) retryAfter(status int) string {
	if fs.f.RetryAfter <= 0 || (status != http.StatusTooManyRequests && status != http.StatusServiceUnavailable) {
		return ""
	}
	secs := int64((fs.f.RetryAfter + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(secs, 1), 10)
}

// wait blocks for d, or until ctx is done or the faults are replaced. It
// reports whether the full wait elapsed.
func (fs *faultState) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-fs.released:
		return false
	}
}

// errAborted stops a handler whose connection was deliberately broken.
var errAborted = errors.New("sandbox: response aborted by fault injection")

// slowChunk is the piece size of SlowBody writes.
const slowChunk = 4 << 10

// bodyWriter writes a response body and applies the body-shaping faults
// (ResetAfterBytes, SlowBody). Without faults it passes writes through.
type bodyWriter struct {
	w          http.ResponseWriter
	ctx        context.Context
	fs         *faultState // nil when no faults apply
	resetAfter int64
	slow       time.Duration
	written    int64
	wrote      bool
	aborted    bool
}

func newBodyWriter(w http.ResponseWriter, r *http.Request, fs *faultState) *bodyWriter {
	bw := &bodyWriter{w: w, ctx: r.Context()}
	if fs != nil {
		bw.fs = fs
		bw.resetAfter = fs.f.ResetAfterBytes
		bw.slow = fs.f.SlowBody
	}
	return bw
}

// Write implements io.Writer.
func (bw *bodyWriter) Write(p []byte) (int, error) {
	if bw.aborted {
		return 0, errAborted
	}
	total := 0
	for len(p) > 0 {
		piece := p
		if bw.slow > 0 && len(piece) > slowChunk {
			piece = piece[:slowChunk]
		}
		cut := false
		if bw.resetAfter > 0 && bw.written+int64(len(piece)) >= bw.resetAfter {
			piece = piece[:bw.resetAfter-bw.written]
			cut = true
		}
		if bw.slow > 0 && bw.wrote {
			bw.flush()
			if !bw.fs.wait(bw.ctx, bw.slow) {
				if err := context.Cause(bw.ctx); err != nil {
					bw.aborted = true
					return total, err
				}
				bw.slow = 0 // faults were replaced: finish at full speed
			}
		}
		n, err := bw.w.Write(piece)
		total += n
		bw.written += int64(n)
		bw.wrote = true
		if err != nil {
			return total, err
		}
		if cut {
			bw.abort()
			return total, errAborted
		}
		p = p[len(piece):]
	}
	return total, nil
}

// flush pushes buffered bytes to the client; errors are ignored because a
// writer that cannot flush (a test recorder) still receives every byte.
func (bw *bodyWriter) flush() {
	_ = http.NewResponseController(bw.w).Flush()
}

// abort breaks the connection mid-body: flush what was written, then
// hijack and close the connection so the client sees the body end without
// its terminating chunk. See Faults.ResetAfterBytes for the fallbacks.
func (bw *bodyWriter) abort() {
	bw.aborted = true
	bw.flush()
	rc := http.NewResponseController(bw.w)
	conn, _, err := rc.Hijack()
	if err == nil {
		_ = conn.Close()
		return
	}
	if _, isRecorder := bw.w.(interface{ Result() *http.Response }); isRecorder {
		return
	}
	panic(http.ErrAbortHandler) // net/http's documented way to abort a response
}

// ParseFaultFlags registers the fault flags on fs and returns a function
// that builds the Faults after fs.Parse, e.g. for
// `cdrdash sandbox -latency 30ms -error-rate 0.05 -error-status 503`, or, to
// exercise a sync job, `-error-status 429 -retry-after 2s -fail-first 3
// -fault-endpoints export` and `-export-drop-after-rows 5000`.
func ParseFaultFlags(fs *flag.FlagSet) func() Faults {
	latency := fs.Duration("latency", 0, "sandbox: delay added before every response")
	rate := fs.Float64("error-rate", 0, "sandbox: probability (0..1) of answering with -error-status")
	status := fs.Int("error-status", 500, "sandbox: HTTP status of injected errors (429 for rate limiting)")
	retry := fs.Duration("retry-after", 0, "sandbox: Retry-After sent with injected 429/503 answers")
	failFirst := fs.Int("fail-first", 0, "sandbox: answer the first N requests with -error-status, then succeed")
	dropRows := fs.Int("export-drop-after-rows", 0, "sandbox: cut every export after N rows (connection closed mid-stream)")
	resetBytes := fs.Int64("reset-after-bytes", 0, "sandbox: reset the connection after N body bytes")
	recExpired := fs.Int("recording-url-expired", 0, "sandbox: every recording_url answers this status (403 or 404)")
	recSlow := fs.Duration("recording-slow-start", 0, "sandbox: delay before a recording's audio headers")
	recCut := fs.Int64("recording-cut-after-bytes", 0, "sandbox: cut every recording's audio after N bytes")
	noRecAPI := fs.Bool("no-recording-api", false, "sandbox: the Recording endpoints answer 404 HTML, like an upstream without them")
	var endpoints []string
	fs.Func("fault-endpoints", "sandbox: comma-separated endpoints the faults apply to (list, search, get, recent, export, recordings; default all but recordings)",
		func(v string) error {
			endpoints = nil
			for e := range strings.SplitSeq(v, ",") {
				e = strings.TrimSpace(e)
				if !slices.Contains(allEndpoints, e) {
					return fmt.Errorf("unknown endpoint %q (want %s)", e, strings.Join(allEndpoints, ", "))
				}
				endpoints = append(endpoints, e)
			}
			return nil
		})
	return func() Faults {
		return Faults{
			Latency:             *latency,
			ErrorRate:           min(max(*rate, 0), 1),
			ErrorStatus:         *status,
			RetryAfter:          *retry,
			FailFirst:           max(*failFirst, 0),
			ExportDropAfterRows: max(*dropRows, 0),
			ResetAfterBytes:     max(*resetBytes, 0),
			Endpoints:           slices.Clone(endpoints),

			RecordingURLExpired:    *recExpired,
			RecordingSlowStart:     max(*recSlow, 0),
			RecordingCutAfterBytes: max(*recCut, 0),
			NoRecordingAPI:         *noRecAPI,
		}
	}
}

var allEndpoints = []string{EndpointList, EndpointSearch, EndpointGet, EndpointRecent, EndpointExport, EndpointRecordings}
