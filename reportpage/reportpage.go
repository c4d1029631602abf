// Package reportpage builds the Reports page's view model from a report
// that package report has already built: the tiles compared with the
// period before, notices about missing days, and every chart with its
// drill-down links and data table. It fetches nothing and writes no HTML;
// handlers build the report and pass it in, views renders the result.
package reportpage

import (
	"errors"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/report"
	"github.com/cdrdash/cdrdash/report/chart"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
)

// Input is what the page needs besides the report.
type Input struct {
	// Zone is the viewer's time zone (hour-of-day chart, capped range);
	// nil means UTC. Now dates the zone's label.
	Zone *time.Location
	Now  time.Time
	// DayZone names the zone Vobiz cuts days in.
	DayZone string
	// Thresholds decide the quality bands.
	Thresholds diagnosis.Thresholds
	// Tiles are the range's summary tiles, formatted as on the calls list
	// (in Currency(rep)); Build adds the comparison with the period before.
	Tiles []views.Tile
	// Applied says which filters Vobiz applied, when that differs.
	Applied string
	// ExportURL downloads the range's calls.
	ExportURL string
	// CallsURL links to the calls list with the report's filters, changed
	// by key, value pairs (an empty value drops the key).
	CallsURL func(pairs ...string) string
	// Explain says in one line why a part of the report failed ("range
	// totals", "previous period", "days", "export"); the handler logs it.
	Explain func(part string, err error) string
	// Log records charts that cannot be marshalled (a bug); nil means
	// slog.Default().
	Log *slog.Logger
	// DownloadURL is the CSV download of one chart's table (by chart ID);
	// nil means no download links.
	DownloadURL func(part string) string
}

type builder struct{ in Input }

func (b builder) explain(part string, err error) string {
	if b.in.Explain == nil {
		return "Vobiz could not be reached."
	}
	return b.in.Explain(part, err)
}

func (b builder) log() *slog.Logger {
	if b.in.Log == nil {
		return slog.Default()
	}
	return b.in.Log
}

// Currency is the report's currency: the range's, else the export's, else
// INR, the docs' only currency (as on /calls).
func Currency(rep *report.Report) string {
	if rep.Range.Currency != "" {
		return rep.Range.Currency
	}
	if rep.Breakdown != nil && rep.Breakdown.Currency != "" {
		return rep.Breakdown.Currency
	}
	return "INR"
}

func seconds(n int64) time.Duration { return time.Duration(n) * time.Second }

