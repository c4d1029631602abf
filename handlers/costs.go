package handlers

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/report"
	"github.com/cdrdash/cdrdash/report/chart"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
)

// The Costs page (/reports/costs): where a billing period's money went,
// computed from the call index, and whether each UTC day's total matches
// what Vobiz says it charged. The period is a calendar month in the
// viewer's zone (this month by default: a billing period, not the last
// 30 days) or a custom local window; the calls list's filters narrow it.

// periodCustom is the period select's value for a from/to window.
const periodCustom = "custom"

// partReconciliation is the reconciliation's CSV part.
const partReconciliation = "reconciliation"

// costsMonths is how many months the period select offers, this one
// included: a year back and the current month.
const costsMonths = 13

// costsRequest is a parsed request of the Costs page or its download.
type costsRequest struct {
	q   *filterQuery
	loc *time.Location
	now time.Time
	win reportWindow
	// custom: the window is from/to, not a month.
	custom bool
}

// parseCosts reads the window and the filters. Problems are in q.errs.
func (h *Handler) parseCosts(r *http.Request) *costsRequest {
	loc, now := h.zone(r), h.Now()
	raw := r.URL.Query()
	if p := strings.TrimSpace(raw.Get(paramPeriod)); p == periodCustom || p == "" && len(raw[paramPeriod]) == 1 {
		raw.Del(paramPeriod) // the select's "Custom": from/to give the window
	}
	q := h.parseValues(raw, len(r.URL.RawQuery), loc)
	c := &costsRequest{q: q, loc: loc, now: now}
	if contains(q.local.used, paramHasRecording) {
		q.errs[paramHasRecording] = recordingFilterRefused
	}
	if q.invalid() {
		return c
	}
	w := parseReportWindow(q, loc, now)
	if w.Defaulted {
		// A billing period: this calendar month.
		m := localMidnight(now, loc)
		m = time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, loc)
		w = reportWindow{From: m, To: m.AddDate(0, 1, 0), Local: true, Period: m.Format(periodLayout)}
		q.clean.Set(paramPeriod, w.Period)
	}
	// The window is the page's own; the list's start_date/end_date and
	// from/to are folded into it, not applied a second time.
	c.win, c.custom = w, w.Period == ""
	if c.custom && w.Local {
		// Defaults filled in by parseReportWindow become explicit, so the
		// links and downloads name the same window.
		q.clean.Set(paramFrom, formatLocalParam(w.From, loc))
		q.clean.Set(paramTo, formatLocalParam(w.To, loc))
	}
	q.clean.Del(paramSort)
	return c
}

// indexOnly reports whether q uses filters only the index can apply
// (beyond the window, which the page folds into its own).
func (c *costsRequest) indexOnly() bool {
	return slices.ContainsFunc(c.q.local.used, func(n string) bool {
		return n != paramFrom && n != paramTo && n != paramSort
	})
}

// filter is the request as a call-index filter over its window, cut at
// now (the rest of the month has no calls yet).
func (h *Handler) costsFilter(c *costsRequest) (callindex.Filter, error) {
	f, err := h.indexFilter(c.q, window{from: c.win.From, to: c.win.To}, c.loc)
	if err != nil {
		return f, err
	}
	f.From, f.To = c.win.From, c.win.To
	if f.To.After(c.now) {
		f.To = c.now
	}
	f.API.StartDate, f.API.EndDate = "", ""
	f.Sort = callindex.Sort{}
	return f, nil
}

// covered reports whether the index answers the window, with the
// coverage for the page's note.
func (h *Handler) costsCoverage(ctx context.Context, c *costsRequest) (bool, callindex.Coverage, error) {
	if h.Index == nil {
		return false, callindex.Coverage{}, nil
	}
	cov, err := h.Index.Coverage(ctx, c.now)
	if err != nil {
		return false, cov, err
	}
	to := c.win.To
	if to.After(c.now) {
		to = c.now
	}
	return !c.win.From.After(c.now) && cov.Covers(c.win.From, to, c.now, h.IndexMaxLag), cov, nil
}

