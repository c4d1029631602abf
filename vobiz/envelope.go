package vobiz

import (
	"encoding/json"
	"strconv"
	"time"
)

// Pagination is the documented paging block. The keys are page/per_page/
// total/pages/has_next/has_prev (the docs stress: not current_page or
// total_records). See docs/vobiz-api.md#paging.
type Pagination struct {
	Page    Int  `json:"page"`
	PerPage Int  `json:"per_page"`
	Total   Int  `json:"total"`
	Pages   Int  `json:"pages"`
	HasNext bool `json:"has_next"`
	HasPrev bool `json:"has_prev"`
}

// Summary is computed by the API over the whole filtered set, not the page.
// The key styles are mixed exactly as documented (camelCase and snake_case);
// see docs/vobiz-api.md#summary.
type Summary struct {
	TotalCalls    Int   `json:"totalCalls"`
	AnsweredCalls Int   `json:"answeredCalls"` // calls with billsec > 0
	AnswerRate    Float `json:"answerRate"`    // percent, one decimal
	// AvgCallDuration is a preformatted string such as "28s". The docs'
	// examples disagree on whether it averages talk time over answered calls
	// or duration over all calls, so the dashboard computes its own averages
	// from the totals and shows this value only as received.
	AvgCallDuration      Text  `json:"avgCallDuration"`
	TotalDurationSeconds Int   `json:"total_duration_seconds"`
	TotalBillableSeconds Int   `json:"total_billable_seconds"`
	TotalCost            Float `json:"total_cost"`
	// LastCallAt is the newest call's start time; "" or null on an empty set.
	LastCallAt Time `json:"last_call_at"`
}

// FiltersEcho is the search endpoint's "filters" block: the filters the API
// says it applied. The docs give exactly four string keys, "" when unset.
// Newer API versions may echo more keys, so every key is kept by name.
type FiltersEcho map[string]string

// UnmarshalJSON reads the echo leniently: a number or boolean is kept as
// its JSON text, null becomes "", and a nested object or array (no
// documented key has one) is skipped, so an unexpected echo never fails a
// search whose rows are fine (docs/vobiz-api.md#search-filters-echo).
func (f *FiltersEcho) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == nil {
		*f = nil
		return nil
	}
	m := make(FiltersEcho, len(raw))
	for k, v := range raw {
		var s NullString
		if s.UnmarshalJSON(v) == nil {
			m[k] = s.String
		}
	}
	*f = m
	return nil
}

// Get returns the echoed value for key and whether the echo has that key.
func (f FiltersEcho) Get(key string) (string, bool) {
	v, ok := f[key]
	return v, ok
}

// ListResponse is the envelope of the list endpoint.
type ListResponse struct {
	AccountID  Text       `json:"account_id"`
	Count      Int        `json:"count"`
	Data       []CDR      `json:"data"`
	Pagination Pagination `json:"pagination"`
	Summary    Summary    `json:"summary"`
	Success    bool       `json:"success"`
}

// SearchResponse is the envelope of the search endpoint: the list envelope
// plus the filters echo.
type SearchResponse struct {
	ListResponse
	Filters FiltersEcho `json:"filters"`
}

// RecentResponse is the envelope of the recent endpoint (no pagination,
// summary or filters).
type RecentResponse struct {
	AccountID Text  `json:"account_id"`
	Count     Int   `json:"count"`
	Data      []CDR `json:"data"`
	Success   bool  `json:"success"`
}

// AverageTalk returns the mean talk time over answered calls, computed
// from the totals rather than parsed from AvgCallDuration.
func (s Summary) AverageTalk() time.Duration {
	if s.AnsweredCalls <= 0 {
		return 0
	}
	return time.Duration(int64(s.TotalBillableSeconds)*int64(time.Second)) / time.Duration(s.AnsweredCalls)
}

// FormatShortDuration formats seconds the way the API formats
// avgCallDuration for short values ("28s") and extends it for longer ones
// ("1m 42s", "2h 3m"), which the docs leave undocumented.
func FormatShortDuration(d time.Duration) string {
	secs := int64(d.Round(time.Second) / time.Second)
	if secs < 0 {
		secs = 0
	}
	h, m, s := secs/3600, secs/60%60, secs%60
	var buf [32]byte
	b := buf[:0]
	switch {
	case h > 0:
		b = append(strconv.AppendInt(b, h, 10), 'h')
		if m > 0 {
			b = append(strconv.AppendInt(append(b, ' '), m, 10), 'm')
		}
	case m > 0:
		b = append(strconv.AppendInt(b, m, 10), 'm')
		if s > 0 {
			b = append(strconv.AppendInt(append(b, ' '), s, 10), 's')
		}
	default:
		b = append(strconv.AppendInt(b, s, 10), 's')
	}
	return string(b)
}
