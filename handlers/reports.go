package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/report"
	"github.com/cdrdash/cdrdash/reportpage"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
)

// showReports is the Reports page: charts of how traffic, answer rate,
// talk time, cost and failures moved over a range, with the same filters
// as /calls. The data comes from package report and the view model from
// reportpage.Build; this handler validates the filters, streams the page
// and passes the built report on.
//
// The page is streamed: the header, the filter form and a progress
// message are flushed before any upstream request, so a report that takes
// seconds to build never looks frozen, whatever link led here. The report
// is built with the request's context, so a person who leaves cancels the
// upstream work. Upstream failures therefore never turn into an error
// page (the 200 is already sent): each part of the report shows its own
// error box, as goatcounter's dashboard widgets do. Bad filters are still
// a 400 with the form, decided before anything is sent.
func (h *Handler) showReports(w http.ResponseWriter, r *http.Request) error {
	q := h.parseFilters(r)
	loc := h.zone(r)
	now := h.Now()
	p := h.page(r, "Reports", "reports")
	rw, req := h.reportRequest(r.Context(), q, loc, now)
	picker := h.periodPicker(r.Context(), q, rw, loc, now)
	if q.invalid() {
		head := views.ReportsHead{Invalid: true, Form: h.filterForm("/reports", q, nil, causeNames(), now, loc),
			Period: picker, Tabs: h.reportsTabLinks(q)}
		return h.render(w, r, http.StatusBadRequest, views.ReportsPage(p, head, nil))
	}
	days := rw.Days(loc)
	if !rw.Local {
		days = rw.Days(time.UTC)
	}
	if req.From.IsZero() {
		days, _ = report.ParseRange(req.Filter.StartDate, req.Filter.EndDate)
	}
	head := views.ReportsHead{
		Form:     h.filterForm("/reports", q, nil, causeNames(), now, loc),
		Chips:    h.chips("/reports", q),
		CallsURL: h.urlWith("/calls", q.with(h.windowPairs(req, loc, vobiz.ParamPerPage, "")...)),
		Progress: "Building the report: fetching " + views.Count(int64(days), "day", "days") +
			" and reading the export…",
		Period: picker,
		Tabs:   h.reportsTabLinks(q),
	}
	if h.Index != nil {
		// Whether the index or the API answers is decided while building.
		head.Progress = "Building the report over " + views.Count(int64(days), "day", "days") + "…"
	}
	body := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		rep, err := h.Reports.Build(ctx, req)
		if err != nil {
			return err // the person left (or a bug); nobody is reading
		}
		return views.ReportBody(p, h.reportView(r, q, req, rep, loc)).Render(ctx, w)
	})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	fw := flushWriter{w: w, rc: http.NewResponseController(w)}
	if err := views.ReportsPage(p, head, body).Render(r.Context(), fw); err != nil && r.Context().Err() == nil {
		h.Log.Error("render report", "err", err, "request_id", requestID(r.Context()))
	}
	return nil
}

// paramBucket overrides the unit of the report's series: day, week or month.
const paramBucket = "bucket"

// reportLocalOnly are the index-only parameters the Reports page cannot
// take: a report charts every hour and weekday, so hour or weekday windows
// belong to the calls list.
var reportLocalOnly = []string{paramHour, paramWeekday}

// recordingFilterRefused is the Reports and Costs pages' answer to
// has_recording: they add up totals kept per 15 minutes (and cache settled
// days), which know nothing of recordings synced later
// (docs/call-index.md#recordings).
const recordingFilterRefused = "The recording filter applies to the calls list only: charts and costs are added up " +
	"from totals that do not know which calls were recorded."

