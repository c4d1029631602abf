package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/report"
	"github.com/cdrdash/cdrdash/report/chart"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
)

// showReports is the Reports page: charts of how traffic, answer rate,
// talk time, cost and failures moved over a range, with the same filters
// as /calls. The data comes from package report; this handler validates
// the filters, streams the page and turns the report into view models,
// drill-down links and data tables.
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
	if q.invalid() {
		head := views.ReportsHead{Invalid: true, Form: h.filterForm("/reports", q, nil, causeNames(), now, loc)}
		return h.render(w, r, http.StatusBadRequest, views.ReportsPage(p, head, nil))
	}

	head := views.ReportsHead{
		Form:     h.filterForm("/reports", q, nil, causeNames(), now, loc),
		Chips:    h.chips("/reports", q),
		CallsURL: h.urlWith("/calls", q.subject()),
		Progress: "Building the report: fetching " + countOf(int64(days), "day", "days") +
			" and reading the export…",
	}
	body := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		rep, err := h.Reports.Build(ctx, report.Request{Filter: q.filter, Zone: loc, Thresholds: h.Thresholds})
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
			"Choose a shorter range.", report.MaxDays, countOf(int64(n), "day", "days"))
	} else if err != nil {
		q.errs[vobiz.ParamEndDate] = "These dates do not make a range."
	}
	return n
}