func (h *Handler) showCosts(w http.ResponseWriter, r *http.Request) error {
	c := h.parseCosts(r)
	p := h.page(r, "Costs", "reports")
	v := views.CostsView{Tabs: h.reportsTabLinks(c.q), Form: h.costsForm(c)}
	if c.q.invalid() {
		v.Invalid = true
		return h.render(w, r, http.StatusBadRequest, views.CostsPage(p, v))
	}
	ctx := r.Context()
	v.Chips = h.costsChips(c)
	v.RangeLabel = costsRangeLabel(c)
	ok, cov, err := h.costsCoverage(ctx, c)
	switch {
	case err != nil:
		h.Log.Warn("index coverage", "err", err, "request_id", requestID(ctx))
		v.NotCovered = "The call index cannot be read right now, so the costs cannot be broken down."
		h.apiCosts(r, c, &v)
	case h.Index == nil:
		v.NotCovered = "The call index is off on this server (CDRDASH_INDEX=off), so the costs cannot be " +
			"broken down: only Vobiz's own totals are available."
		h.apiCosts(r, c, &v)
	case !ok:
		v.NotCovered = "The call index does not cover this period"
		if cov.IsZero() {
			v.NotCovered += ": it is still being built, no day is verified yet."
		} else {
			v.NotCovered += ": it covers " + coverageLabel(cov, c.loc, c.now) + "."
		}
		v.NotCovered += " Costs can be broken down only for indexed periods."
		h.apiCosts(r, c, &v)
	default:
		v.Index = h.indexedStatus(cov.LastPoll, c.now, c.loc, r.URL.RequestURI())
		h.indexedCosts(r, c, &v)
	}
	return h.render(w, r, http.StatusOK, views.CostsPage(p, v))
}

// apiCosts fills in what the API can say without the index: the total of
// the whole UTC days the window reaches, with its API filters.
func (h *Handler) apiCosts(r *http.Request, c *costsRequest, v *views.CostsView) {
	if c.indexOnly() {
		v.APINote = h.indexOnlyNames(c.q) + " can only be applied by the call index, so Vobiz cannot total " +
			"these calls either."
		return
	}
	to := c.win.To
	if to.After(c.now) {
		to = c.now
	}
	if !to.After(c.win.From) {
		return
	}
	sum, days, err := h.Reports.APIDays(r.Context(), c.q.filter, c.win.From, to)
	if err != nil {
		v.APIError = "Vobiz's totals could not be fetched: " + h.panelError(r, "costs-api", err)
		return
	}
	v.APINote = fmt.Sprintf("What Vobiz itself says for the whole UTC days %s – %s (%s, which can reach outside a "+
		"local period):", days[0].Format("2 Jan 2006"), days[len(days)-1].Format("2 Jan 2006"),
		views.Count(int64(len(days)), "day", "days"))
	v.APITiles = []views.Tile{
		{Key: "calls", Label: "Calls", Value: views.FormatInt(int64(sum.TotalCalls))},
		{Key: "billsec", Label: "Billed talk time", Value: vobiz.FormatShortDuration(secs(int64(sum.TotalBillableSeconds)))},
		{Key: "total", Label: "Total cost", Value: views.FormatMoney(float64(report.FloatToMinor(float64(sum.TotalCost)))/100, "INR")},
	}
}

// costsComputed is the page's data from the index.
type costsComputed struct {
	costs *report.Costs
	recon *report.Reconciliation
	// reconErr is the index failing the reconciliation; recon.Err the API.
	reconErr error
}

func (h *Handler) computeCosts(ctx context.Context, c *costsRequest, withRecon bool) (*costsComputed, error) {
	f, err := h.costsFilter(c)
	if err != nil {
		return nil, badRequest(messageOf(err))
	}
	out := &costsComputed{}
	done := make(chan struct{})
	if withRecon {
		go func() {
			defer close(done)
			out.recon, out.reconErr = h.Reports.Reconcile(ctx, f.From, f.To)
		}()
	} else {
		close(done)
	}
	out.costs, err = h.Reports.Costs(ctx, f)
	<-done
	if err != nil {
		return nil, fmt.Errorf("costs: %w", err)
	}
	return out, nil
}

func (h *Handler) indexedCosts(r *http.Request, c *costsRequest, v *views.CostsView) {
	res, err := h.computeCosts(r.Context(), c, true)
	if err != nil {
		v.Error = "The costs could not be computed: " + h.panelError(r, "costs", err)
		return
	}
	cur := res.costs.Currency
	if cur == "" {
		cur = "INR"
	}
	v.Tiles = costTiles(res.costs.Total, cur)
	for _, t := range res.costs.Tables {
		v.Tables = append(v.Tables, views.CostTableView{Part: t.Part, Title: t.Title, Head: costHead(t.Column, cur),
			Rows: costRows(t.Rows, res.costs.Total, cur), DownloadURL: h.costsDownloadURL(c, t.Part)})
	}
	if t := res.costs.Table(report.PartCountry); t != nil && len(t.Rows) > 0 {
		v.Chart = h.costChart(t, cur)
	}
	v.Recon = h.reconView(r, c, res, cur)
}