// Build turns a built report into the page's view model.
func Build(rep *report.Report, in Input) views.ReportView {
	loc := in.Zone
	if loc == nil {
		loc = time.UTC
	}
	if in.CallsURL == nil {
		in.CallsURL = func(...string) string { return "" }
	}
	b := builder{in: in}
	zone := views.ZoneLabel(loc, in.Now)
	v := views.ReportView{RangeLabel: rangeLabel(rep, in)}
	rangeURL := in.CallsURL(vobiz.ParamPerPage, "")
	currency := Currency(rep)
	v.PeriodCost = periodCost(rep, currency)

	// Totals, compared with the period before.
	v.ExportURL = in.ExportURL
	if rep.Range.Err != nil {
		v.TilesError = "The totals for this range could not be loaded: " + b.explain("range totals", rep.Range.Err)
		v.ExportLabel = "Download CSV"
	} else {
		total := int64(rep.Range.Summary.TotalCalls)
		v.ExportLabel = "Download " + views.Count(total, "call", "calls")
		if total == 0 {
			v.ExportURL = ""
		}
		v.Applied = in.Applied
		v.Tiles = slices.Clone(in.Tiles)
		b.compare(&v, rep, currency)
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
			views.Count(int64(len(missing)), "day", "days") + " could not be loaded: " + strings.Join(dates, ", ") +
			". " + b.explain("days", missing[0].Err) +
			" They are left blank in the day charts, not counted as zero; reload to try again."})
	} else if calls, _ := rep.DayTotal(); rep.Range.Err == nil && len(rep.Days) > 0 && !rep.Days[len(rep.Days)-1].Live &&
		calls != int64(rep.Range.Summary.TotalCalls) {
		// Only for finished ranges: while today's calls keep arriving,
		// the day requests and the range search see different moments.
		v.Notices = append(v.Notices, views.Notice{Key: "mismatch", Text: "The days add up to " +
			views.Count(calls, "call", "calls") + " but Vobiz counts " +
			views.Count(int64(rep.Range.Summary.TotalCalls), "call", "calls") +
			" for the whole range, so it may cut days differently than cdrdash assumes (" +
			in.DayZone + ")."})
	}
	v.DayCharts = b.dayCharts(rep, currency)

	// Breakdowns from the export: their own error box, the rest still shows.
	if bd := rep.Breakdown; rep.BreakdownErr != nil {
		v.BreakdownError = "The breakdowns could not be built from the export: " +
			b.explain("export", rep.BreakdownErr) + " The day charts above are not affected."
	} else {
		if bd.Truncated {
			of := ""
			if rep.Range.Err == nil {
				of = " of " + views.FormatInt(int64(rep.Range.Summary.TotalCalls))
			}
			v.CapNotice = "This range holds more calls than one report reads (" + views.FormatInt(rep.RowCap) +
				" per export), so the breakdowns below count " + views.FormatInt(bd.Rows) + of +
				" calls: those that started from " + views.FormatTime(bd.First, loc) + " to " +
				views.FormatTime(bd.Last, loc) + ". The totals and day charts above count every call. " +
				"Narrow the dates or the filters to count them all."
		}
		v.BreakdownNote = "Counted from the CSV export, row by row: " + views.Count(bd.Rows, "call", "calls") + "."
		if rep.Origin == report.OriginIndex {
			v.BreakdownNote = "Counted from the call index, every call of the range: " +
				views.Count(bd.Rows, "call", "calls") + "."
		}
		var narrow *callindex.Filter
		if rep.Narrowed {
			narrow = &rep.Narrow
		}
		v.BreakdownCharts = b.breakdownCharts(bd, rangeURL, zone, rep.Origin == report.OriginIndex, narrow)
	}
	return v
}

// rangeLabel states the period in words with its zone ("1 Nov – 30 Nov
// 2026, IST"), how many buckets, and how days are cut.
func rangeLabel(rep *report.Report, in Input) string {
	if !rep.Exact || rep.Zone == nil {
		return rep.Start + " – " + rep.End + " · " + views.Count(int64(len(rep.Days)), "day", "days") +
			"; days are UTC days, as Vobiz cuts them (" + in.DayZone + ")"
	}
	loc := rep.Zone
	a, z := rep.From.In(loc), rep.To.Add(-time.Nanosecond).In(loc)
	first := a.Format("2 Jan 2006")
	if a.Year() == z.Year() {
		first = a.Format("2 Jan")
	}
	text := first + " – " + z.Format("2 Jan 2006")
	if !a.Equal(time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, loc)) ||
		!rep.To.In(loc).Equal(time.Date(rep.To.In(loc).Year(), rep.To.In(loc).Month(), rep.To.In(loc).Day(), 0, 0, 0, 0, loc)) {
		text = a.Format("2 Jan 2006, 15:04") + " – " + rep.To.In(loc).Format("2 Jan 2006, 15:04")
	}
	return text + ", " + zoneAbbr(loc, rep.From) + " · " + views.Count(int64(len(rep.Days)), rep.Unit, rep.Unit+"s") +
		", cut at midnight in " + loc.String()
}

// zoneAbbr is the zone's abbreviation ("IST"), or its offset when it has none.
func zoneAbbr(loc *time.Location, at time.Time) string {
	abbr := at.In(loc).Format("MST")
	if strings.HasPrefix(abbr, "+") || strings.HasPrefix(abbr, "-") {
		return "UTC" + at.In(loc).Format("-07:00")
	}
	return abbr
}

