package sandbox

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/cdrdash/cdrdash/vobiz"
)

// route is a parsed CDR path.
type route struct {
	endpoint string // EndpointList, …
	authID   string
	callID   string // get-one only
}

// parseRoute matches /api/v1/{Account|account}/{auth_id}/cdr[/…] with an
// optional trailing slash. "search", "recent" and "export" are literal
// segments matched before {call_id}. "cdr" must be lower case, like the real
// API; both casings of "Account" are accepted because the docs show both
// (docs/vobiz-api.md#endpoints).
func parseRoute(path string) (route, bool) {
	rest, ok := strings.CutPrefix(path, "/api/v1/")
	if !ok {
		return route{}, false
	}
	rest = strings.TrimSuffix(rest, "/")
	seg := strings.Split(rest, "/")
	if len(seg) < 3 || len(seg) > 4 || (seg[0] != "Account" && seg[0] != "account") || seg[1] == "" {
		return route{}, false
	}
	if seg[2] == "Recording" {
		// …/Recording/ lists, …/Recording/{recording_id}/ gets one
		// (docs/vobiz-api.md#recordings).
		rt := route{authID: seg[1], endpoint: EndpointRecordings}
		if len(seg) == 4 {
			if seg[3] == "" {
				return route{}, false
			}
			rt.callID = seg[3]
		}
		return rt, true
	}
	if seg[2] != "cdr" {
		return route{}, false
	}
	rt := route{authID: seg[1], endpoint: EndpointList}
	if len(seg) == 4 {
		switch seg[3] {
		case "search":
			rt.endpoint = EndpointSearch
		case "recent":
			rt.endpoint = EndpointRecent
		case "export":
			rt.endpoint = EndpointExport
		case "":
			return route{}, false
		default:
			rt.endpoint, rt.callID = EndpointGet, seg[3]
		}
	}
	return rt, true
}

// request carries one request's state through the handlers.
type request struct {
	w     http.ResponseWriter
	r     *http.Request
	reqID string
	fs    *faultState // nil unless faults apply to this endpoint
}

func (rq *request) encOpts() encOpts {
	return encOpts{wrongTypes: rq.fs != nil && rq.fs.f.Body == BodyWrongTypes}
}

func (rq *request) bodyFault() BodyFault {
	if rq.fs == nil {
		return BodyNone
	}
	return rq.fs.f.Body
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if fn := s.observer.Load(); fn != nil {
		(*fn)(r)
	}
	rq := &request{w: w, r: r, reqID: s.newRequestID()}
	w.Header().Set("X-Request-Id", rq.reqID)

	if name, ok := strings.CutPrefix(r.URL.Path, mediaPrefix); ok && name != "" && !strings.Contains(name, "/") {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			s.writeError(rq, errMethod)
			return
		}
		s.serveMedia(rq, name)
		return
	}
	rt, ok := parseRoute(r.URL.Path)
	if ok && rt.endpoint == EndpointRecordings && s.faults.Load().f.NoRecordingAPI {
		s.writeHTMLError(rq, http.StatusNotFound) // an upstream without the Recording API
		return
	}
	if !ok {
		s.writeError(rq, errNoRoute)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		s.writeError(rq, errMethod)
		return
	}
	if fs := s.faults.Load(); fs.appliesTo(rt.endpoint) {
		rq.fs = fs
		if s.injectFaults(rq) {
			return
		}
	}
	if apiErr := s.authenticate(r, rt); apiErr != nil {
		s.writeError(rq, apiErr)
		return
	}
	switch rt.endpoint {
	case EndpointList:
		s.serveList(rq, false)
	case EndpointSearch:
		s.serveList(rq, true)
	case EndpointRecent:
		s.serveRecent(rq)
	case EndpointGet:
		s.serveGet(rq, rt.callID)
	case EndpointExport:
		s.serveExport(rq)
	case EndpointRecordings:
		if rt.callID != "" {
			s.serveRecording(rq, rt.callID)
		} else {
			s.serveRecordings(rq)
		}
	}
}

// newRequestID returns a unique id like "req_7a8b9c0d1e2f".
func (s *Server) newRequestID() string {
	n := mix64(s.reqSeq.Add(1) ^ uint64(s.opts.Seed)<<32)
	var b [16]byte
	copy(b[:], "req_")
	for i := range 12 {
		b[4+i] = hexDigits[(n>>(4*i))&0xf]
	}
	return string(b[:])
}

// authenticate checks the credentials (401) and that the path's account is
// the caller's own (403).
func (s *Server) authenticate(r *http.Request, rt route) *apiError {
	id, token := r.Header.Get("X-Auth-ID"), r.Header.Get("X-Auth-Token")
	idOK := subtle.ConstantTimeCompare([]byte(id), []byte(s.opts.AuthID)) == 1
	tokenOK := subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.AuthToken)) == 1
	if !idOK || !tokenOK {
		return errUnauthorized
	}
	if rt.authID != s.opts.AuthID {
		return errForbidden
	}
	return nil
}