func (h *Handler) reconView(r *http.Request, c *costsRequest, res *costsComputed, cur string) views.ReconView {
	rv := views.ReconView{Shown: true, IsAdmin: isAdmin(r), DownloadURL: h.costsDownloadURL(c, partReconciliation),
		Note: "Reconciliation compares each UTC day's total cost for the whole account (no filters) with the total " +
			"Vobiz reports for that day: Vobiz totals days in UTC, so these days can reach outside a local period."}
	switch {
	case res.reconErr != nil:
		rv.Error = "The index's day totals could not be read: " + h.panelError(r, "reconcile", res.reconErr)
		return rv
	case res.recon.Err != nil:
		rv.Error = "Vobiz's day totals could not be fetched, so the costs are not reconciled: " +
			h.panelError(r, "reconcile", res.recon.Err)
		return rv
	}
	n := len(res.recon.Days)
	diff := res.recon.Differing()
	unit := minorUnitName(cur)
	// A day still running differs for a moment after every call (the index
	// polls Vobiz every few seconds): said, never flagged.
	pending := res.recon.Pending()
	for _, d := range pending {
		rv.Pending = append(rv.Pending, fmt.Sprintf("%s (UTC) is still coming in: the index has %s, Vobiz %s so far. "+
			"It is compared again once the day is over.", d.Day.Format(dayLayout), minorMoney(d.Index, cur), minorMoney(d.API, cur)))
	}
	if len(diff) == 0 {
		rv.OK = true
		switch {
		case len(pending) > 0:
			rv.Summary = fmt.Sprintf("%s of %d match Vobiz to the %s.",
				views.Count(int64(n-len(pending)), "finished UTC day", "finished UTC days"), n, unit)
		case n == 1:
			rv.Summary = "The UTC day matches Vobiz to the " + unit + "."
		default:
			rv.Summary = fmt.Sprintf("All %d UTC days match Vobiz to the %s.", n, unit)
		}
		return rv
	}
	rv.Summary = fmt.Sprintf("%s of %d differ from Vobiz's totals. ", views.Count(int64(len(diff)), "UTC day", "UTC days"), n)
	if rv.IsAdmin {
		rv.Summary += "Re-sync a day to fetch its calls again."
	} else {
		rv.Summary += "Ask an admin to re-sync the days that differ."
	}
	for _, d := range diff {
		date := d.Day.Format(dayLayout)
		rv.Days = append(rv.Days, views.ReconDayView{Date: date, Index: minorMoney(d.Index, cur),
			API: minorMoney(d.API, cur), Diff: signedMinor(d.Diff(), cur),
			ResyncURL: h.url("/admin/index/days/" + date + "/resync")})
	}
	return rv
}

func isAdmin(r *http.Request) bool {
	u := userView(r)
	return u != nil && u.IsAdmin
}

// minorUnitName is what the reconciliation is exact to.
func minorUnitName(cur string) string {
	if strings.EqualFold(cur, "INR") {
		return "paisa"
	}
	return "cent"
}

// money formats exact millionths as shown: rounded to the minor unit.
func money(micros int64, cur string) string {
	return minorMoney(report.MicrosToMinor(micros), cur)
}

func minorMoney(minor int64, cur string) string {
	return views.FormatMoney(float64(minor)/100, cur)
}

func signedMinor(minor int64, cur string) string {
	if minor > 0 {
		return "+" + minorMoney(minor, cur)
	}
	return minorMoney(minor, cur)
}

// plainMinor is an amount for CSV: "1508.20", no symbol or grouping.
func plainMinor(minor int64) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s%d.%02d", sign, minor/100, minor%100)
}

