package handlers

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/csvreport"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
)

// CSV download (issue 7).
//
// GET /calls/export takes the /calls filters plus:
//
//	format=report  (default) csvreport's transform: chosen columns, times
//	               in the user's zone with offset, outcome, diagnosis,
//	               quality, and every formula-like cell neutralised
//	format=raw     Vobiz's export, byte for byte: an explicit choice,
//	               labelled as unchanged (a caller name from CNAM or a
//	               SIP display name can hold =HYPERLINK(…) or a DDE
//	               payload, which a spreadsheet would run)
//	columns=a,b,c  report columns (also columns=a&columns=b); absent means
//	               the user's saved choice, else csvreport.DefaultColumns.
//	               A valid list is saved as the user's choice.
//	bom=1|0        report only: start with a UTF-8 BOM for Excel. On when
//	               absent; when repeated the last value wins, so the form
//	               sends a hidden bom=0 before its checkbox's bom=1 and an
//	               unticked box means off.
//
// The report is the default because the download button is what people
// click, and what they click must be safe to open in a spreadsheet.
// raw ignores columns and bom: its bytes are never touched.
//
// Everything is validated before anything is sent upstream: bad filters,
// format, bom or columns answer 400 and Vobiz sees no request.
//
// Streaming and failure semantics:
//   - The upstream body is copied as it arrives (raw: a pooled 32 KiB
//     buffer, no per-row work; report: csvreport.Transform, one row at a
//     time), so memory is constant whatever the size of the export.
//   - The response headers are committed lazily, with the first byte of
//     the file. Until then any failure (Vobiz refusing, timing out, sending
//     an empty or unreadable answer) is still an ordinary error page with
//     the status classify picks (400/502/503/504).
//   - After the first byte a failure cannot change the status any more, so
//     the response is aborted with panic(http.ErrAbortHandler): net/http
//     then drops the connection without the terminating zero-length chunk
//     (HTTP/1.1) or resets the stream (HTTP/2), and the browser marks the
//     download failed. The response is always chunked — no Content-Length
//     is set, and net/http only adds one itself to a response that has
//     finished — so a cut can never look like a complete file.
//   - The upstream request runs on the request's context. When the browser
//     goes away net/http cancels that context (its background read sees
//     the connection close), which cancels the upstream request at once.
//   - The export does not change the session, but with an idle timeout
//     scs counts every loaded session as modified and commits it (to move
//     its expiry) when the first byte is written, which for an export
//     waiting on Vobiz can be long after it loaded. If the user signed out
//     or was signed out meanwhile, that late commit writes nothing: the
//     store refuses destroyed tokens and sessions of a past epoch
//     (store.SessionStore.CommitOwnedCtx). The remembered columns are
//     saved in the users table before streaming, not in the session.

// Export formats.
const (
	formatRaw    = "raw"
	formatReport = "report"
)

// Streaming tunables. Flushing pushes what net/http has buffered to the
// client; it is needed so a slow upstream still shows progress, but every
// flush is a syscall, so it is done by volume or time, never per row.
const (
	exportBufSize    = 32 << 10
	exportFlushBytes = 256 << 10
	exportFlushEvery = 500 * time.Millisecond
)

// exportOptions are the validated non-filter parameters of an export.
type exportOptions struct {
	format  string
	columns []string // report only
	bom     bool     // report only
	save    bool     // columns were given and differ from the saved choice
}

