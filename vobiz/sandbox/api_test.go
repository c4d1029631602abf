package sandbox

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/vobiz"
)

// sharedCDRs is every call of sharedServer as Call returns it, the
// reference the endpoint tests compare against.
var sharedCDRs = sync.OnceValue(func() []vobiz.CDR {
	s := sharedServer()
	out := make([]vobiz.CDR, s.Len())
	for i := range out {
		out[i] = s.Call(i)
	}
	return out
})

func TestEnvelopeKeys(t *testing.T) {
	s := sharedServer()
	uuid := string(s.Call(3).UUID)
	tests := []struct {
		path string
		want []string
	}{
		{"", []string{"account_id", "count", "data", "pagination", "success", "summary"}},
		{"/", []string{"account_id", "count", "data", "pagination", "success", "summary"}},
		{"/search", []string{"account_id", "count", "data", "filters", "pagination", "success", "summary"}},
		{"/recent", []string{"account_id", "count", "data", "success"}},
		{"/" + uuid, []string{"data", "success"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			w := do(t, s, basePath(s)+tt.path, nil)
			mustStatus(t, w, http.StatusOK)
			if got := topKeys(t, w.Body.Bytes()); !slices.Equal(got, tt.want) {
				t.Fatalf("keys %v, want %v", got, tt.want)
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("Content-Type %q", ct)
			}
			if w.Header().Get("X-Request-Id") == "" {
				t.Fatal("no X-Request-Id")
			}
			var env map[string]json.RawMessage
			if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
				t.Fatal(err)
			}
			if string(env["success"]) != "true" {
				t.Fatalf("success = %s", env["success"])
			}
			if p, ok := env["pagination"]; ok {
				want := []string{"has_next", "has_prev", "page", "pages", "per_page", "total"}
				if got := topKeys(t, p); !slices.Equal(got, want) {
					t.Fatalf("pagination keys %v", got)
				}
			}
			if sm, ok := env["summary"]; ok {
				want := []string{"answerRate", "answeredCalls", "avgCallDuration", "last_call_at",
					"totalCalls", "total_billable_seconds", "total_cost", "total_duration_seconds"}
				if got := topKeys(t, sm); !slices.Equal(got, want) {
					t.Fatalf("summary keys %v", got)
				}
			}
		})
	}
}

