package handlers_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/csvreport"
	"github.com/cdrdash/cdrdash/handlers"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// exportStart sends GET path with c and returns the response with its body
// unread, for tests that stream or cut it. The client's overall timeout is
// lifted: streaming tests bound themselves.
func exportStart(t testing.TB, ctx context.Context, c *http.Client, a *testApp, path string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	cc := *c
	cc.Timeout = 0
	res, err := cc.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return res
}

// directExport fetches the sandbox's own export for query, bypassing the
// dashboard, and returns its body.
func directExport(t testing.TB, a *testApp, query string) io.ReadCloser {
	t.Helper()
	target := a.upstream.URL + "/api/v1/Account/" + a.sb.AuthID() + "/cdr/export"
	if query != "" {
		target += "?" + query
	}
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Auth-ID", a.sb.AuthID())
	req.Header.Set("X-Auth-Token", a.sb.AuthToken())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("sandbox export: %d", res.StatusCode)
	}
	return res.Body
}

func readAllBytes(t testing.TB, r io.ReadCloser) []byte {
	t.Helper()
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// exportEvents returns the call.export audit events, newest first, with
// their details decoded.
func exportEvents(t testing.TB, a *testApp) []map[string]any {
	t.Helper()
	events, _, err := a.db.ListEvents(context.Background(), store.EventFilter{Action: auth.ActionCallExport, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, e := range events {
		var d map[string]any
		if err := json.Unmarshal([]byte(e.Details), &d); err != nil {
			t.Fatalf("details %q: %v", e.Details, err)
		}
		d["_user"] = e.Username
		out = append(out, d)
	}
	return out
}

// requestLog is a slog handler that passes each finished request's log
// line to a channel, so a test can wait for the handler to be completely
// done (audit written, log line out) without sleeping.
type requestLog struct {
	done chan map[string]any
}

func newRequestLog() *requestLog { return &requestLog{done: make(chan map[string]any, 64)} }

func (l *requestLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *requestLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *requestLog) WithGroup(string) slog.Handler            { return l }
func (l *requestLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "request" {
		return nil
	}
	m := map[string]any{}
	r.Attrs(func(a slog.Attr) bool { m[a.Key] = a.Value.Any(); return true })
	l.done <- m
	return nil
}

// waitRequest waits for the log line of a request to route.
func (l *requestLog) waitRequest(t testing.TB, route string) map[string]any {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m := <-l.done:
			if m["route"] == route {
				return m
			}
		case <-timeout:
			t.Fatalf("no log line for %s", route)
		}
	}
}

func withRequestLog(l *requestLog) appOption {
	return withDeps(func(d *handlers.Deps) { d.Log = slog.New(l) })
}

// liveHeap collects garbage and returns the bytes still reachable.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestExportRawMillionRows is the first acceptance test: a
// 1,000,000-row export streamed through /calls/export is byte for byte the
// sandbox's own export, and the server's live heap stays flat while it
// streams.
func TestExportRawMillionRows(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000,000-row export; run without -short (make test does)")
	}
	if raceEnabled {
		t.Skip("1,000,000-row export: minutes under -race; make test runs it")
	}
	const rows = 1_000_000
	a := newTestApp(t, withCalls(rows))
	c := a.demo(t)

	// The sandbox's own bytes, straight from the upstream.
	want := sha256.New()
	wantN, err := io.Copy(want, directExport(t, a, ""))
	if err != nil {
		t.Fatal(err)
	}

	base := liveHeap()
	res := exportStart(t, context.Background(), c, a, "/calls/export?format=raw")
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	got := sha256.New()
	var gotN int64
	peak := base
	buf := make([]byte, 64<<10)
	next := int64(0)
	for {
		n, err := res.Body.Read(buf)
		got.Write(buf[:n])
		gotN += int64(n)
		if gotN >= next { // sample the live heap every 32 MB
			peak = max(peak, liveHeap())
			next = gotN + 32<<20
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read after %d bytes: %v", gotN, err)
		}
	}
	peak = max(peak, liveHeap())
	if gotN != wantN || !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatalf("dashboard sent %d bytes (sha256 %x), the sandbox %d (sha256 %x)", gotN, got.Sum(nil), wantN, want.Sum(nil))
	}
	growth := int64(peak) - int64(base)
	t.Logf("%d bytes; live heap %d MB before, peak growth %d KB", gotN, base>>20, growth>>10)
	if growth > 20<<20 {
		t.Errorf("live heap grew by %d MB while streaming", growth>>20)
	}
	res.Body.Close()
	// The audit event counts every row (the header is not a row).
	ev := waitExportEvent(t, a, 1)
	if ev["status"] != "completed" || ev["rows"] != float64(rows) || ev["bytes"] != float64(wantN) {
		t.Errorf("audit %v", ev)
	}
}

