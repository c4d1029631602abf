package diagnosis

import (
	"testing"
)

// vobizCauses is the textual cause list of docs/vobiz-api.md#textual-hangup-causes.
var vobizCauses = []string{
	"NORMAL_CLEARING", "USER_BUSY", "NO_ANSWER", "ORIGINATOR_CANCEL", "CALL_REJECTED", "REJECTED",
	"INVALID_NUMBER", "UNALLOCATED_NUMBER", "SERVICE_UNAVAILABLE", "SERVER_ERROR", "MEDIA_TIMEOUT",
	"PROTOCOL_ERROR", "NETWORK_OUT_OF_ORDER", "DESTINATION_OUT_OF_ORDER", "NORMAL_TEMPORARY_FAILURE",
	"SWITCH_CONGESTION", "UNKNOWN",
}

// mappingCauses are the FreeSWITCH cause names of
// docs/hangups-and-quality.md#cause-names-and-sip-mapping.
var mappingCauses = []string{
	"NONE", "UNALLOCATED_NUMBER", "NO_ROUTE_TRANSIT_NET", "NO_ROUTE_DESTINATION", "NORMAL_CLEARING",
	"USER_BUSY", "NO_USER_RESPONSE", "NO_ANSWER", "SUBSCRIBER_ABSENT", "CALL_REJECTED", "NUMBER_CHANGED",
	"REDIRECTION_TO_NEW_DESTINATION", "EXCHANGE_ROUTING_ERROR", "DESTINATION_OUT_OF_ORDER",
	"INVALID_NUMBER_FORMAT", "FACILITY_REJECTED", "NORMAL_UNSPECIFIED", "NORMAL_CIRCUIT_CONGESTION",
	"NETWORK_OUT_OF_ORDER", "NORMAL_TEMPORARY_FAILURE", "SWITCH_CONGESTION", "REQUESTED_CHAN_UNAVAIL",
	"OUTGOING_CALL_BARRED", "INCOMING_CALL_BARRED", "BEARERCAPABILITY_NOTAUTH", "BEARERCAPABILITY_NOTAVAIL",
	"SERVICE_UNAVAILABLE", "BEARERCAPABILITY_NOTIMPL", "FACILITY_NOT_IMPLEMENTED", "SERVICE_NOT_IMPLEMENTED",
	"INCOMPATIBLE_DESTINATION", "RECOVERY_ON_TIMER_EXPIRE", "PROTOCOL_ERROR", "INTERWORKING",
	"ORIGINATOR_CANCEL", "LOSE_RACE", "MANAGER_REQUEST", "ALLOTTED_TIMEOUT", "MEDIA_TIMEOUT", "PICKED_OFF",
	"USER_NOT_REGISTERED", "PROGRESS_TIMEOUT", "INVALID_GATEWAY", "GATEWAY_DOWN", "INVALID_URL",
	"INVALID_PROFILE", "BUSY_EVERYWHERE", "DECLINE", "DOES_NOT_EXIST_ANYWHERE", "NOT_ACCEPTABLE", "UNWANTED",
}

// documentedCodes is every numeric code of docs/vobiz-api.md#hangup-codes plus
// 4100 from the API's unanswered example.
var documentedCodes = []int{
	0, 1000, 1010, 1020,
	2000, 2010, 2020, 2030, 2040, 2050, 2060, 2070,
	3000, 3010, 3020, 3030, 3040, 3050,
	3070, 3080, 3090, 3100, 3110, 3120, 3130, 3140,
	4000, 4010, 4020, 4030, 4100,
	5000, 5010, 5020, 5030,
	6000, 6010, 6020,
	7011, 7012, 7013, 7014, 7022, 7023, 7024, 7032, 7033, 7034,
	8011, 8012, 8013, 8014,
	9000, 9100, 9110,
}

var families = []string{FamilyNormal, FamilyCanceled, FamilyDestination, FamilyRejection, FamilyCarrier,
	FamilySystem, FamilyTimeout, FamilyURL, FamilyXML, FamilySpecial, FamilyUnknown}

