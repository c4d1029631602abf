package diagnosis

import (
	"testing"

	"github.com/cdrdash/cdrdash/vobiz"
)

// outcomeCase builds a record from the fields OutcomeOf reads; "" and -1
// mean null.
func outcomeCase(cause string, code int64, failCode, failReason string, billsec int64) *vobiz.CDR {
	c := &vobiz.CDR{CallDirection: "inbound", Billsec: vobiz.Int(billsec), Duration: vobiz.Int(billsec + 2), RingTime: 2}
	if cause != "" {
		c.HangupCause = vobiz.NullString{String: cause, Valid: true}
	}
	if code >= 0 {
		c.HangupCauseCode = vobiz.NullInt{Int64: code, Valid: true}
	}
	if failCode != "" {
		c.FailureCode = vobiz.NullString{String: failCode, Valid: true}
	}
	if failReason != "" {
		c.FailureReason = vobiz.NullString{String: failReason, Valid: true}
	}
	return c
}

// TestOutcomeFromCodesAndFailureFields: the outcome reads the numeric code
// and the failure fields, not only the textual cause. An answered call that
// a fault ended (your app's answer URL unreachable, invalid XML, the media
// path, the platform) is Failed, although billsec > 0 and the textual
// cause is NORMAL_CLEARING.
func TestOutcomeFromCodesAndFailureFields(t *testing.T) {
	tests := []struct {
		name string
		c    *vobiz.CDR
		want Outcome
	}{
		{"7011 answer URL unreachable, answered 3s", outcomeCase("NORMAL_CLEARING", 7011, "", "", 3), Failed},
		{"8011 invalid answer XML, answered", outcomeCase("NORMAL_CLEARING", 8011, "", "", 2), Failed},
		{"undocumented 7xxx code, answered: family decides", outcomeCase("NORMAL_CLEARING", 7999, "", "", 2), Failed},
		{"6020 media timeout, answered", outcomeCase("MEDIA_TIMEOUT", 6020, "16", "MEDIA_TIMEOUT", 118), Failed},
		{"media timeout named only by failure_reason", outcomeCase("NORMAL_CLEARING", 4000, "", "MEDIA_TIMEOUT", 90), Failed},
		{"network fault named only by failure_code (Q.850 38)", outcomeCase("", -1, "38", "", 40), Failed},
		{"5000 network error, answered", outcomeCase("NORMAL_CLEARING", 5000, "", "", 40), Failed},
		{"1010 out of credit cut an answered call", outcomeCase("NORMAL_CLEARING", 1010, "", "", 40), Failed},
		{"4000 normal, answered", outcomeCase("NORMAL_CLEARING", 4000, "", "", 40), Answered},
		{"4010 end of XML, answered", outcomeCase("NORMAL_CLEARING", 4010, "", "", 40), Answered},
		{"9100 machine detected, answered", outcomeCase("NORMAL_CLEARING", 9100, "", "", 4), Answered},
		{"failure_code 16 (normal) on an answered call", outcomeCase("NORMAL_CLEARING", 4000, "16", "", 40), Answered},
		{"precise code beats a vague textual cause", outcomeCase("NO_ANSWER", 2020, "", "", 0), Failed},
		{"precise code 1020 with its usual cause", outcomeCase("ORIGINATOR_CANCEL", 1020, "16", "ORIGINATOR_CANCEL", 0), Cancelled},
		{"failure_code as a SIP response", outcomeCase("NORMAL_CLEARING", -1, "486", "", 0), Busy},
		{"failure_code with sip: prefix", outcomeCase("", -1, "sip:480", "", 0), NoAnswer},
		{"failure_code as Q.850 17", outcomeCase("", -1, "17", "", 0), Busy},
		{"failure_reason beats failure_code", outcomeCase("", -1, "16", "NO_ANSWER", 0), NoAnswer},
		{"hostile failure_code", outcomeCase("", -1, "99999999999999999999", "", 0), Failed},
	}
	for _, tt := range tests {
		if got := OutcomeOf(tt.c); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestOutcomeAgreesWithOneLine: the outcome the list shows and the one-line
// diagnosis beside it lead with the same word.
func TestOutcomeAgreesWithOneLine(t *testing.T) {
	c := outcomeCase("NORMAL_CLEARING", 7011, "", "", 3)
	c.UUID = "u"
	c.HangupSource = vobiz.NullString{String: "Error", Valid: true}
	o := OutcomeOf(c)
	if line := OneLine(c); len(line) < len(o.Label()) || line[:len(o.Label())] != o.Label() {
		t.Errorf("OneLine %q does not lead with the outcome %q", line, o.Label())
	}
}
