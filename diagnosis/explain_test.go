package diagnosis

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/vobiz"
)

// The two example CDRs of docs/vobiz-api.md#cdr-fields (answered, and the unanswered
// variant from the list OpenAPI).
const (
	exampleAnswered = `{"id":18000000,"uuid":"aabbccdd-1234-5678-90ab-cdef12345678","account_id":"MA_XXXXXXXX",
 "call_direction":"outbound","caller_id_name":"John Doe","caller_id_number":"+919876543210",
 "destination_number":"+918012345678","duration":47,"billsec":42,"ring_time":5,
 "start_time":"2026-03-25T10:00:00Z","progress_time":"2026-03-25T10:00:00Z",
 "answer_time":"2026-03-25T10:00:01Z","end_time":"2026-03-25T10:00:42Z",
 "cost":0.45,"streaming_cost":0,"total_cost":0.45,"currency":"INR",
 "hangup_cause":"NORMAL_CLEARING","hangup_cause_code":4000,"hangup_cause_name":"Normal Hangup",
 "hangup_disposition":"send_bye","hangup_source":"Caller","failure_code":null,"failure_reason":null,
 "codec":"PCMU","mos":4.5,"jitter":0.2,"packet_loss":0.1,"sip_call_id":"11223344-5566-7788-99aa-bbccddeeff00",
 "sip_user_agent":"Vobiz","bridge_uuid":"aabbccdd-1234-5678-90ab-cdef12345678","network_addr":"10.0.0.1",
 "carrier_ip":"10.0.0.1","context":"voice-api","region":"ap-south-1","origination_region":"mumbai",
 "campaign_id":null,"customer_endpoint":null,"trunk_id":null,"terminated_to":null,
 "created_at":"2026-03-25T10:00:42Z","updated_at":"2026-03-25T10:00:42Z"}`

	exampleUnanswered = `{"id":18000001,"uuid":"aabbccdd-1234-5678-90ab-cdef12345679","account_id":"MA_XXXXXXXX",
 "call_direction":"outbound","caller_id_name":"John Doe","caller_id_number":"+919876543210",
 "destination_number":"+918012345678","duration":12,"billsec":0,"ring_time":12,
 "start_time":"2026-03-25T10:00:00Z","progress_time":"2026-03-25T10:00:00Z",
 "answer_time":null,"end_time":"2026-03-25T10:00:12Z",
 "cost":0,"streaming_cost":0,"total_cost":0,"currency":"INR",
 "hangup_cause":"NO_ANSWER","hangup_cause_code":4100,"hangup_cause_name":"No Answer",
 "hangup_disposition":"send_cancel","hangup_source":"Callee","failure_code":"16","failure_reason":"NO_ANSWER",
 "codec":"PCMU","mos":0,"jitter":0,"packet_loss":0,"sip_call_id":"11223344-5566-7788-99aa-bbccddeeff01",
 "sip_user_agent":"Vobiz","bridge_uuid":null,"network_addr":"10.0.0.1",
 "carrier_ip":"10.0.0.1","context":"voice-api","region":"ap-south-1","origination_region":"mumbai",
 "campaign_id":null,"customer_endpoint":null,"trunk_id":null,"terminated_to":null,
 "created_at":"2026-03-25T10:00:12Z","updated_at":"2026-03-25T10:00:12Z"}`
)

func decode(t *testing.T, s string) *vobiz.CDR {
	t.Helper()
	var c vobiz.CDR
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return &c
}

// call builds a realistic record: timed, with a direction.
func call(cause string, code int64, source string, billsec, ring int64) *vobiz.CDR {
	c := &vobiz.CDR{
		UUID:              "test-uuid",
		CallDirection:     "outbound",
		DestinationNumber: "+918012345678",
		StartTime:         vobiz.Time{Time: time.Date(2026, 3, 25, 10, 0, 0, 0, time.UTC)},
		Billsec:           vobiz.Int(billsec),
		RingTime:          vobiz.Int(ring),
		Duration:          vobiz.Int(billsec + ring),
	}
	if cause != "" {
		c.HangupCause = ns(cause)
	}
	if code >= 0 {
		c.HangupCauseCode = ni(code)
	}
	if source != "" {
		c.HangupSource = ns(source)
	}
	if billsec > 0 {
		c.MOS, c.Jitter, c.PacketLoss, c.Codec = nf(4.3), nf(2), nf(0.1), ns("PCMU")
	} else {
		c.MOS, c.Jitter, c.PacketLoss = nf(0), nf(0), nf(0)
	}
	return c
}