// waitExportEvent returns the newest export event once n exist. The event
// is written after the last byte reaches the client, so the test waits for
// it with a bounded loop on the database rather than a sleep.
func waitExportEvent(t testing.TB, a *testApp, n int) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs := exportEvents(t, a)
		if len(evs) >= n {
			return evs[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d export events, want %d", len(evs), n)
		}
		runtime.Gosched()
	}
}

// TestExportUpstreamDropsMidStream: when Vobiz cuts the export half-way,
// the browser's read fails; it never sees a clean end of file.
func TestExportUpstreamDropsMidStream(t *testing.T) {
	for _, format := range []string{"raw", "report"} {
		t.Run(format, func(t *testing.T) {
			logs := newRequestLog()
			a := newTestApp(t, withCalls(20_000), withRequestLog(logs))
			c := a.demo(t)
			logs.waitRequest(t, "/login")
			a.sb.SetFaults(sandbox.Faults{ExportDropAfterRows: 10_000, Endpoints: []string{sandbox.EndpointExport}})
			res := exportStart(t, context.Background(), c, a, "/calls/export?format="+format)
			defer res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			if res.ContentLength != -1 || !slices.Equal(res.TransferEncoding, []string{"chunked"}) {
				t.Errorf("length %d, transfer encoding %v: a cut must be detectable", res.ContentLength, res.TransferEncoding)
			}
			body, err := io.ReadAll(res.Body)
			if err == nil {
				t.Fatalf("read %d bytes and a clean EOF; want an error", len(body))
			}
			if len(body) == 0 {
				t.Fatalf("no bytes before the cut: %v", err)
			}
			line := logs.waitRequest(t, "/calls/export")
			if line["aborted"] != true || line["status"] != int64(http.StatusOK) {
				t.Errorf("request log line %v, want aborted", line)
			}
			ev := exportEvents(t, a)[0]
			if ev["status"] != "aborted" || ev["format"] != format || !strings.Contains(ev["error"].(string), "upstream") {
				t.Errorf("audit %v", ev)
			}
			if rows := ev["rows"].(float64); rows < 1 || rows > 10_000 {
				t.Errorf("audit rows %v", rows)
			}
		})
	}
}

