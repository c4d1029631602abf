package vobiz

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Query parameter names, exactly as the API spells them.
const (
	ParamFromNumber        = "from_number"
	ParamToNumber          = "to_number"
	ParamStartDate         = "start_date"
	ParamEndDate           = "end_date"
	ParamCallDirection     = "call_direction"
	ParamMinDuration       = "min_duration"
	ParamSIPCallID         = "sip_call_id"
	ParamBridgeUUID        = "bridge_uuid"
	ParamHangupCause       = "hangup_cause"
	ParamHangupDisposition = "hangup_disposition"
	ParamContext           = "context"
	ParamCampaignID        = "campaign_id"
	ParamSearch            = "search"
	ParamPage              = "page"
	ParamPerPage           = "per_page"
	ParamLimit             = "limit"
)

// Limits mirrored from the docs, and our own where the docs are silent.
const (
	DefaultPerPage = 20
	MaxPerPage     = 100 // OpenAPI maximum
	DefaultLimit   = 20  // recent endpoint
	// MaxLimit caps the recent endpoint's limit. The docs name no maximum;
	// we choose the same ceiling as per_page so no request asks the API for
	// an unbounded page.
	MaxLimit = 100
	// MaxValueLen bounds every free-text filter. The docs name no limit; a
	// phone number, UUID or cause name is far shorter, and a bound keeps
	// hostile input out of upstream URLs and logs.
	MaxValueLen = 128
	// DateLayout is the documented date format (OpenAPI "format: date").
	DateLayout = "2006-01-02"
)

// Directions accepted by call_direction.
const (
	DirectionInbound  = "inbound"
	DirectionOutbound = "outbound"
)

// Filter is the set of filters accepted by the list, search and export
// endpoints. Zero values mean "not set". Page and PerPage apply to list and
// search only; the client leaves them out of export requests.
//
// Dates are whole days as the API defines them ("YYYY-MM-DD", inclusive);
// the docs do not say in which time zone the API cuts days. The docs say
// the two dates are "required together" but document no error for a lone
// date, so we refuse a lone date before it is sent rather than let the API
// ignore it silently.
type Filter struct {
	FromNumber        string
	ToNumber          string
	StartDate         string // YYYY-MM-DD
	EndDate           string // YYYY-MM-DD
	CallDirection     string // inbound | outbound
	MinDuration       *int   // seconds, compared with duration (ring + talk)
	SIPCallID         string
	BridgeUUID        string
	HangupCause       string
	HangupDisposition string
	Context           string
	CampaignID        string
	Search            string
	Page              int // 0 means the API default (1)
	PerPage           int // 0 means the API default (20)
}

// FieldError is one invalid parameter.
type FieldError struct {
	Field   string // query parameter name
	Message string // for a person, without the field name
}

// ValidationError lists every invalid parameter of a Filter. Callers branch
// on it with errors.As to show each message beside its field.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "vobiz: invalid filter: " + strings.Join(parts, "; ")
}

// Message returns the message for field, or "".
func (e *ValidationError) Message(field string) string {
	if e == nil {
		return ""
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return f.Message
		}
	}
	return ""
}

func (e *ValidationError) add(field, msg string) {
	if e.Message(field) == "" {
		e.Fields = append(e.Fields, FieldError{Field: field, Message: msg})
	}
}

func (e *ValidationError) orNil() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// IsValidation reports whether err is (or wraps) a *ValidationError.
func IsValidation(err error) bool {
	var v *ValidationError
	return errors.As(err, &v)
}

// textFilters maps the free-text parameters to their Filter fields.
func (f *Filter) textFilters() []struct {
	name string
	ptr  *string
} {
	return []struct {
		name string
		ptr  *string
	}{
		{ParamFromNumber, &f.FromNumber},
		{ParamToNumber, &f.ToNumber},
		{ParamSIPCallID, &f.SIPCallID},
		{ParamBridgeUUID, &f.BridgeUUID},
		{ParamHangupCause, &f.HangupCause},
		{ParamHangupDisposition, &f.HangupDisposition},
		{ParamContext, &f.Context},
		{ParamCampaignID, &f.CampaignID},
		{ParamSearch, &f.Search},
	}
}

// Validate checks the filter against the documented rules and our own
// bounds, and reports every problem at once.
func (f Filter) Validate() error {
	var verr ValidationError
	for _, t := range f.textFilters() {
		checkText(&verr, t.name, *t.ptr)
	}
	var start, end time.Time
	var startOK, endOK bool
	if f.StartDate != "" {
		start, startOK = checkDate(&verr, ParamStartDate, f.StartDate)
	}
	if f.EndDate != "" {
		end, endOK = checkDate(&verr, ParamEndDate, f.EndDate)
	}
	switch {
	case f.StartDate != "" && f.EndDate == "":
		verr.add(ParamEndDate, "Give an end date too: the API takes the two dates only together.")
	case f.EndDate != "" && f.StartDate == "":
		verr.add(ParamStartDate, "Give a start date too: the API takes the two dates only together.")
	case startOK && endOK && end.Before(start):
		verr.add(ParamEndDate, "The end date is before the start date.")
	}
	switch f.CallDirection {
	case "", DirectionInbound, DirectionOutbound:
	default:
		verr.add(ParamCallDirection, `Direction must be "inbound" or "outbound".`)
	}
	if f.MinDuration != nil && *f.MinDuration < 0 {
		verr.add(ParamMinDuration, "Minimum duration cannot be negative.")
	}
	if f.Page < 0 {
		verr.add(ParamPage, "Page must be 1 or more.")
	}
	if f.PerPage < 0 || f.PerPage > MaxPerPage {
		verr.add(ParamPerPage, fmt.Sprintf("Rows per page must be between 1 and %d.", MaxPerPage))
	}
	return verr.orNil()
}

