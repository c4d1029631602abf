package vobiz

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func ts(s string) Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return Time{t}
}

func str(s string) NullString { return NullString{String: s, Valid: true} }

// wantAnswered is the contract's answered example, field by field.
func wantAnswered() CDR {
	return CDR{
		ID: 18000000, UUID: "aabbccdd-1234-5678-90ab-cdef12345678", AccountID: "MA_XXXXXXXX",
		CallDirection: "outbound", CallerIDName: "John Doe", CallerIDNumber: "+919876543210",
		DestinationNumber: "+918012345678", Duration: 47, Billsec: 42, RingTime: 5,
		StartTime: ts("2026-03-25T10:00:00Z"), ProgressTime: ts("2026-03-25T10:00:00Z"),
		AnswerTime: ts("2026-03-25T10:00:01Z"), EndTime: ts("2026-03-25T10:00:42Z"),
		CreatedAt: ts("2026-03-25T10:00:42Z"), UpdatedAt: ts("2026-03-25T10:00:42Z"),
		Cost: 0.45, StreamingCost: 0, TotalCost: 0.45, Currency: "INR",
		HangupCause: str("NORMAL_CLEARING"), HangupCauseCode: NullInt{4000, true},
		HangupCauseName: str("Normal Hangup"), HangupDisposition: str("send_bye"), HangupSource: str("Caller"),
		FailureCode: NullString{}, FailureReason: NullString{},
		BridgeUUID: str("aabbccdd-1234-5678-90ab-cdef12345678"), SIPCallID: "11223344-5566-7788-99aa-bbccddeeff00",
		SIPUserAgent: str("Vobiz"), Codec: str("PCMU"),
		MOS: NullFloat{4.5, true}, Jitter: NullFloat{0.2, true}, PacketLoss: NullFloat{0.1, true},
		NetworkAddr: str("10.0.0.1"), CarrierIP: str("10.0.0.1"),
		Context: "voice-api", Region: "ap-south-1", OriginationRegion: "mumbai",
	}
}

func wantUnanswered() CDR {
	c := wantAnswered()
	c.ID, c.UUID = 18000001, "bbccddee-1234-5678-90ab-cdef12345678"
	c.CallerIDName = ""
	c.Duration, c.Billsec, c.RingTime = 12, 0, 12
	c.StartTime, c.ProgressTime = ts("2026-03-25T09:00:00Z"), ts("2026-03-25T09:00:00Z")
	c.AnswerTime = Time{}
	c.EndTime, c.CreatedAt, c.UpdatedAt = ts("2026-03-25T09:00:12Z"), ts("2026-03-25T09:00:12Z"), ts("2026-03-25T09:00:12Z")
	c.Cost, c.TotalCost = 0, 0
	c.HangupCause, c.HangupCauseCode, c.HangupCauseName = str("NO_ANSWER"), NullInt{4100, true}, str("No Answer")
	c.HangupDisposition, c.HangupSource = str("send_cancel"), str("Callee")
	c.FailureCode, c.FailureReason = str("16"), str("NO_ANSWER")
	c.BridgeUUID = NullString{}
	c.SIPCallID = "22334455-5566-7788-99aa-bbccddeeff00"
	c.MOS, c.Jitter, c.PacketLoss = NullFloat{0, true}, NullFloat{0, true}, NullFloat{0, true}
	return c
}