func techText(d Diagnosis) string { return strings.Join(d.Technical, " ") }

func allText(d Diagnosis) string {
	return strings.Join(append([]string{d.Headline, d.Meaning, d.WhoEnded, d.LikelyReason}, d.NextSteps...), " ")
}

func checkComplete(t *testing.T, name string, d Diagnosis) {
	t.Helper()
	if d.Headline == "" || d.Meaning == "" || d.WhoEnded == "" || d.LikelyReason == "" || len(d.NextSteps) == 0 {
		t.Errorf("%s: incomplete diagnosis %+v", name, d)
	}
	if !validSeverity(d.Severity) || !validFamily(d.Family) {
		t.Errorf("%s: severity %q family %q", name, d.Severity, d.Family)
	}
	for _, s := range append([]string{d.Headline, d.Meaning, d.WhoEnded, d.LikelyReason}, d.NextSteps...) {
		if strings.ContainsAny(s, "\n\r") {
			t.Errorf("%s: text with a line break: %q", name, s)
		}
	}
}

func TestEveryCauseTimesEverySource(t *testing.T) {
	sources := []string{"Caller", "Callee", "Call recipient", "Vobiz", "Carrier", "API Request", "Answer XML", "Error", "Unknown"}
	for _, src := range sources {
		seen := map[string]string{}
		for _, cause := range vobizCauses {
			var billsec, ring int64 = 0, 8
			if cause == "NORMAL_CLEARING" || cause == "MEDIA_TIMEOUT" {
				billsec = 95
			}
			c := call(cause, -1, src, billsec, ring)
			d := Explain(c)
			name := cause + "/" + src
			checkComplete(t, name, d)
			if !d.Known {
				t.Errorf("%s: Known = false", name)
			}
			if d.Cause != cause {
				t.Errorf("%s: Cause = %q", name, d.Cause)
			}
			key := d.Headline + "|" + d.Meaning
			if prev, dup := seen[key]; dup {
				t.Errorf("%s and %s read the same: %q", name, prev, key)
			}
			seen[key] = name
			if !strings.Contains(d.WhoEnded, src) {
				t.Errorf("%s: WhoEnded %q does not quote the source", name, d.WhoEnded)
			}
		}
	}
}

func TestEveryKnownCauseExplained(t *testing.T) {
	for _, ci := range Causes() {
		for _, billsec := range []int64{0, 75} {
			d := Explain(call(ci.Name, -1, "", billsec, 6))
			checkComplete(t, ci.Name, d)
			if !d.Known {
				t.Errorf("%s: Known = false", ci.Name)
			}
		}
	}
}

func TestEveryCodeExplained(t *testing.T) {
	seen := map[string]int{}
	for _, code := range documentedCodes {
		for _, billsec := range []int64{0, 40} {
			d := Explain(call("", int64(code), "", billsec, 7))
			name := "code " + strconv.Itoa(code)
			checkComplete(t, name, d)
			if !d.Known || !d.CodeValid || d.Code != code || d.CodeName == "" {
				t.Errorf("%s: %+v", name, d)
			}
			if billsec == 0 {
				if prev, dup := seen[d.Meaning]; dup {
					t.Errorf("codes %d and %d share a meaning", code, prev)
				}
				seen[d.Meaning] = code
			}
		}
	}
}