// reportView turns a built report into the page's view model.
func (h *Handler) reportView(r *http.Request, q *filterQuery, rep *report.Report, loc *time.Location) views.ReportView {
	zone := views.ZoneLabel(loc, h.Now())
	v := views.ReportView{RangeLabel: rep.Start + " – " + rep.End + " · " + countOf(int64(len(rep.Days)), "day", "days") +
		" as Vobiz cuts days (" + h.Reports.DayZone().String() + ")"}
	rangeURL := h.urlWith("/calls", q.subject())
	currency := "INR" // the docs' only currency, as on /calls
	if rep.Range.Currency != "" {
		currency = rep.Range.Currency
	} else if rep.Breakdown != nil && rep.Breakdown.Currency != "" {
		currency = rep.Breakdown.Currency
	}

	// Totals, compared with the period before.
	v.ExportURL = h.urlWith("/calls/export", q.subject())
	if rep.Range.Err != nil {
		v.TilesError = "The totals for this range could not be loaded: " + h.panelError(r, "range totals", rep.Range.Err)
		v.ExportLabel = "Download CSV"
	} else {
		total := int64(rep.Range.Summary.TotalCalls)
		v.ExportLabel = "Download " + countOf(total, "call", "calls")
		if total == 0 {
			v.ExportURL = ""
		}
		v.Applied = appliedNote(q, rep.Range.Echo)
		v.Tiles = summaryTiles(rep.Range.Summary, currency, loc)
		if rep.Previous.Err != nil {
			v.Compare = "No comparison: the previous period (" + rep.Previous.Start + " – " + rep.Previous.End +
				") could not be loaded: " + h.panelError(r, "previous period", rep.Previous.Err)
		} else {
			v.Tiles = compareTiles(v.Tiles, rep.Range.Summary, rep.Previous.Summary, currency)
			v.Compare = "▲/▼ compare with the previous " + countOf(int64(len(rep.Days)), "day", "days") +
				" (" + rep.Previous.Start + " – " + rep.Previous.End + ")."
		}
	}

	// Days that failed are named, and drawn as gaps: never as zeros.
	if missing := rep.Missing(); len(missing) > 0 {
		dates := make([]string, 0, 10)
		for i, d := range missing {
			if i == 10 {
				dates = append(dates, "and "+strconv.Itoa(len(missing)-10)+" more")
				break
			}
			dates = append(dates, d.Date)
		}
		v.Notices = append(v.Notices, views.Notice{Key: "missing", Text: "Missing: " +
			countOf(int64(len(missing)), "day", "days") + " could not be loaded: " + strings.Join(dates, ", ") +
			". " + h.panelError(r, "days", missing[0].Err) +
			" They are left blank in the day charts, not counted as zero; reload to try again."})
	} else if calls, _ := rep.DayTotal(); rep.Range.Err == nil && !rep.Days[len(rep.Days)-1].Live &&
		calls != int64(rep.Range.Summary.TotalCalls) {
		// Only for finished ranges: while today's calls keep arriving,
		// the day requests and the range search see different moments.
		v.Notices = append(v.Notices, views.Notice{Key: "mismatch", Text: "The days add up to " +
			countOf(calls, "call", "calls") + " but Vobiz counts " +
			countOf(int64(rep.Range.Summary.TotalCalls), "call", "calls") +
			" for the whole range, so it may cut days differently than cdrdash assumes (" +
			h.Reports.DayZone().String() + ")."})
	}
	v.DayCharts = h.dayCharts(q, rep, currency)

	// Breakdowns from the export: their own error box, the rest still shows.
	if b := rep.Breakdown; rep.BreakdownErr != nil {
		v.BreakdownError = "The breakdowns could not be built from the export: " +
			h.panelError(r, "export", rep.BreakdownErr) + " The day charts above are not affected."
	} else {
		if b.Truncated {
			of := ""
			if rep.Range.Err == nil {
				of = " of " + views.FormatInt(int64(rep.Range.Summary.TotalCalls))
			}
			v.CapNotice = "This range holds more calls than one report reads (" + views.FormatInt(rep.RowCap) +
				" per export), so the breakdowns below count " + views.FormatInt(b.Rows) + of +
				" calls: those that started from " + views.FormatTime(b.First, loc) + " to " +
				views.FormatTime(b.Last, loc) + ". The totals and day charts above count every call. " +
				"Narrow the dates or the filters to count them all."
		}
		v.BreakdownNote = "Counted from the CSV export, row by row: " + countOf(b.Rows, "call", "calls") + "."
		v.BreakdownCharts = h.breakdownCharts(q, b, rangeURL, zone)
	}
	return v
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

// dayCharts builds the two per-day charts with their tables. Clicking a
// day opens /calls for that day with the same filters.
func (h *Handler) dayCharts(q *filterQuery, rep *report.Report, currency string) []views.ChartView {
	links := make([]string, len(rep.Days))
	for i, d := range rep.Days {
		links[i] = h.urlWith("/calls", q.with(vobiz.ParamStartDate, d.Date, vobiz.ParamEndDate, d.Date))
	}
	missing := len(rep.Missing())
	gaps := ""
	if missing > 0 {
		gaps = " Days that could not be loaded are gaps marked “not loaded”, not zeros."
	}

	callsDesc := "Answered and not answered calls per day (bars, left axis) and the answer rate (line, right axis)." +
		gaps + " Click a day to list its calls."
	calls := views.ChartView{ID: chart.IDCallsPerDay, Title: "Calls per day", Description: callsDesc,
		Wide: true, Links: links, AxisClick: true,
		Table: views.DataTable{Head: []string{"Day", "Calls", "Answered", "Not answered", "Answer rate"}}}
	talkDesc := "Billable minutes of talk per day (bars, left axis) and cost (dashed line, right axis)." +
		gaps + " Click a day to list its calls."
	talk := views.ChartView{ID: chart.IDTalkCost, Title: "Talk time and cost per day", Description: talkDesc,
		Wide: true, Links: links, AxisClick: true,
		Table: views.DataTable{Head: []string{"Day", "Talk time", "Billable minutes", "Cost"}}}
	for i, d := range rep.Days {
		day := views.TableCell{Text: d.Date, URL: links[i]}
		if d.Err != nil {
			na := views.TableCell{Text: "not loaded"}
			calls.Table.Rows = append(calls.Table.Rows, views.TableRow{Missing: true, Cells: []views.TableCell{day, na, na, na, na}})
			talk.Table.Rows = append(talk.Table.Rows, views.TableRow{Missing: true, Cells: []views.TableCell{day, na, na, na}})
			continue
		}
		s := d.Summary
		rate := "—"
		if s.TotalCalls > 0 {
			rate = strconv.FormatFloat(report.AnswerRate(s.AnsweredCalls, s.TotalCalls), 'f', 1, 64) + " %"
		}
		calls.Table.Rows = append(calls.Table.Rows, views.TableRow{Cells: []views.TableCell{day,
			numCell(int64(s.TotalCalls)), numCell(int64(s.AnsweredCalls)),
			numCell(max(int64(s.TotalCalls)-int64(s.AnsweredCalls), 0)), {Text: rate, Num: true}}})
		talk.Table.Rows = append(talk.Table.Rows, views.TableRow{Cells: []views.TableCell{day,
			{Text: vobiz.FormatShortDuration(secs(int64(s.TotalBillableSeconds))), Num: true},
			{Text: strconv.FormatFloat(float64(s.TotalBillableSeconds)/60, 'f', 1, 64), Num: true},
			{Text: views.FormatMoney(float64(s.TotalCost), currency), Num: true}}})
	}
	h.setOptions(&calls, chart.CallsPerDay(rep.Days, callsDesc))
	h.setOptions(&talk, chart.TalkCostPerDay(rep.Days, currency, talkDesc))
	return []views.ChartView{calls, talk}
}

// breakdownCharts builds the export-based charts. Causes drill down to
// /calls filtered on the cause (the API has a hangup_cause filter); the
// outcome, quality and MOS buckets have no API filter, so they open the
// list for the whole range.
func (h *Handler) breakdownCharts(q *filterQuery, b *report.Breakdown, rangeURL, zone string) []views.ChartView {
	empty := ""
	if b.Rows == 0 {
		empty = "No calls in this range."
	}
	share := func(n int64) views.TableCell { return views.TableCell{Text: shareOf(n, b.Rows), Num: true} }

	outDesc := "How the calls ended. Click a slice to list the calls of the range."
	outcomes := views.ChartView{ID: chart.IDOutcomes, Title: "Outcomes", Description: outDesc, Empty: empty,
		Table: views.DataTable{Head: []string{"Outcome", "Calls", "Share"}}}
	for i, o := range diagnosis.Outcomes() {
		outcomes.Links = append(outcomes.Links, rangeURL)
		outcomes.Table.Rows = append(outcomes.Table.Rows, views.TableRow{Cells: []views.TableCell{
			{Text: o.Label(), URL: rangeURL}, numCell(b.Outcomes[i]), share(b.Outcomes[i])}})
	}
	h.setOptions(&outcomes, chart.Outcomes(b, outDesc))

	causeDesc := "The most frequent hangup causes. Click a bar to list the calls that ended with that cause."
	causes := views.ChartView{ID: chart.IDCauses, Title: "Hangup causes", Description: causeDesc, Empty: empty,
		Table: views.DataTable{Head: []string{"Hangup cause", "Calls", "Share"}}}
	for _, c := range report.TopCauses(b.CauseCounts()) {
		link := rangeURL
		if c.Name != report.NoCause && c.Name != report.OtherCause {
			link = h.urlWith("/calls", q.with(vobiz.ParamHangupCause, c.Name))
		}
		causes.Links = append(causes.Links, link)
		causes.Table.Rows = append(causes.Table.Rows, views.TableRow{Cells: []views.TableCell{
			{Text: c.Name, URL: link}, numCell(c.N), share(c.N)}})
	}
	h.setOptions(&causes, chart.Causes(b.CauseCounts(), causeDesc))

	t := h.Thresholds
	qualDesc := "Audio quality of each call: the worst of MOS (good ≥ " + fmtFloat(t.MOSGood) + ", acceptable ≥ " +
		fmtFloat(t.MOSFair) + "), jitter and packet loss. No media means no audio flowed (unanswered calls), not poor audio."
	quality := views.ChartView{ID: chart.IDQuality, Title: "Audio quality", Description: qualDesc, Empty: empty,
		Table: views.DataTable{Head: []string{"Quality", "Calls", "Share"}}}
	for i, band := range report.Bands() {
		if band == diagnosis.BandUnknown && b.Quality[i] == 0 {
			continue // as in the chart
		}
		quality.Links = append(quality.Links, rangeURL)
		quality.Table.Rows = append(quality.Table.Rows, views.TableRow{Cells: []views.TableCell{
			{Text: band.Label(), URL: rangeURL}, numCell(b.Quality[i]), share(b.Quality[i])}})
	}
	h.setOptions(&quality, chart.Quality(b, qualDesc))

	var withMOS int64
	for _, n := range b.MOS {
		withMOS += n
	}
	mosDesc := "Calls by MOS, in steps of " + fmtFloat(report.MOSStep) + "; bars are coloured by quality band " +
		"(green good, orange acceptable, red poor). Calls without media are left out."
	mos := views.ChartView{ID: chart.IDMOS, Title: "MOS distribution", Description: mosDesc, Empty: empty,
		Table: views.DataTable{Head: []string{"MOS", "Calls", "Share of calls with a MOS"}}}
	if withMOS == 0 && empty == "" {
		mos.Empty = "No call in this range carried a MOS."
	}
	for i := range report.MOSBuckets {
		lo, _ := report.MOSBucketRange(i)
		mos.Links = append(mos.Links, rangeURL)
		mos.Table.Rows = append(mos.Table.Rows, views.TableRow{Cells: []views.TableCell{
			{Text: report.MOSBucketLabel(i) + " (" + t.MOSBand(lo).Label() + ")"}, numCell(b.MOS[i]),
			{Text: shareOf(b.MOS[i], withMOS), Num: true}}})
	}
	h.setOptions(&mos, chart.MOSHistogram(b, t, mosDesc))

	hwDesc := "Calls by hour of day and weekday, in " + zone + ". Darker cells had more calls."
	hw := views.ChartView{ID: chart.IDHourWeekday, Title: "Calls by hour and weekday", Description: hwDesc,
		Wide: true, Empty: empty, Table: views.DataTable{Head: []string{"Weekday"}}}
	for hr := range 24 {
		hw.Table.Head = append(hw.Table.Head, report.HourLabel(hr))
	}
	for d, name := range report.Weekdays {
		row := views.TableRow{Cells: []views.TableCell{{Text: name}}}
		for hr := range 24 {
			row.Cells = append(row.Cells, numCell(b.HourWeekday[d][hr]))
		}
		hw.Table.Rows = append(hw.Table.Rows, row)
	}
	h.setOptions(&hw, chart.HourWeekday(b, hwDesc))

	return []views.ChartView{outcomes, causes, quality, mos, hw}
}

// setOptions marshals a chart into the view. A chart that cannot be
// marshalled (a bug) shows its table only.
func (h *Handler) setOptions(v *views.ChartView, c chart.Chart) {
	if v.Empty != "" {
		return
	}
	b, err := chart.Marshal(c)
	if err != nil {
		h.Log.Error("chart options", "chart", v.ID, "err", err)
		v.Empty = "This chart could not be drawn; its numbers are in the table below."
		return
	}
	v.Options = b
}

// compareTiles adds ▲/▼ deltas against the previous period. Counts and
// amounts compare in percent; the answer rate, itself a percentage, in
// percentage points.
func compareTiles(tiles []views.Tile, cur, prev vobiz.Summary, currency string) []views.Tile {
	for i := range tiles {
		t := &tiles[i]
		switch t.Key {
		case "total":
			t.Delta, t.DeltaDir = deltaText(float64(cur.TotalCalls), float64(prev.TotalCalls), views.FormatInt(int64(prev.TotalCalls)))
		case "answered":
			t.Delta, t.DeltaDir = deltaText(float64(cur.AnsweredCalls), float64(prev.AnsweredCalls), views.FormatInt(int64(prev.AnsweredCalls)))
		case "rate":
			if cur.TotalCalls > 0 && prev.TotalCalls > 0 {
				a := report.AnswerRate(cur.AnsweredCalls, cur.TotalCalls)
				b := report.AnswerRate(prev.AnsweredCalls, prev.TotalCalls)
				d := math.Round((a-b)*10) / 10
				t.Delta, t.DeltaDir = deltaArrow(d)+" "+strconv.FormatFloat(math.Abs(d), 'f', 1, 64)+" pts (previous "+
					strconv.FormatFloat(b, 'f', 1, 64)+" %)", deltaDir(d)
			}
		case "avg":
			t.Delta, t.DeltaDir = deltaText(cur.AverageTalk().Seconds(), prev.AverageTalk().Seconds(), vobiz.FormatShortDuration(prev.AverageTalk()))
		case "talk":
			t.Delta, t.DeltaDir = deltaText(float64(cur.TotalBillableSeconds), float64(prev.TotalBillableSeconds),
				vobiz.FormatShortDuration(secs(int64(prev.TotalBillableSeconds))))
		case "cost":
			t.Delta, _ = deltaText(float64(cur.TotalCost), float64(prev.TotalCost), views.FormatMoney(float64(prev.TotalCost), currency))
			// More spend is neither good nor bad on its own (more calls
			// cost more), so the arrow says which way and the colour stays
			// neutral instead of painting a rising bill green.
			t.DeltaDir = "flat"
		}
	}
	return tiles
}

// delta formats a change as "▲ 12.3 % (previous 1,234)".
func deltaText(cur, prev float64, prevText string) (string, string) {
	if prev == 0 {
		if cur == 0 {
			return "= no change (previous 0)", "flat"
		}
		return "▲ new (previous 0)", "up"
	}
	pct := math.Round((cur-prev)/prev*1000) / 10
	return deltaArrow(pct) + " " + strconv.FormatFloat(math.Abs(pct), 'f', 1, 64) + " % (previous " + prevText + ")", deltaDir(pct)
}

func deltaArrow(d float64) string {
	switch {
	case d > 0:
		return "▲"
	case d < 0:
		return "▼"
	}
	return "="
}

func deltaDir(d float64) string {
	switch {
	case d > 0:
		return "up"
	case d < 0:
		return "down"
	}
	return "flat"
}

func numCell(n int64) views.TableCell { return views.TableCell{Text: views.FormatInt(n), Num: true} }

func shareOf(n, of int64) string {
	if of <= 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(n)*100/float64(of), 'f', 1, 64) + " %"
}

func countOf(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return views.FormatInt(n) + " " + many
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