func TestRecordsHaveAllFieldsAndMatchCall(t *testing.T) {
	s := sharedServer()
	if !slices.IsSorted(vobiz.FieldNames) || len(vobiz.FieldNames) < 43 {
		t.Fatalf("vobiz.FieldNames is not 43 or more sorted names")
	}
	w := do(t, s, basePath(s), vals("per_page", "100", "page", "7"))
	mustStatus(t, w, http.StatusOK)
	var env struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
		t.Fatal(err)
	}
	if len(env.Data) != 100 {
		t.Fatalf("%d records", len(env.Data))
	}
	// Only fields the docs call nullable may be null: those of a Null* type,
	// and the two times that are null until the call rings or answers.
	nullable := map[string]bool{"answer_time": true, "progress_time": true}
	for _, f := range vobiz.Fields {
		switch f.Ptr(&vobiz.CDR{}).(type) {
		case *vobiz.NullString, *vobiz.NullInt, *vobiz.NullFloat:
			nullable[f.Name] = true
		}
	}
	for k, raw := range env.Data {
		if got := topKeys(t, raw); !slices.Equal(got, vobiz.FieldNames) {
			t.Fatalf("record keys %v", got)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		for f, v := range m {
			if v == nil && !nullable[f] {
				t.Errorf("%s is null", f)
			}
		}
		for _, f := range []string{"start_time", "end_time", "created_at", "updated_at"} {
			if _, err := time.Parse("2006-01-02T15:04:05Z", m[f].(string)); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
		var c vobiz.CDR
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		want := s.Call(600 + k)
		if !reflect.DeepEqual(c, want) {
			t.Fatalf("record %d differs from Call:\n got %+v\nwant %+v", k, c, want)
		}
	}
}

func TestPagination(t *testing.T) {
	s := sharedServer()
	total := int64(s.Len())
	tests := []struct {
		page, perPage      string
		wantPage, wantPer  int64
		wantCount          int
		wantNext, wantPrev bool
		wantFirstIndex     int
		wantPages          int64
	}{
		{"", "", 1, 20, 20, true, false, 0, total / 20},
		{"2", "50", 2, 50, 50, true, true, 50, total / 50},
		{"400", "50", 400, 50, 50, false, true, 19950, 400},
		{"401", "50", 401, 50, 0, false, true, -1, 400},
		{"999999999", "100", 999999999, 100, 0, false, true, -1, 200},
		{"3", "7", 3, 7, 7, true, true, 14, (total + 6) / 7},
		{"2858", "7", 2858, 7, 20000 - 2857*7, false, true, 2857 * 7, (total + 6) / 7},
		{"1", "1000", 1, 100, 100, true, false, 0, 200}, // clamped, not refused
		{"1", "0", 1, 1, 1, true, false, 0, total},      // clamped up
		{"1", "-5", 1, 1, 1, true, false, 0, total},     // clamped up
		{"1", "99999999999999999999", 1, 100, 100, true, false, 0, 200},
	}
	for _, tt := range tests {
		t.Run(tt.page+"/"+tt.perPage, func(t *testing.T) {
			q := url.Values{}
			if tt.page != "" {
				q.Set("page", tt.page)
			}
			if tt.perPage != "" {
				q.Set("per_page", tt.perPage)
			}
			resp := decodeSearch(t, do(t, s, basePath(s), q))
			p := resp.Pagination
			if int64(p.Page) != tt.wantPage || int64(p.PerPage) != tt.wantPer || int64(p.Total) != total ||
				int64(p.Pages) != tt.wantPages || p.HasNext != tt.wantNext || p.HasPrev != tt.wantPrev {
				t.Fatalf("pagination %+v", p)
			}
			if len(resp.Data) != tt.wantCount || int(resp.Count) != tt.wantCount {
				t.Fatalf("count %d / %d, want %d", resp.Count, len(resp.Data), tt.wantCount)
			}
			if resp.Data == nil {
				t.Fatal("data must be [] (not null) past the end")
			}
			if tt.wantFirstIndex >= 0 && resp.Data[0].UUID != s.Call(tt.wantFirstIndex).UUID {
				t.Fatalf("first record is not Call(%d)", tt.wantFirstIndex)
			}
			if int64(resp.Summary.TotalCalls) != total {
				t.Fatalf("summary over %d calls", resp.Summary.TotalCalls)
			}
		})
	}
}

// refCase is a filter with an independent reference predicate over
// vobiz.CDR.
type refCase struct {
	name  string
	query url.Values
	match func(c *vobiz.CDR) bool
}

func refCases(t *testing.T) []refCase {
	all := sharedCDRs()
	pick := func(cond func(c *vobiz.CDR) bool) *vobiz.CDR {
		for i := 1000; i < len(all); i++ {
			if cond(&all[i]) {
				return &all[i]
			}
		}
		t.Fatal("no sample call")
		return nil
	}
	answered := pick(func(c *vobiz.CDR) bool { return c.Billsec > 0 })
	sample := pick(func(c *vobiz.CDR) bool { return c.CallDirection == "inbound" && c.CallerIDName != "" })
	unanswered := pick(func(c *vobiz.CDR) bool { return c.Billsec == 0 })
	digits := strings.TrimPrefix(string(sample.CallerIDNumber), "+91")
	toDigits := string(pick(func(c *vobiz.CDR) bool {
		return c.CallDirection == "outbound" && strings.HasPrefix(string(c.DestinationNumber), "+")
	}).DestinationNumber)[5:]
	sipDest := string(pick(func(c *vobiz.CDR) bool { return strings.HasPrefix(string(c.DestinationNumber), "sip:") }).DestinationNumber)
	sipPart := sipDest[len("sip:") : strings.Index(sipDest, ".")+2] // "agent-anita@pbx.e": the dot must match as a dot
	day := all[len(all)/2].StartTime.UTC()
	d0, d1 := day.Format(vobiz.DateLayout), day.AddDate(0, 0, 2).Format(vobiz.DateLayout)
	inDays := func(c *vobiz.CDR) bool {
		d := c.StartTime.UTC().Format(vobiz.DateLayout)
		return d >= d0 && d <= d1
	}
	nameFrag := strings.ToLower(strings.Fields(string(sample.CallerIDName))[1])
	uuidFrag := string(answered.UUID)[9:18]
	contains := func(s, sub string) bool { return strings.Contains(strings.ToLower(s), strings.ToLower(sub)) }
	searchRef := func(term string) func(c *vobiz.CDR) bool {
		return func(c *vobiz.CDR) bool {
			for _, f := range []string{string(c.CallerIDNumber), string(c.DestinationNumber), string(c.CallerIDName),
				string(c.UUID), string(c.SIPCallID), c.BridgeUUID.String, c.CampaignID.String, c.TrunkID.String} {
				if contains(f, term) {
					return true
				}
			}
			return false
		}
	}
	return []refCase{
		{"none", vals(), func(*vobiz.CDR) bool { return true }},
		{"outbound", vals("call_direction", "outbound"), func(c *vobiz.CDR) bool { return c.CallDirection == "outbound" }},
		{"inbound upper", vals("call_direction", "INBOUND"), func(c *vobiz.CDR) bool { return c.CallDirection == "inbound" }},
		{"from digits", vals("from_number", digits), func(c *vobiz.CDR) bool { return strings.Contains(string(c.CallerIDNumber), digits) }},
		{"from e164", vals("from_number", string(sample.CallerIDNumber)), func(c *vobiz.CDR) bool { return c.CallerIDNumber == sample.CallerIDNumber }},
		{"from spaced", vals("from_number", digits[:5]+" "+digits[5:]), func(c *vobiz.CDR) bool { return strings.Contains(string(c.CallerIDNumber), digits) }},
		{"to partial", vals("to_number", toDigits), func(c *vobiz.CDR) bool { return strings.Contains(string(c.DestinationNumber), toDigits) }},
		{"to sip uri", vals("to_number", sipDest), func(c *vobiz.CDR) bool { return string(c.DestinationNumber) == sipDest }},
		{"to sip uri part", vals("to_number", sipPart), func(c *vobiz.CDR) bool { return strings.Contains(string(c.DestinationNumber), sipPart) }},
		{"dates", vals("start_date", d0, "end_date", d1), inDays},
		{"one day", vals("start_date", d0, "end_date", d0), func(c *vobiz.CDR) bool {
			return c.StartTime.UTC().Format(vobiz.DateLayout) == d0
		}},
		{"lone start ignored", vals("start_date", d0), func(*vobiz.CDR) bool { return true }},
		{"lone end ignored", vals("end_date", d1, "call_direction", "inbound"), func(c *vobiz.CDR) bool { return c.CallDirection == "inbound" }},
		{"future dates", vals("start_date", "2030-01-01", "end_date", "2030-01-31"), func(*vobiz.CDR) bool { return false }},
		{"min duration", vals("min_duration", "300"), func(c *vobiz.CDR) bool { return c.Duration >= 300 }},
		{"min duration 0", vals("min_duration", "0"), func(*vobiz.CDR) bool { return true }},
		{"sip_call_id", vals("sip_call_id", string(sample.SIPCallID)), func(c *vobiz.CDR) bool { return c.SIPCallID == sample.SIPCallID }},
		{"sip_call_id unknown", vals("sip_call_id", "11223344-5566-4788-99aa-bbccddeeff00"), func(*vobiz.CDR) bool { return false }},
		{"bridge_uuid", vals("bridge_uuid", answered.BridgeUUID.String), func(c *vobiz.CDR) bool { return c.BridgeUUID == answered.BridgeUUID }},
		{"bridge of unanswered", vals("bridge_uuid", string(unanswered.UUID)), func(*vobiz.CDR) bool { return false }},
		{"hangup_cause", vals("hangup_cause", "USER_BUSY"), func(c *vobiz.CDR) bool { return c.HangupCause.String == "USER_BUSY" }},
		{"hangup_cause lower", vals("hangup_cause", "no_answer"), func(c *vobiz.CDR) bool { return c.HangupCause.String == "NO_ANSWER" }},
		{"hangup_cause unknown", vals("hangup_cause", "NOPE"), func(*vobiz.CDR) bool { return false }},
		{"disposition", vals("hangup_disposition", "send_refuse"), func(c *vobiz.CDR) bool { return c.HangupDisposition.String == "send_refuse" }},
		{"cause+disposition", vals("hangup_cause", "NO_ANSWER", "hangup_disposition", "send_cancel"), func(c *vobiz.CDR) bool {
			return c.HangupCause.String == "NO_ANSWER" && c.HangupDisposition.String == "send_cancel"
		}},
		{"context", vals("context", "sip-trunking"), func(c *vobiz.CDR) bool { return c.Context == "sip-trunking" }},
		{"context unknown", vals("context", "kamailio"), func(*vobiz.CDR) bool { return false }},
		{"campaign", vals("campaign_id", campaignIDs[2]), func(c *vobiz.CDR) bool { return c.CampaignID.String == campaignIDs[2] }},
		{"campaign unknown", vals("campaign_id", "cmp_nope"), func(*vobiz.CDR) bool { return false }},
		{"search name", vals("search", strings.ToUpper(nameFrag)), searchRef(nameFrag)},
		{"search digits", vals("search", digits[3:8]), searchRef(digits[3:8])},
		{"search uuid fragment", vals("search", uuidFrag), searchRef(uuidFrag)},
		{"search full uuid", vals("search", string(answered.UUID)), searchRef(string(answered.UUID))},
		{"search full sip_call_id", vals("search", strings.ToUpper(string(sample.SIPCallID))), searchRef(string(sample.SIPCallID))},
		{"search full bridge_uuid", vals("search", answered.BridgeUUID.String), searchRef(answered.BridgeUUID.String)},
		{"search unknown uuid", vals("search", "aabbccdd-1234-4678-90ab-cdef12345678"), func(*vobiz.CDR) bool { return false }},
		{"search trunk", vals("search", "trunk-del"), searchRef("trunk-del")},
		{"search campaign", vals("search", "KYC"), searchRef("kyc")},
		{"search nothing", vals("search", "zzzz"), func(*vobiz.CDR) bool { return false }},
		{"combined", vals("call_direction", "outbound", "hangup_cause", "NORMAL_CLEARING", "min_duration", "60",
			"start_date", d0, "end_date", d1, "context", "voice-api"), func(c *vobiz.CDR) bool {
			return c.CallDirection == "outbound" && c.HangupCause.String == "NORMAL_CLEARING" && c.Duration >= 60 &&
				inDays(c) && c.Context == "voice-api"
		}},
		{"combined empty", vals("call_direction", "inbound", "campaign_id", campaignIDs[0]), func(*vobiz.CDR) bool { return false }},
	}
}

// TestFiltersAndSummary checks every filter, the page contents and the
// summary against a brute-force computation over Call.
func TestFiltersAndSummary(t *testing.T) {
	s := sharedServer()
	all := sharedCDRs()
	for _, tc := range refCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			var want []int
			for i := range all {
				if tc.match(&all[i]) {
					want = append(want, i)
				}
			}
			if tc.name == "search digits" || tc.name == "dates" || tc.name == "outbound" {
				if len(want) == 0 {
					t.Fatal("reference matched nothing; the case tests nothing")
				}
			}
			for _, path := range []string{"", "/search"} {
				for _, page := range []int{1, 2} {
					q := url.Values{}
					for k, v := range tc.query {
						q[k] = v
					}
					q.Set("per_page", "100")
					q.Set("page", strconv.Itoa(page))
					resp := decodeSearch(t, do(t, s, basePath(s)+path, q))
					checkSummary(t, resp.Summary, all, want)
					lo := min((page-1)*100, len(want))
					hi := min(lo+100, len(want))
					if len(resp.Data) != hi-lo || int(resp.Count) != hi-lo {
						t.Fatalf("page %d has %d records, want %d", page, len(resp.Data), hi-lo)
					}
					for k := range resp.Data {
						if resp.Data[k].UUID != all[want[lo+k]].UUID {
							t.Fatalf("page %d record %d is not the expected call", page, k)
						}
					}
					wantPages := (len(want) + 99) / 100
					if int(resp.Pagination.Total) != len(want) || int(resp.Pagination.Pages) != wantPages {
						t.Fatalf("pagination %+v for %d matches", resp.Pagination, len(want))
					}
				}
			}
		})
	}
}