func validFamily(f string) bool {
	for _, x := range families {
		if x == f {
			return true
		}
	}
	return false
}

func validSeverity(s string) bool { return severityRank(s) > 0 }

func TestCauseTableComplete(t *testing.T) {
	for _, name := range vobizCauses {
		ci, ok := LookupCause(name)
		if !ok {
			t.Errorf("Vobiz cause %s missing", name)
			continue
		}
		if !ci.Vobiz {
			t.Errorf("%s: Vobiz flag not set", name)
		}
	}
	for _, name := range mappingCauses {
		if _, ok := LookupCause(name); !ok {
			t.Errorf("mapping-table cause %s missing", name)
		}
	}
	seenMeaning := map[string]string{}
	seenName := map[string]bool{}
	for _, ci := range Causes() {
		if seenName[ci.Name] {
			t.Errorf("%s listed twice", ci.Name)
		}
		seenName[ci.Name] = true
		if ci.Meaning == "" || ci.Summary == "" || len(ci.NextSteps) == 0 || ci.Ref == "" {
			t.Errorf("%s: empty text field: %+v", ci.Name, ci)
		}
		if !validFamily(ci.Family) || !validSeverity(ci.Severity) {
			t.Errorf("%s: family %q / severity %q invalid", ci.Name, ci.Family, ci.Severity)
		}
		if ci.Outcome != "" && !ci.Outcome.Valid() {
			t.Errorf("%s: outcome %q invalid", ci.Name, ci.Outcome)
		}
		if prev, dup := seenMeaning[ci.Meaning]; dup {
			t.Errorf("%s and %s share a meaning", ci.Name, prev)
		}
		seenMeaning[ci.Meaning] = ci.Name
		if (ci.NumberKind == "") != (ci.Number == 0 && ci.Name != "NONE") {
			t.Errorf("%s: number %d with kind %q", ci.Name, ci.Number, ci.NumberKind)
		}
	}
}

func TestLookupCauseNormalises(t *testing.T) {
	for _, in := range []string{"no_answer", " NO_ANSWER ", "No-Answer", `"NO_ANSWER"`} {
		if ci, ok := LookupCause(in); !ok || ci.Name != "NO_ANSWER" {
			t.Errorf("LookupCause(%q) = %v, %v", in, ci.Name, ok)
		}
	}
	if _, ok := LookupCause(""); ok {
		t.Error("empty cause found")
	}
}

func TestCodeTableComplete(t *testing.T) {
	seen := map[int]bool{}
	for _, code := range documentedCodes {
		ci, ok := LookupCode(code)
		if !ok {
			t.Errorf("code %d missing", code)
			continue
		}
		seen[code] = true
		if ci.Name == "" || ci.Summary == "" || ci.Meaning == "" || len(ci.NextSteps) == 0 || ci.Documented == "" {
			t.Errorf("code %d: empty text field: %+v", code, ci)
		}
		if !validFamily(ci.Family) || !validSeverity(ci.Severity) {
			t.Errorf("code %d: family %q / severity %q invalid", code, ci.Family, ci.Severity)
		}
	}
	if got := len(Codes()); got != len(documentedCodes) {
		t.Errorf("Codes() has %d entries, documented list has %d", got, len(documentedCodes))
	}
	prev := -1
	for _, ci := range Codes() {
		if !seen[ci.Code] {
			t.Errorf("code %d in the table but not in the documented list", ci.Code)
		}
		if ci.Code <= prev {
			t.Errorf("codes not in order at %d", ci.Code)
		}
		prev = ci.Code
	}
}

func TestCodeFamiliesMatchRanges(t *testing.T) {
	// Every documented code sits in the range its family names, except
	// the two deliberate exceptions.
	for _, ci := range Codes() {
		if ci.Code == 0 || ci.Code == 4100 {
			continue // 0 has no range; 4100 is a No Answer code inside the 4000s (docs/vobiz-api.md#hangup-codes)
		}
		fi, ok := FamilyOf(ci.Code)
		if !ok || fi.Name != ci.Family {
			t.Errorf("code %d: family %s, range says %v/%v", ci.Code, ci.Family, fi.Name, ok)
		}
	}
}