func TestUnknownFallbacks(t *testing.T) {
	tests := []struct {
		name   string
		c      *vobiz.CDR
		family string
		want   []string
	}{
		{"unknown cause", call("COSMIC_RAY", -1, "Callee", 0, 4), FamilyUnknown, []string{"COSMIC_RAY"}},
		{"unknown code in a known range", call("", 3999, "Carrier", 0, 0), FamilyRejection, []string{"3999", "Rejection"}},
		{"unknown code in the carrier block", call("", 3145, "", 0, 0), FamilyCarrier, []string{"3145"}},
		{"unknown code, no range", call("", 12345, "", 0, 0), FamilyUnknown, []string{"12345"}},
		{"unknown cause and code", call("WEIRD_THING", 777, "Martian", 0, 3), FamilyUnknown, []string{"WEIRD_THING", "777", "Martian"}},
		{"known cause, unknown code", call("USER_BUSY", 3999, "", 0, 1), FamilyRejection, []string{"3999"}},
		{"unknown cause, known code", call("ZAPPED", 3010, "", 0, 1), FamilyRejection, []string{"ZAPPED", "busy"}},
		{"nothing at all", call("", -1, "", 0, 0), FamilyUnknown, []string{"no hangup cause"}},
	}
	for _, tt := range tests {
		d := Explain(tt.c)
		checkComplete(t, tt.name, d)
		if d.Known {
			t.Errorf("%s: Known = true", tt.name)
		}
		if d.Family != tt.family {
			t.Errorf("%s: family %q, want %q", tt.name, d.Family, tt.family)
		}
		text := allText(d)
		for _, w := range tt.want {
			if !strings.Contains(strings.ToLower(text), strings.ToLower(w)) {
				t.Errorf("%s: %q not mentioned in %q", tt.name, w, text)
			}
		}
	}
}

func TestNormalClearingShortVersusLong(t *testing.T) {
	short := Explain(call("NORMAL_CLEARING", 4000, "Callee", 2, 5))
	long := Explain(call("NORMAL_CLEARING", 4000, "Callee", 20*60, 5))
	if short.Headline == long.Headline || short.LikelyReason == long.LikelyReason {
		t.Fatalf("2 s and 20 min read the same:\n%+v\n%+v", short, long)
	}
	for _, w := range []string{"almost immediately", "wrong number", "voicemail", "one-way audio"} {
		if !strings.Contains(short.LikelyReason, w) {
			t.Errorf("2 s call: reason %q lacks %q", short.LikelyReason, w)
		}
	}
	if short.Severity != SeverityWarning {
		t.Errorf("2 s call severity %s", short.Severity)
	}
	if !strings.Contains(long.Headline, "long conversation") || !strings.Contains(long.Headline, "20m") || long.Severity != SeverityOK {
		t.Errorf("20 min call: %q (%s)", long.Headline, long.Severity)
	}
	mid := Explain(call("NORMAL_CLEARING", 4000, "Caller", 252, 5))
	if mid.Headline != "Your side (the caller) hung up normally after 4m 12s of talk." {
		t.Errorf("4m12s headline %q", mid.Headline)
	}
}

func TestOriginatorCancelLongVersusImmediate(t *testing.T) {
	long := Explain(call("ORIGINATOR_CANCEL", 1000, "Caller", 0, 35))
	quick := Explain(call("ORIGINATOR_CANCEL", 1000, "Caller", 0, 1))
	if long.Headline == quick.Headline || long.LikelyReason == quick.LikelyReason {
		t.Fatalf("long and immediate cancels read the same")
	}
	if !strings.Contains(long.Headline, "35s") || !strings.Contains(long.LikelyReason, "Nobody answered within 35s") {
		t.Errorf("long cancel: %q / %q", long.Headline, long.LikelyReason)
	}
	if !strings.Contains(quick.Headline, "almost immediately") || !strings.Contains(quick.LikelyReason, "misdial") {
		t.Errorf("quick cancel: %q / %q", quick.Headline, quick.LikelyReason)
	}
	api := Explain(call("ORIGINATOR_CANCEL", 1000, "API Request", 0, 1))
	if !strings.Contains(api.Headline, "Your application") {
		t.Errorf("API cancel: %q", api.Headline)
	}
	in := call("ORIGINATOR_CANCEL", -1, "Caller", 0, 40)
	in.CallDirection = "inbound"
	if d := Explain(in); !strings.Contains(d.Headline, "customer gave up") {
		t.Errorf("inbound long cancel: %q", d.Headline)
	}
}

