package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/phone"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
)

// apiDayZone is where the Vobiz API cuts its days for start_date and
// end_date. The docs do not say; its timestamps are UTC, and so are the
// sandbox's days and the reports'. Date presets and "today" links use it,
// so "Today" asks the API for the day it is filing calls under right now,
// even at 02:00 in India.
var apiDayZone = time.UTC

// maxQueryLen bounds the whole query string of a filtered page; every
// single value is bounded by vobiz.MaxValueLen too.
const maxQueryLen = 4096

// filterField describes one filter control. The names are the API's own,
// so a dashboard URL reads like the API request it makes.
type filterField struct {
	name, label, typ, placeholder, hint string
	more                                bool // under "More filters"
}

var filterFields = []filterField{
	{name: vobiz.ParamSearch, label: "Search", typ: "search", placeholder: "Number, name, UUID…", hint: "Matches caller, destination and IDs"},
	{name: vobiz.ParamFromNumber, label: "Caller number", typ: "text", placeholder: "98765 43210", hint: "Any format, or part of a number"},
	{name: vobiz.ParamToNumber, label: "Destination number", typ: "text", placeholder: "+91 80 1234 5678", hint: "Any format, part of a number, or a SIP URI"},
	{name: vobiz.ParamStartDate, label: "From date", typ: "date"},
	{name: vobiz.ParamEndDate, label: "To date", typ: "date"},
	{name: vobiz.ParamCallDirection, label: "Direction"},
	{name: vobiz.ParamHangupCause, label: "Hangup cause"},
	{name: vobiz.ParamMinDuration, label: "Min. duration (s)", typ: "number", placeholder: "0", hint: "Includes ring time"},
	{name: vobiz.ParamSIPCallID, label: "SIP Call-ID", typ: "text", more: true},
	{name: vobiz.ParamBridgeUUID, label: "Bridge UUID", typ: "text", more: true},
	{name: vobiz.ParamHangupDisposition, label: "Disposition", more: true},
	{name: vobiz.ParamContext, label: "Context", typ: "text", placeholder: "voice-api", more: true},
	{name: vobiz.ParamCampaignID, label: "Campaign ID", typ: "text", more: true},
}

var filterLabels = func() map[string]string {
	m := map[string]string{}
	for _, f := range filterFields {
		m[f.name] = f.label
	}
	return m
}()

// filterQuery is a parsed, validated and normalised filter request.
type filterQuery struct {
	raw    url.Values // what the user sent
	clean  url.Values // normalised values, as sent upstream (and as links carry them)
	filter vobiz.Filter
	errs   map[string]string
	// local is the index-only part (index_filters.go), read in loc, the
	// viewer's zone.
	local localFilter
	loc   *time.Location
	// src is the source decision once made (source.go); nil before, and
	// on pages that do not read the index.
	src *source
}

func (q *filterQuery) invalid() bool { return len(q.errs) > 0 }

// err returns the problems as one validation error.
func (q *filterQuery) err() error {
	if !q.invalid() {
		return nil
	}
	v := &vobiz.ValidationError{}
	for _, f := range filterFields {
		if m, ok := q.errs[f.name]; ok {
			v.Fields = append(v.Fields, vobiz.FieldError{Field: f.name, Message: m})
		}
	}
	for _, f := range indexFields {
		if m, ok := q.errs[f.name]; ok {
			v.Fields = append(v.Fields, vobiz.FieldError{Field: f.name, Message: m})
		}
	}
	for _, name := range []string{paramSort, vobiz.ParamPage, vobiz.ParamPerPage, "q", paramIndex, paramPeriod, paramBucket} {
		if m, ok := q.errs[name]; ok {
			v.Fields = append(v.Fields, vobiz.FieldError{Field: name, Message: m})
		}
	}
	return v
}

// parseFilters reads the filters of a /calls, /reports or export request:
// phone numbers typed in any common format are turned into the form that
// matches them however a record stores them, then the API's own rules
// apply. Nothing is sent upstream when this reports problems.
func (h *Handler) parseFilters(r *http.Request) *filterQuery {
	return h.parseValues(r.URL.Query(), len(r.URL.RawQuery), h.zone(r))
}

