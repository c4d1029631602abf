package report

import (
	"errors"
	"fmt"
	"time"
)

// Bucket units of a local window's series.
const (
	UnitDay   = "day"
	UnitWeek  = "week" // ISO weeks: Monday to Sunday
	UnitMonth = "month"
	// MaxBuckets is the most points a chosen unit may give: beyond it the
	// bars are thinner than a pixel on a laptop.
	MaxBuckets = 400
	// dayUnitDays and weekUnitDays are the longest windows drawn in days
	// and in weeks by default: about two months of days and half a year
	// of weeks stay readable (31 to 62 bars, 27 bars).
	dayUnitDays  = 62
	weekUnitDays = 190
)

// ErrBadUnit is returned for a unit that is not day, week or month, or
// that would give more than MaxBuckets points.
var ErrBadUnit = errors.New("report: unknown bucket")

// localDays counts the calendar days of loc that [from, to) touches.
func localDays(from, to time.Time, loc *time.Location) int {
	a, b := from.In(loc), to.Add(-time.Nanosecond).In(loc)
	first := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	last := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(last.Sub(first)/(24*time.Hour)) + 1
}

// ChooseUnit is the default unit for a window: days up to about two
// months, weeks up to about half a year, months beyond.
func ChooseUnit(from, to time.Time, loc *time.Location) string {
	switch n := localDays(from, to, loc); {
	case n <= dayUnitDays:
		return UnitDay
	case n <= weekUnitDays:
		return UnitWeek
	}
	return UnitMonth
}

// unitStart is the start of the unit holding t, in loc: local midnight,
// the Monday of its ISO week, or the first of its month. Built with
// time.Date, so a DST change never shifts it off midnight.
func unitStart(t time.Time, loc *time.Location, unit string) time.Time {
	t = t.In(loc)
	switch unit {
	case UnitWeek:
		back := (int(t.Weekday()) + 6) % 7 // days since Monday
		return time.Date(t.Year(), t.Month(), t.Day()-back, 0, 0, 0, 0, loc)
	case UnitMonth:
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// nextUnit is the start of the unit after the one starting at start. It
// adds calendar days or months (AddDate), never 24 hours: a local day is
// 23 or 25 hours long on a DST change.
func nextUnit(start time.Time, unit string) time.Time {
	switch unit {
	case UnitWeek:
		return start.AddDate(0, 0, 7)
	case UnitMonth:
		return start.AddDate(0, 1, 0)
	}
	return start.AddDate(0, 0, 1)
}

// LocalBuckets cuts [from, to) into units of loc, the first and last cut
// by the window (Partial), the one containing now marked SoFar. It
// refuses an unknown unit and more than MaxBuckets points.
func LocalBuckets(from, to time.Time, loc *time.Location, unit string, now time.Time) ([]Bucket, error) {
	if unit != UnitDay && unit != UnitWeek && unit != UnitMonth {
		return nil, fmt.Errorf("%w %q: choose day, week or month", ErrBadUnit, unit)
	}
	if !to.After(from) {
		return nil, errors.New("report: the window is empty")
	}
	var out []Bucket
	for u := unitStart(from, loc, unit); u.Before(to); u = nextUnit(u, unit) {
		if len(out) == MaxBuckets {
			return nil, fmt.Errorf("%w: %s buckets would give more than %d points", ErrBadUnit, unit, MaxBuckets)
		}
		end := nextUnit(u, unit)
		b := Bucket{Start: maxTime(u, from), End: minTime(end, to)}
		b.Partial = !b.Start.Equal(u) || !b.End.Equal(end)
		b.SoFar = !now.Before(b.Start) && now.Before(b.End)
		b.Live = now.Before(b.End)
		b.Partial = b.Partial || b.SoFar
		b.Date = b.Start.In(loc).Format("2006-01-02")
		b.Label = bucketLabel(b.Start.In(loc), unit)
		out = append(out, b)
	}
	return out, nil
}

// bucketLabel names a bucket by its first day: "Mon 2 Nov", "Wk 2 Nov",
// "Nov 2026". Years appear on months only; the page states the period.
func bucketLabel(t time.Time, unit string) string {
	switch unit {
	case UnitWeek:
		return "Wk " + t.Format("2 Jan")
	case UnitMonth:
		return t.Format("Jan 2006")
	}
	return t.Format("Mon 2 Jan")
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