func TestNoAnswerRingTimes(t *testing.T) {
	full := call("NO_ANSWER", 6010, "Vobiz", 0, 120)
	full.HangupDisposition = ns("send_cancel")
	short := call("NO_ANSWER", 6010, "Vobiz", 0, 10)
	short.HangupDisposition = ns("send_cancel")
	never := call("NO_ANSWER", 3000, "Callee", 0, 0)
	farEnd := call("NO_ANSWER", 3000, "Callee", 0, 15)
	farEnd.HangupDisposition = ns("recv_refuse")

	df, ds, dn, dfe := Explain(full), Explain(short), Explain(never), Explain(farEnd)
	if !strings.Contains(df.Headline, "full ring timeout") || !strings.Contains(df.LikelyReason, "6010") {
		t.Errorf("120 s: %q / %q", df.Headline, df.LikelyReason)
	}
	if !strings.Contains(ds.LikelyReason, "ring timeout is set short") || ds.Severity != SeverityWarning {
		t.Errorf("10 s: %q (%s)", ds.LikelyReason, ds.Severity)
	}
	if !strings.Contains(dn.Headline, "never rang") {
		t.Errorf("0 s: %q", dn.Headline)
	}
	if !strings.Contains(dfe.Headline, "callee's network") {
		t.Errorf("far end: %q", dfe.Headline)
	}
	for _, o := range []Outcome{df.Outcome, ds.Outcome, dn.Outcome, dfe.Outcome} {
		if o != NoAnswer {
			t.Errorf("outcome %s, want no_answer", o)
		}
	}
}

func TestMediaTimeout(t *testing.T) {
	noMedia := call("MEDIA_TIMEOUT", 6020, "Callee", 0, 3)
	afterTalk := call("MEDIA_TIMEOUT", 6020, "Callee", 300, 3)
	d1, d2 := Explain(noMedia), Explain(afterTalk)
	if d1.Headline == d2.Headline {
		t.Fatal("media timeouts read the same")
	}
	if !strings.Contains(d1.Headline, "No audio ever arrived") || !strings.Contains(d2.Headline, "after 5m of talk") {
		t.Errorf("headlines %q / %q", d1.Headline, d2.Headline)
	}
	if !strings.Contains(techText(d2), "NAT") || strings.Contains(d2.LikelyReason, "never connected") {
		t.Errorf("after-talk reason %q", d2.LikelyReason)
	}
	if !strings.Contains(d2.WhoEnded, "platform ended the call") {
		t.Errorf("media timeout WhoEnded %q should say the platform ended it", d2.WhoEnded)
	}
	if d1.Severity != SeverityError || d2.Severity != SeverityError {
		t.Errorf("severities %s %s", d1.Severity, d2.Severity)
	}
}

func TestPoorQualityAnsweredCall(t *testing.T) {
	c := call("NORMAL_CLEARING", 4000, "Caller", 95, 4)
	c.MOS, c.Jitter, c.PacketLoss, c.Codec = nf(3.1), nf(48), nf(2.4), ns("PCMU")
	d := Explain(c)
	for _, w := range []string{"poor", "Jitter of 48 ms", "2.4 %", "PCMU"} {
		if !strings.Contains(d.LikelyReason, w) {
			t.Errorf("reason %q lacks %q", d.LikelyReason, w)
		}
	}
	if d.Severity != SeverityWarning {
		t.Errorf("severity %s", d.Severity)
	}
	if !strings.Contains(strings.Join(d.NextSteps, " "), "Opus") {
		t.Errorf("steps %q should suggest Opus", d.NextSteps)
	}
	v := Verdict(c, DefaultThresholds())
	if !strings.Contains(v, "audio was poor") || !strings.Contains(v, "jitter 48 ms") {
		t.Errorf("verdict %q", v)
	}
	c.Codec = ns("opus")
	if d := Explain(c); !strings.Contains(d.LikelyReason, "Opus adapts") {
		t.Errorf("opus reason %q", d.LikelyReason)
	}
}

