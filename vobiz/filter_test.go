package vobiz

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func intp(n int) *int { return &n }

func TestFilterValidate(t *testing.T) {
	tests := []struct {
		name   string
		f      Filter
		fields []string // invalid parameters, in order; nil means valid
	}{
		{"zero", Filter{}, nil},
		{"full", Filter{FromNumber: "+919876543210", ToNumber: "8012", StartDate: "2026-03-01", EndDate: "2026-03-31",
			CallDirection: DirectionInbound, MinDuration: intp(0), SIPCallID: "abc", BridgeUUID: "b", HangupCause: "NO_ANSWER",
			HangupDisposition: "send_refuse", Context: "voice-api", CampaignID: "c1", Search: "John", Page: 3, PerPage: 100}, nil},
		{"same day", Filter{StartDate: "2026-03-01", EndDate: "2026-03-01"}, nil},
		{"lone start date", Filter{StartDate: "2026-03-01"}, []string{ParamEndDate}},
		{"lone end date", Filter{EndDate: "2026-03-01"}, []string{ParamStartDate}},
		{"end before start", Filter{StartDate: "2026-03-02", EndDate: "2026-03-01"}, []string{ParamEndDate}},
		{"impossible date", Filter{StartDate: "2026-02-30", EndDate: "2026-03-01"}, []string{ParamStartDate}},
		{"bad date form", Filter{StartDate: "2026-3-1", EndDate: "01/03/2026"}, []string{ParamStartDate, ParamEndDate}},
		{"bad direction", Filter{CallDirection: "sideways"}, []string{ParamCallDirection}},
		{"negative duration", Filter{MinDuration: intp(-1)}, []string{ParamMinDuration}},
		{"negative page", Filter{Page: -1}, []string{ParamPage}},
		{"per_page 101", Filter{PerPage: 101}, []string{ParamPerPage}},
		{"per_page negative", Filter{PerPage: -5}, []string{ParamPerPage}},
		{"overlong value", Filter{Search: strings.Repeat("x", MaxValueLen+1)}, []string{ParamSearch}},
		{"longest value", Filter{Search: strings.Repeat("é", MaxValueLen)}, nil}, // counted in characters
		{"control chars", Filter{FromNumber: "98\n76", ToNumber: "a\x00b", Context: "x\x7f"},
			[]string{ParamFromNumber, ParamToNumber, ParamContext}},
		{"invalid utf8", Filter{HangupCause: "\xff"}, []string{ParamHangupCause}},
		{"several at once", Filter{StartDate: "2026-02-30", CallDirection: "up", PerPage: 500},
			[]string{ParamStartDate, ParamEndDate, ParamCallDirection, ParamPerPage}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.f.Validate()
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var verr *ValidationError
			if !errors.As(err, &verr) || !IsValidation(err) {
				t.Fatalf("Validate = %v, want *ValidationError", err)
			}
			var got []string
			for _, fe := range verr.Fields {
				got = append(got, fe.Field)
				if fe.Message == "" || verr.Message(fe.Field) != fe.Message {
					t.Errorf("field %s has no message", fe.Field)
				}
			}
			if !reflect.DeepEqual(got, tt.fields) {
				t.Errorf("invalid fields = %v, want %v (%v)", got, tt.fields, err)
			}
			if !strings.HasPrefix(err.Error(), "vobiz: invalid filter: ") {
				t.Errorf("Error() = %q", err)
			}
		})
	}
}