func checkSummary(t *testing.T, got vobiz.Summary, all []vobiz.CDR, idx []int) {
	t.Helper()
	var answered, dur, bill, cost int64
	for _, i := range idx {
		c := &all[i]
		if c.Billsec > 0 {
			answered++
		}
		dur += int64(c.Duration)
		bill += int64(c.Billsec)
		cost += int64(math.Round(float64(c.TotalCost) * 1e4))
	}
	total := int64(len(idx))
	wantRate, wantAvg := 0.0, "0s"
	var wantLast time.Time
	if total > 0 {
		wantRate = math.Round(float64(answered)/float64(total)*1000) / 10
		wantLast = all[idx[0]].StartTime.Time
	}
	if answered > 0 {
		wantAvg = vobiz.FormatShortDuration(time.Duration(math.Round(float64(bill)/float64(answered))) * time.Second)
	}
	wantCost := float64((cost+50)/100) / 100
	if int64(got.TotalCalls) != total || int64(got.AnsweredCalls) != answered || float64(got.AnswerRate) != wantRate ||
		string(got.AvgCallDuration) != wantAvg || int64(got.TotalDurationSeconds) != dur ||
		int64(got.TotalBillableSeconds) != bill || float64(got.TotalCost) != wantCost || !got.LastCallAt.Equal(wantLast) {
		t.Fatalf("summary %+v\nwant total=%d answered=%d rate=%v avg=%s dur=%d bill=%d cost=%v last=%v",
			got, total, answered, wantRate, wantAvg, dur, bill, wantCost, wantLast)
	}
}