func TestFailureFieldsMentioned(t *testing.T) {
	c := call("CALL_REJECTED", 3020, "Carrier", 0, 0)
	c.FailureCode, c.FailureReason = ns("403"), ns("CALL_REJECTED")
	d := Explain(c)
	if tech := techText(d); !strings.Contains(tech, "SIP 403 Forbidden") || !strings.Contains(tech, "failure_reason CALL_REJECTED") {
		t.Errorf("technical notes %q", tech)
	}
	if !strings.Contains(d.Headline, "refused by the carrier before it rang") {
		t.Errorf("headline %q", d.Headline)
	}
	c2 := call("USER_BUSY", -1, "", 0, 1)
	c2.FailureReason = ns("SWITCH_CONGESTION")
	if d := Explain(c2); !strings.Contains(techText(d), "the network switch was overloaded") {
		t.Errorf("differing failure_reason not explained: %q", techText(d))
	}
}

func TestInconsistencies(t *testing.T) {
	// NO_ANSWER with 4100 (the API's example) and with 3000 (the table)
	// are both consistent.
	for _, code := range []int64{4100, 3000} {
		d := Explain(call("NO_ANSWER", code, "Callee", 0, 30))
		if !d.Known || d.Outcome != NoAnswer || strings.Contains(techText(d), "disagree") {
			t.Errorf("NO_ANSWER/%d: %+v", code, d)
		}
	}
	// Busy text, no-answer code: flagged.
	d := Explain(call("USER_BUSY", 3000, "Callee", 0, 30))
	if !strings.Contains(techText(d), "disagree") {
		t.Errorf("USER_BUSY/3000 not flagged: %q", techText(d))
	}
	// Talk time with a no-answer cause: flagged, and read as answered.
	d = Explain(call("NO_ANSWER", 3000, "Callee", 42, 10))
	if d.Outcome != Answered || !strings.Contains(d.LikelyReason, "different leg") {
		t.Errorf("answered NO_ANSWER: %s %q", d.Outcome, d.LikelyReason)
	}
	if strings.Contains(strings.Join(d.NextSteps, " "), "another time of day") {
		t.Errorf("answered NO_ANSWER gets no-answer advice: %q", d.NextSteps)
	}
	// A vague text cause with a specific code follows the code.
	d = Explain(call("NORMAL_CLEARING", 7011, "Error", 0, 0))
	if d.Family != FamilyURL || !strings.Contains(d.Headline, "answer URL") || d.Severity != SeverityError {
		t.Errorf("NORMAL_CLEARING/7011: %+v", d)
	}
}

func TestConferenceCaveat(t *testing.T) {
	d := Explain(call("NORMAL_CLEARING", 4000, "Callee", 300, 3))
	if !strings.Contains(techText(d), "endConferenceOnExit") {
		t.Errorf("technical notes %q lack the conference caveat", techText(d))
	}
	d = Explain(call("NORMAL_CLEARING", 4000, "Caller", 300, 3))
	if strings.Contains(techText(d), "endConferenceOnExit") {
		t.Errorf("caveat on a caller hangup: %q", techText(d))
	}
	d = Explain(call("NORMAL_CLEARING", 4030, "API Request", 300, 3))
	if !strings.Contains(d.WhoEnded, "multiparty") {
		t.Errorf("4030 WhoEnded %q", d.WhoEnded)
	}
}

