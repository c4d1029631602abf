package reportpage

import (
	"github.com/cdrdash/cdrdash/diagnosis"
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