// TestExportClientDisconnectCancelsUpstream: a browser that goes away
// cancels the upstream request at once.
func TestExportClientDisconnectCancelsUpstream(t *testing.T) {
	logs := newRequestLog()
	a := newTestApp(t, withCalls(20_000), withRequestLog(logs))
	c := a.demo(t)
	upstream := make(chan context.Context, 1)
	a.sb.SetObserver(func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/cdr/export") {
			upstream <- r.Context()
		}
	})
	// A slow upstream, so the export is still running when the client
	// leaves.
	a.sb.SetFaults(sandbox.Faults{SlowBody: 20 * time.Millisecond, Endpoints: []string{sandbox.EndpointExport}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res := exportStart(t, ctx, c, a, "/calls/export")
	if _, err := io.ReadFull(res.Body, make([]byte, 1024)); err != nil {
		t.Fatalf("first bytes: %v", err)
	}
	var upCtx context.Context
	select {
	case upCtx = <-upstream:
	default:
		t.Fatal("the observer saw no export request")
	}
	if upCtx.Err() != nil {
		t.Fatal("upstream request cancelled before the client left")
	}
	cancel() // the browser goes away
	res.Body.Close()
	select {
	case <-upCtx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream request was not cancelled after the client disconnected")
	}
	line := logs.waitRequest(t, "/calls/export")
	if line["aborted"] != true {
		t.Errorf("log line %v", line)
	}
	ev := exportEvents(t, a)[0]
	if ev["status"] != "aborted" || !strings.Contains(ev["error"].(string), "client went away") {
		t.Errorf("audit %v", ev)
	}
}

const offsetTime = `^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d$`

// TestExportReport: the report parses with encoding/csv, has the chosen
// columns in the chosen order, its times carry the user's offset, and each
// row is the same call as the raw export's row.
func TestExportReport(t *testing.T) {
	a := newTestApp(t, withCalls(5_000))
	c := a.demo(t)
	filters := "start_date=2026-11-01&end_date=2026-11-26&call_direction=outbound"
	cols := []string{"uuid", "start_time", "answer_time", "caller_id_number", "outcome", "diagnosis", "quality", "total_cost"}

	raw := readAllBytes(t, directExport(t, a, filters))
	er, err := vobiz.NewExportReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var want []vobiz.CDR
	for {
		cdr, err := er.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, *cdr)
	}
	if len(want) < 100 {
		t.Fatalf("only %d calls match; widen the fixture", len(want))
	}

	rawRecs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	costCol := slices.Index(rawRecs[0], "total_cost")

	for _, tc := range []struct {
		zone    string
		offsets []string
		bom     bool
	}{
		{"", []string{"+05:30"}, false},                          // the server default of the test app
		{"America/New_York", []string{"-04:00", "-05:00"}, true}, // DST ends on 2026-11-01
		{"Asia/Tokyo", []string{"+09:00"}, false},
	} {
		t.Run(tc.zone, func(t *testing.T) {
			u, err := a.db.UserByName(context.Background(), "demo")
			if err != nil {
				t.Fatal(err)
			}
			if err := a.db.SetTimeZone(context.Background(), u.ID, tc.zone); err != nil {
				t.Fatal(err)
			}
			path := "/calls/export?" + filters + "&format=report&columns=" + url.QueryEscape(strings.Join(cols, ","))
			if !tc.bom {
				path += "&bom=0" // the BOM is on unless turned off
			}
			res := exportStart(t, context.Background(), c, a, path)
			body := readAllBytes(t, res.Body)
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
				t.Fatalf("status %d, type %q", res.StatusCode, res.Header.Get("Content-Type"))
			}
			if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename="calls_2026-11-01_2026-11-26_outbound_report.csv"` {
				t.Errorf("Content-Disposition %q", cd)
			}
			if got := bytes.HasPrefix(body, []byte("\ufeff")); got != tc.bom {
				t.Fatalf("BOM present = %v", got)
			}
			recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
			if err != nil {
				t.Fatalf("report does not parse: %v", err)
			}
			if !slices.Equal(recs[0], cols) {
				t.Fatalf("header %q, want %q", recs[0], cols)
			}
			if len(recs)-1 != len(want) {
				t.Fatalf("%d rows, raw export has %d", len(recs)-1, len(want))
			}
			loc := mustZone(t, "Asia/Kolkata")
			if tc.zone != "" {
				loc = mustZone(t, tc.zone)
			}
			seen := map[string]bool{}
			for i, rec := range recs[1:] {
				w := want[i]
				if rec[0] != string(w.UUID) || rec[3] != string(w.CallerIDNumber) || rec[7] != rawRecs[i+1][costCol] {
					t.Fatalf("row %d = %q, want call %s", i, rec, w.UUID)
				}
				if !matches(offsetTime, rec[1]) || !slices.Contains(tc.offsets, rec[1][len(rec[1])-6:]) ||
					rec[1] != w.StartTime.In(loc).Format(csvreport.TimeLayout) {
					t.Fatalf("row %d start %q (want %s, offset one of %q)", i, rec[1], w.StartTime.In(loc), tc.offsets)
				}
				seen[rec[1][len(rec[1])-6:]] = true
				if (rec[2] == "") != w.AnswerTime.IsZero() || (rec[2] != "" && !matches(offsetTime, rec[2])) {
					t.Fatalf("row %d answer %q", i, rec[2])
				}
				if rec[4] == "" || rec[5] == "" || rec[6] == "" {
					t.Fatalf("row %d derived cells empty: %q", i, rec)
				}
			}
			if len(seen) != len(tc.offsets) {
				t.Errorf("offsets seen %v, want all of %q", seen, tc.offsets)
			}
		})
	}
}

func matches(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }

// TestExportRawIsUpstreamBytes: a small filtered raw export is byte for
// byte the sandbox's, with download headers and a chunked body.
func TestExportRawIsUpstreamBytes(t *testing.T) {
	a := newTestApp(t, withCalls(3_000))
	c := a.demo(t)
	for _, tc := range []struct{ query, filename string }{
		{"start_date=2026-11-01&end_date=2026-11-26&call_direction=outbound", "calls_2026-11-01_2026-11-26_outbound.csv"},
		{"call_direction=inbound&hangup_cause=NO_ANSWER", "calls_inbound.csv"},
		{"from_number=98765", "calls.csv"}, // numbers never reach the file name
		{"start_date=2026-11-20&end_date=2026-11-20&per_page=100&page=3", "calls_2026-11-20_2026-11-20.csv"},
		{"search=zzzz-no-such-call", "calls.csv"}, // header-only export
	} {
		t.Run(tc.query, func(t *testing.T) {
			q, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			want := readAllBytes(t, directExport(t, a, q.Encode()))
			res := exportStart(t, context.Background(), c, a, "/calls/export?format=raw&"+tc.query)
			got := readAllBytes(t, res.Body)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", res.StatusCode, got)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("got %d bytes, the sandbox sent %d", len(got), len(want))
			}
			h := res.Header
			for k, v := range map[string]string{
				"Content-Type":           "text/csv; charset=utf-8",
				"Content-Disposition":    `attachment; filename="` + tc.filename + `"`,
				"X-Content-Type-Options": "nosniff",
				"Cache-Control":          "no-store",
			} {
				if h.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, h.Get(k), v)
				}
			}
		})
	}
}

// TestExportBadInputNoUpstream: every invalid parameter answers 400 with
// an error page, before anything is sent to Vobiz.
func TestExportBadInputNoUpstream(t *testing.T) {
	a := newTestApp(t, withCalls(500))
	c := a.demo(t)
	for _, tc := range []struct{ query, text string }{
		{"start_date=2026-13-01&end_date=2026-13-02", "start_date"},
		{"call_direction=sideways", "call_direction"},
		{"from_number=" + url.QueryEscape("\"><script>\x01"), "from_number"},
		{"min_duration=-4", "min_duration"},
		{"format=xlsx", "Unknown download format"},
		{"format=report&bom=maybe", "bom"},
		{"format=report&columns=uuid,password_hash", "no report column"},
		{"format=report&columns=" + url.QueryEscape(`uuid,"=cmd|' /C calc'!A0"`), "no report column"},
		{"format=report&columns=", "at least one column"},
		{"format=report&columns=" + strings.Repeat("uuid,", 600), "too long"},
		{"search=" + strings.Repeat("x", 5000), "too long"},
	} {
		t.Run(tc.query[:min(len(tc.query), 40)], func(t *testing.T) {
			before := a.upstreamRequests()
			res, body := a.get(t, c, "/calls/export?"+tc.query)
			if res.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d", res.StatusCode)
			}
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || res.Header.Get("Content-Disposition") != "" {
				t.Errorf("headers %v", res.Header)
			}
			if msg := errorText(body); !strings.Contains(msg, tc.text) {
				t.Errorf("error %q does not mention %q", msg, tc.text)
			}
			// Unescaped anywhere in the markup, not just in the message.
			if strings.Contains(body, "<script>") {
				t.Error("input echoed unescaped")
			}
			if n := a.upstreamRequests() - before; n != 0 {
				t.Errorf("%d upstream requests for invalid input", n)
			}
		})
	}
	if evs := exportEvents(t, a); len(evs) != 0 {
		t.Errorf("invalid requests were audited as exports: %v", evs)
	}
}

// TestExportUpstreamErrorBeforeFirstByte: when Vobiz fails before the file
// has started, the user gets the ordinary error page with a fitting status.
func TestExportUpstreamErrorBeforeFirstByte(t *testing.T) {
	exportOnly := []string{sandbox.EndpointExport}
	for _, tc := range []struct {
		name    string
		faults  sandbox.Faults
		query   string
		timeout time.Duration
		status  int
		retry   bool
	}{
		{"500", sandbox.Faults{ErrorRate: 1, ErrorStatus: 500, Endpoints: exportOnly}, "", 0, http.StatusBadGateway, false},
		{"503", sandbox.Faults{ErrorRate: 1, ErrorStatus: 503, Endpoints: exportOnly}, "", 0, http.StatusBadGateway, false},
		{"401", sandbox.Faults{ErrorRate: 1, ErrorStatus: 401, Endpoints: exportOnly}, "", 0, http.StatusBadGateway, false},
		{"429", sandbox.Faults{ErrorRate: 1, ErrorStatus: 429, RetryAfter: 30 * time.Second, Endpoints: exportOnly}, "",
			0, http.StatusServiceUnavailable, true},
		{"html proxy page", sandbox.Faults{Body: sandbox.BodyHTML, Endpoints: exportOnly}, "", 0, http.StatusBadGateway, false},
		{"no headers in time", sandbox.Faults{HangBeforeHeaders: true, Endpoints: exportOnly}, "", 300 * time.Millisecond,
			http.StatusGatewayTimeout, false},
		{"report: cut inside the header row", sandbox.Faults{ResetAfterBytes: 40, Endpoints: exportOnly}, "format=report",
			0, http.StatusBadGateway, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := []appOption{withCalls(500)}
			if tc.timeout > 0 {
				opts = append(opts, withClient(vobiz.WithTimeout(tc.timeout)))
			}
			a := newTestApp(t, opts...)
			c := a.demo(t)
			a.sb.SetFaults(tc.faults)
			res, body := a.get(t, c, "/calls/export?"+tc.query)
			a.sb.SetFaults(sandbox.Faults{})
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
			}
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || res.Header.Get("Content-Disposition") != "" ||
				!strings.Contains(errorText(body), "Vobiz") {
				t.Errorf("not an error page: %v", res.Header)
			}
			if got := res.Header.Get("Retry-After") != ""; got != tc.retry {
				t.Errorf("Retry-After %q", res.Header.Get("Retry-After"))
			}
			ev := waitExportEvent(t, a, 1)
			if ev["status"] != "failed" || ev["bytes"] != float64(0) || ev["error"] == nil {
				t.Errorf("audit %v", ev)
			}
		})
	}
}

// TestExportAudit: a completed export is audited with user, filters,
// format, columns, rows and bytes.
func TestExportAudit(t *testing.T) {
	a := newTestApp(t, withCalls(2_000))
	c := a.demo(t)
	res := exportStart(t, context.Background(), c, a, "/calls/export?format=raw&call_direction=inbound&from_number=98765")
	raw := readAllBytes(t, res.Body)
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	ev := waitExportEvent(t, a, 1)
	want := map[string]any{"_user": "demo", "format": "raw", "status": "completed",
		"rows": float64(len(rows) - 1), "bytes": float64(len(raw)),
		"filters": "call_direction=inbound&from_number=98765"}
	for k, v := range want {
		if ev[k] != v {
			t.Errorf("%s = %v, want %v", k, ev[k], v)
		}
	}
	if _, ok := ev["columns"]; ok {
		t.Error("raw export audited with columns")
	}

	res = exportStart(t, context.Background(), c, a, "/calls/export?format=report&columns=uuid,outcome&bom=1")
	report := readAllBytes(t, res.Body)
	ev = waitExportEvent(t, a, 2)
	if ev["format"] != "report" || ev["columns"] != "uuid,outcome" || ev["bom"] != true ||
		ev["rows"] != float64(a.sb.Len()) || ev["bytes"] != float64(len(report)) || ev["status"] != "completed" {
		t.Errorf("report audit %v", ev)
	}
}

// TestExportRemembersColumns: a report's column choice is saved per user
// and used when the next report names none.
func TestExportRemembersColumns(t *testing.T) {
	a := newTestApp(t, withCalls(300))
	demo := a.demo(t)
	a.postForm(t, demo, "/admin/users", url.Values{"username": {"ravi"}, "password": {"a-long-password-2"}, "role": {"agent"}})
	ravi := a.login(t, "ravi", "a-long-password-2")

	header := func(c *http.Client, query string) []string {
		t.Helper()
		res := exportStart(t, context.Background(), c, a, "/calls/export?format=report"+query)
		body := readAllBytes(t, res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		rec, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte(csvreport.BOM)))).Read()
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	if got := header(demo, ""); !slices.Equal(got, csvreport.DefaultColumns()) {
		t.Fatalf("first report %q, want the defaults", got)
	}
	// Repeated columns= values, as a checkbox form sends them.
	if got := header(demo, "&columns=mos&columns=UUID&columns=start_time"); !slices.Equal(got, []string{"mos", "uuid", "start_time"}) {
		t.Fatalf("chosen columns %q", got)
	}
	u, err := a.db.UserByName(context.Background(), "demo")
	if err != nil || u.ExportColumns != "mos,uuid,start_time" {
		t.Fatalf("saved %q, %v", u.ExportColumns, err)
	}
	if got := header(demo, ""); !slices.Equal(got, []string{"mos", "uuid", "start_time"}) {
		t.Errorf("remembered columns %q", got)
	}
	if got := header(ravi, ""); !slices.Equal(got, csvreport.DefaultColumns()) {
		t.Errorf("another user got %q", got)
	}
	// A raw export neither uses nor changes the choice; a bad list is
	// refused without touching it.
	res := exportStart(t, context.Background(), demo, a, "/calls/export?format=raw&columns=uuid")
	readAllBytes(t, res.Body)
	a.get(t, demo, "/calls/export?format=report&columns=nope")
	if u, _ := a.db.UserByName(context.Background(), "demo"); u.ExportColumns != "mos,uuid,start_time" {
		t.Errorf("saved choice changed to %q", u.ExportColumns)
	}
	// A saved choice that no longer parses falls back to the defaults.
	if err := a.db.SetExportColumns(context.Background(), u.ID, "uuid,retired_column"); err != nil {
		t.Fatal(err)
	}
	if got := header(demo, ""); !slices.Equal(got, csvreport.DefaultColumns()) {
		t.Errorf("stale choice gave %q", got)
	}
}

// TestExportPerUserLimit: a user may run three exports at once; the fourth
// is refused with 429 and Retry-After before reaching Vobiz, other users
// are unaffected, and finished exports free their slots.
func TestExportPerUserLimit(t *testing.T) {
	a := newTestApp(t, withCalls(500))
	demo := a.demo(t)
	a.postForm(t, demo, "/admin/users", url.Values{"username": {"ravi"}, "password": {"a-long-password-2"}, "role": {"agent"}})
	ravi := a.login(t, "ravi", "a-long-password-2")

	arrived := make(chan struct{}, 16)
	a.sb.SetObserver(func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/cdr/export") {
			arrived <- struct{}{}
		}
	})
	a.sb.SetFaults(sandbox.Faults{HangBeforeHeaders: true, Endpoints: []string{sandbox.EndpointExport}})
	wait := func(n int) {
		t.Helper()
		for range n {
			select {
			case <-arrived:
			case <-time.After(5 * time.Second):
				t.Fatal("export did not reach the sandbox")
			}
		}
	}

	var wg sync.WaitGroup
	statuses := make(chan int, 4)
	run := func(c *http.Client) {
		wg.Go(func() {
			res := exportStart(t, context.Background(), c, a, "/calls/export")
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			statuses <- res.StatusCode
		})
	}
	for range 3 {
		run(demo)
	}
	wait(3) // three exports hold demo's slots, hanging upstream

	before := a.upstreamRequests()
	res, body := a.get(t, demo, "/calls/export?format=report")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" ||
		!strings.Contains(errorText(body), "3 downloads running") {
		t.Fatalf("fourth export: status %d, Retry-After %q, %q", res.StatusCode, res.Header.Get("Retry-After"), errorText(body))
	}
	if a.upstreamRequests() != before {
		t.Error("the refused export reached Vobiz")
	}
	run(ravi) // another user is not limited
	wait(1)

	a.sb.SetFaults(sandbox.Faults{}) // release the hanging exports
	wg.Wait()
	close(statuses)
	for st := range statuses {
		if st != http.StatusOK {
			t.Errorf("held export ended %d", st)
		}
	}
	res = exportStart(t, context.Background(), demo, a, "/calls/export")
	readAllBytes(t, res.Body)
	if res.StatusCode != http.StatusOK {
		t.Errorf("after the others finished: %d", res.StatusCode)
	}
}

// TestExportButtonCarriesFilters: /calls links the download with the
// current filters (not the page) and the row count of the same query.
func TestExportButtonCarriesFilters(t *testing.T) {
	a := newTestApp(t, withCalls(2_000))
	c := a.demo(t)
	_, body := a.get(t, c, "/calls?call_direction=inbound&per_page=50&page=2")
	p := parsePage(t, body)
	href, err := url.Parse(p.attr("export", "href"))
	if err != nil || href.Path != "/calls/export" {
		t.Fatalf("export link %v (%v)", href, err)
	}
	if q := href.Query(); q.Get("call_direction") != "inbound" || q.Has("page") || q.Has("per_page") {
		t.Fatalf("export link query %q", href.RawQuery)
	}
	raw := readAllBytes(t, directExport(t, a, "call_direction=inbound"))
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if want := "Download " + views.FormatInt(int64(len(recs)-1)) + " calls"; p.text("export") != want {
		t.Errorf("the Download button says %q, want %q", p.text("export"), want)
	}
}

// TestExportOptionsForm: /calls offers a download form that carries the
// filters and pre-checks the user's saved report columns.
func TestExportOptionsForm(t *testing.T) {
	a := newTestApp(t, withCalls(2_000))
	c := a.demo(t)
	_, body := a.get(t, c, "/calls?call_direction=inbound&per_page=50&page=2")
	form := parsePage(t, body).in("export-form")
	if form.root == nil {
		t.Fatal("no export form on /calls")
	}
	hidden := url.Values{}
	for _, in := range form.tags("input") {
		if attr(in, "type") == "hidden" {
			hidden.Add(attr(in, "name"), attr(in, "value"))
		}
	}
	if hidden.Get("call_direction") != "inbound" || hidden.Has("page") || hidden.Has("per_page") {
		t.Errorf("hidden filters wrong: %v", hidden)
	}
	for _, col := range csvreport.DefaultColumns() {
		if offered, on := column(form, col); !offered || !on {
			t.Errorf("default column %s not checked", col)
		}
	}
	if offered, on := column(form, "jitter"); !offered || on {
		t.Error("jitter should be offered, unchecked")
	}
	// Download a report with a choice, and the form follows it.
	res := exportStart(t, context.Background(), c, a, "/calls/export?format=report&columns=jitter,uuid")
	readAllBytes(t, res.Body)
	_, body = a.get(t, c, "/calls")
	form = parsePage(t, body).in("export-form")
	_, jitter := column(form, "jitter")
	_, uuid := column(form, "uuid")
	if _, mos := column(form, "mos"); !jitter || !uuid || mos {
		t.Errorf("form does not show the saved choice: jitter %v, uuid %v, mos %v", jitter, uuid, mos)
	}
}

// column reports whether the export form offers report column col, and
// whether its box is ticked.
func column(form page, col string) (offered, checked bool) {
	for _, in := range form.tags("input") {
		if attr(in, "type") == "checkbox" && attr(in, "name") == "columns" && attr(in, "value") == col {
			return true, hasAttr(in, "checked")
		}
	}
	return false, false
}