func TestFamilyOf(t *testing.T) {
	tests := []struct {
		code int
		want string
		ok   bool
	}{
		{3999, FamilyRejection, true},
		{3055, FamilyRejection, true},
		{3075, FamilyCarrier, true},
		{1500, FamilyCanceled, true},
		{2999, FamilyDestination, true},
		{4999, FamilyNormal, true},
		{7500, FamilyURL, true},
		{8999, FamilyXML, true},
		{9999, FamilySpecial, true},
		{0, "", false},
		{999, "", false},
		{10000, "", false},
		{-5, "", false},
	}
	for _, tt := range tests {
		fi, ok := FamilyOf(tt.code)
		if ok != tt.ok || fi.Name != tt.want {
			t.Errorf("FamilyOf(%d) = %q, %v; want %q, %v", tt.code, fi.Name, ok, tt.want, tt.ok)
		}
	}
	// Ranges do not overlap and every family has text.
	for i, a := range Families() {
		if a.Meaning == "" || len(a.NextSteps) == 0 || a.Low > a.High {
			t.Errorf("family %s: bad row %+v", a.Name, a)
		}
		for _, b := range Families()[i+1:] {
			if a.Low <= b.High && b.Low <= a.High {
				t.Errorf("families %s and %s overlap", a.Name, b.Name)
			}
		}
	}
}

func TestSourcesAndDispositions(t *testing.T) {
	for in, want := range map[string]string{
		"Caller": "Caller", "Callee": "Callee", "Call recipient": "Callee", "call_recipient": "Callee",
		"Vobiz": "Vobiz", "Plivo": "Vobiz", "Carrier": "Carrier", "API Request": "API Request",
		"api-request": "API Request", "Answer XML": "Answer XML", "Error": "Error", "Unknown": "Unknown",
	} {
		s, ok := LookupSource(in)
		if !ok || s.Value != want {
			t.Errorf("LookupSource(%q) = %q, %v; want %q", in, s.Value, ok, want)
		}
	}
	if _, ok := LookupSource("Martian"); ok {
		t.Error("unknown source found")
	}
	for _, s := range Sources() {
		if s.Meaning == "" || s.Side == "" {
			t.Errorf("source %s: empty field", s.Value)
		}
	}
	for _, v := range []string{"send_bye", "recv_bye", "send_cancel", "send_refuse", "recv_cancel", "recv_refuse", "SEND_BYE"} {
		d, ok := LookupDisposition(v)
		if !ok || d.Meaning == "" || d.clause == "" {
			t.Errorf("disposition %s: %+v, %v", v, d, ok)
		}
	}
	if _, ok := LookupDisposition("send_carrier_pigeon"); ok {
		t.Error("unknown disposition found")
	}
}

func TestTablesAreCopies(t *testing.T) {
	c := Causes()
	c[0].Meaning = "changed"
	c[0].NextSteps[0] = "changed"
	if Causes()[0].Meaning == "changed" || Causes()[0].NextSteps[0] == "changed" {
		t.Error("Causes() exposes the table")
	}
	k := Codes()
	k[0].NextSteps[0] = "changed"
	if Codes()[0].NextSteps[0] == "changed" {
		t.Error("Codes() exposes the table")
	}
}

func TestSIPTable(t *testing.T) {
	for _, s := range SIPResponses() {
		if s.Reason == "" || s.Meaning == "" {
			t.Errorf("SIP %d: empty field", s.Code)
		}
		if s.Cause != "" {
			if _, ok := LookupCause(s.Cause); !ok {
				t.Errorf("SIP %d maps to unknown cause %s", s.Code, s.Cause)
			}
		}
	}
	if s, ok := LookupSIP(486); !ok || s.Cause != "USER_BUSY" {
		t.Errorf("LookupSIP(486) = %+v, %v", s, ok)
	}
}