// injectFaults applies the faults that act before a normal response. It
// reports whether the request has been fully answered (or abandoned).
func (s *Server) injectFaults(rq *request) bool {
	fs := rq.fs
	ctx := rq.r.Context()
	if fs.f.HangBeforeHeaders {
		select {
		case <-ctx.Done():
			return true // the client gave up; there is nobody to answer
		case <-fs.released:
			rq.fs = nil // faults were replaced: serve the request normally
			return false
		}
	}
	if fs.f.Latency > 0 && !fs.wait(ctx, fs.f.Latency) && ctx.Err() != nil {
		return true
	}
	if fs.shouldFail() {
		status := fs.errorStatus(http.StatusInternalServerError)
		ra := fs.retryAfter(status)
		if ra != "" {
			rq.w.Header().Set("Retry-After", ra)
		}
		if fs.f.Body == BodyHTML {
			s.writeHTMLError(rq, status)
			return true
		}
		s.writeError(rq, injectedError(status, ra))
		return true
	}
	if fs.f.Body == BodyHTML {
		s.writeHTMLError(rq, fs.errorStatus(http.StatusBadGateway))
		return true
	}
	return false
}

// bufPool recycles response buffers; a page of 100 records is ~150 KB.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// maxPooledBuf keeps unusually large buffers (huge-body faults) out of the
// pool.
const maxPooledBuf = 1 << 20

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) <= maxPooledBuf {
		*b = (*b)[:0]
		bufPool.Put(b)
	}
}

// writeJSON sends a successful JSON body, applying body faults.
func (s *Server) writeJSON(rq *request, body []byte) {
	h := rq.w.Header()
	contentType := "application/json; charset=utf-8"
	switch rq.bodyFault() {
	case BodyMalformedJSON:
		body = []byte(`{"success":true,"data":[{"id":1,"uuid":,}]`)
	case BodyTruncatedJSON:
		body = body[:len(body)/2]
	case BodyWrongContentType:
		contentType = "text/html; charset=utf-8"
	case BodyHuge:
		body = hugeJSON(body)
	}
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	rq.w.WriteHeader(http.StatusOK)
	_, _ = newBodyWriter(rq.w, rq.r, rq.fs).Write(body)
}

// hugeJSON returns obj (a JSON object) with a leading "padding" member that
// makes it larger than hugeBodySize while keeping it valid.
func hugeJSON(obj []byte) []byte {
	const prefix = `{"padding":"`
	out := make([]byte, 0, hugeBodySize+len(obj)+64)
	out = append(out, prefix...)
	for range hugeBodySize {
		out = append(out, 'x')
	}
	out = append(out, '"')
	if len(obj) > 2 {
		out = append(out, ',')
	}
	return append(out, obj[1:]...)
}

// writeError sends an error in the D-ERR shape.
func (s *Server) writeError(rq *request, e *apiError) {
	body := e.body(rq.reqID)
	h := rq.w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	rq.w.WriteHeader(e.status)
	_, _ = rq.w.Write(body)
}

// writeHTMLError sends the kind of page a reverse proxy produces.
func (s *Server) writeHTMLError(rq *request, status int) {
	text := strconv.Itoa(status) + " " + http.StatusText(status)
	body := "<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" + text +
		"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	h := rq.w.Header()
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	rq.w.WriteHeader(status)
	_, _ = rq.w.Write([]byte(body))
}

// parseFilter reads the list/search/export filters with the API's leniency:
// per_page is clamped to 1..100 instead of refused, a lone start_date or
// end_date is dropped unless StrictDates, and paging is dropped for export.
// Everything else goes through vobiz.ParseFilter, whose refusals become 400
// VALIDATION_ERROR.
func (s *Server) parseFilter(raw url.Values, paging bool) (vobiz.Filter, *apiError) {
	q := make(url.Values, len(raw))
	for k, v := range raw {
		q[k] = v
	}
	if !paging {
		delete(q, vobiz.ParamPage)
		delete(q, vobiz.ParamPerPage)
	} else if vals := q[vobiz.ParamPerPage]; len(vals) == 1 {
		if n, ok := clampInt(vals[0], 1, vobiz.MaxPerPage); ok {
			q[vobiz.ParamPerPage] = []string{strconv.Itoa(n)}
		}
	}
	if !s.opts.StrictDates {
		start := strings.TrimSpace(q.Get(vobiz.ParamStartDate))
		end := strings.TrimSpace(q.Get(vobiz.ParamEndDate))
		if (start == "") != (end == "") {
			delete(q, vobiz.ParamStartDate)
			delete(q, vobiz.ParamEndDate)
		}
	}
	f, err := vobiz.ParseFilter(q)
	if err != nil {
		var verr *vobiz.ValidationError
		if errors.As(err, &verr) {
			return f, validationError(verr, raw)
		}
		return f, &apiError{status: http.StatusBadRequest, code: "BAD_REQUEST", message: err.Error()}
	}
	return f, nil
}

