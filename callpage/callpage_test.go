package callpage

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
)

var t0 = time.Date(2026, 11, 26, 8, 30, 0, 0, time.UTC)

func at(d time.Duration) vobiz.Time { return vobiz.Time{Time: t0.Add(d)} }

// answered is a call that rang 5 s after 2 s of setup and talked 60 s,
// with figures that agree with its timestamps.
func answered() *vobiz.CDR {
	return &vobiz.CDR{
		UUID: "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b", CallDirection: "outbound",
		CallerIDNumber: "+919876543210", DestinationNumber: "+918012345678",
		StartTime: at(0), ProgressTime: at(2 * time.Second), AnswerTime: at(7 * time.Second), EndTime: at(67 * time.Second),
		RingTime: 7, Billsec: 60, Duration: 67, TotalCost: 1.5, Currency: "INR",
		HangupCause:     vobiz.NullString{String: "NORMAL_CLEARING", Valid: true},
		HangupCauseCode: vobiz.NullInt{Int64: 16, Valid: true},
		HangupCauseName: vobiz.NullString{String: "Normal Clearing", Valid: true},
	}
}

func TestTimeline(t *testing.T) {
	unanswered := answered()
	unanswered.AnswerTime, unanswered.Billsec, unanswered.RingTime, unanswered.Duration = vobiz.Time{}, 0, 67, 67
	noProgress := answered()
	noProgress.ProgressTime = vobiz.Time{}
	backwards := answered()
	backwards.EndTime = at(-time.Second)
	disagrees := answered()
	disagrees.Billsec = 58
	// ring_time counted from the progress time, as the bar draws it: the
	// old note compared start→answer and spoke up although the bar and
	// the record agree.
	fromProgress := answered()
	fromProgress.RingTime = 5

	for _, c := range []struct {
		name      string
		cdr       *vobiz.CDR
		segments  []views.Segment
		summary   string
		drawnNone bool
	}{
		{"answered after ringing", answered(), []views.Segment{
			{Kind: "pdd", Label: "Before ringing 2s", Width: 3},
			{Kind: "ring", Label: "Ringing 5s", Width: 7},
			{Kind: "talk", Label: "Talk 1m", Width: 90}},
			"Rang 7s, talked 1m: 1m 7s in all (ring_time, billsec and duration as recorded).", false},
		{"ring_time as the bar draws it", fromProgress, []views.Segment{
			{Kind: "pdd", Label: "Before ringing 2s", Width: 3},
			{Kind: "ring", Label: "Ringing 5s", Width: 7},
			{Kind: "talk", Label: "Talk 1m", Width: 90}},
			"Rang 5s, talked 1m: 1m 7s in all (ring_time, billsec and duration as recorded).", true},
		{"rang, never answered", unanswered, []views.Segment{
			{Kind: "pdd", Label: "Before ringing 2s", Width: 3},
			{Kind: "stop", Label: "Ringing, then ended unanswered 1m 5s", Width: 97}},
			"Rang 1m 7s and was never answered: 1m 7s in all (ring_time and duration as recorded).", false},
		{"answered without a progress time", noProgress, []views.Segment{
			{Kind: "pdd", Label: "Setting up 7s", Width: 10},
			{Kind: "talk", Label: "Talk 1m", Width: 90}},
			"Talked 1m: 1m 7s in all (billsec and duration as recorded).", true},
		{"end before start draws no bar", backwards, nil,
			"Rang 7s, talked 1m: 1m 7s in all (ring_time, billsec and duration as recorded).", false},
		{"figures disagree with the timestamps", disagrees, []views.Segment{
			{Kind: "pdd", Label: "Before ringing 2s", Width: 3},
			{Kind: "ring", Label: "Ringing 5s", Width: 7},
			{Kind: "talk", Label: "Talk 1m", Width: 90}},
			"Rang 7s, talked 58s: 1m 7s in all (ring_time, billsec and duration as recorded).", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			tl := timelineOf(c.cdr, time.UTC)
			if !reflect.DeepEqual(tl.Segments, c.segments) {
				t.Errorf("segments\n got %+v\nwant %+v", tl.Segments, c.segments)
			}
			if tl.Summary != c.summary {
				t.Errorf("summary\n got %q\nwant %q", tl.Summary, c.summary)
			}
			if (tl.Drawn == "") != c.drawnNone {
				t.Errorf("drawn note %q, want one: %v", tl.Drawn, !c.drawnNone)
			}
			// The note names what the bar draws and the record's figure.
			for _, seg := range tl.Segments {
				if seg.Kind == "ring" && tl.Drawn != "" && !strings.Contains(tl.Drawn, strings.TrimPrefix(seg.Label, "Ringing ")+" of ringing") {
					t.Errorf("note %q does not name the drawn %q", tl.Drawn, seg.Label)
				}
			}
		})
	}
}