// reportRequest is q as a report request over its window
// (parseReportWindow). A local window (from/to, period, the default) is
// answered by the index alone; when it does not cover it, the default
// falls back to the API's last report.DefaultDays UTC days, and an
// explicit window is a problem of the form (400), decided before the page
// starts streaming. Index-only filters narrow the request
// (report.Request.Narrow) and likewise need the index. A sort orders a
// list, not a chart: it is dropped.
func (h *Handler) reportRequest(ctx context.Context, q *filterQuery, loc *time.Location, now time.Time) (reportWindow, report.Request) {
	req := report.Request{Filter: q.filter, Zone: loc, Thresholds: h.Thresholds}
	q.clean.Del(paramSort)
	for _, name := range reportLocalOnly {
		if contains(q.local.used, name) {
			q.errs[name] = "Reports chart every hour and weekday: " + indexLabels[name] + " applies to the calls list."
		}
	}
	if contains(q.local.used, paramHasRecording) {
		q.errs[paramHasRecording] = recordingFilterRefused
	}
	unit := strings.TrimSpace(q.raw.Get(paramBucket))
	switch unit {
	case "", report.UnitDay, report.UnitWeek, report.UnitMonth:
		if unit != "" {
			q.clean.Set(paramBucket, unit)
		}
	default:
		q.errs[paramBucket] = "Group by day, week or month."
	}
	rw := parseReportWindow(q, loc, now)
	if q.invalid() {
		return rw, req
	}
	req.From, req.To, req.Local, req.Unit = rw.From, rw.To, rw.Local, unit
	if unit != "" {
		if _, err := report.LocalBuckets(rw.From, rw.To, loc, unit, now); err != nil {
			q.errs[paramBucket] = fmt.Sprintf("Grouping this window by %s gives more than %d points: choose a "+
				"longer unit or a shorter window.", unit, report.MaxBuckets)
			return rw, req
		}
	}
	narrowing := slices.ContainsFunc(q.local.used, func(n string) bool {
		return n != paramSort && n != paramFrom && n != paramTo
	})
	if narrowing {
		narrow, err := h.indexFilter(q, window{}, loc)
		if err != nil {
			q.errs[paramIndex] = messageOf(err)
			return rw, req
		}
		req.Narrow = narrow
	}
	_, st, err := h.Reports.Plan(ctx, req)
	var cov callindex.Coverage
	if st != nil {
		cov = st.Coverage
	}
	switch {
	case err == nil:
	case errors.Is(err, report.ErrNotCovered) && rw.Defaulted && !narrowing:
		// The default window is a convenience: without the index, the
		// API's last days (UTC) are the next best thing, with the banner.
		start, end := h.Reports.DefaultRange()
		q.clean.Set(vobiz.ParamStartDate, start)
		q.clean.Set(vobiz.ParamEndDate, end)
		req.Filter.StartDate, req.Filter.EndDate = start, end
		req.From, req.To, req.Local = time.Time{}, time.Time{}, false
	case errors.Is(err, report.ErrNotCovered):
		key := paramFrom
		if rw.Period != "" {
			key = paramPeriod
		}
		q.errs[key] = h.windowNotCovered(cov, st, loc)
	case errors.Is(err, report.ErrNeedsIndex) && h.Index == nil:
		q.errs[paramIndex] = h.indexOnlyNames(q) + " can only be answered by the call index, which is off on " +
			"this server (CDRDASH_INDEX=off). The Vobiz API cannot filter this way."
	case errors.Is(err, report.ErrNeedsIndex) && st != nil && st.Err != nil:
		q.errs[paramIndex] = h.indexOnlyNames(q) + " can only be answered by the call index, which cannot be " +
			"read right now. Try again in a minute, or remove these filters to ask Vobiz directly."
	case errors.Is(err, report.ErrNeedsIndex):
		q.errs[paramIndex] = h.notCovered(q, cov, loc, now)
	default:
		q.errs[paramIndex] = messageOf(err)
	}
	return rw, req
}

// windowNotCovered explains why a local window cannot be reported on.
func (h *Handler) windowNotCovered(cov callindex.Coverage, st *report.IndexState, loc *time.Location) string {
	const what = "Reports in your time zone (From/To, a billing period) come from the call index, and "
	switch {
	case h.Index == nil:
		return what + "it is off on this server (CDRDASH_INDEX=off). Choose From date and To date " +
			"(whole days as Vobiz cuts them, UTC) instead."
	case st != nil && st.Err != nil:
		return what + "it cannot be read right now. Try again in a minute, or choose From date and To date " +
			"(UTC days) to ask Vobiz directly."
	case cov.IsZero():
		return what + "it is still being built: no day is verified yet. Try again in a few minutes, or choose " +
			"From date and To date (UTC days) to ask Vobiz directly."
	}
	return what + "it does not cover this period: it holds " + coverageSpan(cov, loc) +
		". Choose a period inside it, or From date and To date (UTC days) to ask Vobiz directly."
}