func TestDirectionPhrasing(t *testing.T) {
	out := call("NORMAL_CLEARING", 4000, "Caller", 100, 3)
	in := call("NORMAL_CLEARING", 4000, "Caller", 100, 3)
	in.CallDirection = "inbound"
	unknown := call("NORMAL_CLEARING", 4000, "Caller", 100, 3)
	unknown.CallDirection = ""
	if d := Explain(out); !strings.HasPrefix(d.WhoEnded, "Your side (the caller) hung up") {
		t.Errorf("outbound: %q", d.WhoEnded)
	}
	if d := Explain(in); !strings.HasPrefix(d.WhoEnded, "The customer (the caller) hung up") {
		t.Errorf("inbound: %q", d.WhoEnded)
	}
	if d := Explain(unknown); !strings.HasPrefix(d.Headline, "The caller hung up normally") {
		t.Errorf("no direction: %q", d.Headline)
	}
	// No hangup_source: the disposition stands in.
	nosrc := call("NORMAL_CLEARING", 4000, "", 100, 3)
	nosrc.HangupDisposition = ns("recv_bye")
	if d := Explain(nosrc); !strings.Contains(d.WhoEnded, "the customer (the callee) ended it") {
		t.Errorf("disposition inference: %q", d.WhoEnded)
	}
	// Fields that disagree about the leg.
	odd := call("NORMAL_CLEARING", 4000, "Caller", 100, 3)
	odd.HangupDisposition = ns("recv_bye")
	if d := Explain(odd); !strings.Contains(techText(d), "disagrees") {
		t.Errorf("recv_bye + Caller on outbound: %q", techText(d))
	}
}

func TestContractExamples(t *testing.T) {
	th := DefaultThresholds()
	a := decode(t, exampleAnswered)
	da := Explain(a)
	va := Verdict(a, th)
	if da.Outcome != Answered || !da.Known || da.Severity != SeverityOK {
		t.Errorf("answered example: %+v", da)
	}
	if va != "Answered, talked 42s; your side (the caller) hung up normally; audio was good." {
		t.Errorf("answered verdict %q", va)
	}
	if q := Quality(a, th); q.Overall != BandGood || !strings.Contains(q.MOS.Detail, "flawless") {
		t.Errorf("answered quality %+v", q)
	}

	u := decode(t, exampleUnanswered)
	du := Explain(u)
	vu := Verdict(u, th)
	if du.Outcome != NoAnswer || !du.Known || du.CodeName != "No Answer" {
		t.Errorf("unanswered example: %+v", du)
	}
	if !strings.HasPrefix(vu, "Not answered: rang 12s") || !strings.HasSuffix(vu, "; no media.") {
		t.Errorf("unanswered verdict %q", vu)
	}
	if q := Quality(u, th); q.Overall != BandNoMedia {
		t.Errorf("unanswered quality %s", q.Overall)
	}
	if tech := techText(du); !strings.Contains(tech, "failure_code 16") || !strings.Contains(tech, "matches the hangup cause") {
		t.Errorf("unanswered technical notes %q", tech)
	}
	if o := OneLine(u); !strings.HasPrefix(o, "No answer: ") || !strings.HasSuffix(o, "[NO_ANSWER/4100]") {
		t.Errorf("OneLine %q", o)
	}
}

func TestVerdictShapes(t *testing.T) {
	th := DefaultThresholds()
	tests := []struct {
		c    *vobiz.CDR
		want string
	}{
		{call("USER_BUSY", 3010, "Callee", 0, 1), "Busy: the line was busy; no media."},
		{call("UNALLOCATED_NUMBER", 3050, "Carrier", 0, 0), "Failed: the number is not in service; no media."},
		{call("ORIGINATOR_CANCEL", 1000, "Caller", 0, 25), "Cancelled: your side gave up after 25s of ringing; no media."},
		{call("NORMAL_CLEARING", 4000, "Caller", 252, 5), "Answered, talked 4m 12s; your side (the caller) hung up normally; audio was good."},
	}
	for _, tt := range tests {
		if got := Verdict(tt.c, th); got != tt.want {
			t.Errorf("Verdict = %q, want %q", got, tt.want)
		}
	}
}

func TestSparseInput(t *testing.T) {
	c := &vobiz.CDR{HangupCause: ns("NORMAL_CLEARING")}
	d := Explain(c)
	if d.Outcome != "" || !d.Known || !strings.Contains(d.LikelyReason, "paste the whole CDR") {
		t.Errorf("bare cause: %+v", d)
	}
	if v := Verdict(c, DefaultThresholds()); !strings.HasPrefix(v, "NORMAL_CLEARING: a party hung up normally") {
		t.Errorf("bare verdict %q", v)
	}
	if o := OneLine(&vobiz.CDR{HangupCauseCode: ni(3010)}); o != "3010: the line was busy" {
		t.Errorf("bare OneLine %q", o)
	}
}