func TestEmptyResultShape(t *testing.T) {
	s := sharedServer()
	w := do(t, s, basePath(s)+"/search", vals("campaign_id", "cmp_none"))
	mustStatus(t, w, http.StatusOK)
	body := w.Body.String()
	for _, want := range []string{`"count":0`, `"data":[]`, `"last_call_at":""`, `"totalCalls":0`, `"answerRate":0`,
		`"avgCallDuration":"0s"`, `"total_cost":0`, `"pages":0`, `"has_next":false`, `"has_prev":false`} {
		if !strings.Contains(body, want) {
			t.Errorf("empty result lacks %s: %s", want, body)
		}
	}
}

func TestFiltersEcho(t *testing.T) {
	s := sharedServer()
	tests := []struct {
		query url.Values
		want  map[string]string
	}{
		{vals(), map[string]string{"call_direction": "", "from_number": "", "hangup_cause": "", "to_number": ""}},
		{vals("call_direction", " Outbound ", "from_number", "+919876543210", "min_duration", "5"),
			map[string]string{"call_direction": "outbound", "from_number": "+919876543210", "hangup_cause": "", "to_number": ""}},
		{vals("hangup_cause", "NO_ANSWER", "to_number", "98765", "search", "x"),
			map[string]string{"call_direction": "", "from_number": "", "hangup_cause": "NO_ANSWER", "to_number": "98765"}},
	}
	for i, tt := range tests {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			w := do(t, s, basePath(s)+"/search", tt.query)
			mustStatus(t, w, http.StatusOK)
			var env struct {
				Filters map[string]any `json:"filters"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
				t.Fatal(err)
			}
			if len(env.Filters) != 4 {
				t.Fatalf("filters %v", env.Filters)
			}
			for k, v := range tt.want {
				if env.Filters[k] != v {
					t.Fatalf("filters[%s] = %#v, want %q", k, env.Filters[k], v)
				}
			}
		})
	}
	// The list endpoint has no echo.
	w := do(t, s, basePath(s), vals("call_direction", "outbound"))
	if slices.Contains(topKeys(t, w.Body.Bytes()), "filters") {
		t.Fatal("list must not echo filters")
	}
}

func TestValidationErrors(t *testing.T) {
	s := sharedServer()
	strict := New(Options{Calls: 100, Now: testNow, StrictDates: true})
	tests := []struct {
		name   string
		srv    *Server
		path   string
		query  url.Values
		fields []string
	}{
		{"direction", s, "", vals("call_direction", "sideways"), []string{"call_direction"}},
		{"bad date", s, "/search", vals("start_date", "2026-13-01", "end_date", "2026-01-02"), []string{"start_date"}},
		{"date format", s, "", vals("start_date", "25/03/2026", "end_date", "2026-03-26"), []string{"start_date"}},
		{"reversed dates", s, "", vals("start_date", "2026-03-20", "end_date", "2026-03-01"), []string{"end_date"}},
		{"min duration", s, "", vals("min_duration", "abc"), []string{"min_duration"}},
		{"negative min duration", s, "", vals("min_duration", "-1"), []string{"min_duration"}},
		{"page zero", s, "", vals("page", "0"), []string{"page"}},
		{"page garbage", s, "", vals("page", "two"), []string{"page"}},
		{"per_page garbage", s, "", vals("per_page", "1e3"), []string{"per_page"}},
		{"repeated", s, "", url.Values{"call_direction": {"inbound", "outbound"}}, []string{"call_direction"}},
		{"control chars", s, "", vals("search", "a\x00b"), []string{"search"}},
		{"too long", s, "", vals("from_number", strings.Repeat("9", 500)), []string{"from_number"}},
		{"invalid utf8", s, "", vals("search", "\xff\xfe"), []string{"search"}},
		{"export direction", s, "/export", vals("call_direction", "both"), []string{"call_direction"}},
		{"recent limit", s, "/recent", vals("limit", "ten"), []string{"limit"}},
		{"strict lone start", strict, "", vals("start_date", "2026-03-01"), []string{"end_date"}},
		{"strict lone end", strict, "/export", vals("end_date", "2026-03-01"), []string{"start_date"}},
		{"several", s, "", vals("call_direction", "x", "min_duration", "y"), []string{"call_direction", "min_duration"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(t, tt.srv, basePath(tt.srv)+tt.path, tt.query)
			e := decodeError(t, w, http.StatusBadRequest, "VALIDATION_ERROR")
			var fields []string
			for _, fe := range e.Error.Details.Errors {
				if fe.Message == "" || fe.Code == "" {
					t.Errorf("incomplete field error %+v", fe)
				}
				fields = append(fields, fe.Field)
			}
			slices.Sort(fields)
			if !slices.Equal(fields, tt.fields) {
				t.Fatalf("fields %v, want %v (%s)", fields, tt.fields, w.Body.String())
			}
		})
	}
}

func TestRecent(t *testing.T) {
	s := sharedServer()
	tests := []struct {
		limit string
		want  int
	}{{"", 20}, {"5", 5}, {"100", 100}, {"1000", 100}, {"0", 1}, {"-3", 1}}
	for _, tt := range tests {
		t.Run(tt.limit, func(t *testing.T) {
			q := vals("call_direction", "outbound", "page", "3") // ignored: recent takes only limit
			if tt.limit != "" {
				q.Set("limit", tt.limit)
			}
			w := do(t, s, basePath(s)+"/recent", q)
			mustStatus(t, w, http.StatusOK)
			var resp vobiz.RecentResponse
			if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
				t.Fatal(err)
			}
			if int(resp.Count) != tt.want || len(resp.Data) != tt.want || !resp.Success || resp.AccountID != "MA_SANDBOX" {
				t.Fatalf("count %d, %d records", resp.Count, len(resp.Data))
			}
			for i := range resp.Data {
				if resp.Data[i].UUID != s.Call(i).UUID {
					t.Fatalf("record %d is not the %d-th newest call", i, i)
				}
			}
		})
	}
	empty := New(Options{Calls: -1, Now: testNow})
	w := do(t, empty, basePath(empty)+"/recent", nil)
	if mustStatus(t, w, http.StatusOK); !strings.Contains(w.Body.String(), `"count":0,"data":[]`) {
		t.Fatalf("empty recent: %s", w.Body.String())
	}
}

func TestGetOne(t *testing.T) {
	s := sharedServer()
	for _, i := range []int{0, 1, 4321, s.Len() - 1} {
		want := s.Call(i)
		for _, id := range []string{string(want.UUID), strings.ToUpper(string(want.UUID))} {
			w := do(t, s, basePath(s)+"/"+id, nil)
			mustStatus(t, w, http.StatusOK)
			var resp struct {
				Data    vobiz.CDR `json:"data"`
				Success bool      `json:"success"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
				t.Fatal(err)
			}
			if !resp.Success || !reflect.DeepEqual(resp.Data, want) {
				t.Fatalf("get %s: %+v", id, resp.Data)
			}
			if got, ok := s.Index(id); !ok || got != i {
				t.Fatalf("Index(%s) = %d, %v", id, got, ok)
			}
		}
	}
	c := s.Call(10)
	for _, id := range []string{
		"aabbccdd-1234-5678-90ab-cdef12345678", // well-formed, unknown
		strconv.Itoa(int(c.ID)),                // numeric ids are not call ids
		string(c.SIPCallID),                    // nor are SIP call ids
		string(c.UUID)[:35] + "x",
		"%00", "..",
	} {
		w := do(t, s, basePath(s)+"/"+url.PathEscape(id), nil)
		mustStatus(t, w, http.StatusNotFound)
		if got := strings.TrimSpace(w.Body.String()); got != `{"error":"CDR not found"}` {
			t.Fatalf("404 body %q", got)
		}
	}
	other := New(Options{Calls: 1000, Now: testNow, Seed: 99})
	w := do(t, other, basePath(other)+"/"+string(s.Call(0).UUID), nil)
	mustStatus(t, w, http.StatusNotFound)
}