// exportCalls streams the export of the filtered calls.
func (h *Handler) exportCalls(w http.ResponseWriter, r *http.Request) error {
	q := h.parseFilters(r)
	var src *source
	if !q.invalid() {
		src = h.decideSource(r.Context(), q, h.Now(), "")
	}
	var f callindex.Filter
	if !q.invalid() && src.index {
		var err error
		if f, err = h.indexFilter(q, src.w, q.loc); err != nil {
			q.errs[paramIndex] = messageOf(err)
		}
	}
	if q.invalid() {
		return q.err()
	}
	u, ok := auth.UserFrom(r.Context())
	if !ok {
		return &httpError{status: http.StatusUnauthorized, title: "Sign in first",
			message: "Downloads need a signed-in session."}
	}
	opt, err := parseExportOptions(r.URL.Query(), u.ExportColumns)
	if err != nil {
		return err
	}
	if !h.exports.acquire(u.ID, maxExportsPerUser) {
		w.Header().Set("Retry-After", exportRetryAfter)
		return &httpError{status: http.StatusTooManyRequests, title: "Too many downloads at once",
			message: fmt.Sprintf("You already have %d downloads running. Wait for one of them to finish, then try again.",
				maxExportsPerUser)}
	}
	defer h.exports.release(u.ID)

	if opt.save {
		// A preference: failing to store it must not fail the download.
		if err := h.Auth.SetExportColumns(r.Context(), u.ID, csvreport.FormatColumns(opt.columns)); err != nil {
			h.Log.Warn("save export columns", "request_id", requestID(r.Context()), "err", err)
		}
	}

	run := &exportRun{h: h, r: r, q: q, opt: opt, start: time.Now(), source: sourceAPI}
	var body io.ReadCloser
	if src.index {
		// The index writes the API's export layout, so both paths below
		// (raw copy, csvreport) are the same code for either source.
		run.source = sourceIndex
		body = h.indexExport(r.Context(), f)
	} else {
		var err error
		if body, err = h.CDRs.Export(r.Context(), q.filter); err != nil {
			return run.failed(fmt.Errorf("export calls: %w", err))
		}
	}
	defer body.Close()

	bufs := exportBufPool.Get().(*exportBuffers)
	defer exportBufPool.Put(bufs)
	bufs.br.Reset(body)
	defer bufs.br.Reset(nil) // keep no reference to the body in the pool

	ew := &exportWriter{w: w, rc: http.NewResponseController(w), header: func(hd http.Header) {
		hd.Set("Content-Type", "text/csv; charset=utf-8")
		hd.Set("Content-Disposition", `attachment; filename="`+exportFilename(q.exportNameFilter(), opt.format)+`"`)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Cache-Control", "no-store")
		hd.Del("Content-Length")
	}}
	var serr error
	if opt.format == formatReport {
		var st csvreport.Stats
		st, serr = csvreport.Transform(r.Context(), ew, bufs.br, csvreport.Options{
			Columns: opt.columns, Location: h.zone(r), BOM: opt.bom, Thresholds: h.Thresholds})
		run.rows = st.Rows
	} else {
		var rc recordCounter
		serr = copyRaw(ew, bufs.br, bufs.buf, &rc)
		run.rows = rc.rows(serr == nil)
	}
	run.bytes = ew.n
	if serr == nil {
		ew.commit() // an empty export is still a (empty) file
		run.record("completed", nil)
		return nil
	}
	if !ew.started {
		// Not a byte sent: the user still gets a proper error page.
		return run.failed(fmt.Errorf("export calls: %w", serr))
	}
	run.aborted(serr, ew.err != nil)
	panic(http.ErrAbortHandler)
}

// parseExportOptions validates format, bom and columns. saved is the
// user's remembered column list.
func parseExportOptions(v url.Values, saved string) (exportOptions, error) {
	opt := exportOptions{format: formatReport, bom: true}
	switch f := strings.ToLower(strings.TrimSpace(v.Get("format"))); f {
	case "", formatReport:
	case formatRaw:
		opt.format = formatRaw
	default:
		return opt, badRequest("Unknown download format. Choose report (safe for spreadsheets) or raw (Vobiz's own file, unchanged).")
	}
	for _, b := range v["bom"] {
		switch strings.ToLower(strings.TrimSpace(b)) {
		case "": // an empty value says nothing
		case "0", "false", "off":
			opt.bom = false
		case "1", "true", "on":
			opt.bom = true
		default:
			return opt, badRequest("bom must be 1 or 0.")
		}
	}
	if opt.format != formatReport {
		opt.bom = false
		return opt, nil
	}
	if given, ok := v["columns"]; ok {
		cols, err := csvreport.ParseColumns(given...)
		if err != nil {
			var unknown *csvreport.UnknownColumnError
			switch {
			case errors.As(err, &unknown):
				return opt, badRequest(fmt.Sprintf("There is no report column %q.", unknown.Name))
			case errors.Is(err, csvreport.ErrNoColumns):
				return opt, badRequest("Choose at least one column for the report.")
			}
			return opt, badRequest("The column list is too long.")
		}
		opt.columns = cols
		opt.save = csvreport.FormatColumns(cols) != saved
		return opt, nil
	}
	if saved != "" {
		// A saved list that no longer parses (a column was renamed in a
		// later version) falls back to the defaults.
		if cols, err := csvreport.ParseColumns(saved); err == nil {
			opt.columns = cols
			return opt, nil
		}
	}
	opt.columns = csvreport.DefaultColumns()
	return opt, nil
}