func TestBuild(t *testing.T) {
	ist, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Thresholds: diagnosis.DefaultThresholds(), Zone: ist, BasePath: "/dash"}

	rtl := answered()
	rtl.CallerIDNumber = "\u202eevil"
	rtl.Raw = []byte(`{"uuid":"x","billsec":60}`)
	unbilled := answered()
	unbilled.Billsec, unbilled.HangupCauseCode = 0, vobiz.NullInt{}
	unbilled.Raw = []byte(`not json`)

	kv := func(list []views.KV, label string) string {
		for _, e := range list {
			if e.Label == label {
				return e.Value
			}
		}
		t.Fatalf("no %q in %+v", label, list)
		return ""
	}
	for _, c := range []struct {
		name  string
		cdr   *vobiz.CDR
		check func(t *testing.T, v views.CallView)
	}{
		{"title isolates each number and drops bidi overrides", rtl, func(t *testing.T, v views.CallView) {
			if want := "\u2068evil\u2069 → \u2068+91 80123 45678\u2069"; v.Title != want {
				t.Errorf("title %q, want %q", v.Title, want)
			}
		}},
		{"raw record is indented", rtl, func(t *testing.T, v views.CallView) {
			if want := "{\n  \"uuid\": \"x\",\n  \"billsec\": 60\n}"; v.RawJSON != want {
				t.Errorf("raw %q, want %q", v.RawJSON, want)
			}
		}},
		{"times in the viewer's zone", answered(), func(t *testing.T, v views.CallView) {
			if got := v.Timeline.Points[0]; got.Label != "Started" || got.Value != "14:00:00" {
				t.Errorf("first point %+v, want Started 14:00:00 (IST)", got)
			}
		}},
		{"code with its name, rate per minute of talk", answered(), func(t *testing.T, v views.CallView) {
			if got := kv(v.Hangup, "Code"); got != "16 · Normal Clearing" {
				t.Errorf("code %q", got)
			}
			if got := kv(v.Cost, "Effective rate"); got != "₹1.50 per minute of talk" {
				t.Errorf("rate %q", got)
			}
			if got := kv(v.Recorded, "Ring time (ring_time)"); got != "7s" {
				t.Errorf("ring time %q", got)
			}
		}},
		{"no talk, no code: dashes; broken raw shown as is", unbilled, func(t *testing.T, v views.CallView) {
			if got := kv(v.Hangup, "Code"); got != "—" {
				t.Errorf("code %q", got)
			}
			if got := kv(v.Cost, "Effective rate"); got != "—" {
				t.Errorf("rate %q", got)
			}
			if v.RawJSON != "not json" {
				t.Errorf("raw %q", v.RawJSON)
			}
		}},
		{"related links under the base path, days in UTC", answered(), func(t *testing.T, v views.CallView) {
			want := []views.Link{
				{Label: "Calls from \u2068+91 98765 43210\u2069", URL: "/dash/calls?from_number=%2B919876543210"},
				{Label: "Calls to \u2068+91 98765 43210\u2069", URL: "/dash/calls?to_number=%2B919876543210"},
				{Label: "Calls to \u2068+91 80123 45678\u2069", URL: "/dash/calls?to_number=%2B918012345678"},
				{Label: "Calls from \u2068+91 80123 45678\u2069", URL: "/dash/calls?from_number=%2B918012345678"},
				{Label: "Calls on 2026-11-26", URL: "/dash/calls?end_date=2026-11-26&start_date=2026-11-26"},
				{Label: "Same cause that day (\u2068NORMAL_CLEARING\u2069)",
					URL: "/dash/calls?end_date=2026-11-26&hangup_cause=NORMAL_CLEARING&start_date=2026-11-26"},
			}
			if !reflect.DeepEqual(v.Related, want) {
				t.Errorf("related\n got %+v\nwant %+v", v.Related, want)
			}
		}},
		{"empty record has no links and no raw", &vobiz.CDR{}, func(t *testing.T, v views.CallView) {
			if len(v.Related) != 0 || v.RawJSON != "(not available)" || v.Title != "\u2068—\u2069 → \u2068—\u2069" {
				t.Errorf("related %+v, raw %q, title %q", v.Related, v.RawJSON, v.Title)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) { c.check(t, Build(c.cdr, o)) })
	}
}

func TestFormatMetric(t *testing.T) {
	for in, want := range map[float64]string{4.41: "4.41", 0.2: "0.2", 1e308: "1e+308", 0: "0"} {
		if got := formatMetric(in); got != want {
			t.Errorf("formatMetric(%v) = %q, want %q", in, got, want)
		}
	}
}