func TestParseFilter(t *testing.T) {
	tests := []struct {
		name   string
		query  string
		want   Filter
		fields []string
	}{
		{"empty", "", Filter{}, nil},
		{"all", "from_number=%2B91&to_number=80&start_date=2026-03-01&end_date=2026-03-31&call_direction=Outbound" +
			"&min_duration=30&sip_call_id=s&bridge_uuid=b&hangup_cause=NO_ANSWER&hangup_disposition=send_bye" +
			"&context=voice-api&campaign_id=c&search=+John+&page=2&per_page=50",
			Filter{FromNumber: "+91", ToNumber: "80", StartDate: "2026-03-01", EndDate: "2026-03-31",
				CallDirection: "outbound", MinDuration: intp(30), SIPCallID: "s", BridgeUUID: "b", HangupCause: "NO_ANSWER",
				HangupDisposition: "send_bye", Context: "voice-api", CampaignID: "c", Search: "John", Page: 2, PerPage: 50}, nil},
		{"unknown params ignored", "foo=bar&limit=5", Filter{}, nil},
		{"lone date", "start_date=2026-03-01", Filter{StartDate: "2026-03-01"}, []string{ParamEndDate}},
		{"end before start", "start_date=2026-03-05&end_date=2026-03-01", Filter{}, []string{ParamEndDate}},
		{"impossible date", "start_date=2026-02-30&end_date=2026-03-01", Filter{}, []string{ParamStartDate}},
		{"bad direction", "call_direction=both", Filter{}, []string{ParamCallDirection}},
		{"negative duration", "min_duration=-5", Filter{}, []string{ParamMinDuration}},
		{"non-numeric duration", "min_duration=abc", Filter{}, []string{ParamMinDuration}},
		{"fractional duration", "min_duration=1.5", Filter{}, []string{ParamMinDuration}},
		{"exponent duration", "min_duration=1e3", Filter{}, []string{ParamMinDuration}},
		{"huge duration", "min_duration=99999999999", Filter{}, []string{ParamMinDuration}},
		{"per_page 0", "per_page=0", Filter{}, []string{ParamPerPage}},
		{"per_page 101", "per_page=101", Filter{}, []string{ParamPerPage}},
		{"per_page abc", "per_page=abc", Filter{}, []string{ParamPerPage}},
		{"page 0", "page=0", Filter{}, []string{ParamPage}},
		{"page hex", "page=0x10", Filter{}, []string{ParamPage}},
		{"overlong value", "search=" + strings.Repeat("a", MaxValueLen+1), Filter{}, []string{ParamSearch}},
		{"control chars", "from_number=98%0A76", Filter{}, []string{ParamFromNumber}},
		{"repeated keys", "call_direction=inbound&call_direction=outbound&page=1&page=2", Filter{},
			[]string{ParamCallDirection, ParamPage}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseFilter(q)
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("ParseFilter = %v", err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("ParseFilter = %+v, want %+v", got, tt.want)
				}
				return
			}
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("ParseFilter err = %v, want *ValidationError", err)
			}
			var fields []string
			for _, fe := range verr.Fields {
				fields = append(fields, fe.Field)
			}
			if !reflect.DeepEqual(fields, tt.fields) {
				t.Errorf("invalid fields = %v, want %v", fields, tt.fields)
			}
		})
	}
}

func TestParseLimit(t *testing.T) {
	for in, want := range map[string]int{"": DefaultLimit, " 50 ": 50, "1": 1, "100": 100} {
		if got, err := ParseLimit(in); err != nil || got != want {
			t.Errorf("ParseLimit(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"0", "101", "-1", "abc", "2.5"} {
		if _, err := ParseLimit(in); !IsValidation(err) {
			t.Errorf("ParseLimit(%q) err = %v, want validation error", in, err)
		}
	}
}

func TestFilterValuesNames(t *testing.T) {
	f := Filter{FromNumber: "1", ToNumber: "2", StartDate: "2026-03-01", EndDate: "2026-03-02",
		CallDirection: "inbound", MinDuration: intp(0), SIPCallID: "3", BridgeUUID: "4", HangupCause: "5",
		HangupDisposition: "6", Context: "7", CampaignID: "8", Search: "9", Page: 2, PerPage: 10}
	want := "bridge_uuid=4&call_direction=inbound&campaign_id=8&context=7&end_date=2026-03-02" +
		"&from_number=1&hangup_cause=5&hangup_disposition=6&min_duration=0&page=2&per_page=10" +
		"&search=9&sip_call_id=3&start_date=2026-03-01&to_number=2"
	if got := f.Values().Encode(); got != want {
		t.Errorf("Values = %s\nwant     %s", got, want)
	}
	if got := f.WithoutPaging().Values(); got.Has(ParamPage) || got.Has(ParamPerPage) {
		t.Errorf("WithoutPaging kept paging: %v", got)
	}
	if (Filter{}).Values().Encode() != "" || !(Filter{Page: 3, PerPage: 50}).IsZero() || f.IsZero() {
		t.Error("zero filter should encode to nothing; IsZero ignores paging")
	}
	// MinDuration 0 is a real filter ("any duration"), kept distinct from unset.
	if !(Filter{MinDuration: intp(0)}).Values().Has(ParamMinDuration) {
		t.Error("min_duration=0 dropped")
	}
}

// Values with URL metacharacters must reach the API as one value each,
// through the real client and a real HTTP round trip.
func TestFilterValuesRoundTrip(t *testing.T) {
	tricky := "a&b=c#d%e+f g/h?i"
	var got url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Query()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data":[],"success":true}`))
	}))
	defer srv.Close()
	c, err := NewClient(srv.URL, "MA_X", "tok-secret")
	if err != nil {
		t.Fatal(err)
	}
	f := Filter{Search: tricky, FromNumber: "+919876543210", HangupCause: "NO_ANSWER"}
	if _, err := c.List(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	want := url.Values{"search": {tricky}, "from_number": {"+919876543210"}, "hangup_cause": {"NO_ANSWER"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("server saw %v, want %v", got, want)
	}
	// And the parsed query reads back into the same filter.
	back, err := ParseFilter(got)
	if err != nil || back.Search != tricky || back.FromNumber != f.FromNumber {
		t.Errorf("ParseFilter(server query) = %+v, %v", back, err)
	}
}