func TestAuth(t *testing.T) {
	s := sharedServer()
	tests := []struct {
		name, path, id, token string
		status                int
		code                  string
	}{
		{"no headers", basePath(s), "", "", 401, "INVALID_CREDENTIALS"},
		{"wrong token", basePath(s), s.AuthID(), "nope", 401, "INVALID_CREDENTIALS"},
		{"wrong id", basePath(s), "MA_OTHER", s.AuthToken(), 401, "INVALID_CREDENTIALS"},
		{"token only", basePath(s) + "/export", "", s.AuthToken(), 401, "INVALID_CREDENTIALS"},
		{"other account in path", "/api/v1/Account/MA_OTHER/cdr", s.AuthID(), s.AuthToken(), 403, "FORBIDDEN"},
		{"other account get", "/api/v1/Account/MA_OTHER/cdr/" + string(s.Call(0).UUID), s.AuthID(), s.AuthToken(), 403, "FORBIDDEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tt.path, nil)
			if tt.id != "" {
				req.Header.Set("X-Auth-ID", tt.id)
			}
			if tt.token != "" {
				req.Header.Set("X-Auth-Token", tt.token)
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			e := decodeError(t, w, tt.status, tt.code)
			if !strings.HasPrefix(e.RequestID, "req_") {
				t.Fatalf("requestId %q", e.RequestID)
			}
		})
	}
	custom := New(Options{Calls: 10, Now: testNow, AuthID: "MA_ABC123", AuthToken: "tok"})
	req := httptest.NewRequest(http.MethodGet, "/api/v1/Account/MA_ABC123/cdr/recent", nil)
	req.Header.Set("X-Auth-ID", "MA_ABC123")
	req.Header.Set("X-Auth-Token", "tok")
	w := httptest.NewRecorder()
	custom.ServeHTTP(w, req)
	mustStatus(t, w, http.StatusOK)
}

