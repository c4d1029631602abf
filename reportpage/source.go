package reportpage

import (
	"strconv"
	"time"

	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/report"
)

// The calls list's index-only URL parameters the drill-downs write
// (docs/call-index.md; the list parses them). Bounds are inclusive; hour
// and weekday are the start's, in the viewer's zone, within the dates.
const (
	ParamOutcome = "outcome"
	ParamQuality = "quality"
	ParamMinMOS  = "min_mos"
	ParamMaxMOS  = "max_mos"
	ParamHour    = "hour"
	ParamWeekday = "weekday"
)

// WeekdayParams are the weekday parameter's values, Monday first like
// report.Weekdays.
var WeekdayParams = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// QualityParam is a band as the quality parameter writes it: the issue's
// word "acceptable" for diagnosis.BandFair; "" for a band the parameter
// cannot select (unknown).
func QualityParam(b diagnosis.Band) string {
	switch b {
	case diagnosis.BandFair:
		return "acceptable"
	case diagnosis.BandGood, diagnosis.BandPoor, diagnosis.BandNoMedia:
		return string(b)
	}
	return ""
}

// SourceBanner says that a report came from the API although an index is
// configured, and what the index covers, e.g. "Live from Vobiz: the index
// covers 8 Sep – 7 Dec". "" without an index. The days are UTC days, as
// the index syncs them and the reports cut them.
func SourceBanner(st *report.IndexState) string {
	switch {
	case st == nil:
		return ""
	case st.Err != nil:
		return "Live from Vobiz: the index could not be read"
	case st.Coverage.IsZero():
		return "Live from Vobiz: the index is still building"
	}
	from, to := st.Coverage.From.UTC(), st.Coverage.To.Add(-time.Microsecond).UTC()
	layout := "2 Jan"
	if from.Year() != to.Year() {
		layout = "2 Jan 2006"
	}
	return "Live from Vobiz: the index covers " + from.Format(layout) + " – " + to.Format(layout)
}

// Freshness says how old an index answer is: "Synced 8 s ago" (minutes,
// hours or days once longer).
func Freshness(st *report.IndexState, now time.Time) string {
	if st == nil || st.Coverage.LastPoll.IsZero() {
		return "Synced: not polled yet"
	}
	age := max(now.Sub(st.Coverage.LastPoll), 0)
	switch {
	case age < time.Minute:
		return "Synced " + strconv.Itoa(int(age/time.Second)) + " s ago"
	case age < time.Hour:
		return "Synced " + strconv.Itoa(int(age/time.Minute)) + " min ago"
	case age < 48*time.Hour:
		return "Synced " + strconv.Itoa(int(age/time.Hour)) + " h ago"
	}
	return "Synced " + strconv.Itoa(int(age/(24*time.Hour))) + " days ago"
}