func TestDecodeContractExamples(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want CDR
	}{
		{"answered", answeredJSON, wantAnswered()},
		{"unanswered", unansweredJSON, wantUnanswered()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var keys map[string]json.RawMessage
			if err := json.Unmarshal([]byte(tt.in), &keys); err != nil {
				t.Fatal(err)
			}
			// The 43 documented fields; the table may hold newer ones too.
			if len(keys) != 43 {
				t.Fatalf("fixture has %d keys, want 43", len(keys))
			}
			for k := range keys {
				if _, ok := FieldByName(k); !ok {
					t.Errorf("documented field %q is not in the CDR table", k)
				}
			}
			var got CDR
			if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
				t.Fatal(err)
			}
			assertCDR(t, got, tt.want)
		})
	}
	a, u := wantAnswered(), wantUnanswered()
	if !a.Answered() || u.Answered() || !a.HasMedia() || u.HasMedia() {
		t.Error("Answered/HasMedia disagree with the examples")
	}
	if a.DurationTime() != 47*time.Second || a.TalkTime() != 42*time.Second {
		t.Error("DurationTime/TalkTime")
	}
}

// assertCDR compares field by field so a failure names the field.
func assertCDR(t *testing.T, got, want CDR) {
	t.Helper()
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range gv.NumField() {
		name := gv.Type().Field(i).Name
		if name == "Raw" {
			continue
		}
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		if gt, ok := g.(Time); ok {
			if !gt.Equal(w.(Time).Time) {
				t.Errorf("%s = %v, want %v", name, gt, w)
			}
			continue
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s = %#v, want %#v", name, g, w)
		}
	}
}

func TestDecodePacketLossAndOddTypes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want func(*CDR) bool
	}{
		{"packet_loss 0", `{"uuid":"u","packet_loss":0}`, func(c *CDR) bool { return c.PacketLoss == NullFloat{0, true} }},
		{"packet_loss 0.1", `{"uuid":"u","packet_loss":0.1}`, func(c *CDR) bool { return c.PacketLoss == NullFloat{0.1, true} }},
		{"packet_loss null", `{"uuid":"u","packet_loss":null}`, func(c *CDR) bool { return !c.PacketLoss.Valid }},
		{"streaming_cost fractional", `{"uuid":"u","streaming_cost":0.05}`, func(c *CDR) bool { return c.StreamingCost == 0.05 }},
		{"string numbers and unknown fields", `{"uuid":"u","duration":"47","billsec":"42","cost":"0.45",
			"hangup_cause_code":"4000","mos":"4.5","failure_code":16,"carrier_ip":null,
			"brand_new_field":{"nested":[1,2,3]},"another":"x"}`,
			func(c *CDR) bool {
				return c.Duration == 47 && c.Billsec == 42 && c.Cost == 0.45 &&
					c.HangupCauseCode == NullInt{4000, true} && c.MOS == NullFloat{4.5, true} &&
					c.FailureCode == str("16") && !c.CarrierIP.Valid
			}},
		{"n8n mock time form", `{"uuid":"u","start_time":"2026-09-29 10:00:00","answer_time":""}`,
			func(c *CDR) bool {
				return c.StartTime.Equal(time.Date(2026, 9, 29, 10, 0, 0, 0, time.UTC)) && c.AnswerTime.IsZero()
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c CDR
			if err := json.Unmarshal([]byte(tt.in), &c); err != nil {
				t.Fatal(err)
			}
			if !tt.want(&c) {
				t.Errorf("unexpected decode: %+v", c)
			}
		})
	}
}