func TestOutcomeOf(t *testing.T) {
	tests := []struct {
		name string
		c    *vobiz.CDR
		want Outcome
	}{
		{"billsec wins", call("USER_BUSY", 3010, "", 5, 0), Answered},
		{"busy cause", call("USER_BUSY", -1, "", 0, 0), Busy},
		{"no answer cause", call("NO_ANSWER", -1, "", 0, 0), NoAnswer},
		{"cancel cause", call("ORIGINATOR_CANCEL", -1, "", 0, 0), Cancelled},
		{"rejected cause", call("CALL_REJECTED", -1, "", 0, 0), Failed},
		{"code decides under a vague cause", call("NORMAL_CLEARING", 3010, "", 0, 0), Busy},
		{"ring timeout code", call("", 6010, "", 0, 0), NoAnswer},
		{"unknown code, family decides", call("", 1999, "", 0, 0), Cancelled},
		{"failure_reason decides", &vobiz.CDR{FailureReason: ns("USER_BUSY")}, Busy},
		{"normal clearing cancelled by caller", call("NORMAL_CLEARING", 4000, "Caller", 0, 5), Cancelled},
		{"normal clearing, send_cancel", &vobiz.CDR{HangupCause: ns("NORMAL_CLEARING"), HangupDisposition: ns("send_cancel")}, Cancelled},
		{"nothing", &vobiz.CDR{}, Failed},
		{"nil", nil, Failed},
	}
	for _, tt := range tests {
		if got := OutcomeOf(tt.c); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	for _, o := range Outcomes() {
		if o.Label() == "Unknown" || !o.Valid() {
			t.Errorf("outcome %s has no label", o)
		}
	}
	if Outcome("").Valid() {
		t.Error("empty outcome valid")
	}
}

func TestBadNumberReadsTheNumber(t *testing.T) {
	tests := map[string]string{
		"08012345678":       "without a leading +",
		"+9180123456789012": "digits",
		"+12345":            "too few",
		"+918012345678":     "well formed",
		"sip:bob@example":   "SIP address",
	}
	for dest, want := range tests {
		c := call("UNALLOCATED_NUMBER", 3050, "Carrier", 0, 0)
		c.DestinationNumber = vobiz.Text(dest)
		if d := Explain(c); !strings.Contains(d.LikelyReason, want) {
			t.Errorf("%s: reason %q lacks %q", dest, d.LikelyReason, want)
		}
	}
}

func TestSupportStepCarriesIDs(t *testing.T) {
	c := call("SERVER_ERROR", 5010, "Vobiz", 0, 0)
	c.SIPCallID = "sip-123"
	d := Explain(c)
	last := d.NextSteps[len(d.NextSteps)-1]
	if !strings.Contains(last, "test-uuid") || !strings.Contains(last, "sip-123") {
		t.Errorf("support step %q", last)
	}
	if len(d.NextSteps) > maxSteps+1 {
		t.Errorf("%d steps", len(d.NextSteps))
	}
}

func TestHostileValuesStayContained(t *testing.T) {
	c := call("EVIL\nCAUSE", -1, "Caller\r\nX", 0, 0)
	c.HangupCauseName = ns(strings.Repeat("x", 5000))
	d := Explain(c)
	checkComplete(t, "hostile", d)
	if len(allText(d)) > 8000 {
		t.Errorf("diagnosis grew to %d bytes", len(allText(d)))
	}
	if o := OneLine(c); strings.ContainsAny(o, "\r\n") {
		t.Errorf("OneLine carries a line break: %q", o)
	}
	for _, c := range []*vobiz.CDR{nil, {}, {Billsec: -5, RingTime: -3}, {Billsec: 1 << 62}} {
		_ = Explain(c)
		_ = Verdict(c, DefaultThresholds())
		_ = OneLine(c)
	}
}