// periodCost states the period's total cost: exact (millionths summed as
// integers) from the index, the API's summary otherwise.
func periodCost(rep *report.Report, currency string) string {
	if rep.Range.Err != nil {
		return ""
	}
	if rep.Exact {
		return views.FormatMoney(float64(rep.TotalMicros)/1e6, currency)
	}
	return views.FormatMoney(float64(rep.Range.Summary.TotalCost), currency)
}

// compare adds the ▲/▼ deltas against the previous period, or says why
// there are none: it failed, or it has too few calls for a percentage to
// mean anything (report.MinCompareCalls).
func (b builder) compare(v *views.ReportView, rep *report.Report, currency string) {
	cur, prev := rep.Compared, rep.Previous
	if cur.Start == "" {
		cur = rep.Range
		cur.Start, cur.End = rep.Start, rep.End
	}
	switch {
	case errors.Is(prev.Err, report.ErrNoFinishedDay):
		v.Compare = "No comparison: today is not over yet, and there is no finished day to compare."
		return
	case errors.Is(prev.Err, report.ErrNotCovered):
		// Not a failure: the index keeps a limited number of days (a
		// 12-month window's previous year is usually older).
		v.Compare = "No comparison: the call index does not hold the previous period (" + prev.Start + " – " +
			prev.End + ")."
		return
	case prev.Err != nil:
		v.Compare = "No comparison: the previous period (" + prev.Start + " – " + prev.End +
			") could not be loaded: " + b.explain("previous period", prev.Err)
		return
	case cur.Err != nil:
		v.Compare = "No comparison: " + b.explain("compared period", cur.Err)
		return
	case int64(prev.Summary.TotalCalls) < report.MinCompareCalls:
		v.CompareGuard = "Too few calls in the previous period to compare: " +
			views.Count(int64(prev.Summary.TotalCalls), "call", "calls") + " (" + prev.Start + " – " + prev.End + ")."
		return
	}
	v.Tiles = compareTiles(v.Tiles, cur.Summary, prev.Summary, currency)
	v.Compare = "▲/▼ compare " + cur.Start + " – " + cur.End + " with the same length just before (" +
		prev.Start + " – " + prev.End + ")."
	if cur.End != rep.End {
		v.Compare += " Today is left out: it is not over."
	}
}

// dayCharts builds the two per-day charts with their tables. Clicking a
// day opens /calls for that day with the same filters.
func (b builder) dayCharts(rep *report.Report, currency string) []views.ChartView {
	links := make([]string, len(rep.Days))
	for i, d := range rep.Days {
		links[i] = b.bucketURL(rep, d)
	}
	missing := len(rep.Missing())
	gaps := ""
	if missing > 0 {
		gaps = " Days that could not be loaded are gaps marked “not loaded”, not zeros."
	}
	unit := rep.Unit
	if unit == "" {
		unit = report.UnitDay
	}
	partial := ""
	if slices.ContainsFunc(rep.Days, func(d report.Day) bool { return d.Partial }) {
		partial = " Lighter, outlined bars are partial " + unit + "s (“so far” is still running)."
	}

	head := strings.ToUpper(unit[:1]) + unit[1:]
	callsDesc := "Answered and not answered calls per " + unit + " (bars, left axis) and the answer rate (line, right axis)." +
		gaps + partial + " Click a " + unit + " to list its calls."
	calls := views.ChartView{ID: chart.IDCallsPerDay, Title: "Calls per " + unit, Description: callsDesc,
		Wide: true, Links: links, AxisClick: true, DownloadURL: b.download(chart.IDCallsPerDay),
		Table: views.DataTable{Head: []string{head, "Calls", "Answered", "Not answered", "Answer rate"}}}
	talkDesc := "Billable minutes of talk per " + unit + " (bars, left axis) and cost (dashed line, right axis)." +
		gaps + partial + " Click a " + unit + " to list its calls."
	talk := views.ChartView{ID: chart.IDTalkCost, Title: "Talk time and cost per " + unit, Description: talkDesc,
		Wide: true, Links: links, AxisClick: true, DownloadURL: b.download(chart.IDTalkCost),
		Table: views.DataTable{Head: []string{head, "Talk time", "Billable minutes", "Cost"}}}
	for i, d := range rep.Days {
		day := views.TableCell{Text: BucketText(d), URL: links[i]}
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
			{Text: vobiz.FormatShortDuration(seconds(int64(s.TotalBillableSeconds))), Num: true},
			{Text: strconv.FormatFloat(float64(s.TotalBillableSeconds)/60, 'f', 1, 64), Num: true},
			{Text: bucketCost(d, currency), Num: true}}})
	}
	b.setOptions(&calls, chart.CallsPerDay(rep.Days, callsDesc))
	b.setOptions(&talk, chart.TalkCostPerDay(rep.Days, currency, talkDesc))
	return []views.ChartView{calls, talk}
}