// parseValues is parseFilters for a query already split into values (a
// list's query carried to a call page), read in the viewer's zone loc.
func (h *Handler) parseValues(raw url.Values, rawLen int, loc *time.Location) *filterQuery {
	q := &filterQuery{raw: raw, clean: url.Values{}, errs: map[string]string{}, loc: loc}
	if rawLen > maxQueryLen {
		q.errs["q"] = "The address is too long. Use fewer or shorter filters."
		return q
	}
	norm := phone.Normalizer{Region: h.PhoneRegion}
	for name, vals := range q.raw {
		if !isFilterParam(name) || isIndexParam(name) {
			continue // unknown parameters are dropped, never forwarded; parseLocal reads the index's
		}
		v := vals
		if len(vals) == 1 {
			s := strings.TrimSpace(vals[0])
			if s == "" {
				continue
			}
			switch name {
			case vobiz.ParamFromNumber, vobiz.ParamToNumber:
				// A number, whole or partial, goes as the form that matches
				// it however the record stores it (phone.MatchForm). Anything
				// else (a SIP URI such as sip:agent@pbx.example.com, an
				// extension, a name) is what some records hold in these
				// fields: it goes as typed, and the API matches it by
				// substring. ParseFilter still bounds its length and refuses
				// control characters.
				if n, _, err := norm.MatchForm(s); err == nil {
					s = n
				}
			case vobiz.ParamSearch:
				// A whole number typed with spaces or a prefix would not
				// match the API's substring search: send its matching form.
				// A long run of digits with separators loses them. Other
				// text is searched as typed.
				if n, full, err := norm.MatchForm(s); err == nil && (full || digitCount(s) >= 8) {
					s = n
				}
			}
			v = []string{s}
		}
		q.clean[name] = v
	}
	f, err := vobiz.ParseFilter(q.clean)
	var verr *vobiz.ValidationError
	if errors.As(err, &verr) {
		for _, fe := range verr.Fields {
			if _, dup := q.errs[fe.Field]; !dup {
				q.errs[fe.Field] = fe.Message
			}
		}
	}
	q.filter = f
	parseLocal(q, loc)
	return q
}

func isFilterParam(name string) bool {
	if name == vobiz.ParamPage || name == vobiz.ParamPerPage || isIndexParam(name) {
		return true
	}
	_, ok := filterLabels[name]
	return ok
}

func digitCount(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// with returns a copy of the clean query with key set (or removed when
// value is "") and the page reset, for links.
func (q *filterQuery) with(pairs ...string) url.Values {
	out := url.Values{}
	for k, v := range q.clean {
		out[k] = append([]string(nil), v...)
	}
	out.Del(vobiz.ParamPage)
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			out.Del(pairs[i])
		} else {
			out.Set(pairs[i], pairs[i+1])
		}
	}
	return out
}

// subject is the clean query without paging: the set of calls itself.
func (q *filterQuery) subject() url.Values {
	return q.with(vobiz.ParamPerPage, "")
}

// urlWith builds a page URL under the base path.
func (h *Handler) urlWith(path string, v url.Values) string {
	if len(v) == 0 {
		return h.url(path)
	}
	return h.url(path) + "?" + v.Encode()
}