func TestRouting(t *testing.T) {
	s := sharedServer()
	uuid := string(s.Call(0).UUID)
	tests := []struct {
		path   string
		status int
	}{
		{"/api/v1/Account/MA_SANDBOX/cdr", 200},
		{"/api/v1/account/MA_SANDBOX/cdr", 200},
		{"/api/v1/Account/MA_SANDBOX/cdr/", 200},
		{"/api/v1/account/MA_SANDBOX/cdr/search/", 200},
		{"/api/v1/Account/MA_SANDBOX/cdr/recent", 200},
		{"/api/v1/account/MA_SANDBOX/cdr/export/", 200},
		{"/api/v1/account/MA_SANDBOX/cdr/" + uuid, 200},
		{"/api/v1/Account/MA_SANDBOX/cdr/" + uuid + "/", 200},
		{"/api/v1/Account/MA_SANDBOX/CDR", 404},
		{"/api/v1/ACCOUNT/MA_SANDBOX/cdr", 404},
		{"/api/v1/Account/MA_SANDBOX/cdrs", 404},
		{"/api/v1/Account/MA_SANDBOX", 404},
		{"/api/v1/Account//cdr", 404},
		{"/api/v1/Account/MA_SANDBOX/cdr//", 404},
		{"/api/v1/Account/MA_SANDBOX/cdr/" + uuid + "/extra", 404},
		{"/api/v2/Account/MA_SANDBOX/cdr", 404},
		{"/", 404},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			w := do(t, s, tt.path, nil)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if tt.status == 404 {
				decodeError(t, w, 404, "NOT_FOUND")
			}
		})
	}
	req := httptest.NewRequest(http.MethodPost, basePath(s), nil)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	decodeError(t, w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED")
	if w.Header().Get("Allow") == "" {
		t.Fatal("405 without Allow")
	}
}

