package handlers_test

import (
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// The upstream fault matrix (issue 11, part 1): every way the Vobiz API
// can fail, against every page that talks to it. Each cell runs on a fresh
// dashboard and sandbox and checks
//
//   - what the person sees: the status and the error page's title and
//     message (or, on the streamed Reports page, the error boxes and the
//     days marked missing; for downloads, an error page, a complete file or
//     a download cut off so the browser marks it failed);
//   - that nothing internal leaks into the page (stack traces, the token,
//     the upstream's own body);
//   - the retry budget: with WithRetries(2, …) a retryable failure costs
//     exactly 3 attempts per upstream fetch and any other failure exactly
//     1, counted by the client's observer and, for the sandbox, on the
//     server side too;
//   - that no goroutine outlives the cell (goleak, after the cell's
//     servers and database are closed).

// matrixRetries is the retry budget of the matrix's client: 3 attempts.
const matrixRetries = 2

// matrixTimeout is the client timeout for the cells that wait for it.
const matrixTimeout = 200 * time.Millisecond

// matrixPage is one column of the matrix.
type matrixPage struct {
	name    string
	path    func(a *testApp) string
	fetches int64 // upstream fetches one visit makes
	kind    string
}

const (
	kindJSON    = "json"    // an ordinary page: an error page on failure
	kindDetail  = "detail"  // the call page: 404s are its own
	kindReports = "reports" // streamed: error boxes inside a 200
	kindExport  = "export"  // a download
)

// reportRange is the Reports column's range: three finished days, so one
// visit makes 2 searches (range and previous period), 3 day lists and 1
// export.
const reportRange = "start_date=2026-11-01&end_date=2026-11-03"

var matrixPages = []matrixPage{
	{"list", func(*testApp) string { return "/calls" }, 1, kindJSON},
	{"search", func(*testApp) string {
		return "/calls?search=98&call_direction=outbound&start_date=2026-11-01&end_date=2026-11-26&per_page=50"
	}, 1, kindJSON},
	{"detail", func(a *testApp) string { return "/calls/" + string(a.sb.Call(3).UUID) }, 1, kindDetail},
	{"home", func(*testApp) string { return "/" }, 2, kindJSON},
	{"reports", func(*testApp) string { return "/reports?" + reportRange }, 6, kindReports},
	{"raw export", func(*testApp) string { return "/calls/export?format=raw" }, 1, kindExport},
	{"report export", func(*testApp) string { return "/calls/export?format=report" }, 1, kindExport},
}

// Export outcomes.
const (
	exportErrorPage = "error page" // nothing was sent yet: the normal error page
	exportComplete  = "complete"   // the fault does not touch CSV: the whole file
	exportAborted   = "aborted"    // the file had started: the connection is cut
)

// expectation is what a page shows under a fault.
type expectation struct {
	status     int
	title      string // the error page's heading
	message    string // a phrase of its message
	retryAfter string // the Retry-After header, "" for none
}

// faultRow is one row of the matrix.
type faultRow struct {
	name      string
	faults    sandbox.Faults
	refused   bool           // the client dials a closed port instead
	client    []vobiz.Option // extra client options (timeouts, limits)
	retryable bool           // every failed fetch is retried to the budget

	page   expectation  // list, search, home
	detail *expectation // the call page, when it differs from page
	// Reports: whether the JSON parts (totals, days) and the export-based
	// breakdowns fail.
	reportJSONFails, reportExportFails bool
	export                             string // exportErrorPage, exportComplete or exportAborted (both formats)
}

var (
	refusedCreds = expectation{http.StatusBadGateway, "Vobiz refused cdrdash's credentials", "VOBIZ_AUTH_TOKEN", ""}
	couldNot     = expectation{http.StatusBadGateway, "Vobiz could not answer", "quote the request ID", ""}
	refusedReq   = expectation{http.StatusBadGateway, "Vobiz refused the request", "although cdrdash had checked its filters", ""}
	tooSlow      = expectation{http.StatusGatewayTimeout, "Vobiz did not answer in time", "took too long", ""}
)

func faultRows() []faultRow {
	status := func(code int) sandbox.Faults { return sandbox.Faults{ErrorRate: 1, ErrorStatus: code} }
	timeout := []vobiz.Option{vobiz.WithTimeout(matrixTimeout)}
	return []faultRow{
		{name: "400", faults: status(400), page: refusedReq, reportJSONFails: true, reportExportFails: true, export: exportErrorPage},
		{name: "401", faults: status(401), page: refusedCreds, reportJSONFails: true, reportExportFails: true, export: exportErrorPage},
		{name: "403", faults: status(403), page: refusedCreds, reportJSONFails: true, reportExportFails: true, export: exportErrorPage},
		{name: "404", faults: status(404),
			page:            expectation{http.StatusBadGateway, "Vobiz could not answer", "VOBIZ_BASE_URL", ""},
			detail:          &expectation{http.StatusNotFound, "Not found", "Vobiz has no call with the ID", ""},
			reportJSONFails: true, reportExportFails: true, export: exportErrorPage},
		{name: "422", faults: status(422), page: refusedReq, reportJSONFails: true, reportExportFails: true, export: exportErrorPage},
		// A Retry-After beyond the client's own patience (10 s) is not
		// waited out: the person is told when to come back.
		{name: "429 with Retry-After", faults: sandbox.Faults{ErrorRate: 1, ErrorStatus: 429, RetryAfter: 30 * time.Second},
			page:            expectation{http.StatusServiceUnavailable, "Vobiz is rate-limiting", "retry in 30 s", "30"},
			reportJSONFails: true, reportExportFails: true, export: exportErrorPage},
		{name: "429 without Retry-After", faults: status(429), retryable: true,
			page:            expectation{http.StatusServiceUnavailable, "Vobiz is rate-limiting", "retry in 1 s", ""},
			reportJSONFails: true, reportExportFails: true, export: exportErrorPage},
		// A 500 may be a deterministic bug for this request: not retried.
		{name: "500", faults: status(500), page: couldNot, reportJSONFails: true, reportExportFails: true, export: exportErrorPage},
		{name: "502", faults: status(502), retryable: true, page: couldNot, reportJSONFails: true, reportExportFails: true, export: exportErrorPage},
		{name: "503", faults: status(503), retryable: true, page: couldNot, reportJSONFails: true, reportExportFails: true, export: exportErrorPage},
		{name: "504", faults: status(504), retryable: true, page: couldNot, reportJSONFails: true, reportExportFails: true, export: exportErrorPage},
		{name: "connection refused", refused: true, retryable: true, page: couldNot,
			reportJSONFails: true, reportExportFails: true, export: exportErrorPage},
		// Every JSON body here is over 1 KB, so all are cut; the export is
		// cut inside its first data row, after the file has started.
		{name: "connection reset mid-body", faults: sandbox.Faults{ResetAfterBytes: 600}, page: couldNot,
			reportJSONFails: true, reportExportFails: true, export: exportAborted},
		{name: "timeout before headers", faults: sandbox.Faults{HangBeforeHeaders: true}, client: timeout, page: tooSlow,
			reportJSONFails: true, reportExportFails: true, export: exportErrorPage},
		// Pauses longer than the client's limit between 4 KB chunks: a
		// multi-chunk JSON body (a page of calls) times out; a single-chunk
		// one (one call; the one-row searches behind the home tiles and
		// the report totals and days) arrives whole. An export stalls
		// after its first chunk, once the file has started.
		{name: "slow body", faults: sandbox.Faults{SlowBody: 2 * matrixTimeout}, client: timeout, page: tooSlow,
			detail:            &expectation{status: http.StatusOK},
			reportExportFails: true, export: exportAborted},
		{name: "malformed JSON", faults: sandbox.Faults{Body: sandbox.BodyMalformedJSON}, page: couldNot,
			reportJSONFails: true, export: exportComplete},
		{name: "truncated JSON", faults: sandbox.Faults{Body: sandbox.BodyTruncatedJSON}, page: couldNot,
			reportJSONFails: true, export: exportComplete},
		// The sandbox's 21 MiB body against the default 8 MiB limit
		// (refused by Content-Length before reading) ...
		{name: "JSON body over the default limit", faults: sandbox.Faults{Body: sandbox.BodyHuge}, page: couldNot,
			reportJSONFails: true, export: exportComplete},
		// ... and ordinary bodies against a 1 KB limit, read to the limit.
		// Exports are streamed and have no limit.
		{name: "JSON body over a small limit", client: []vobiz.Option{vobiz.WithMaxBodyBytes(1 << 10)}, page: couldNot,
			reportJSONFails: true, export: exportComplete},
		{name: "wrong content type", faults: sandbox.Faults{Body: sandbox.BodyWrongContentType}, page: couldNot,
			reportJSONFails: true, export: exportComplete},
		{name: "unexpected field types", faults: sandbox.Faults{Body: sandbox.BodyWrongTypes}, page: couldNot,
			reportJSONFails: true, export: exportComplete},
		// A reverse proxy's HTML page with its 502: retried like any 502.
		{name: "HTML error page from a proxy", faults: sandbox.Faults{Body: sandbox.BodyHTML, ErrorStatus: 502}, retryable: true,
			page: couldNot, reportJSONFails: true, reportExportFails: true, export: exportErrorPage},
	}
}

func TestUpstreamFaultMatrix(t *testing.T) {
	rows := faultRows()
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			for _, pg := range matrixPages {
				t.Run(pg.name, func(t *testing.T) {
					checkGoroutines(t)
					runFaultCell(t, row, pg)
				})
			}
		})
	}
}