func TestDecodeEnvelopes(t *testing.T) {
	var s SearchResponse
	if err := json.Unmarshal(searchBody(3), &s); err != nil {
		t.Fatal(err)
	}
	if s.AccountID != "MA_XXXXXXXX" || s.Count != 3 || len(s.Data) != 3 || !s.Success {
		t.Errorf("envelope = %+v", s.ListResponse)
	}
	wantPage := Pagination{Page: 1, PerPage: 3, Total: 4500, Pages: 45, HasNext: true}
	if s.Pagination != wantPage {
		t.Errorf("pagination = %+v, want %+v", s.Pagination, wantPage)
	}
	if s.Summary.TotalCalls != 4500 || s.Summary.AnsweredCalls != 2171 || s.Summary.AnswerRate != 48.2 ||
		s.Summary.AvgCallDuration != "28s" || s.Summary.TotalBillableSeconds != 61211 ||
		!s.Summary.LastCallAt.Equal(time.Date(2026, 3, 25, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("summary = %+v", s.Summary)
	}
	if v, ok := s.Filters.Get("call_direction"); !ok || v != "outbound" {
		t.Errorf("filters = %v", s.Filters)
	}
	if v, ok := s.Filters.Get("to_number"); !ok || v != "" {
		t.Errorf("unset filter echo = %q, %v; want \"\", true", v, ok)
	}

	// Empty result: zeroed summary, last_call_at "" or null.
	for _, last := range []string{`""`, `null`} {
		var l ListResponse
		body := `{"account_id":"MA_X","count":0,"data":[],"pagination":{"page":1,"per_page":20,"total":0,"pages":0,"has_next":false,"has_prev":false},"summary":{"totalCalls":0,"answeredCalls":0,"answerRate":0,"avgCallDuration":"0s","total_duration_seconds":0,"total_billable_seconds":0,"total_cost":0,"last_call_at":` + last + `},"success":true}`
		if err := json.Unmarshal([]byte(body), &l); err != nil {
			t.Fatalf("last_call_at %s: %v", last, err)
		}
		if l.Data == nil || len(l.Data) != 0 || !l.Summary.LastCallAt.IsZero() {
			t.Errorf("empty list = %+v", l)
		}
	}
}

// The echo block is read leniently: a newer API might echo a number or
// null, which must not fail a search whose rows are fine.
func TestFiltersEchoLenient(t *testing.T) {
	var s SearchResponse
	body := `{"data":[],"filters":{"from_number":"+91","min_duration":30,"strict":true,"hangup_cause":null,"nested":{"a":1}}}`
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatal(err)
	}
	want := FiltersEcho{"from_number": "+91", "min_duration": "30", "strict": "true", "hangup_cause": ""}
	if !reflect.DeepEqual(s.Filters, want) {
		t.Errorf("filters = %#v, want %#v", s.Filters, want)
	}
	var n SearchResponse
	if err := json.Unmarshal([]byte(`{"data":[],"filters":null}`), &n); err != nil || n.Filters != nil {
		t.Errorf("null filters = %#v, %v", n.Filters, err)
	}
	if err := json.Unmarshal([]byte(`{"data":[],"filters":"x"}`), &n); err == nil {
		t.Error("a string filters block should not decode")
	}
}