// BucketText names a bucket in the table as on the chart's axis.
func BucketText(d report.Day) string {
	l := d.Label
	if l == "" {
		l = d.Date
	}
	switch {
	case d.SoFar:
		return l + " (so far)"
	case d.Partial:
		return l + " (partial)"
	}
	return l
}

// bucketCost is a bucket's cost, exact from the index.
func bucketCost(d report.Day, currency string) string {
	if d.TotalMicros != 0 {
		return views.FormatMoney(float64(d.TotalMicros)/1e6, currency)
	}
	return views.FormatMoney(float64(d.Summary.TotalCost), currency)
}

// bucketURL lists a bucket's calls: its local from/to on the index path,
// its UTC day on the API path.
func (b builder) bucketURL(rep *report.Report, d report.Day) string {
	if !rep.Exact || d.Start.IsZero() {
		return b.in.CallsURL(vobiz.ParamStartDate, d.Date, vobiz.ParamEndDate, d.Date, "from", "", "to", "", "period", "")
	}
	loc := rep.Zone
	return b.in.CallsURL("from", localParam(d.Start, loc), "to", localParam(d.End, loc),
		vobiz.ParamStartDate, "", vobiz.ParamEndDate, "", "period", "", "bucket", "")
}

// localParam writes t as /calls reads from and to: a local date and time.
func localParam(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	if t.Second() != 0 {
		return t.Format("2006-01-02T15:04:05")
	}
	return t.Format("2006-01-02T15:04")
}

func (b builder) download(part string) string {
	if b.in.DownloadURL == nil {
		return ""
	}
	return b.in.DownloadURL(part)
}