// windowPairs are the link parameters that select the report's window on
// /calls: a local window as from/to (the list has no period), then pairs.
func (h *Handler) windowPairs(req report.Request, loc *time.Location, pairs ...string) []string {
	out := []string{paramPeriod, "", paramBucket, ""}
	if req.Local {
		out = append(out, paramFrom, formatLocalParam(req.From, loc), paramTo, formatLocalParam(req.To, loc),
			vobiz.ParamStartDate, "", vobiz.ParamEndDate, "")
	}
	return append(out, pairs...)
}

// reportsURL is the Reports page over a list's calls, or "" when the list
// uses hour or weekday windows, which a report cannot take.
func (h *Handler) reportsURL(q *filterQuery) string {
	if slices.ContainsFunc(reportLocalOnly, func(n string) bool { return contains(q.local.used, n) }) ||
		contains(q.local.used, paramHasRecording) {
		return ""
	}
	return h.urlWith("/reports", q.with(vobiz.ParamPerPage, "", paramSort, ""))
}

// flushWriter lets templ.Flush reach the connection through the
// middleware's response writers, which expose Flush only via Unwrap.
type flushWriter struct {
	w  io.Writer
	rc *http.ResponseController
}

func (f flushWriter) Write(b []byte) (int, error) { return f.w.Write(b) }
func (f flushWriter) Flush()                      { _ = f.rc.Flush() }

// reportInput is what reportpage.Build needs besides the report.
func (h *Handler) reportInput(r *http.Request, q *filterQuery, req report.Request, rep *report.Report, loc *time.Location) reportpage.Input {
	tiles := summaryTiles(rep.Range.Summary, reportpage.Currency(rep), loc)
	if rep.Range.Summary.LastCallAt.IsZero() && rep.Range.Summary.TotalCalls > 0 {
		// The index's rollups keep sums, not the newest call's time: a
		// "Last call —" beside thousands of calls would read as none.
		tiles = slices.DeleteFunc(tiles, func(t views.Tile) bool { return t.Key == "last" })
	}
	return reportpage.Input{
		Zone: loc, Now: h.Now(), DayZone: h.Reports.DayZone().String(), Thresholds: h.Thresholds,
		Tiles:     tiles,
		Applied:   appliedNote(q, rep.Range.Echo),
		ExportURL: h.urlWith("/calls/export", q.with(h.windowPairs(req, loc, vobiz.ParamPerPage, "")...)),
		CallsURL: func(pairs ...string) string {
			return h.urlWith("/calls", q.with(h.windowPairs(req, loc, pairs...)...))
		},
		Explain: func(part string, err error) string { return h.panelError(r, part, err) },
		Log:     h.Log,
		DownloadURL: func(part string) string {
			return h.urlWith("/reports/download", q.with(vobiz.ParamPerPage, "", "part", part))
		},
	}
}

// panelError explains an upstream failure in one line for a panel's error
// box, and logs it.
func (h *Handler) panelError(r *http.Request, part string, err error) string {
	e := h.classify(r, err)
	h.Log.Warn("report part failed", "part", part, "err", err, "request_id", requestID(r.Context()))
	msg := e.Title + "."
	if e.RequestID != "" {
		msg += " Request ID " + e.RequestID + "."
	}
	return msg
}

// reportView is the page's view model for a built report.
func (h *Handler) reportView(r *http.Request, q *filterQuery, req report.Request, rep *report.Report, loc *time.Location) views.ReportView {
	v := reportpage.Build(rep, h.reportInput(r, q, req, rep, loc))
	if st := rep.Index; st != nil {
		if rep.Origin == report.OriginIndex {
			v.Index = h.indexedStatus(st.Coverage.LastPoll, h.Now(), loc, r.URL.RequestURI())
		} else {
			v.Index.Banner = liveBanner(st.Coverage, st.Err, loc, h.Now())
			v.Index.Degraded = st.Err != nil
		}
	}
	return v
}
