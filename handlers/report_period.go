package handlers

import (
	"context"
	"net/url"
	"time"

	"github.com/cdrdash/cdrdash/report"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
)

// maxPickerMonths bounds the month list: two years of billing periods is
// more than anyone reconciles from one list, and the window is at most a
// year anyway.
const maxPickerMonths = 24

// windowParams are the parameters that choose a report's window; the
// period picker replaces them and carries every other filter.
var windowParams = []string{paramPeriod, paramFrom, paramTo, vobiz.ParamStartDate, vobiz.ParamEndDate,
	paramBucket, vobiz.ParamPage}

// periodPicker builds the Reports page's billing-period control: the
// calendar months the index covers (in the viewer's zone), quick links,
// and the bucket unit. Without the index a local window cannot be
// answered, so only the unit and the default are offered.
func (h *Handler) periodPicker(ctx context.Context, q *filterQuery, rw reportWindow, loc *time.Location, now time.Time) views.PeriodPicker {
	pp := views.PeriodPicker{Action: h.url("/reports"), Selected: rw.Period, Error: q.errs[paramPeriod],
		Bucket: q.clean.Get(paramBucket),
		Buckets: []views.Option{{Value: report.UnitDay, Label: "Days"}, {Value: report.UnitWeek, Label: "Weeks"},
			{Value: report.UnitMonth, Label: "Months"}}}
	if pp.Error == "" {
		pp.Error = q.errs[paramBucket]
	}
	keep := url.Values{}
	for k, vs := range q.clean {
		if !contains(windowParams, k) {
			keep[k] = vs
		}
	}
	for k, vs := range keep {
		for _, v := range vs {
			pp.Hidden = append(pp.Hidden, views.Option{Value: k, Label: v})
		}
	}
	if q.raw.Get(paramPeriod) == "" && rw.Local && !rw.Defaulted {
		// Custom: keep the form's From and To when only the unit changes.
		pp.Hidden = append(pp.Hidden, views.Option{Value: paramFrom, Label: formatLocalParam(rw.From, loc)},
			views.Option{Value: paramTo, Label: formatLocalParam(rw.To, loc)})
	}
	link := func(pairs ...string) string {
		v := url.Values{}
		for k, vs := range keep {
			v[k] = vs
		}
		for i := 0; i+1 < len(pairs); i += 2 {
			v.Set(pairs[i], pairs[i+1])
		}
		return h.urlWith("/reports", v)
	}
	pp.Quick = append(pp.Quick, views.QuickLink{Key: "last-30-days", Label: "Last 30 days", URL: link(),
		Current: rw.Defaulted})
	if h.Index == nil {
		return pp
	}
	today := localMidnight(now, loc)
	month := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, loc)
	this, last := month.Format(periodLayout), month.AddDate(0, -1, 0).Format(periodLayout)
	yearFrom := month.AddDate(0, -11, 0)
	pp.Quick = append(pp.Quick,
		views.QuickLink{Key: "this-month", Label: "This month", URL: link(paramPeriod, this), Current: rw.Period == this},
		views.QuickLink{Key: "last-month", Label: "Last month", URL: link(paramPeriod, last), Current: rw.Period == last},
		views.QuickLink{Key: "last-12-months", Label: "Last 12 months",
			URL: link(paramFrom, formatLocalParam(yearFrom, loc), paramTo, formatLocalParam(today.AddDate(0, 0, 1), loc))})
	cov, err := h.Index.Coverage(ctx, now)
	if err != nil || cov.IsZero() {
		return pp
	}
	first := cov.From.In(loc)
	m := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, loc)
	lastCovered := cov.To.Add(-time.Nanosecond).In(loc)
	for end := time.Date(lastCovered.Year(), lastCovered.Month(), 1, 0, 0, 0, 0, loc); !end.Before(m) &&
		len(pp.Months) < maxPickerMonths; end = end.AddDate(0, -1, 0) {
		pp.Months = append(pp.Months, views.Option{Value: end.Format(periodLayout), Label: end.Format("January 2006")})
	}
	return pp
}
