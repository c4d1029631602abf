package handlers

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/reportpage"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
)

// Parameters only the call index can answer: the Vobiz API has no local
// time windows, outcome, quality, bounds, hour of day or sorting. They are
// part of the bookmarkable interface (docs/call-index.md, "Pages"). The
// ones the Reports page's drill-down links write are reportpage's, so the
// two cannot drift apart.
const (
	paramFrom        = "from"
	paramTo          = "to"
	paramOutcome     = reportpage.ParamOutcome
	paramQuality     = reportpage.ParamQuality
	paramMinMOS      = reportpage.ParamMinMOS
	paramMaxMOS      = reportpage.ParamMaxMOS
	paramMinCost     = "min_cost"
	paramMaxCost     = "max_cost"
	paramMaxDuration = "max_duration"
	paramHangupSrc   = "hangup_source"
	paramCauseCode   = "hangup_cause_code"
	paramRegion      = "region"
	paramTrunkID     = "trunk_id"
	paramCodec       = "codec"
	paramHour        = reportpage.ParamHour
	paramWeekday     = reportpage.ParamWeekday
	paramSort        = "sort"
	// paramHasRecording is "yes" or "no" ("" any): calls with or without a
	// recording in the index (docs/call-index.md#recordings).
	paramHasRecording = "has_recording"
)

// The values of has_recording.
const (
	hasRecordingYes = "yes"
	hasRecordingNo  = "no"
)

// qualityAcceptable is the URL's word for diagnosis.BandFair (what
// reportpage.QualityParam writes); "fair" is accepted too.
const qualityAcceptable = "acceptable"

// localLayouts are the accepted forms of from and to: what a
// datetime-local input sends, with or without seconds.
var localLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05"}

// indexFields are the controls of the index-only filters, shown when the
// index is on. sort has no control: the table's headers set it.
var indexFields = []filterField{
	{name: paramFrom, label: "From", typ: "datetime-local", hint: "Your time zone"},
	{name: paramTo, label: "To", typ: "datetime-local", hint: "Up to, not including"},
	{name: paramOutcome, label: "Outcome", typ: "checkboxes"},
	{name: paramQuality, label: "Quality", typ: "checkboxes"},
	{name: paramHasRecording, label: "Recording"},
	{name: paramMinMOS, label: "Min. MOS", typ: "text", placeholder: "3.5", hint: "0 to 5, this value included", more: true},
	{name: paramMaxMOS, label: "Max. MOS", typ: "text", placeholder: "4.2", hint: "0 to 5, this value included", more: true},
	{name: paramMinCost, label: "Min. cost", typ: "text", placeholder: "0.50", more: true},
	{name: paramMaxCost, label: "Max. cost", typ: "text", placeholder: "2.00", more: true},
	{name: paramMaxDuration, label: "Max. duration (s)", typ: "number", hint: "Includes ring time", more: true},
	{name: paramCauseCode, label: "Hangup cause code", typ: "number", placeholder: "7011", more: true},
	{name: paramHangupSrc, label: "Hangup source", typ: "text", placeholder: "Callee", more: true},
	{name: paramRegion, label: "Region", typ: "text", more: true},
	{name: paramTrunkID, label: "Trunk ID", typ: "text", more: true},
	{name: paramCodec, label: "Codec", typ: "text", placeholder: "PCMA", more: true},
	{name: paramHour, label: "Hour of day", typ: "number", placeholder: "0–23", hint: "Start time, your time zone", more: true},
	{name: paramWeekday, label: "Weekday", more: true},
}

var indexLabels = func() map[string]string {
	m := map[string]string{paramSort: "Sort"}
	for _, f := range indexFields {
		m[f.name] = f.label
	}
	return m
}()

func isIndexParam(name string) bool {
	_, ok := indexLabels[name]
	return ok
}

// outcomeOrder is the order outcomes are listed and written in links.
var outcomeOrder = []diagnosis.Outcome{diagnosis.Answered, diagnosis.Busy, diagnosis.NoAnswer, diagnosis.Failed, diagnosis.Cancelled}