// clampInt parses an optionally signed decimal integer of any length and
// clamps it to [lo, hi]. ok is false when v is not an integer at all.
func clampInt(v string, lo, hi int) (int, bool) {
	v = strings.TrimSpace(v)
	digits, neg := v, false
	if d, ok := strings.CutPrefix(v, "-"); ok {
		digits, neg = d, true
	} else if d, ok := strings.CutPrefix(v, "+"); ok {
		digits = d
	}
	if digits == "" || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, false
	}
	if neg {
		return lo, true
	}
	n, err := strconv.Atoi(digits)
	if err != nil { // too large for an int
		return hi, true
	}
	return min(max(n, lo), hi), true
}

// serveList answers list and search.
func (s *Server) serveList(rq *request, search bool) {
	f, apiErr := s.parseFilter(rq.r.URL.Query(), true)
	if apiErr != nil {
		s.writeError(rq, apiErr)
		return
	}
	page, perPage := int64(max(f.Page, 1)), int64(vobiz.DefaultPerPage)
	if f.PerPage > 0 {
		perPage = int64(f.PerPage)
	}
	idx := make([]int, 0, perPage)
	v := s.current()
	res := s.scan(s.compile(v, f), (page-1)*perPage, int(perPage), idx)
	p := pagination{page: page, perPage: perPage, total: res.sum.total, pages: (res.sum.total + perPage - 1) / perPage}
	var echo *filtersEcho
	if search {
		echo = &filtersEcho{callDirection: f.CallDirection, fromNumber: f.FromNumber, hangupCause: f.HangupCause, toNumber: f.ToNumber}
	}
	buf := getBuf()
	defer putBuf(buf)
	*buf = s.appendListEnvelope(v, (*buf)[:0], &res, p, echo, rq.encOpts())
	s.writeJSON(rq, *buf)
}

// serveRecent answers recent. limit defaults to 20; whole numbers are
// clamped to 1..100 (the docs name no maximum; the cap matches per_page),
// anything else is a 400. Other parameters are ignored, as the docs say the
// endpoint takes only limit.
func (s *Server) serveRecent(rq *request) {
	q := rq.r.URL.Query()
	limit := vobiz.DefaultLimit
	if v := strings.TrimSpace(q.Get(vobiz.ParamLimit)); v != "" {
		n, ok := clampInt(v, 1, vobiz.MaxLimit)
		if !ok {
			s.writeError(rq, validationError(&vobiz.ValidationError{Fields: []vobiz.FieldError{{
				Field: vobiz.ParamLimit, Message: "Limit must be a whole number.",
			}}}, q))
			return
		}
		limit = n
	}
	v := s.current()
	idx := make([]int, 0, min(limit, v.len()))
	for i := 0; i < v.len() && len(idx) < limit; i++ {
		if j := v.idx(i); v.marks == nil || !v.marks.special(j) || !v.marks.isHeld(j) {
			idx = append(idx, j)
		}
	}
	buf := getBuf()
	defer putBuf(buf)
	*buf = s.appendRecentEnvelope(v, (*buf)[:0], idx, rq.encOpts())
	s.writeJSON(rq, *buf)
}

// serveGet answers get-one. The id is the call's uuid (case-insensitive);
// anything else, including the numeric id, is a 404: {"error":"CDR not
// found"}, or an empty body under the BodyEmpty404 fault (known calls are
// still served under that fault).
func (s *Server) serveGet(rq *request, callID string) {
	v := s.current()
	i, ok := s.indexOf(v, s.uuidKeys, callID)
	if ok {
		_, ok = v.get(i) // a held-back late CDR is not there yet
	}
	if !ok {
		if rq.bodyFault() == BodyEmpty404 {
			rq.w.Header().Set("Content-Length", "0")
			rq.w.WriteHeader(http.StatusNotFound)
			return
		}
		body := []byte(`{"error":"CDR not found"}`)
		rq.w.Header().Set("Content-Type", "application/json; charset=utf-8")
		rq.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		rq.w.WriteHeader(http.StatusNotFound)
		_, _ = rq.w.Write(body)
		return
	}
	buf := getBuf()
	defer putBuf(buf)
	*buf = s.appendGetEnvelope(v, (*buf)[:0], i, rq.encOpts())
	s.writeJSON(rq, *buf)
}

// serveExport answers export as a streamed CSV.
func (s *Server) serveExport(rq *request) {
	f, apiErr := s.parseFilter(rq.r.URL.Query(), false)
	if apiErr != nil {
		s.writeError(rq, apiErr)
		return
	}
	h := rq.w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="cdrs.csv"`)
	rq.w.WriteHeader(http.StatusOK)
	drop := 0
	if rq.fs != nil {
		drop = rq.fs.f.ExportDropAfterRows
	}
	// A write error means the client went away or a fault cut the stream;
	// either way there is nobody left to tell. Only an export written to
	// its end counts as the export of its days (LateCDRs, UpdateAfterExport).
	if _, err := s.writeExport(newBodyWriter(rq.w, rq.r, rq.fs), s.compile(s.current(), f), drop); err == nil {
		s.exported(f)
	}
}