func costTiles(s callindex.Sums, cur string) []views.Tile {
	rate := "—"
	if m, ok := report.RatePerMinute(s); ok {
		rate = money(m, cur)
	}
	return []views.Tile{
		{Key: "calls", Label: "Calls", Value: views.FormatInt(s.Calls)},
		{Key: "billsec", Label: "Billed talk time", Value: vobiz.FormatShortDuration(secs(s.Billsec))},
		{Key: "cost", Label: "Call cost", Value: money(s.CostMicros, cur)},
		{Key: "streaming", Label: "Streaming cost", Value: money(s.StreamingMicros, cur)},
		{Key: "total", Label: "Total cost", Value: money(s.TotalMicros, cur)},
		{Key: "rate", Label: "Effective rate", Value: rate, Note: "total cost per billed minute"},
	}
}

func costHead(column, cur string) []string {
	return []string{column, "Calls", "Billed time", "Call cost", "Streaming", "Total cost", "Share"}
}

// share is a row's part of the total cost, one decimal.
func share(part, total int64) string {
	if total <= 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(part)*100/float64(total), 'f', 1, 64) + " %"
}

func costRows(rows []report.CostRow, total callindex.Sums, cur string) []views.CostRowView {
	out := make([]views.CostRowView, 0, len(rows))
	for _, r := range rows {
		out = append(out, views.CostRowView{Label: r.Label, Other: r.Other, Cells: []string{
			views.FormatInt(r.Calls), vobiz.FormatShortDuration(secs(r.Billsec)), money(r.CostMicros, cur),
			money(r.StreamingMicros, cur), money(r.TotalMicros, cur), share(r.TotalMicros, total.TotalMicros),
		}})
	}
	return out
}

// costsForm is the period picker and the filters the page offers.
func (h *Handler) costsForm(c *costsRequest) views.CostsForm {
	q, loc := c.q, c.loc
	f := views.CostsForm{Action: h.url("/reports/costs"), ResetURL: h.url("/reports/costs")}
	cur := q.clean.Get(paramPeriod)
	if cur == "" && (q.raw.Get(paramFrom) != "" || q.raw.Get(paramTo) != "" || q.raw.Get(paramPeriod) == periodCustom ||
		q.filter.StartDate != "") {
		cur = periodCustom
	}
	if cur == "" && q.invalid() {
		cur = strings.TrimSpace(q.raw.Get(paramPeriod))
	}
	m := localMidnight(c.now, loc)
	m = time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, loc)
	var opts []views.Option
	for i := range costsMonths {
		mm := m.AddDate(0, -i, 0)
		opts = append(opts, views.Option{Value: mm.Format(periodLayout), Label: mm.Format("January 2006")})
	}
	opts = append(opts, views.Option{Value: periodCustom, Label: "Custom (From – To)"})
	f.Period = views.FieldView{Name: paramPeriod, Label: "Billing period", Value: cur, Options: opts,
		Error: q.errs[paramPeriod]}
	fromV, toV := "", ""
	if cur == periodCustom {
		fromV, toV = q.raw.Get(paramFrom), q.raw.Get(paramTo)
		if v := q.clean.Get(paramFrom); v != "" {
			fromV = v
		}
		if v := q.clean.Get(paramTo); v != "" {
			toV = v
		}
	}
	f.From = views.FieldView{Name: paramFrom, Label: "From", Type: "datetime-local", Value: fromV,
		Hint: "Custom period, your time zone", Error: q.errs[paramFrom]}
	f.To = views.FieldView{Name: paramTo, Label: "To", Type: "datetime-local", Value: toV,
		Hint: "Up to, not including", Error: q.errs[paramTo]}
	dir := q.clean.Get(vobiz.ParamCallDirection)
	if dir == "" {
		dir = q.raw.Get(vobiz.ParamCallDirection)
	}
	f.Filters = []views.FieldView{
		{Name: vobiz.ParamCallDirection, Label: "Direction", Value: dir, Error: q.errs[vobiz.ParamCallDirection],
			Options: []views.Option{{Value: "", Label: "Any"}, {Value: vobiz.DirectionInbound, Label: "Inbound"},
				{Value: vobiz.DirectionOutbound, Label: "Outbound"}}},
		h.costsText(q, paramTrunkID, "Trunk ID"),
		h.costsText(q, vobiz.ParamCampaignID, "Campaign ID"),
		h.costsText(q, paramRegion, "Region"),
	}
	var other []string
	for _, name := range []string{vobiz.ParamStartDate, vobiz.ParamEndDate, paramIndex, "q", paramHasRecording} {
		if m := q.errs[name]; m != "" {
			other = append(other, m)
		}
	}
	f.Error = strings.Join(other, " ")
	return f
}