// exportFilename names the download after the validated filters only:
// calls[_<start>_<end>][_<direction>][_report].csv, for example
// calls_2026-11-01_2026-11-26_outbound.csv. Free-text filters (numbers,
// search terms) are left out: they are personal data and need not travel
// in file names. Every character outside [A-Za-z0-9_.-] is replaced, so
// no value can inject a quote, a path or a header, and the name is plain
// ASCII — which is why no RFC 5987 filename* parameter is needed.
func exportFilename(f vobiz.Filter, format string) string {
	parts := []string{"calls"}
	switch {
	case f.StartDate != "" && f.EndDate != "":
		parts = append(parts, f.StartDate, f.EndDate)
	case f.StartDate != "":
		parts = append(parts, "from", f.StartDate)
	case f.EndDate != "":
		parts = append(parts, "to", f.EndDate)
	}
	if f.CallDirection != "" {
		parts = append(parts, f.CallDirection)
	}
	if format == formatReport {
		parts = append(parts, formatReport)
	}
	return csvFilename(strings.Join(parts, "_"), 96)
}

// exportRun collects what the audit event of one export says.
type exportRun struct {
	h     *Handler
	r     *http.Request
	q     *filterQuery
	opt   exportOptions
	start time.Time
	rows  int64
	bytes int64
	// source is which source answered: sourceAPI or sourceIndex.
	source string
}

// record writes the export's audit event. It runs after streaming ends,
// whatever the end; auth.Audit stores it on a context detached from the
// request's, so an event about a cancelled download is still written.
func (e *exportRun) record(status string, err error) {
	d := map[string]any{
		"filters":     e.q.subject().Encode(),
		"format":      e.opt.format,
		"rows":        e.rows,
		"bytes":       e.bytes,
		"status":      status,
		"duration_ms": time.Since(e.start).Milliseconds(),
		"source":      e.source,
	}
	if e.opt.format == formatReport {
		d["columns"] = csvreport.FormatColumns(e.opt.columns)
		d["bom"] = e.opt.bom
	}
	if err != nil {
		d["error"] = err.Error()
	}
	e.h.recordAudit(e.r, auth.ActionCallExport, d)
	e.h.Metrics.Export(e.opt.format, e.bytes, status)
}

// failed records an export that ended before its first byte and returns
// err for the error page. If the client itself went away there is nobody
// to show a page to: the response is aborted instead.
func (e *exportRun) failed(err error) error {
	if e.r.Context().Err() != nil {
		e.aborted(err, true)
		panic(http.ErrAbortHandler)
	}
	e.record("failed", err)
	return err
}

// aborted records an export cut after it started (or a client that left).
func (e *exportRun) aborted(err error, clientGone bool) {
	clientGone = clientGone || e.r.Context().Err() != nil
	reason := "upstream"
	if clientGone {
		reason = "client went away"
	}
	e.record("aborted", fmt.Errorf("%s: %w", reason, err))
	level := slog.LevelWarn
	if clientGone {
		level = slog.LevelInfo // the person cancelled; nothing is wrong
	}
	e.h.Log.Log(e.r.Context(), level, "export aborted", "request_id", requestID(e.r.Context()),
		"reason", reason, "bytes", e.bytes, "rows", e.rows, "err", err)
}

// exportBuffers are one export's read buffer (csvreport reads through it;
// a *bufio.Reader this large is used as is by vobiz.NewExportReader) and
// raw copy buffer, pooled so concurrent exports do not churn the heap.
type exportBuffers struct {
	br  *bufio.Reader
	buf []byte
}

var exportBufPool = sync.Pool{New: func() any {
	return &exportBuffers{br: bufio.NewReaderSize(nil, exportBufSize), buf: make([]byte, exportBufSize)}
}}

