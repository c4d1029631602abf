package vobiz

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestRecordingLenientDecoding(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantDur time.Duration
		wantAdd time.Time
	}{
		{"duration as string, add_time +05:30",
			`{"recording_id":"r1","recording_duration_ms":"345100","add_time":"2026-05-07 09:45:35.79276+05:30"}`,
			345100 * time.Millisecond, time.Date(2026, 5, 7, 4, 15, 35, 792760000, time.UTC)},
		{"SDK decimal strings",
			`{"recording_id":"r1","recording_duration_ms":"61000.00000","recording_start_ms":"1778125474000.00000","add_time":"2026-05-07 09:45:35+05:30"}`,
			61 * time.Second, time.Date(2026, 5, 7, 4, 15, 35, 0, time.UTC)},
		{"fractions rounded",
			`{"recording_id":"r1","recording_duration_ms":"345100.6","recording_start_ms":1000.4,"add_time":"2026-05-07 09:45:35+05:30"}`,
			345101 * time.Millisecond, time.Date(2026, 5, 7, 4, 15, 35, 0, time.UTC)},
		{"rounded only", `{"recording_id":"r1","rounded_recording_duration":120}`, 120 * time.Second, time.Time{}},
		{"start and end only", `{"recording_id":"r1","recording_start_ms":1000,"recording_end_ms":4500}`, 3500 * time.Millisecond, time.Time{}},
		{"missing optional fields, nulls", `{"recording_id":"r1","conference_name":null,"recording_duration_ms":null,"add_time":""}`, 0, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Recording
			if err := json.Unmarshal([]byte(tt.in), &r); err != nil {
				t.Fatal(err)
			}
			if r.Duration() != tt.wantDur || !r.AddTime.Equal(tt.wantAdd) {
				t.Errorf("duration %v add_time %v, want %v %v", r.Duration(), r.AddTime.Time, tt.wantDur, tt.wantAdd)
			}
		})
	}
}

// TestCallRecordingsRechecksTheCall: an upstream that ignores call_uuid
// must not put another call's recording on this call's page.
func TestRecordingDecodingRefusesGarbage(t *testing.T) {
	for _, in := range []string{
		`{"recording_id":"r1","recording_duration_ms":"long"}`,
		`{"recording_id":"r1","recording_start_ms":{}}`,
		`{"recording_id":"r1","recording_end_ms":1e300}`,
		`{"recording_id":"r1","add_time":"yesterday"}`,
	} {
		var r Recording
		if err := json.Unmarshal([]byte(in), &r); err == nil {
			t.Errorf("%s decoded as %+v", in, r)
		}
	}
	var r Recording
	if err := json.Unmarshal([]byte(`{"recording_id":"r1","recording_url":"http://h/a.mp3","recording_format":"mp3","call_uuid":"c","from_number":"+91"}`), &r); err != nil ||
		r.ID != "r1" || r.URL != "http://h/a.mp3" || r.Format != "mp3" || r.CallUUID != "c" || r.FromNumber != "+91" || r.DurationMS.Valid {
		t.Errorf("plain fields: %+v, %v", r, err)
	}
}

func TestCallRecordingsRechecksTheCall(t *testing.T) {
	const call = "11111111-2222-4333-8444-555555555555"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/Account/"+testAuthID+"/Recording/" || r.URL.Query().Get("call_uuid") != call {
			t.Errorf("request %s", r.URL)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"api_id":"a","meta":{"limit":100,"next":null,"offset":0,"previous":null,"total_count":4},"objects":[
			{"recording_id":"b","call_uuid":"` + call + `","add_time":"2026-05-07 09:45:40.1+05:30"},
			{"recording_id":"x","call_uuid":"99999999-2222-4333-8444-555555555555","add_time":"2026-05-07 09:45:39+05:30"},
			{"recording_id":"","call_uuid":"` + call + `"},
			{"recording_id":"a","call_uuid":"` + call + `","add_time":"2026-05-07 09:40:00+05:30"}]}`))
	}))
	defer srv.Close()
	c, _ := newTestClient(t, srv.URL)
	rs, err := c.CallRecordings(context.Background(), call)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].ID != "a" || rs[1].ID != "b" {
		t.Errorf("got %+v, want a then b", rs)
	}
}

func TestRecordingFilterAndIDChecks(t *testing.T) {
	c, _ := newTestClient(t, "http://api.invalid")
	for _, f := range []RecordingFilter{{Limit: 101}, {Limit: -1}, {Offset: -1}, {CallUUID: "a/b"},
		{AddedFrom: time.Unix(10, 0), AddedBefore: time.Unix(5, 0)}} {
		var ve *ValidationError
		if _, err := c.ListRecordings(context.Background(), f); !errors.As(err, &ve) {
			t.Errorf("%+v: %v, want a ValidationError", f, err)
		}
	}
	for _, id := range []string{"", "a/b", "a?b", "../x", string(make([]byte, 65))} {
		var ve *ValidationError
		if _, err := c.GetRecording(context.Background(), id); !errors.As(err, &ve) {
			t.Errorf("%q: %v, want a ValidationError", id, err)
		}
	}
	v := RecordingFilter{CallUUID: "ABC", AddedFrom: time.Date(2026, 5, 7, 9, 45, 35, 0, time.FixedZone("IST", 19800)), Limit: 5, Offset: 10}.Values()
	if v.Get("call_uuid") != "abc" || v.Get("add_time__gte") != "2026-05-07 04:15:35" || v.Get("limit") != "5" || v.Get("offset") != "10" {
		t.Errorf("values %v", v)
	}
}

// TestCallRecordingsUpstreamIgnoresOffset: a page repeated forever ends
// the loop instead of repeating recordings.
func TestCallRecordingsUpstreamIgnoresOffset(t *testing.T) {
	const call = "11111111-2222-4333-8444-555555555555"
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"meta":{"limit":1,"next":"/x?offset=1","offset":0,"total_count":50},"objects":[
			{"recording_id":"a","call_uuid":"` + call + `"}]}`))
	}))
	defer srv.Close()
	c, _ := newTestClient(t, srv.URL)
	rs, err := c.CallRecordings(context.Background(), call)
	if err != nil || len(rs) != 1 || requests != 2 {
		t.Errorf("%d recordings, %d requests, %v", len(rs), requests, err)
	}
}