func (h *Handler) costsText(q *filterQuery, name, label string) views.FieldView {
	v := q.clean.Get(name)
	if v == "" {
		v = q.raw.Get(name)
	}
	return views.FieldView{Name: name, Label: label, Type: "text", Value: v, Error: q.errs[name]}
}

// costsChips are the active filters beyond the window.
func (h *Handler) costsChips(c *costsRequest) []views.Chip {
	var out []views.Chip
	for _, ch := range h.chips("/reports/costs", c.q) {
		if ch.Label == indexLabels[paramFrom] || ch.Label == indexLabels[paramTo] || ch.Label == "Dates" {
			continue // the period picker shows the window
		}
		out = append(out, ch)
	}
	return out
}

// costsRangeLabel is the period in words.
func costsRangeLabel(c *costsRequest) string {
	zone := views.ZoneLabel(c.loc, c.win.From)
	if c.win.Period != "" {
		return c.win.From.In(c.loc).Format("January 2006") + " (" + zone + ")"
	}
	last := c.win.To.Add(-time.Nanosecond)
	return views.FormatTime(c.win.From, c.loc) + " – " + views.FormatTime(c.win.To, c.loc) + " (" + zone +
		", up to but not including the end; " + views.Count(int64(c.win.Days(c.loc)), "day", "days") + ", last " +
		last.In(c.loc).Format("2 Jan") + ")"
}

// tabParams are the query parameters that name a window: the tabs
// keep them, the filters stay behind.
var tabParams = []string{paramPeriod, paramFrom, paramTo, vobiz.ParamStartDate, vobiz.ParamEndDate}

// reportsTabLinks are the Traffic and Costs tabs, each keeping q's window.
func (h *Handler) reportsTabLinks(q *filterQuery) views.ReportsTabLinks {
	v := url.Values{}
	for _, name := range tabParams {
		if s := q.clean.Get(name); s != "" && !q.invalid() {
			v.Set(name, s)
		}
	}
	return views.ReportsTabLinks{Traffic: h.urlWith("/reports", v), Costs: h.urlWith("/reports/costs", v)}
}

func (h *Handler) costsDownloadURL(c *costsRequest, part string) string {
	v := c.q.with(paramPart, part)
	return h.urlWith("/reports/costs/download", v)
}

// downloadCosts is one table of the Costs page as CSV: the numbers the
// page shows, amounts as plain decimals in the account's currency.
func (h *Handler) downloadCosts(w http.ResponseWriter, r *http.Request) error {
	c := h.parseCosts(r)
	part := r.URL.Query().Get(paramPart)
	if part != partReconciliation && !slices.Contains(report.Parts, part) {
		return badRequest(fmt.Sprintf("There is no costs table %.40q. Choose one of %s or %s.", part,
			strings.Join(report.Parts, ", "), partReconciliation))
	}
	if c.q.invalid() {
		return c.q.err()
	}
	ok, cov, err := h.costsCoverage(r.Context(), c)
	if err != nil {
		return fmt.Errorf("costs download: coverage: %w", err)
	}
	if !ok {
		msg := "The call index does not cover this period, so its costs cannot be broken down."
		if h.Index == nil {
			msg = "The call index is off on this server, so costs cannot be broken down."
		} else if !cov.IsZero() {
			msg += " It covers " + coverageLabel(cov, c.loc, c.now) + "."
		}
		return &httpError{status: http.StatusConflict, title: "Not indexed", message: msg}
	}
	res, err := h.computeCosts(r.Context(), c, part == partReconciliation)
	if err != nil {
		return err
	}
	cur := res.costs.Currency
	if cur == "" {
		cur = "INR"
	}
	var records [][]string
	if part == partReconciliation {
		if res.reconErr != nil {
			return fmt.Errorf("costs download: %w", res.reconErr)
		}
		if res.recon.Err != nil {
			return fmt.Errorf("costs download: %w", res.recon.Err)
		}
		records = append(records, []string{"UTC day", "Index total (" + cur + ")", "Vobiz total (" + cur + ")",
			"Difference (" + cur + ")", "Matches"})
		for _, d := range res.recon.Days {
			records = append(records, []string{d.Day.Format(dayLayout), plainMinor(d.Index), plainMinor(d.API),
				plainMinor(d.Diff()), strconv.FormatBool(d.Match())})
		}
	} else {
		t := res.costs.Table(part)
		records = append(records, []string{t.Column, "Calls", "Billed seconds", "Call cost (" + cur + ")",
			"Streaming cost (" + cur + ")", "Total cost (" + cur + ")", "Share of total cost (%)"})
		for _, row := range t.Rows {
			records = append(records, []string{row.Label, strconv.FormatInt(row.Calls, 10),
				strconv.FormatInt(row.Billsec, 10), plainMinor(report.MicrosToMinor(row.CostMicros)),
				plainMinor(report.MicrosToMinor(row.StreamingMicros)), plainMinor(report.MicrosToMinor(row.TotalMicros)),
				strings.TrimSuffix(share(row.TotalMicros, res.costs.Total.TotalMicros), " %")})
		}
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/csv; charset=utf-8")
	hd.Set("Content-Disposition", `attachment; filename="`+costsFilename(c, part)+`"`)
	cw := csv.NewWriter(w)
	for _, rec := range records {
		for i, s := range rec {
			rec[i] = csvSafe(s)
		}
	}
	if err := cw.WriteAll(records); err != nil && !errors.Is(err, context.Canceled) {
		h.Log.Warn("costs download", "err", err, "request_id", requestID(r.Context()))
	}
	return nil
}

// csvSafe keeps a spreadsheet from reading a cell (a hangup cause, a trunk
// or campaign ID as stored) as a formula; a negative number stays a number.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		if _, err := strconv.ParseFloat(s, 64); err != nil || s[0] == '=' || s[0] == '@' {
			return "'" + s
		}
	}
	return s
}