// TestHostileQueries feeds odd query strings to every endpoint: they must
// be answered with 200 or 400, never a panic or a 5xx.
func TestHostileQueries(t *testing.T) {
	s := newSmall(t)
	queries := []string{
		"page=-1", "page=99999999999999999999", "per_page=%00", "page=1&page=2",
		"search=%25", "search=%27%20OR%201=1--", "search=" + strings.Repeat("%E2%80%A8", 40),
		"from_number=%2B", "to_number=()", "min_duration=999999999", "start_date=0000-00-00&end_date=9999-12-31",
		"start_date=2026-02-30&end_date=2026-03-01", "limit=%FF", "hangup_cause=" + strings.Repeat("A", 128),
		"sip_call_id=" + strings.Repeat("-", 36), "bridge_uuid=ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ",
		"%zz=1", "a=%", ";;;", "search=" + url.QueryEscape("<script>\"\\"),
	}
	for _, q := range queries {
		for _, ep := range []string{"", "/search", "/recent", "/export"} {
			req := httptest.NewRequest(http.MethodGet, basePath(s)+ep+"?"+q, nil)
			req.Header.Set("X-Auth-ID", s.AuthID())
			req.Header.Set("X-Auth-Token", s.AuthToken())
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			if w.Code != 200 && w.Code != 400 {
				t.Errorf("%s?%s: status %d", ep, q, w.Code)
			}
			if ep != "/export" && !json.Valid(w.Body.Bytes()) {
				t.Errorf("%s?%s: invalid JSON %.200s", ep, q, w.Body.String())
			}
		}
	}
}