// filterForm builds the form's controls. Values come from the API's
// filters echo where it has the key (what Vobiz says it applied), and from
// the request otherwise.
func (h *Handler) filterForm(action string, q *filterQuery, echo vobiz.FiltersEcho, causes []string, now time.Time, loc *time.Location) views.FilterForm {
	form := views.FilterForm{Action: h.url(action), ResetURL: h.url(action)}
	for _, f := range filterFields {
		fv := views.FieldView{Name: f.name, Label: f.label, Type: f.typ, Placeholder: f.placeholder,
			Hint: f.hint, Error: q.errs[f.name]}
		fv.Value = q.raw.Get(f.name)
		if fv.Error == "" {
			fv.Value = q.clean.Get(f.name)
			if v, ok := echo.Get(f.name); ok && v != "" {
				fv.Value = v
			}
		}
		switch f.name {
		case vobiz.ParamCallDirection:
			fv.Options = []views.Option{{Value: "", Label: "Any direction"},
				{Value: vobiz.DirectionInbound, Label: "Inbound"}, {Value: vobiz.DirectionOutbound, Label: "Outbound"}}
		case vobiz.ParamHangupCause:
			fv.Options = labelledOptions("Any cause", causes, fv.Value)
		case vobiz.ParamHangupDisposition:
			fv.Options = labelledOptions("Any", dispositions, fv.Value)
		case vobiz.ParamStartDate, vobiz.ParamEndDate:
			fv.Max = now.In(apiDayZone).Format(vobiz.DateLayout)
		}
		if f.more {
			form.More = append(form.More, fv)
			if fv.Value != "" || fv.Error != "" {
				form.MoreOpen = true
			}
		} else {
			form.Primary = append(form.Primary, fv)
		}
		if fv.Error != "" {
			form.Errors = append(form.Errors, f.label+": "+fv.Error)
		}
	}
	if h.Index != nil {
		primary, more := h.indexControls(q)
		if action != "/calls" {
			// Only the list answers has_recording (recordingFilterRefused);
			// the control shows elsewhere only to carry its message.
			primary = slices.DeleteFunc(primary, func(fv views.FieldView) bool {
				return fv.Name == paramHasRecording && fv.Value == "" && fv.Error == ""
			})
		}
		form.Primary = append(form.Primary, primary...)
		form.More = append(form.More, more...)
		for _, fv := range more {
			if fv.Value != "" || fv.Error != "" {
				form.MoreOpen = true
			}
		}
	}
	for _, f := range indexFields {
		if m, ok := q.errs[f.name]; ok {
			form.Errors = append(form.Errors, f.label+": "+m)
		}
	}
	for _, name := range []string{paramSort, vobiz.ParamPage, vobiz.ParamPerPage, "q", paramIndex, paramPeriod, paramBucket} {
		if m, ok := q.errs[name]; ok {
			form.Errors = append(form.Errors, m)
		}
	}
	if pp := q.clean.Get(vobiz.ParamPerPage); pp != "" && q.errs[vobiz.ParamPerPage] == "" {
		form.Hidden = append(form.Hidden, views.Option{Value: vobiz.ParamPerPage, Label: pp})
	}
	if s := q.clean.Get(paramSort); s != "" && q.errs[paramSort] == "" {
		form.Hidden = append(form.Hidden, views.Option{Value: paramSort, Label: s})
	}
	form.Presets = h.datePresets(action, q, now)
	form.DateNote = "Dates are whole days as Vobiz files calls: midnight to midnight UTC (its docs name no zone; " +
		"its timestamps are UTC). Times on this page are shown in " + views.ZoneLabel(loc, now) + "."
	if h.Index != nil {
		form.DateNote = "Use one pair of dates. From and To: a date and time in your zone, " + views.ZoneLabel(loc, now) +
			", with every filter and sort. From date and To date: whole UTC days, as Vobiz files calls."
	}
	return form
}

// dispositions are the hangup_disposition values the Vobiz docs name.
var dispositions = []string{"send_bye", "recv_bye", "send_cancel", "send_refuse"}

// valueWords says in plain words what a hangup_cause or hangup_disposition
// value means, for the filter's options and chips. The words fit every
// call carrying the value, in either direction and whoever ended it (an
// ORIGINATOR_CANCEL may be the caller or your app's API; a disposition
// names the SIP message Vobiz sent or received, not who decided), so they
// stay more general than the call page's diagnosis.
var valueWords = map[string]string{
	"NORMAL_CLEARING":          "Ended normally",
	"USER_BUSY":                "Line busy",
	"NO_ANSWER":                "No answer",
	"ORIGINATOR_CANCEL":        "Cancelled before the answer",
	"CALL_REJECTED":            "Declined by the called side",
	"REJECTED":                 "Refused by the endpoint or your XML",
	"INVALID_NUMBER":           "Number not in a valid format",
	"UNALLOCATED_NUMBER":       "Number not in service",
	"SERVICE_UNAVAILABLE":      "Destination temporarily unavailable",
	"SERVER_ERROR":             "Server error while connecting",
	"MEDIA_TIMEOUT":            "Audio stopped (media timeout)",
	"PROTOCOL_ERROR":           "SIP protocol error",
	"NETWORK_OUT_OF_ORDER":     "Network fault",
	"DESTINATION_OUT_OF_ORDER": "Destination out of order",
	"NORMAL_TEMPORARY_FAILURE": "Temporary network failure",
	"SWITCH_CONGESTION":        "Network overloaded",
	"UNKNOWN":                  "No standard reason recorded",
	"send_bye":                 "Vobiz sent the hangup",
	"recv_bye":                 "Vobiz received the hangup",
	"send_cancel":              "Vobiz stopped the ringing",
	"send_refuse":              "Vobiz refused the call",
}

