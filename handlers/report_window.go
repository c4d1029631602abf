package handlers

import (
	"fmt"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/report"
	"github.com/cdrdash/cdrdash/vobiz"
)

// paramPeriod picks a billing period on the Reports pages: a calendar
// month in the viewer's zone, written YYYY-MM. It is shorthand for the
// from/to of that month, so a link with it stays the same month forever.
const paramPeriod = "period"

// periodLayout is how paramPeriod is written.
const periodLayout = "2006-01"

// reportWindow is the period a Reports page covers: half-open instants.
// Local windows (from/to, a period, the default) are cut in the viewer's
// zone and only the call index can answer them exactly; a window given
// as start_date/end_date is whole days as the API cuts them (UTC), which
// the API can answer too.
type reportWindow struct {
	From, To time.Time
	// Local: the window was given (or defaulted) in the viewer's zone.
	Local bool
	// Defaulted: the request named no window; the page may fall back to
	// the API's last report.DefaultDays UTC days when the index cannot
	// answer the local default.
	Defaulted bool
	// Period is the month picked with paramPeriod, "" for other windows.
	Period string
}

// Days is the window's length in calendar days of loc, rounded up.
func (w reportWindow) Days(loc *time.Location) int {
	a, b := w.From.In(loc), w.To.In(loc)
	first := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	last := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	n := int(last.Sub(first) / (24 * time.Hour))
	if !b.Equal(time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, loc)) {
		n++ // to is inside its day, which the window reaches
	}
	return max(n, 1)
}

// localMidnight is the start of t's calendar day in loc.
func localMidnight(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// parseReportWindow reads the window of a Reports page from q: period,
// from/to, or start_date/end_date, at most one of them, defaulting to the
// last report.DefaultDays local days with today. Problems go to q.errs
// under the parameter at fault; the window is then zero. A window longer
// than report.MaxDays days is refused: such a report would be slow and its
// chart unreadable.
func parseReportWindow(q *filterQuery, loc *time.Location, now time.Time) reportWindow {
	period := strings.TrimSpace(q.raw.Get(paramPeriod))
	if len(q.raw[paramPeriod]) > 1 {
		q.errs[paramPeriod] = "The parameter is given more than once."
		return reportWindow{}
	}
	hasLocal := !q.local.from.IsZero() || !q.local.to.IsZero()
	hasDays := q.filter.StartDate != "" || q.filter.EndDate != ""
	var w reportWindow
	switch {
	case period != "":
		if hasLocal || hasDays {
			q.errs[paramPeriod] = "Choose either a billing period or dates, not both."
			return reportWindow{}
		}
		m, err := time.ParseInLocation(periodLayout, period, loc)
		if err != nil || m.Year() < 2000 || m.Year() > 9999 {
			q.errs[paramPeriod] = "Choose a billing period like 2026-11 (a calendar month)."
			return reportWindow{}
		}
		w = reportWindow{From: m, To: m.AddDate(0, 1, 0), Local: true, Period: m.Format(periodLayout)}
		q.clean.Set(paramPeriod, w.Period)
	case hasLocal:
		w = reportWindow{From: q.local.from, To: q.local.to, Local: true}
		if w.To.IsZero() {
			w.To = localMidnight(now, loc).AddDate(0, 0, 1)
			if !w.To.After(w.From) {
				q.errs[paramTo] = "To must be after From."
				return reportWindow{}
			}
		}
		if w.From.IsZero() {
			w.From = localMidnight(w.To.Add(-time.Nanosecond), loc).AddDate(0, 0, -(report.DefaultDays - 1))
		}
	case hasDays:
		switch {
		case q.filter.StartDate == "":
			q.errs[vobiz.ParamStartDate] = "Give a start date too: the API takes the two dates only together."
			return reportWindow{}
		case q.filter.EndDate == "":
			q.errs[vobiz.ParamEndDate] = "Give an end date too: the API takes the two dates only together."
			return reportWindow{}
		}
		s, err1 := time.ParseInLocation(vobiz.DateLayout, q.filter.StartDate, time.UTC)
		e, err2 := time.ParseInLocation(vobiz.DateLayout, q.filter.EndDate, time.UTC)
		switch {
		case err1 != nil || err2 != nil:
			q.errs[vobiz.ParamEndDate] = "These dates do not make a range."
			return reportWindow{}
		case e.Before(s):
			q.errs[vobiz.ParamEndDate] = "The end date is before the start date."
			return reportWindow{}
		}
		w = reportWindow{From: s, To: e.AddDate(0, 0, 1)}
	default:
		today := localMidnight(now, loc)
		w = reportWindow{From: today.AddDate(0, 0, -(report.DefaultDays - 1)), To: today.AddDate(0, 0, 1),
			Local: true, Defaulted: true}
	}
	if !w.Local {
		// Whole UTC days: counted as the API counts them, not in loc.
		if n := w.Days(time.UTC); n > report.MaxDays {
			q.errs[vobiz.ParamEndDate] = fmt.Sprintf("A report covers at most %d days; these dates span %d days. "+
				"Choose a shorter range.", report.MaxDays, n)
			return reportWindow{}
		}
		return w
	}
	if n := w.Days(loc); n > report.MaxDays {
		name := paramTo
		if w.Period != "" {
			name = paramPeriod
		}
		q.errs[name] = fmt.Sprintf("A report covers at most %d days; this window spans %d. Choose a shorter one.",
			report.MaxDays, n)
		return reportWindow{}
	}
	return w
}