// copyRaw copies src to dst unchanged, counting records on the way. It
// returns the first read or write error; io.EOF is success.
func copyRaw(dst *exportWriter, src io.Reader, buf []byte, rc *recordCounter) error {
	for {
		n, rerr := src.Read(buf)
		if n > 0 {
			rc.scan(buf[:n])
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if errors.Is(rerr, io.EOF) {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}

// exportWriter is the response as an export writes it: it sends the
// headers with the first byte, counts bytes, remembers the first write
// error (the client went away) and flushes by volume and time.
type exportWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	header  func(http.Header)
	started bool
	n       int64
	pending int64 // bytes written since the last flush
	flushed time.Time
	err     error
}

func (e *exportWriter) commit() {
	if e.started {
		return
	}
	e.started = true
	e.header(e.w.Header())
	e.w.WriteHeader(http.StatusOK)
}

func (e *exportWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	e.commit()
	n, err := e.w.Write(p)
	e.n += int64(n)
	e.pending += int64(n)
	if err != nil {
		e.err = err
		return n, err
	}
	if now := time.Now(); e.pending >= exportFlushBytes || now.Sub(e.flushed) >= exportFlushEvery {
		// A flush error is a write error the next Write reports.
		_ = e.rc.Flush()
		e.pending, e.flushed = 0, now
	}
	return n, nil
}

// recordCounter counts the records of an RFC 4180 stream as it passes,
// without parsing it: a record ends at a newline outside quotes, and
// quote parity tells inside from outside (an escaped quote "" toggles
// twice). It is exact for well-formed CSV such as Vobiz's export and the
// sandbox's, costs a vectorised byte search per buffer, and only feeds the
// audit trail; it never changes the bytes. A stray quote inside an
// unquoted field (invalid CSV) would throw the count off.
type recordCounter struct {
	inQuote bool
	ended   int64 // records terminated by a newline
	open    bool  // bytes seen since the last terminator
}

func (c *recordCounter) scan(p []byte) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '"')
		if c.inQuote {
			if i < 0 {
				return
			}
			c.inQuote = false
			p = p[i+1:]
			continue
		}
		seg := p
		if i >= 0 {
			seg = p[:i]
		}
		if k := bytes.Count(seg, []byte{'\n'}); k > 0 {
			c.ended += int64(k)
			c.open = seg[len(seg)-1] != '\n'
		} else if len(seg) > 0 {
			c.open = true
		}
		if i < 0 {
			return
		}
		c.inQuote, c.open = true, true
		p = p[i+1:]
	}
}

// rows is the number of data rows seen: records minus the header row.
// At the end of a complete stream a last record without a final newline
// counts; in a cut stream the unfinished record does not.
func (c *recordCounter) rows(complete bool) int64 {
	n := c.ended
	if c.open && complete {
		n++
	}
	return max(n-1, 0)
}

// exportForm builds the download options form for the filters q: the
// filters as hidden inputs, every report column with the user's saved (or
// the default) choice checked, and label on the button.
func (h *Handler) exportForm(r *http.Request, q *filterQuery, label string) *views.ExportForm {
	f := &views.ExportForm{Action: h.url("/calls/export"), Label: label, Zone: views.ZoneLabel(h.zone(r), h.Now())}
	subject := q.subject()
	for _, name := range slices.Sorted(maps.Keys(subject)) {
		for _, v := range subject[name] {
			f.Hidden = append(f.Hidden, views.ExportHidden{Name: name, Value: v})
		}
	}
	chosen := csvreport.DefaultColumns()
	if u, ok := auth.UserFrom(r.Context()); ok && u.ExportColumns != "" {
		if cols, err := csvreport.ParseColumns(u.ExportColumns); err == nil {
			chosen = cols
		}
	}
	for _, c := range csvreport.Columns() {
		f.Columns = append(f.Columns, views.ExportColumn{Name: c.Name, Label: c.Label, Checked: slices.Contains(chosen, c.Name)})
	}
	return f
}

// csvFilename makes name safe for a Content-Disposition file name: any
// byte but ASCII letters, digits, '_', '.' and '-' becomes '-' (no quote,
// no path, no header injection), cut to max bytes, with ".csv" added.
func csvFilename(name string, max int) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			b[i] = '-'
		}
	}
	if len(b) > max {
		b = b[:max]
	}
	return string(b) + ".csv"
}