// valueLabel is a filter value in plain words with the value itself, as
// Vobiz writes it, after them: "Line busy (USER_BUSY)". A value without
// words (typed into the URL, or new) is shown as it is.
func valueLabel(v string) string {
	if w, ok := valueWords[v]; ok {
		return w + " (" + v + ")"
	}
	return v
}

// labelledOptions builds a select's options: "any" first, then values in
// plain words; the option value stays the API's own code. A current value
// outside the list is kept as an extra option so the form shows what was
// sent.
func labelledOptions(anyLabel string, values []string, current string) []views.Option {
	out := make([]views.Option, 0, len(values)+2)
	out = append(out, views.Option{Value: "", Label: anyLabel})
	for _, v := range values {
		out = append(out, views.Option{Value: v, Label: valueLabel(v)})
	}
	if current != "" && !contains(values, current) {
		out = append(out, views.Option{Value: current, Label: valueLabel(current)})
	}
	return out
}

// datePresets are one-click ranges: each one local days in the viewer's
// zone (from/to) when the call index covers it, else days as the API
// files them (see apiDayZone).
func (h *Handler) datePresets(action string, q *filterQuery, now time.Time) []views.Link {
	local := h.localPresets(action, q, now)
	today := now.In(apiDayZone)
	day := func(t time.Time) string { return t.Format(vobiz.DateLayout) }
	first := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, apiDayZone)
	ranges := []struct {
		label      string
		start, end time.Time
	}{
		{"Today", today, today},
		{"Yesterday", today.AddDate(0, 0, -1), today.AddDate(0, 0, -1)},
		{"Last 7 days", today.AddDate(0, 0, -6), today},
		{"Last 30 days", today.AddDate(0, 0, -29), today},
		{"This month", first, today},
	}
	out := make([]views.Link, len(ranges))
	for i, r := range ranges {
		if u, ok := local[r.label]; ok {
			out[i] = views.Link{Label: r.label, URL: u}
			continue
		}
		out[i] = views.Link{Label: r.label, URL: h.urlWith(action,
			q.with(vobiz.ParamStartDate, day(r.start), vobiz.ParamEndDate, day(r.end), paramFrom, "", paramTo, ""))}
	}
	return out
}

// chips lists the active filters, each with a link that removes it.
func (h *Handler) chips(action string, q *filterQuery) []views.Chip {
	if q.invalid() {
		return nil
	}
	return append(h.apiChips(action, q), h.indexChips(action, q, q.loc)...)
}

// apiChips are the chips of the API's own filters.
func (h *Handler) apiChips(action string, q *filterQuery) []views.Chip {
	var out []views.Chip
	start, end := q.clean.Get(vobiz.ParamStartDate), q.clean.Get(vobiz.ParamEndDate)
	for _, f := range filterFields {
		v := q.clean.Get(f.name)
		if v == "" || f.name == vobiz.ParamEndDate {
			continue
		}
		if f.name == vobiz.ParamStartDate {
			label := start
			if end != start {
				label = start + " – " + end
			}
			out = append(out, views.Chip{Label: "Dates", Value: label,
				RemoveURL: h.urlWith(action, q.with(vobiz.ParamStartDate, "", vobiz.ParamEndDate, ""))})
			continue
		}
		switch f.name {
		case vobiz.ParamCallDirection:
			v = strings.ToUpper(v[:1]) + v[1:]
		case vobiz.ParamHangupCause, vobiz.ParamHangupDisposition:
			v = valueLabel(v)
		}
		out = append(out, views.Chip{Label: f.label, Value: v, RemoveURL: h.urlWith(action, q.with(f.name, ""))})
	}
	return out
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}