// qualityOrder is the order quality bands are listed and written in links.
var qualityOrder = []diagnosis.Band{diagnosis.BandGood, diagnosis.BandFair, diagnosis.BandPoor, diagnosis.BandNoMedia}

var weekdayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"} // time.Weekday order

// localFilter is the index-only part of a request, validated.
type localFilter struct {
	from, to                    time.Time // instants; zero = not given
	outcomes                    []diagnosis.Outcome
	qualities                   []diagnosis.Band
	minMOS, maxMOS              *float64
	minCost, maxCost            *float64
	maxDuration                 *int
	causeCode                   *int64
	hangupSource, region, trunk string
	codec                       string
	hour                        *int
	weekday                     *time.Weekday
	sort                        callindex.Sort
	hasRecording                callindex.RecordingFilter
	used                        []string // index-only parameters present, in indexFields order
}

// hasDates reports whether the request names a window of its own.
func (q *filterQuery) hasDates() bool {
	return !q.local.from.IsZero() || !q.local.to.IsZero() || q.filter.StartDate != "" || q.filter.EndDate != ""
}

// parseLocal reads the index-only parameters from q.raw into q.local and
// q.clean (normalised, so links and the audit trail carry one spelling),
// recording problems in q.errs. Local times are read in loc.
func parseLocal(q *filterQuery, loc *time.Location) {
	l := &q.local
	single := func(name string) string {
		vals := q.raw[name]
		if len(vals) > 1 {
			q.errs[name] = "The parameter is given more than once."
			return ""
		}
		if len(vals) == 0 {
			return ""
		}
		return strings.TrimSpace(vals[0])
	}
	set := func(name, v string) {
		q.clean.Set(name, v)
		l.used = append(l.used, name)
	}

	for _, name := range []string{paramFrom, paramTo} {
		s := single(name)
		if s == "" {
			continue
		}
		t, ok := parseLocalTime(s, loc)
		if !ok {
			q.errs[name] = "Enter a date and time like 2026-12-06T09:30 (your time zone)."
			continue
		}
		if name == paramFrom {
			l.from = t
		} else {
			l.to = t
		}
		set(name, formatLocalParam(t, loc))
	}
	if !l.from.IsZero() && !l.to.IsZero() && !l.to.After(l.from) {
		q.errs[paramTo] = "To must be after From."
	}
	if (!l.from.IsZero() || !l.to.IsZero()) &&
		(strings.TrimSpace(q.raw.Get(vobiz.ParamStartDate)) != "" || strings.TrimSpace(q.raw.Get(vobiz.ParamEndDate)) != "") {
		q.errs[paramFrom] = "Use either From/To (date and time) or From date/To date (whole UTC days), not both."
	}

	if vals := splitValues(q.raw[paramOutcome]); len(vals) > 0 {
		seen := map[diagnosis.Outcome]bool{}
		for _, v := range vals {
			o := diagnosis.Outcome(strings.ToLower(v))
			if !o.Valid() {
				q.errs[paramOutcome] = "Outcome must be answered, busy, no_answer, failed or cancelled (not " +
					strconv.Quote(shortValue(v)) + ")."
				break
			}
			seen[o] = true
		}
		if q.errs[paramOutcome] == "" {
			for _, o := range outcomeOrder {
				if seen[o] {
					l.outcomes = append(l.outcomes, o)
					q.clean.Add(paramOutcome, string(o))
				}
			}
			l.used = append(l.used, paramOutcome)
		}
	}
	if vals := splitValues(q.raw[paramQuality]); len(vals) > 0 {
		seen := map[diagnosis.Band]bool{}
		for _, v := range vals {
			switch b := diagnosis.Band(strings.ToLower(v)); b {
			case diagnosis.BandGood, diagnosis.BandPoor, diagnosis.BandNoMedia:
				seen[b] = true
			case qualityAcceptable, diagnosis.BandFair:
				seen[diagnosis.BandFair] = true
			default:
				q.errs[paramQuality] = "Quality must be good, acceptable, poor or no_media (not " +
					strconv.Quote(shortValue(v)) + ")."
			}
		}
		if q.errs[paramQuality] == "" {
			for _, b := range qualityOrder {
				if seen[b] {
					l.qualities = append(l.qualities, b)
					q.clean.Add(paramQuality, reportpage.QualityParam(b))
				}
			}
			l.used = append(l.used, paramQuality)
		}
	}

	decimal := func(name string, lo, hi float64, msg string) *float64 {
		s := single(name)
		if s == "" {
			return nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < lo || f > hi || len(s) > 16 {
			q.errs[name] = msg
			return nil
		}
		set(name, strconv.FormatFloat(f, 'f', -1, 64))
		return &f
	}
	l.minMOS = decimal(paramMinMOS, 0, 5, "Min. MOS must be a number from 0 to 5, like 3.5.")
	l.maxMOS = decimal(paramMaxMOS, 0, 5, "Max. MOS must be a number from 0 to 5, like 3.5.")
	if l.minMOS != nil && l.maxMOS != nil && *l.minMOS > *l.maxMOS {
		q.errs[paramMaxMOS] = "Max. MOS must not be below Min. MOS."
	}
	l.minCost = decimal(paramMinCost, 0, 1e9, "Min. cost must be an amount of 0 or more, like 0.50.")
	l.maxCost = decimal(paramMaxCost, 0, 1e9, "Max. cost must be an amount of 0 or more, like 2.00.")
	if l.minCost != nil && l.maxCost != nil && *l.minCost > *l.maxCost {
		q.errs[paramMaxCost] = "Max. cost must not be below Min. cost."
	}
	whole := func(name string, lo, hi int64, msg string) *int64 {
		s := single(name)
		if s == "" {
			return nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < lo || n > hi {
			q.errs[name] = msg
			return nil
		}
		set(name, strconv.FormatInt(n, 10))
		return &n
	}
	if n := whole(paramMaxDuration, 0, 1e9, "Max. duration must be a whole number of seconds."); n != nil {
		d := int(*n)
		l.maxDuration = &d
	}
	l.causeCode = whole(paramCauseCode, 0, 1e9, "Hangup cause code must be a whole number, like 7011.")
	if n := whole(paramHour, 0, 23, "Hour must be a whole number from 0 to 23."); n != nil {
		h := int(*n)
		l.hour = &h
	}
	if s := strings.ToLower(single(paramWeekday)); s != "" {
		i := slices.IndexFunc(weekdayNames, func(w string) bool { return w == s })
		for d := range weekdayNames {
			if strings.ToLower(time.Weekday(d).String()) == s {
				i = d // the whole name, as people type it
			}
		}
		if i < 0 {
			q.errs[paramWeekday] = "Weekday must be mon, tue, wed, thu, fri, sat or sun."
		} else {
			wd := time.Weekday(i)
			l.weekday = &wd
			set(paramWeekday, weekdayNames[i])
		}
	}
	text := func(name string) string {
		s := single(name)
		if s == "" {
			return ""
		}
		if utf8.RuneCountInString(s) > vobiz.MaxValueLen || strings.ContainsFunc(s, unicode.IsControl) {
			q.errs[name] = "Enter at most " + strconv.Itoa(vobiz.MaxValueLen) + " characters, without control characters."
			return ""
		}
		set(name, s)
		return s
	}
	l.hangupSource, l.region = text(paramHangupSrc), text(paramRegion)
	l.trunk, l.codec = text(paramTrunkID), text(paramCodec)

	switch s := strings.ToLower(single(paramHasRecording)); s {
	case "", "any":
	case hasRecordingYes, "true", "1", "recorded":
		l.hasRecording = callindex.RecordingWith
		set(paramHasRecording, hasRecordingYes)
	case hasRecordingNo, "false", "0", "not_recorded":
		l.hasRecording = callindex.RecordingWithout
		set(paramHasRecording, hasRecordingNo)
	default:
		q.errs[paramHasRecording] = "Recording must be yes (recorded calls) or no (calls not recorded), not " +
			strconv.Quote(shortValue(s)) + "."
	}

	if s := single(paramSort); s != "" {
		srt, err := callindex.ParseSort(s)
		if err != nil {
			q.errs[paramSort] = "Sort must be start, duration, talk, ring, cost or mos, with a leading - for " +
				"largest (or newest) first."
		} else if s != "-start" {
			// "-start" is the default order: it needs no index and no link.
			l.sort = srt
			set(paramSort, s)
		}
	}
	// used in the form's order, so a message names them as the form does
	slices.SortStableFunc(l.used, func(a, b string) int { return paramRank(a) - paramRank(b) })
	l.used = slices.Compact(l.used)
}

func paramRank(name string) int {
	if i := slices.IndexFunc(indexFields, func(f filterField) bool { return f.name == name }); i >= 0 {
		return i
	}
	return len(indexFields)
}

// splitValues reads a repeatable parameter, also accepting comma lists
// (outcome=busy,failed); empty items are dropped.
func splitValues(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func shortValue(s string) string {
	if utf8.RuneCountInString(s) > 24 {
		return string([]rune(s)[:24]) + "…"
	}
	return s
}

// parseLocalTime reads a wall-clock time in loc. time.Date resolves a time
// that does not exist (the hour skipped when DST starts) and one that
// exists twice (the hour repeated when it ends) to one instant; the same
// rule applies to from and to, so windows built from them stay half-open
// and adjacent ones do not overlap.
func parseLocalTime(s string, loc *time.Location) (time.Time, bool) {
	for _, layout := range localLayouts {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		if t.Year() < 1970 || t.Year() > 9999 {
			return time.Time{}, false
		}
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc), true
	}
	return time.Time{}, false
}

// formatLocalParam writes t as from and to are written in links: minutes,
// or seconds when it has some.
func formatLocalParam(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	if t.Second() != 0 {
		return t.Format(localLayouts[1])
	}
	return t.Format(localLayouts[0])
}

// indexFilter is q as a callindex query over the window w that the source
// decision settled (see source.go).
func (h *Handler) indexFilter(q *filterQuery, w window, loc *time.Location) (callindex.Filter, error) {
	api := q.filter
	api.Page, api.PerPage = 0, 0
	l := &q.local
	f := callindex.Filter{
		From: l.from, To: l.to, API: api,
		Outcomes: l.outcomes, Qualities: l.qualities, Thresholds: h.Thresholds,
		MinMOS: l.minMOS, MaxMOS: l.maxMOS, MinCost: l.minCost, MaxCost: l.maxCost,
		MaxDuration: l.maxDuration, HangupCauseCode: l.causeCode,
		HangupSource: l.hangupSource, Region: l.region, TrunkID: l.trunk, Codec: l.codec,
		Sort: l.sort, HasRecording: l.hasRecording,
	}
	if f.From.IsZero() && api.StartDate == "" {
		f.From = w.from // no start of its own: the indexed period
	}
	if l.hour != nil || l.weekday != nil {
		ws, err := localWindows(w.from, w.to, l.hour, l.weekday, loc)
		if err != nil {
			return callindex.Filter{}, err
		}
		f.Windows = ws
	}
	return f, nil
}

// localWindows are the start-time windows of hour and weekday (either may
// be nil) in loc within [from, to): one per matching local day, clipped
// to the range. The hour is cut with time.Date on the day, so across a DST
// change it is still that wall-clock hour. None match: one empty window,
// so the filter matches nothing rather than being dropped.
func localWindows(from, to time.Time, hour *int, weekday *time.Weekday, loc *time.Location) ([]callindex.Window, error) {
	if from.IsZero() || to.IsZero() || !to.After(from) {
		return []callindex.Window{{From: from, To: from}}, nil
	}
	var out []callindex.Window
	lf := from.In(loc)
	for d := time.Date(lf.Year(), lf.Month(), lf.Day(), 0, 0, 0, 0, loc); d.Before(to); d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc) {
		if weekday != nil && d.Weekday() != *weekday {
			continue
		}
		ws, we := d, time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
		if hour != nil {
			ws = time.Date(d.Year(), d.Month(), d.Day(), *hour, 0, 0, 0, loc)
			we = time.Date(d.Year(), d.Month(), d.Day(), *hour+1, 0, 0, 0, loc)
		}
		if ws.Before(from) {
			ws = from
		}
		if we.After(to) {
			we = to
		}
		if !we.After(ws) {
			continue
		}
		if len(out) == callindex.MaxWindows {
			return nil, badRequest("The hour and weekday filters work over at most " +
				strconv.Itoa(callindex.MaxWindows) + " days at a time. Choose a shorter range of dates.")
		}
		out = append(out, callindex.Window{From: ws, To: we})
	}
	if len(out) == 0 {
		return []callindex.Window{{From: from, To: from}}, nil
	}
	return out, nil
}

// indexChips are the chips of the index-only filters, on a page the
// index answered (a page that does not read the index must not show
// filters it did not apply).
func (h *Handler) indexChips(action string, q *filterQuery, loc *time.Location) []views.Chip {
	if q.src == nil || !q.src.index {
		return nil
	}
	l := &q.local
	var out []views.Chip
	if !l.from.IsZero() || !l.to.IsZero() {
		label := "from " + views.FormatTime(l.from, loc)
		switch {
		case l.from.IsZero():
			label = "before " + views.FormatTime(l.to, loc)
		case !l.to.IsZero():
			label = views.FormatTime(l.from, loc) + " – " + views.FormatTime(l.to, loc)
		}
		out = append(out, views.Chip{Label: "Time", Value: label,
			RemoveURL: h.urlWith(action, q.with(paramFrom, "", paramTo, ""))})
	}
	for _, name := range l.used {
		var v string
		switch name {
		case paramFrom, paramTo:
			continue
		case paramOutcome:
			labels := make([]string, len(l.outcomes))
			for i, o := range l.outcomes {
				labels[i] = o.Label()
			}
			v = strings.Join(labels, " or ")
		case paramQuality:
			labels := make([]string, len(l.qualities))
			for i, b := range l.qualities {
				labels[i] = b.Label()
			}
			v = strings.Join(labels, " or ")
		case paramWeekday:
			v = l.weekday.String()
		case paramHour:
			v = strconv.Itoa(*l.hour) + ":00–" + strconv.Itoa(*l.hour+1) + ":00"
		case paramSort:
			continue // shown by the table's headers
		case paramHasRecording:
			v = "not recorded"
			if l.hasRecording == callindex.RecordingWith {
				v = "recorded"
			}
		default:
			v = q.clean.Get(name)
		}
		out = append(out, views.Chip{Label: indexLabels[name], Value: v, RemoveURL: h.urlWith(action, q.with(name, ""))})
	}
	return out
}

// indexControls are the index-only form controls.
func (h *Handler) indexControls(q *filterQuery) (primary, more []views.FieldView) {
	for _, f := range indexFields {
		fv := views.FieldView{Name: f.name, Label: f.label, Type: f.typ, Placeholder: f.placeholder,
			Hint: f.hint, Error: q.errs[f.name]}
		fv.Value = q.raw.Get(f.name)
		if fv.Error == "" {
			fv.Value = q.clean.Get(f.name)
		}
		switch f.name {
		case paramOutcome:
			fv.Values = q.clean[paramOutcome]
			for _, o := range outcomeOrder {
				fv.Options = append(fv.Options, views.Option{Value: string(o), Label: o.Label()})
			}
		case paramQuality:
			fv.Values = q.clean[paramQuality]
			for _, b := range qualityOrder {
				fv.Options = append(fv.Options, views.Option{Value: reportpage.QualityParam(b), Label: b.Label()})
			}
		case paramHasRecording:
			fv.Options = []views.Option{{Value: "", Label: "Any"}, {Value: hasRecordingYes, Label: "Recorded"},
				{Value: hasRecordingNo, Label: "Not recorded"}}
			fv.TestID = "filter-has-recording"
		case paramWeekday:
			fv.Options = []views.Option{{Value: "", Label: "Any day"}}
			for i := range 7 {
				d := time.Weekday((i + 1) % 7) // Monday first
				fv.Options = append(fv.Options, views.Option{Value: weekdayNames[d], Label: d.String()})
			}
		}
		if f.more {
			more = append(more, fv)
		} else {
			primary = append(primary, fv)
		}
	}
	return primary, more
}
