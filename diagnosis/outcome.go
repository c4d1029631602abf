package diagnosis

import (
	"strconv"
	"strings"

	"github.com/cdrdash/cdrdash/vobiz"
)

// Outcome is how a call ended, in the buckets support staff think in. It is
// derived from billsec first (answered means billsec > 0, the definition the
// API's own summary uses for answeredCalls, docs/vobiz-api.md#summary), then from the
// hangup cause and code.
type Outcome string

// The outcomes. The set mirrors the partner API's status filter
// (answered, failed, busy, no_answer; docs/vobiz-api.md#partner-endpoints) plus cancelled, which
// Vobiz's CallStatus also distinguishes ("cancel", VZ-STATUS).
const (
	Answered  Outcome = "answered"
	NoAnswer  Outcome = "no_answer"
	Busy      Outcome = "busy"
	Failed    Outcome = "failed"
	Cancelled Outcome = "cancelled"
)

// Outcomes lists every outcome in display order.
func Outcomes() []Outcome { return []Outcome{Answered, NoAnswer, Busy, Cancelled, Failed} }

// Label returns the outcome as shown in tables and badges.
func (o Outcome) Label() string {
	switch o {
	case Answered:
		return "Answered"
	case NoAnswer:
		return "No answer"
	case Busy:
		return "Busy"
	case Failed:
		return "Failed"
	case Cancelled:
		return "Cancelled"
	}
	return "Unknown"
}

// Valid reports whether o is one of the defined outcomes.
func (o Outcome) Valid() bool {
	switch o {
	case Answered, NoAnswer, Busy, Failed, Cancelled:
		return true
	}
	return false
}

// OutcomeOf classifies a call from every field that says how it ended:
// billsec, the textual cause, hangup_cause_code and failure_code /
// failure_reason.
//
//  1. billsec > 0 → Answered (the definition the API's summary uses), unless
//     the code, the cause or the failure fields name a fault that ended the
//     call (severity error: your app's answer URL or XML, the platform, the
//     network, the media path, the credit running out). Such a call was
//     answered and then failed, and support must see it as Failed: code 7011
//     "Error Reaching Answer URL" arrives with NORMAL_CLEARING and a few
//     seconds of billsec.
//  2. Otherwise a precise code (an account setting, your app's URL or XML,
//     a platform limit) decides, because it says more than any textual
//     cause can; the explanation leads with the same code.
//  3. Otherwise the textual cause decides, when it implies an outcome
//     (USER_BUSY → Busy, NO_ANSWER → NoAnswer, …).
//  4. Otherwise the numeric code decides (3010 → Busy, 6010 → NoAnswer, …),
//     then the code's family for codes missing from the table.
//  5. Otherwise failure_reason, then failure_code (a SIP response or a
//     Q.850 value) decide.
//  6. Otherwise (NORMAL_CLEARING, UNKNOWN or nothing on an unanswered call)
//     the SIP disposition and hangup source decide: a CANCEL, or the caller
//     or the API ending it, is Cancelled; anything else is Failed.
func OutcomeOf(c *vobiz.CDR) Outcome {
	if c == nil {
		return Failed
	}
	code, codeOK := codeOutcomeOf(c)
	cause, causeOK := LookupCause(c.HangupCause.String)
	failure, failureOK := failureCauseOf(c.FailureReason.String, c.FailureCode.String)
	if c.Billsec > 0 {
		if codeOK && code.severity == SeverityError ||
			causeOK && cause.Severity == SeverityError ||
			failureOK && failure.Severity == SeverityError {
			return Failed
		}
		return Answered
	}
	if codeOK && code.precise && code.outcome != "" {
		return code.outcome
	}
	if causeOK && cause.Outcome != "" {
		return cause.Outcome
	}
	if codeOK && code.outcome != "" {
		return code.outcome
	}
	if failureOK && failure.Outcome != "" {
		return failure.Outcome
	}
	switch normalizeDisposition(c.HangupDisposition.String) {
	case "send_cancel", "recv_cancel":
		return Cancelled
	}
	if s, ok := LookupSource(c.HangupSource.String); ok && (s.Side == SideCaller || s.Side == SideApp) {
		return Cancelled
	}
	return Failed
}

// codeOutcome is what hangup_cause_code says about the outcome: from the
// code table, or from the code's family for a code missing from it.
type codeOutcome struct {
	outcome  Outcome
	severity string
	precise  bool
}

func codeOutcomeOf(c *vobiz.CDR) (codeOutcome, bool) {
	if !c.HangupCauseCode.Valid {
		return codeOutcome{}, false
	}
	code := int(clampCode(c.HangupCauseCode.Int64))
	if ci, ok := LookupCode(code); ok {
		return codeOutcome{outcome: ci.Outcome, severity: ci.Severity, precise: ci.precise}, true
	}
	if fi, ok := FamilyOf(code); ok {
		return codeOutcome{outcome: fi.Outcome, severity: fi.Severity}, true
	}
	return codeOutcome{}, false
}

// failureCauseOf reads a cause out of failure_reason (a cause name) or,
// failing that, failure_code (a SIP response such as "486" or "sip:486",
// or a Q.850 value such as "16").
func failureCauseOf(reason, code string) (CauseInfo, bool) {
	if ci, ok := LookupCause(reason); ok {
		return ci, true
	}
	code = strings.TrimSpace(code)
	if code == "" || len(code) > 10 {
		return CauseInfo{}, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(strings.ToLower(code), "sip:"))
	if err != nil {
		return CauseInfo{}, false
	}
	if si, ok := LookupSIP(n); ok && si.Cause != "" {
		return LookupCause(si.Cause)
	}
	if n > 0 && n <= 127 {
		if ci, ok := lookupQ850(n); ok && ci.NumberKind == NumberQ850 {
			return ci, true
		}
	}
	return CauseInfo{}, false
}

// clampCode keeps absurd codes (an int64 from a hostile paste) inside int
// range on 32-bit platforms without changing any real code.
func clampCode(v int64) int64 {
	const lim = 1 << 30
	if v > lim {
		return lim
	}
	if v < -lim {
		return -lim
	}
	return v
}

// normalizeKey upper-cases a textual cause and trims spaces and quotes so
// "no_answer", " NO_ANSWER " and "NO-ANSWER" all match.
func normalizeKey(s string) string {
	s = strings.TrimSpace(strings.Trim(strings.TrimSpace(s), `"'`))
	s = strings.ToUpper(s)
	return toUnderscore.Replace(s)
}

// Replacers are built once: building one per call showed up in profiles.
var toUnderscore = strings.NewReplacer("-", "_", " ", "_")
