package report

import (
	"fmt"
	"strconv"
)

// Labels and folds shared by the report page's tables and its charts
// (package report/chart), so both name the same categories the same way.

// maxCauseBars is how many hangup causes are shown before the rest are
// folded into OtherCause.
const maxCauseBars = 15

// TopCauses keeps the maxCauseBars most frequent causes and folds the rest
// into OtherCause, so the chart and its table show the same categories.
func TopCauses(counts []Count) []Count {
	if len(counts) <= maxCauseBars {
		return counts
	}
	out := append([]Count(nil), counts[:maxCauseBars-1]...)
	var rest int64
	for _, n := range counts[maxCauseBars-1:] {
		rest += n.N
	}
	return append(out, Count{OtherCause, rest})
}

// MOSBucketLabel names bucket i, e.g. "3.50–3.75".
func MOSBucketLabel(i int) string {
	lo, hi := MOSBucketRange(i)
	return strconv.FormatFloat(lo, 'f', 2, 64) + "–" + strconv.FormatFloat(hi, 'f', 2, 64)
}

// Weekdays are the rows of the hour-by-weekday breakdown, Monday first.
var Weekdays = []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// HourLabel names an hour of the day, e.g. "09".
func HourLabel(h int) string { return fmt.Sprintf("%02d", h) }

// AnswerRate is answered/total in percent (0 when total is 0).
func AnswerRate[N ~int | ~int64](answered, total N) float64 {
	if total <= 0 {
		return 0
	}
	return float64(answered) * 100 / float64(total)
}