func FuzzQuery(f *testing.F) {
	s := New(Options{Calls: 300, Now: testNow})
	for _, seed := range []string{"page=2&per_page=5", "search=98", "start_date=2026-03-01&end_date=2026-03-02", "limit=3"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		for _, ep := range []string{"", "/search", "/recent"} {
			req := httptest.NewRequest(http.MethodGet, basePath(s)+ep, nil)
			req.URL.RawQuery = rawQuery
			req.Header.Set("X-Auth-ID", s.AuthID())
			req.Header.Set("X-Auth-Token", s.AuthToken())
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			if w.Code != 200 && w.Code != 400 {
				t.Fatalf("status %d", w.Code)
			}
			if !json.Valid(w.Body.Bytes()) {
				t.Fatalf("invalid JSON: %s", w.Body.String())
			}
		}
	})
}

func ExampleServer() {
	s := New(Options{Calls: 1000, Now: time.Date(2026, 3, 25, 12, 0, 0, 0, time.UTC)})
	req := httptest.NewRequest(http.MethodGet, "/api/v1/Account/MA_SANDBOX/cdr?per_page=1", nil)
	req.Header.Set("X-Auth-ID", s.AuthID())
	req.Header.Set("X-Auth-Token", s.AuthToken())
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	fmt.Println(w.Code, w.Header().Get("Content-Type"))
	// Output: 200 application/json; charset=utf-8
}