func TestSummaryHelpers(t *testing.T) {
	s := Summary{AnsweredCalls: 2171, TotalBillableSeconds: 61211}
	if got := s.AverageTalk().Round(time.Second); got != 28*time.Second {
		t.Errorf("AverageTalk = %v, want 28s", got)
	}
	if (Summary{}).AverageTalk() != 0 {
		t.Error("AverageTalk of empty summary")
	}
	for d, want := range map[time.Duration]string{
		28 * time.Second: "28s", 0: "0s", 102 * time.Second: "1m 42s", 120 * time.Second: "2m",
		2*time.Hour + 3*time.Minute + 4*time.Second: "2h 3m", -time.Second: "0s",
	} {
		if got := FormatShortDuration(d); got != want {
			t.Errorf("FormatShortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// Fixtures shared by the tests and benchmarks of this package. The two
// contract examples live in testdata/ so the dashboard's tests use the
// very same records.

// readFixture reads a file from testdata at package initialisation.
func readFixture(name string) string {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		panic(err)
	}
	return string(b)
}

// answeredJSON is the docs' answered example (docs/vobiz-api.md#cdr-fields) with all 43 fields.
var answeredJSON = readFixture("contract_answered.json")

// unansweredJSON is the docs' unanswered variant (docs/vobiz-api.md#cdr-fields).
var unansweredJSON = readFixture("contract_unanswered.json")

// fixtureRecord returns a realistic CDR as a JSON object map, varied by i
// so a page of them looks like real traffic (answered and unanswered,
// nulls, fractional quality figures).
func fixtureRecord(i int) map[string]any {
	start := time.Date(2026, 3, 25, 10, 0, 0, 0, time.UTC).Add(-time.Duration(i) * 97 * time.Second)
	answered := i%3 != 0
	ring := 3 + i%9
	talk := 0
	if answered {
		talk = 20 + (i*37)%400
	}
	dur := ring + talk
	var answer, bridge, failCode, failReason any
	cause, code, name, disp, src := "NO_ANSWER", 4100, "No Answer", "send_cancel", "Callee"
	mos, jitter, loss, cost := 0.0, 0.0, 0.0, 0.0
	if answered {
		answer = start.Add(time.Duration(ring) * time.Second).Format(time.RFC3339)
		bridge = fmt.Sprintf("aabbccdd-%04d-5678-90ab-cdef12345678", i)
		cause, code, name, disp, src = "NORMAL_CLEARING", 4000, "Normal Hangup", "send_bye", "Caller"
		mos, jitter, loss = 3.2+float64(i%18)/10, float64(i%50)/10, float64(i%7)/10
		cost = float64(talk) * 0.0125
	} else {
		failCode, failReason = "16", "NO_ANSWER"
	}
	dir := "outbound"
	if i%4 == 0 {
		dir = "inbound"
	}
	end := start.Add(time.Duration(dur) * time.Second).Format(time.RFC3339)
	return map[string]any{
		"id": 18000000 + i, "uuid": fmt.Sprintf("%08x-1234-5678-90ab-cdef12345678", 0xaabb0000+i),
		"account_id": "MA_XXXXXXXX", "call_direction": dir, "caller_id_name": "John Doe",
		"caller_id_number": fmt.Sprintf("+9198765%05d", i), "destination_number": fmt.Sprintf("+9180123%05d", i*7),
		"duration": dur, "billsec": talk, "ring_time": ring,
		"start_time": start.Format(time.RFC3339), "progress_time": start.Format(time.RFC3339),
		"answer_time": answer, "end_time": end, "cost": cost, "streaming_cost": 0, "total_cost": cost,
		"currency": "INR", "hangup_cause": cause, "hangup_cause_code": code, "hangup_cause_name": name,
		"hangup_disposition": disp, "hangup_source": src, "failure_code": failCode, "failure_reason": failReason,
		"codec": "PCMU", "mos": mos, "jitter": jitter, "packet_loss": loss,
		"sip_call_id": fmt.Sprintf("11223344-%04d-7788-99aa-bbccddeeff00", i), "sip_user_agent": "Vobiz",
		"bridge_uuid": bridge, "network_addr": "10.0.0.1", "carrier_ip": "10.0.0.1", "context": "voice-api",
		"region": "ap-south-1", "origination_region": "mumbai", "campaign_id": nil, "customer_endpoint": nil,
		"trunk_id": nil, "terminated_to": nil, "created_at": end, "updated_at": end,
	}
}

// searchBody returns a search response with n fixture rows.
func searchBody(n int) []byte {
	rows := make([]map[string]any, n)
	for i := range rows {
		rows[i] = fixtureRecord(i)
	}
	b, err := json.Marshal(map[string]any{
		"account_id": "MA_XXXXXXXX", "count": n, "data": rows, "success": true,
		"filters":    map[string]string{"call_direction": "outbound", "from_number": "", "hangup_cause": "", "to_number": ""},
		"pagination": map[string]any{"page": 1, "per_page": n, "total": 4500, "pages": 45, "has_next": true, "has_prev": false},
		"summary": map[string]any{"totalCalls": 4500, "answeredCalls": 2171, "answerRate": 48.2, "avgCallDuration": "28s",
			"total_duration_seconds": 91000, "total_billable_seconds": 61211, "total_cost": 812.5,
			"last_call_at": "2026-03-25T10:00:00Z"},
	})
	if err != nil {
		panic(err)
	}
	return b
}