// breakdownCharts builds the export-based charts. Causes drill down to
// /calls filtered on the cause (the API has a hangup_cause filter). When
// the report came from the index (exact), every other mark drills down to
// exactly its calls too, through the list's index-only parameters
// (outcome, quality, min_mos/max_mos, hour and weekday); from the API,
// the list could not answer those (it would say 400), so they open the
// list for the whole range. A mark no parameter can express (no cause,
// the folded causes, an unknown quality band) has no link on the index
// path rather than one that lists other calls.
//
// A report narrowed by index-only filters (narrow) keeps them in every
// link (CallsURL keeps the page's parameters); a mark's own value of the
// same parameter replaces the report's, so it must lie within them: an
// outcome or band the report excludes (its value is 0) gets no link, and
// a MOS bucket's bounds are clipped to the report's.
func (bu builder) breakdownCharts(b *report.Breakdown, rangeURL, zone string, exact bool, narrow *callindex.Filter) []views.ChartView {
	empty := ""
	if b.Rows == 0 {
		empty = "No calls in this range."
	}
	share := func(n int64) views.TableCell { return views.TableCell{Text: shareOf(n, b.Rows), Num: true} }
	click, clickCause := "Click a slice to list the calls of the range.", "Click a bar to list the calls that ended with that cause."
	if exact {
		click, clickCause = "Click a slice to list its calls.", "Click a bar to list its calls."
	}

	outDesc := "How the calls ended. " + click
	outcomes := views.ChartView{ID: chart.IDOutcomes, Title: "Outcomes", Description: outDesc, Empty: empty,
		Table: views.DataTable{Head: []string{"Outcome", "Calls", "Share"}}}
	for i, o := range diagnosis.Outcomes() {
		link := rangeURL
		switch {
		case exact && narrow != nil && len(narrow.Outcomes) > 0 && !slices.Contains(narrow.Outcomes, o):
			link = ""
		case exact:
			link = bu.in.CallsURL(ParamOutcome, string(o))
		}
		outcomes.Links = append(outcomes.Links, link)
		outcomes.Table.Rows = append(outcomes.Table.Rows, views.TableRow{Cells: []views.TableCell{
			{Text: o.Label(), URL: link}, numCell(b.Outcomes[i]), share(b.Outcomes[i])}})
	}
	bu.setOptions(&outcomes, chart.Outcomes(b, outDesc))

	causeDesc := "The most frequent hangup causes. " + clickCause
	causes := views.ChartView{ID: chart.IDCauses, Title: "Hangup causes", Description: causeDesc, Empty: empty,
		Table: views.DataTable{Head: []string{"Hangup cause", "Calls", "Share"}}}
	for _, c := range report.TopCauses(b.CauseCounts()) {
		link := rangeURL
		switch {
		case c.Name != report.NoCause && c.Name != report.OtherCause:
			link = bu.in.CallsURL(vobiz.ParamHangupCause, c.Name)
		case exact:
			link = ""
		}
		causes.Links = append(causes.Links, link)
		causes.Table.Rows = append(causes.Table.Rows, views.TableRow{Cells: []views.TableCell{
			{Text: c.Name, URL: link}, numCell(c.N), share(c.N)}})
	}
	bu.setOptions(&causes, chart.Causes(b.CauseCounts(), causeDesc))

	t := bu.in.Thresholds
	qualDesc := "Audio quality of each call: the worst of MOS (good ≥ " + fmtFloat(t.MOSGood) + ", acceptable ≥ " +
		fmtFloat(t.MOSFair) + "), jitter and packet loss. No media means no audio flowed (unanswered calls), not poor audio."
	if exact {
		qualDesc += " Click a bar to list its calls."
	}
	quality := views.ChartView{ID: chart.IDQuality, Title: "Audio quality", Description: qualDesc, Empty: empty,
		Table: views.DataTable{Head: []string{"Quality", "Calls", "Share"}}}
	for i, band := range report.Bands() {
		if band == diagnosis.BandUnknown && b.Quality[i] == 0 {
			continue // as in the chart
		}
		link := rangeURL
		if exact {
			link = ""
			excluded := narrow != nil && len(narrow.Qualities) > 0 && !slices.Contains(narrow.Qualities, band)
			if v := QualityParam(band); v != "" && !excluded {
				link = bu.in.CallsURL(ParamQuality, v)
			}
		}
		quality.Links = append(quality.Links, link)
		quality.Table.Rows = append(quality.Table.Rows, views.TableRow{Cells: []views.TableCell{
			{Text: band.Label(), URL: link}, numCell(b.Quality[i]), share(b.Quality[i])}})
	}
	bu.setOptions(&quality, chart.Quality(b, qualDesc))

	var withMOS int64
	for _, n := range b.MOS {
		withMOS += n
	}
	mosDesc := "Calls by MOS, in steps of " + fmtFloat(report.MOSStep) + "; bars are coloured by quality band " +
		"(green good, orange acceptable, red poor). Calls without media are left out."
	if exact {
		mosDesc += " A MOS on an edge (3.50) counts in the bar it starts. Click a bar to list its calls."
	}
	mos := views.ChartView{ID: chart.IDMOS, Title: "MOS distribution", Description: mosDesc, Empty: empty,
		Table: views.DataTable{Head: []string{"MOS", "Calls", "Share of calls with a MOS"}}}
	if withMOS == 0 && empty == "" {
		mos.Empty = "No call in this range carried a MOS."
	}
	for i := range report.MOSBuckets {
		lo, _ := report.MOSBucketRange(i)
		link, cellURL := rangeURL, ""
		if exact {
			link = ""
			if lo, hi, ok := mosBounds(b, i, narrow); ok {
				link = bu.in.CallsURL(ParamMinMOS, lo, ParamMaxMOS, hi)
			}
			cellURL = link
		}
		mos.Links = append(mos.Links, link)
		mos.Table.Rows = append(mos.Table.Rows, views.TableRow{Cells: []views.TableCell{
			{Text: report.MOSBucketLabel(i) + " (" + t.MOSBand(lo).Label() + ")", URL: cellURL}, numCell(b.MOS[i]),
			{Text: shareOf(b.MOS[i], withMOS), Num: true}}})
	}
	bu.setOptions(&mos, chart.MOSHistogram(b, t, mosDesc))

	hwDesc := "Calls by hour of day and weekday, in " + zone + ". Darker cells had more calls."
	if exact {
		hwDesc += " Click a cell to list its calls."
	}
	hw := views.ChartView{ID: chart.IDHourWeekday, Title: "Calls by hour and weekday", Description: hwDesc,
		Wide: true, Empty: empty, Table: views.DataTable{Head: []string{"Weekday"}}}
	for hr := range 24 {
		hw.Table.Head = append(hw.Table.Head, report.HourLabel(hr))
	}
	for d, name := range report.Weekdays {
		row := views.TableRow{Cells: []views.TableCell{{Text: name}}}
		for hr := range 24 {
			cell := numCell(b.HourWeekday[d][hr])
			if exact {
				// The heat map's data runs weekday by weekday, hour by
				// hour (chart.HourWeekday): its dataIndex is d·24 + hr.
				cell.URL = bu.in.CallsURL(ParamHour, strconv.Itoa(hr), ParamWeekday, WeekdayParams[d])
				hw.Links = append(hw.Links, cell.URL)
			}
			row.Cells = append(row.Cells, cell)
		}
		hw.Table.Rows = append(hw.Table.Rows, row)
	}
	bu.setOptions(&hw, chart.HourWeekday(b, hwDesc))

	for _, c := range []*views.ChartView{&outcomes, &causes, &quality, &mos, &hw} {
		c.DownloadURL = bu.download(c.ID)
	}
	return []views.ChartView{outcomes, causes, quality, mos, hw}
}