func runFaultCell(t *testing.T, row faultRow, pg matrixPage) {
	var attempts attemptCounter
	clientOpts := append([]vobiz.Option{vobiz.WithRetries(matrixRetries, time.Millisecond), attempts.option()}, row.client...)
	opts := []appOption{withCalls(300), withClient(clientOpts...)}
	if row.refused {
		opts = append(opts, withUpstreamURL(t, closedURL(t), clientOpts...))
	}
	a := newTestApp(t, opts...)
	c := a.demo(t)
	path := pg.path(a)
	attempts.take()
	before := a.upstreamRequests()
	a.sb.SetFaults(row.faults)
	t.Cleanup(func() { a.sb.SetFaults(sandbox.Faults{}) }) // releases anything still hanging

	f := a.fetch(t, c, path)
	a.sb.SetFaults(sandbox.Faults{})

	// The retry budget.
	want := pg.fetches
	if row.retryable {
		want *= 1 + matrixRetries
	}
	got := attempts.take()
	if got != want {
		t.Errorf("%d upstream attempts, want %d (%d fetches, retryable %v)", got, want, pg.fetches, row.retryable)
	}
	if served := a.upstreamRequests() - before; !row.refused && served != got {
		t.Errorf("the sandbox saw %d requests, the client made %d attempts", served, got)
	}

	// Nothing internal on any page.
	if strings.HasPrefix(f.res.Header.Get("Content-Type"), "text/html") {
		// Anywhere in the response, markup included, not just in one element.
		for _, leak := range []string{"goroutine ", ".go:", "panic", "sandbox-token", "nginx", `"success"`, "X-Auth"} {
			if strings.Contains(f.body, leak) {
				t.Errorf("the page shows %q", leak)
			}
		}
		assertNoInlineScript(t, path, f.body)
	}

	switch pg.kind {
	case kindJSON:
		checkErrorPage(t, f, row.page)
	case kindDetail:
		exp := row.page
		if row.detail != nil {
			exp = *row.detail
		}
		checkErrorPage(t, f, exp)
	case kindReports:
		checkReportsPage(t, f, row)
	case kindExport:
		checkExport(t, f, row.export, row.page)
	}
}