// costsFilename is cdrdash-costs-<part>-<from>_<to>[-<filters>].csv: the
// window's local dates (the last day included) and the filters of the
// form, which are IDs and directions, never personal data (none for the
// reconciliation, which ignores them).
func costsFilename(c *costsRequest, part string) string {
	last := c.win.To.Add(-time.Nanosecond).In(c.loc)
	parts := []string{"cdrdash-costs", part, c.win.From.In(c.loc).Format(dayLayout) + "_" + last.Format(dayLayout)}
	for _, name := range []string{vobiz.ParamCallDirection, paramTrunkID, vobiz.ParamCampaignID, paramRegion} {
		// The reconciliation is the whole account's, filters or not: a
		// filter in its name would say otherwise.
		if v := c.q.clean.Get(name); v != "" && part != partReconciliation {
			parts = append(parts, v)
		}
	}
	return csvFilename(strings.Join(parts, "-"), 120)
}

// costChart is the cost by destination country and type as horizontal
// bars (report/chart). Amounts are rounded to the minor unit the table
// shows. A chart that cannot be drawn (a bug) leaves its table.
func (h *Handler) costChart(t *report.CostTable, cur string) *views.ChartView {
	cats := make([]string, len(t.Rows))
	vals := make([]float64, len(t.Rows))
	table := views.DataTable{Head: []string{t.Column, "Total cost"}}
	for i, r := range t.Rows {
		// Type first: at phone width the labels are cut to a few words,
		// and "India (+91) · F…" would name two rows alike.
		cats[i] = r.Label
		if country, typ, ok := strings.Cut(r.Label, " · "); ok {
			cats[i] = typ + " · " + country
		}
		vals[i] = float64(report.MicrosToMinor(r.TotalMicros)) / 100
		table.Rows = append(table.Rows, views.TableRow{Cells: []views.TableCell{{Text: r.Label},
			{Text: money(r.TotalMicros, cur), Num: true}}})
	}
	const description = "Horizontal bars: total cost per destination country and number type, most expensive first."
	v := &views.ChartView{ID: chart.IDCostsByCountry, Title: "Total cost by destination country and number type",
		Description: description, Tall: len(cats) > 6, Table: table}
	b, err := chart.Marshal(chart.CostBars(chart.IDCostsByCountry, cats, vals, cur, description))
	if err != nil {
		h.Log.Error("chart options", "chart", v.ID, "err", err)
		v.Empty = "This chart could not be drawn; its numbers are in the table below."
		return v
	}
	v.Options = b
	return v
}

// costsDetails is the audit event's account of a Costs page view: the
// window and filters as the page understood them.
func (h *Handler) costsDetails(r *http.Request) any {
	c := h.parseCosts(r)
	return map[string]any{"filters": c.q.subject().Encode(), "page": "costs"}
}
