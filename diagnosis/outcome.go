package diagnosis

import (
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

// OutcomeOf classifies a call.
//
//  1. billsec > 0 → Answered, whatever the cause says (the record may
//     describe a leg whose cause disagrees; Explain points that out).
//  2. Otherwise the textual cause decides, when it implies an outcome
//     (USER_BUSY → Busy, NO_ANSWER → NoAnswer, …). The textual cause comes
//     first because it is the field the API filters on.
//  3. Otherwise the numeric code decides (3010 → Busy, 6010 → NoAnswer, …),
//     then the code's family for codes missing from the table.
//  4. Otherwise (NORMAL_CLEARING, UNKNOWN or nothing on an unanswered call)
//     the SIP disposition and hangup source decide: a CANCEL, or the caller
//     or the API ending it, is Cancelled; anything else is Failed.
func OutcomeOf(c *vobiz.CDR) Outcome {
	if c == nil {
		return Failed
	}
	if c.Billsec > 0 {
		return Answered
	}
	if ci, ok := LookupCause(c.HangupCause.String); ok && ci.Outcome != "" {
		return ci.Outcome
	}
	if c.HangupCauseCode.Valid {
		code := int(clampCode(c.HangupCauseCode.Int64))
		if ci, ok := LookupCode(code); ok {
			if ci.Outcome != "" {
				return ci.Outcome
			}
		} else if fi, ok := FamilyOf(code); ok && fi.Outcome != "" {
			return fi.Outcome
		}
	}
	if ci, ok := LookupCause(c.FailureReason.String); ok && ci.Outcome != "" {
		return ci.Outcome
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