// mosBounds are bucket i's drill-down bounds (report.MOSBucketMin and
// MOSBucketMax), clipped to the report's own MOS filters; ok is false when
// nothing is left (the bucket's value is then 0).
func mosBounds(b *report.Breakdown, i int, narrow *callindex.Filter) (lo, hi string, ok bool) {
	lo, hi = report.MOSBucketMin(i), report.MOSBucketMax(b, i)
	if narrow == nil {
		return lo, hi, true
	}
	l, _ := strconv.ParseFloat(lo, 64)
	h, _ := strconv.ParseFloat(hi, 64)
	if narrow.MinMOS != nil && *narrow.MinMOS > l {
		l, lo = *narrow.MinMOS, strconv.FormatFloat(*narrow.MinMOS, 'g', -1, 64)
	}
	if narrow.MaxMOS != nil && *narrow.MaxMOS < h {
		h, hi = *narrow.MaxMOS, strconv.FormatFloat(*narrow.MaxMOS, 'g', -1, 64)
	}
	return lo, hi, l <= h
}

// setOptions marshals a chart into the view. A chart that cannot be
// marshalled (a bug) shows its table only.
func (b builder) setOptions(v *views.ChartView, c chart.Chart) {
	if v.Empty != "" {
		return
	}
	opts, err := chart.Marshal(c)
	if err != nil {
		b.log().Error("chart options", "chart", v.ID, "err", err)
		v.Empty = "This chart could not be drawn; its numbers are in the table below."
		return
	}
	v.Options = opts
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
				vobiz.FormatShortDuration(seconds(int64(prev.TotalBillableSeconds))))
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
	if pct > 999.9 {
		// A tiny previous amount makes any percentage absurd.
		return "▲ over 10× (previous " + prevText + ")", "up"
	}
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

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