func checkText(verr *ValidationError, name, v string) {
	switch {
	case !utf8.ValidString(v):
		verr.add(name, "The value is not valid text.")
	case utf8.RuneCountInString(v) > MaxValueLen:
		verr.add(name, fmt.Sprintf("The value is too long (at most %d characters).", MaxValueLen))
	case strings.ContainsFunc(v, isControl):
		verr.add(name, "The value contains control characters.")
	}
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func checkDate(verr *ValidationError, name, v string) (time.Time, bool) {
	if len(v) != len(DateLayout) {
		verr.add(name, "Use the form YYYY-MM-DD.")
		return time.Time{}, false
	}
	t, err := time.Parse(DateLayout, v)
	if err != nil {
		var perr *time.ParseError
		if errors.As(err, &perr) && strings.Contains(perr.Message, "out of range") {
			verr.add(name, "There is no such date.")
		} else {
			verr.add(name, "Use the form YYYY-MM-DD.")
		}
		return time.Time{}, false
	}
	return t, true
}

// Values encodes the filter with the API's exact parameter names, leaving
// out unset values. Page and per_page are included when set.
func (f Filter) Values() url.Values {
	v := url.Values{}
	for _, t := range f.textFilters() {
		if *t.ptr != "" {
			v.Set(t.name, *t.ptr)
		}
	}
	if f.StartDate != "" {
		v.Set(ParamStartDate, f.StartDate)
	}
	if f.EndDate != "" {
		v.Set(ParamEndDate, f.EndDate)
	}
	if f.CallDirection != "" {
		v.Set(ParamCallDirection, f.CallDirection)
	}
	if f.MinDuration != nil {
		v.Set(ParamMinDuration, strconv.Itoa(*f.MinDuration))
	}
	if f.Page > 0 {
		v.Set(ParamPage, strconv.Itoa(f.Page))
	}
	if f.PerPage > 0 {
		v.Set(ParamPerPage, strconv.Itoa(f.PerPage))
	}
	return v
}

// WithoutPaging returns a copy of f with page and per_page cleared, for the
// export endpoint and for comparing two filters' subject.
func (f Filter) WithoutPaging() Filter {
	f.Page, f.PerPage = 0, 0
	return f
}

// IsZero reports whether no filter (ignoring paging) is set.
func (f Filter) IsZero() bool {
	return len(f.WithoutPaging().Values()) == 0
}

// ParseFilter reads a filter from query parameters named as the API names
// them. Text values are trimmed. Numbers that are not whole numbers are
// reported as field errors; the result is also checked with Validate, so a
// nil error means the filter can be sent as is. A repeated parameter is
// refused rather than silently taking one of its values.
func ParseFilter(q url.Values) (Filter, error) {
	var f Filter
	var verr ValidationError
	get := func(name string) string {
		vals := q[name]
		if len(vals) > 1 {
			verr.add(name, "The parameter is given more than once.")
		}
		if len(vals) == 0 {
			return ""
		}
		return strings.TrimSpace(vals[0])
	}
	for _, t := range f.textFilters() {
		*t.ptr = get(t.name)
	}
	f.StartDate = get(ParamStartDate)
	f.EndDate = get(ParamEndDate)
	f.CallDirection = strings.ToLower(get(ParamCallDirection))
	if s := get(ParamMinDuration); s != "" {
		n, err := parseWhole(s)
		if err != nil {
			verr.add(ParamMinDuration, "Minimum duration must be a whole number of seconds.")
		} else {
			f.MinDuration = &n
		}
	}
	if s := get(ParamPage); s != "" {
		n, err := parseWhole(s)
		if err != nil || n < 1 {
			verr.add(ParamPage, "Page must be a whole number, 1 or more.")
		} else {
			f.Page = n
		}
	}
	if s := get(ParamPerPage); s != "" {
		n, err := parseWhole(s)
		if err != nil || n < 1 || n > MaxPerPage {
			verr.add(ParamPerPage, fmt.Sprintf("Rows per page must be a whole number between 1 and %d.", MaxPerPage))
		} else {
			f.PerPage = n
		}
	}
	if err := f.Validate(); err != nil {
		var v *ValidationError
		if errors.As(err, &v) {
			for _, fe := range v.Fields {
				verr.add(fe.Field, fe.Message)
			}
		}
	}
	return f, verr.orNil()
}

// ParseLimit reads the recent endpoint's limit ("" means DefaultLimit).
func ParseLimit(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultLimit, nil
	}
	n, err := parseWhole(s)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, &ValidationError{Fields: []FieldError{{ParamLimit,
			fmt.Sprintf("Limit must be a whole number between 1 and %d.", MaxLimit)}}}
	}
	return n, nil
}

// parseWhole parses a base-10 integer of at most 9 digits, so it always
// fits an int and "1e3", "0x10" or "+-1" are refused.
func parseWhole(s string) (int, error) {
	if s == "" || len(s) > 10 {
		return 0, errors.New("not a whole number")
	}
	neg := s[0] == '-'
	digits := s
	if neg {
		digits = s[1:]
	}
	if digits == "" || len(digits) > 9 {
		return 0, errors.New("not a whole number")
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, errors.New("not a whole number")
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, err
	}
	return n, nil
}