// checkErrorPage checks a complete page: the error page with the expected
// status, heading and message, or (status 200) the page itself.
func checkErrorPage(t *testing.T, f fetched, exp expectation) {
	t.Helper()
	if f.readErr != nil {
		t.Fatalf("the page broke off: %v", f.readErr)
	}
	if f.res.StatusCode != exp.status {
		t.Fatalf("status %d, want %d; page says %q", f.res.StatusCode, exp.status, errorText(f.body))
	}
	if got := f.res.Header.Get("Retry-After"); got != exp.retryAfter {
		t.Errorf("Retry-After %q, want %q", got, exp.retryAfter)
	}
	p := parsePage(t, f.body)
	if exp.status == http.StatusOK {
		if p.has("error") {
			t.Errorf("a 200 with an error box: %q", p.text("error"))
		}
		return
	}
	if got := p.attr("error", "data-status"); got != strconv.Itoa(exp.status) {
		t.Errorf("error section for %q, want %d", got, exp.status)
	}
	if h1 := p.in("error").tags("h1"); len(h1) != 1 || nodeText(h1[0]) != exp.title {
		t.Errorf("heading %q, want %q", p.texts("error"), exp.title)
	}
	if msg := p.text("error"); !strings.Contains(msg, exp.message) {
		t.Errorf("message %q does not say %q", msg, exp.message)
	}
}

