package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
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
	days := h.reportRange(q)
	req := h.reportRequest(r.Context(), q, loc, now)
	if q.invalid() {
		head := views.ReportsHead{Invalid: true, Form: h.filterForm("/reports", q, nil, causeNames(), now, loc)}
		return h.render(w, r, http.StatusBadRequest, views.ReportsPage(p, head, nil))
	}

	head := views.ReportsHead{
		Form:     h.filterForm("/reports", q, nil, causeNames(), now, loc),
		Chips:    h.chips("/reports", q),
		CallsURL: h.urlWith("/calls", q.subject()),
		Progress: "Building the report: fetching " + views.Count(int64(days), "day", "days") +
			" and reading the export…",
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
		return views.ReportBody(p, h.reportView(r, q, rep, loc)).Render(ctx, w)
	})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	fw := flushWriter{w: w, rc: http.NewResponseController(w)}
	if err := views.ReportsPage(p, head, body).Render(r.Context(), fw); err != nil && r.Context().Err() == nil {
		h.Log.Error("render report", "err", err, "request_id", requestID(r.Context()))
	}
	return nil
}

// reportLocalOnly are the index-only parameters the Reports page cannot
// take yet: it cuts whole UTC days (start_date, end_date), so local times
// and hour or weekday windows belong to the calls list for now.
var reportLocalOnly = []string{paramFrom, paramTo, paramHour, paramWeekday}

// reportRequest is q as a report request. Index-only filters narrow it
// (report.Request.Narrow); only the index can answer those, so when it
// does not cover the range that is a problem of the form (400), decided
// before the page starts streaming. A sort orders a list, not a chart:
// it is dropped.
func (h *Handler) reportRequest(ctx context.Context, q *filterQuery, loc *time.Location, now time.Time) report.Request {
	req := report.Request{Filter: q.filter, Zone: loc, Thresholds: h.Thresholds}
	q.clean.Del(paramSort)
	for _, name := range reportLocalOnly {
		if contains(q.local.used, name) {
			q.errs[name] = "Reports cover whole days as Vobiz files them (UTC) for now: choose From date and To date. " +
				indexLabels[name] + " applies to the calls list."
		}
	}
	narrowing := slices.ContainsFunc(q.local.used, func(n string) bool { return n != paramSort })
	if q.invalid() || !narrowing {
		return req
	}
	narrow, err := h.indexFilter(q, window{}, loc)
	if err != nil {
		q.errs[paramIndex] = messageOf(err)
		return req
	}
	req.Narrow = narrow
	_, st, err := h.Reports.Plan(ctx, req)
	switch {
	case errors.Is(err, report.ErrNeedsIndex) && h.Index == nil:
		q.errs[paramIndex] = h.indexOnlyNames(q) + " can only be answered by the call index, which is off on " +
			"this server (CDRDASH_INDEX=off). The Vobiz API cannot filter this way."
	case errors.Is(err, report.ErrNeedsIndex) && st != nil && st.Err != nil:
		q.errs[paramIndex] = h.indexOnlyNames(q) + " can only be answered by the call index, which cannot be " +
			"read right now. Try again in a minute, or remove these filters to ask Vobiz directly."
	case errors.Is(err, report.ErrNeedsIndex):
		var cov callindex.Coverage
		if st != nil {
			cov = st.Coverage
		}
		q.errs[paramIndex] = h.notCovered(q, cov, loc, now)
	case err != nil:
		q.errs[paramIndex] = messageOf(err)
	}
	return req
}

// reportsURL is the Reports page over a list's calls, or "" when the list
// uses local times or windows the Reports page cannot cut yet.
func (h *Handler) reportsURL(q *filterQuery) string {
	if slices.ContainsFunc(reportLocalOnly, func(n string) bool { return contains(q.local.used, n) }) {
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

// reportRange fills in the default range (the last report.DefaultDays
// days as the API counts days) and refuses a range longer than
// report.MaxDays. It returns the number of days.
func (h *Handler) reportRange(q *filterQuery) int {
	if q.invalid() {
		return 0
	}
	if q.filter.StartDate == "" && q.filter.EndDate == "" {
		start, end := h.Reports.DefaultRange()
		q.clean.Set(vobiz.ParamStartDate, start)
		q.clean.Set(vobiz.ParamEndDate, end)
		q.filter.StartDate, q.filter.EndDate = start, end
	}
	n, err := report.ParseRange(q.filter.StartDate, q.filter.EndDate)
	if errors.Is(err, report.ErrRangeTooLong) {
		q.errs[vobiz.ParamEndDate] = fmt.Sprintf("A report covers at most %d days; these dates span %s. "+
			"Choose a shorter range.", report.MaxDays, views.Count(int64(n), "day", "days"))
	} else if err != nil {
		q.errs[vobiz.ParamEndDate] = "These dates do not make a range."
	}
	return n
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
func (h *Handler) reportView(r *http.Request, q *filterQuery, rep *report.Report, loc *time.Location) views.ReportView {
	v := reportpage.Build(rep, reportpage.Input{
		Zone: loc, Now: h.Now(), DayZone: h.Reports.DayZone().String(), Thresholds: h.Thresholds,
		Tiles:     summaryTiles(rep.Range.Summary, reportpage.Currency(rep), loc),
		Applied:   appliedNote(q, rep.Range.Echo),
		ExportURL: h.urlWith("/calls/export", q.subject()),
		CallsURL:  func(pairs ...string) string { return h.urlWith("/calls", q.with(pairs...)) },
		Explain:   func(part string, err error) string { return h.panelError(r, part, err) },
		Log:       h.Log,
	})
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
