package handlers

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/report"
	"github.com/cdrdash/cdrdash/report/chart"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
)

// paramPart names the chart a Reports CSV download is of.
const paramPart = "part"

// reportParts are the charts of /reports that can be downloaded.
var reportParts = []string{chart.IDCallsPerDay, chart.IDTalkCost, chart.IDOutcomes, chart.IDCauses,
	chart.IDQuality, chart.IDMOS, chart.IDHourWeekday}

// downloadReport is one chart of /reports as CSV: the rows of its data
// table, as the page shows them but with numbers a spreadsheet can add up
// (plainNumber). The report is built in full
// and the file written in memory before a byte is sent, so a failure is
// an error page, never half a file. The file is small: at most a few
// hundred rows.
func (h *Handler) downloadReport(w http.ResponseWriter, r *http.Request) error {
	part := r.URL.Query().Get(paramPart)
	if !slices.Contains(reportParts, part) {
		return badRequest("Choose which chart to download: part must be one of " + strings.Join(reportParts, ", ") + ".")
	}
	q := h.parseFilters(r)
	loc := h.zone(r)
	_, req := h.reportRequest(r.Context(), q, loc, h.Now())
	if q.invalid() {
		return q.err()
	}
	rep, err := h.Reports.Build(r.Context(), req)
	if err != nil {
		return err
	}
	v := h.reportView(r, q, req, rep, loc)
	i := slices.IndexFunc(append(slices.Clone(v.DayCharts), v.BreakdownCharts...),
		func(c views.ChartView) bool { return c.ID == part })
	if i < 0 {
		// The breakdowns failed: their charts are absent.
		return fmt.Errorf("report download %s: %w", part, firstErr(rep.BreakdownErr, rep.Range.Err))
	}
	c := append(slices.Clone(v.DayCharts), v.BreakdownCharts...)[i]
	if err := firstErr(partErr(rep, part)); err != nil {
		return fmt.Errorf("report download %s: %w", part, err)
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	_ = cw.Write(c.Table.Head)
	for _, row := range c.Table.Rows {
		rec := make([]string, len(row.Cells))
		for j, cell := range row.Cells {
			if cell.Num {
				rec[j] = plainNumber(cell.Text)
				continue
			}
			rec[j] = csvSafe(cell.Text)
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report download %s: %w", part, err)
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/csv; charset=utf-8")
	hd.Set("Content-Disposition", `attachment; filename="`+reportFilename(part, q, rep, loc)+`"`)
	_, err = w.Write(buf.Bytes())
	return err
}

// shownNumber is a number as the page shows it: an optional currency
// (a symbol, or a code and a space), grouping commas or no-break spaces,
// decimals, an optional percent sign.
var shownNumber = regexp.MustCompile(`^(?:[₹$€£]|[A-Z]{3}[\s\x{00A0}\x{202F}])?(-?[0-9][0-9,\x{00A0}\x{202F}]*(?:\.[0-9]+)?)[\s\x{00A0}\x{202F}]*%?$`)

// plainNumber turns a shown number ("24,162", "₹1,50,328.20", "68.2 %")
// into one a spreadsheet reads as a number ("24162", "150328.20",
// "68.2"); anything else (a duration such as "1h 02m", "—") stays as
// shown.
func plainNumber(s string) string {
	m := shownNumber.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return csvSafe(s)
	}
	return strings.NewReplacer(",", "", "\u00a0", "", "\u202f", "").Replace(m[1])
}

// partErr is the failure that empties a part, if any: a missing bucket
// would otherwise be a row saying "not loaded" in a file meant for sums.
func partErr(rep *report.Report, part string) error {
	switch part {
	case chart.IDCallsPerDay, chart.IDTalkCost:
		if m := rep.Missing(); len(m) > 0 {
			return m[0].Err
		}
		return nil
	}
	return rep.BreakdownErr
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// reportFilename is cdrdash-<part>-<from>_<to>[-<filters>].csv: the
// window's first and last local day (with times when it does not cut at
// midnight), then the other filters as name-value pairs.
func reportFilename(part string, q *filterQuery, rep *report.Report, loc *time.Location) string {
	zone := rep.Zone
	if zone == nil {
		zone = loc
	}
	from, to := rep.Start, rep.End
	if !rep.From.IsZero() {
		a, z := rep.From.In(zone), rep.To.In(zone)
		if a.Equal(localMidnight(a, zone)) && z.Equal(localMidnight(z, zone)) {
			from, to = a.Format(vobiz.DateLayout), z.Add(-time.Nanosecond).Format(vobiz.DateLayout)
		} else {
			from, to = a.Format("2006-01-02T1504"), z.Format("2006-01-02T1504")
		}
	}
	name := "cdrdash-" + part + "-" + from + "_" + to
	var keys []string
	for k := range q.clean {
		if !contains(windowParams, k) && k != vobiz.ParamPerPage && k != paramPart {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		name += "-" + k + "-" + strings.Join(q.clean[k], "+")
	}
	return csvFilename(name, 120)
}