// checkReportsPage: the page is always a complete 200; failed parts show
// their own box, and failed days are named and marked "not loaded", never
// drawn as zeros.
func checkReportsPage(t *testing.T, f fetched, row faultRow) {
	t.Helper()
	if f.readErr != nil {
		t.Fatalf("the page broke off: %v", f.readErr)
	}
	if f.res.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200 (the page streams)", f.res.StatusCode)
	}
	// The parser closes whatever is open, so whether the streamed document
	// reached its end is read from the bytes.
	p := parsePage(t, f.body)
	if !p.has("report-body") || !strings.HasSuffix(strings.TrimSpace(f.body), "</html>") {
		t.Fatal("the report body did not render to the end")
	}
	tiles, missing, breakdown := p.text("tiles-error"), p.text("notice-missing"), p.text("breakdown-error")
	if row.reportJSONFails {
		if !strings.Contains(tiles, "could not be loaded: "+row.page.title+".") {
			t.Errorf("totals box %q, want it to say %q", tiles, row.page.title)
		}
		if !strings.Contains(missing, "Missing: 3 days could not be loaded: 2026-11-01, 2026-11-02, 2026-11-03.") ||
			!strings.Contains(missing, "not counted as zero") {
			t.Errorf("missing-days notice %q", missing)
		}
		rows := missingRows(p)
		if len(rows) != 6 { // 3 days in each of the two day tables
			t.Errorf("%d rows marked missing, want 6", len(rows))
		}
		for _, r := range rows {
			number := slices.ContainsFunc((page{r}).tags("td"), func(n *html.Node) bool {
				v := nodeText(n)
				return v != "" && v[0] >= '0' && v[0] <= '9'
			})
			if number || !strings.Contains(nodeText(r), "not loaded") {
				t.Errorf("a missing day shows a number: %s", nodeText(r))
			}
		}
		if p.has("tile-total") {
			t.Error("totals shown although they failed")
		}
	} else {
		if tiles != "" || missing != "" {
			t.Errorf("unexpected failure boxes: totals %q, days %q", tiles, missing)
		}
		if !p.has("tile-total") {
			t.Error("no totals")
		}
	}
	if row.reportExportFails {
		title := row.page.title
		if row.name == "slow body" || row.name == "connection reset mid-body" {
			// The export broke after its status: a stall is a timeout, a
			// cut an unreadable answer.
			title = map[string]string{"slow body": tooSlow.title, "connection reset mid-body": couldNot.title}[row.name]
		}
		if !strings.Contains(breakdown, "could not be built from the export: "+title+".") ||
			!strings.Contains(breakdown, "The day charts above are not affected.") {
			t.Errorf("breakdown box %q, want it to say %q", breakdown, title)
		}
	} else if breakdown != "" {
		t.Errorf("unexpected breakdown error %q", breakdown)
	}
}

// checkExport checks a download's outcome.
func checkExport(t *testing.T, f fetched, outcome string, exp expectation) {
	t.Helper()
	ct := f.res.Header.Get("Content-Type")
	switch outcome {
	case exportErrorPage:
		if !strings.HasPrefix(ct, "text/html") || f.res.Header.Get("Content-Disposition") != "" {
			t.Fatalf("not an error page: %d %s", f.res.StatusCode, ct)
		}
		checkErrorPage(t, f, exp)
	case exportComplete:
		if f.readErr != nil || f.res.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "text/csv") {
			t.Fatalf("want the whole file: %d %s, read error %v", f.res.StatusCode, ct, f.readErr)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(f.body, "\ufeff"))).ReadAll()
		if err != nil || len(recs) != 301 {
			t.Errorf("%d records (want a header and 300 calls), parse error %v", len(recs), err)
		}
	case exportAborted:
		if f.res.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "text/csv") {
			t.Fatalf("want a started download: %d %s", f.res.StatusCode, ct)
		}
		if f.readErr == nil {
			t.Fatalf("the download ended normally (%d bytes); a cut must not look like a complete file", len(f.body))
		}
	default:
		t.Fatalf("unknown outcome %q", outcome)
	}
}
