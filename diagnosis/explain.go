package diagnosis

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/cdrdash/cdrdash/vobiz"
)

// Diagnosis explains why one call ended, for a support agent.
type Diagnosis struct {
	Cause        string // textual hangup_cause as received (trimmed), or ""
	Code         int    // hangup_cause_code, when CodeValid
	CodeValid    bool
	CodeName     string   // name from the code table, else the CDR's own hangup_cause_name
	Family       string   // FamilyNormal, FamilyCanceled, …, FamilyUnknown
	Outcome      Outcome  // OutcomeOf the record; "" for input without timings (a bare cause or code)
	Headline     string   // one sentence, e.g. "The caller hung up normally after 4m 12s of talk."
	Meaning      string   // what the cause and code mean, in plain words
	WhoEnded     string   // who ended the call, from hangup_source and hangup_disposition
	LikelyReason string   // the reading of all the fields together
	NextSteps    []string // what to check next, most specific first
	Severity     string   // SeverityOK, SeverityInfo, SeverityWarning, SeverityError
	Retry        string   // retry advice from the tables, "" when none applies
	// TellCustomer is one plain sentence a support agent can read out to
	// the customer: no codes, no field names, worded for the direction.
	TellCustomer string
	// Technical holds the signalling-level notes (SIP dispositions, Q.850
	// numbers, failure fields, fields that disagree) for engineers; the
	// call page folds them away under a disclosure.
	Technical []string
	// Known is false when the cause or code is missing from the tables, or
	// both are absent: the explanation then comes from the fallback path.
	Known bool
}

// Timing edges for the explanation rules. The docs set only the 120 s
// default ring timeout (PL-CAUSES 6010, docs/vobiz-api.md#hangup-codes); the rest are our
// reading of what the durations say about people, and are named here so
// they can be tuned in one place.
const (
	defaultRingTimeoutSecs = 120  // Vobiz/Plivo default ring timeout
	nearTimeoutSecs        = 110  // rang this long: the timeout, not a person, ended it (ring time is rounded and starts late)
	shortRingSecs          = 20   // a person often needs 20–30 s to reach a phone
	longRingSecs           = 20   // a caller who waits this long before cancelling gave up waiting
	immediateCancelSecs    = 3    // a cancel this fast is a misdial or the app, not impatience
	immediateTalkSecs      = 5    // hanging up this soon after answering is not a conversation
	longTalkSecs           = 1200 // 20 minutes: a long conversation
	declinedAfterRingSecs  = 3    // a rejection after ringing this long was a person pressing decline
	maxE164Digits          = 15   // ITU-T E.164 maximum length
	minNumberDigits        = 7    // shorter than any full international number
	maxSteps               = 5    // next steps shown before the support step; more is noise
	mediaTimeoutSecs       = 60   // Vobiz 6020 "no media for 60 s" (PL-CAUSES 6020)
)

// engineerStep matches next steps written for a network or SIP engineer.
var engineerStep = regexp.MustCompile(`\b(RTP|SDP|SIP trace|re-INVITE|Q\.850|FreeSWITCH)\b`)

// Explain diagnoses c with the default quality thresholds. It never
// panics; a nil or empty record gets the fallback explanation.
func Explain(c *vobiz.CDR) Diagnosis { return ExplainWith(c, DefaultThresholds()) }

// ExplainWith diagnoses c using quality thresholds t.
func ExplainWith(c *vobiz.CDR, t Thresholds) Diagnosis {
	d, _, _ := explain(c, t)
	return d
}

// Verdict is one sentence combining outcome, cause, who ended the call and
// the audio, e.g. "Answered, talked 4m 12s; the caller hung up normally;
// audio was good." or "Not answered: rang 12s with no answer before your
// side stopped waiting; no media."
func Verdict(c *vobiz.CDR, t Thresholds) string {
	f, fd := findings(c, t)
	if !f.timed {
		if !f.primary.ok {
			return sentence(fd.short + "; no call timings or audio figures were given")
		}
		return sentence(f.label() + ": " + fd.short + "; no call timings or audio figures were given")
	}
	switch f.outcome {
	case Answered:
		return sentence(fmt.Sprintf("Answered, talked %s; %s; %s", dur(f.talk), fd.short, f.q.Phrase()))
	case NoAnswer:
		return sentence("Not answered: " + fd.short + "; " + f.q.Phrase())
	}
	return sentence(f.outcome.Label() + ": " + fd.short + "; " + f.q.Phrase())
}

// OneLine is a short diagnosis for a CSV column or a table tooltip, e.g.
// "Busy: the line was busy [USER_BUSY/3010]". Poor audio is appended.
func OneLine(c *vobiz.CDR) string {
	f, fd := findings(c, DefaultThresholds())
	if !f.timed {
		tag := f.tag()
		if tag == "" {
			tag = "Diagnosis"
		}
		return tag + ": " + fd.short
	}
	lead := f.outcome.Label()
	if f.outcome == Answered {
		lead += " " + dur(f.talk)
	}
	s := lead + ": " + fd.short
	if tag := f.tag(); tag != "" {
		s += " [" + tag + "]"
	}
	if f.q.Overall == BandPoor {
		s += "; " + f.q.Phrase()
	}
	return s
}

// findings reads the record and finds the explanation it leads with: all
// that Verdict and OneLine need. explain builds the full Diagnosis on top;
// the calls list, which explains every failed row, skips that part.
func findings(c *vobiz.CDR, t Thresholds) (*facts, finding) {
	if c == nil {
		c = &vobiz.CDR{}
	}
	f := readFacts(c, t)
	fd := f.find()
	if !f.timed {
		// A bare cause or code says nothing about whether the call was
		// answered (billsec is simply absent).
		f.outcome = ""
	}
	return f, fd
}

// facts is everything the rules look at, read once from the record.
type facts struct {
	c         *vobiz.CDR
	rawCause  string
	cause     CauseInfo
	causeOK   bool
	code      int   // clamped to ±2^30 for the lookups
	rawCode   int64 // as recorded, for the text
	codeValid bool
	codeInfo  CodeInfo
	codeOK    bool
	family    FamilyInfo
	familyOK  bool
	src       SourceInfo
	srcOK     bool
	srcRaw    string
	disp      DispositionInfo
	dispOK    bool
	dispRaw   string
	dir       string
	answered  bool
	talk      int64 // billsec
	ring      int64 // ring_time, as recorded
	// rang: the call was ringing (or at least in progress) for ring
	// seconds. A complete record (start and end set) without a
	// progress_time never rang, whatever ring_time says.
	rang     bool
	timed    bool // the record carries timings (a real CDR, not a bare cause)
	outcome  Outcome
	q        QualityReport
	failCode string
	failRsn  string
	sc       scenario
	// primary is the table entry the explanation leads with.
	primary entry
	// mismatch holds notes about fields that disagree.
	mismatch []string
	// techMismatch holds disagreements only an engineer can act on (the
	// text cause against the code); they go to the technical layer.
	techMismatch []string
	// legMismatch: talk time was recorded but the cause or code says the
	// call never connected.
	legMismatch bool
	// fromFailure: with no cause or code, the explanation comes from
	// failure_reason or failure_code.
	fromFailure bool
}

// failureCause reads a cause out of failure_reason (a cause name) or
// failure_code (a SIP response or a Q.850 value).
func (f *facts) failureCause() (CauseInfo, bool) {
	return failureCauseOf(f.failRsn, f.failCode)
}

// entry is a cause or code row reduced to what the rules need.
type entry struct {
	ok       bool
	isCode   bool
	summary  string
	meaning  string
	steps    []string
	severity string
	family   string
	retry    string
}

// finding is what a rule produces.
type finding struct {
	headline string
	short    string // clause for Verdict / OneLine
	reason   string
	tech     []string // notes for the technical layer
	steps    []string
	severity string
}

func explain(c *vobiz.CDR, t Thresholds) (Diagnosis, *facts, finding) {
	f, fd := findings(c, t)
	c = f.c
	d := Diagnosis{
		Cause:     f.rawCause,
		Code:      f.code,
		CodeValid: f.codeValid,
		Outcome:   f.outcome,
		Headline:  sentence(fd.headline),
		Meaning:   f.meaning(),
		Severity:  fd.severity,
		Retry:     f.primary.retry,
		Known:     f.known(),
	}
	switch {
	case f.codeOK:
		d.CodeName = f.codeInfo.Name
	case c.HangupCauseName.Valid:
		d.CodeName = strings.TrimSpace(c.HangupCauseName.String)
	}
	switch {
	case f.primary.ok:
		d.Family = f.primary.family
	case f.familyOK:
		d.Family = f.family.Name
	default:
		d.Family = FamilyUnknown
	}

	var whoTech []string
	d.WhoEnded, whoTech = f.whoEnded()
	d.Technical = append(d.Technical, whoTech...)
	d.Technical = append(d.Technical, f.techMismatch...)
	d.Technical = append(d.Technical, fd.tech...)
	if s := f.failureSentence(); s != "" {
		d.Technical = append(d.Technical, s)
	}

	reason := []string{fd.reason}
	reason = append(reason, f.mismatch...)
	reason = append(reason, f.qualitySentence())
	reason = append(reason, f.contextSentence())
	d.LikelyReason = joinSentences(reason)

	steps := slices.Clone(fd.steps)
	switch {
	case f.legMismatch:
		steps = append(steps, "Compare the other records of this call (same bridge_uuid, or the same numbers at the same time) to find the leg the customer talked on.")
	default:
		// Only the leading row's steps: when a precise code leads (e.g.
		// 1010 out of credits beside ORIGINATOR_CANCEL), the cause's
		// advice ("nothing to fix if intended") would contradict it.
		steps = append(steps, f.primary.steps...)
	}
	steps = append(steps, f.qualitySteps()...)
	steps = slices.DeleteFunc(steps, f.stepContradicts)
	if f.timed && f.outcome != Answered && strings.EqualFold(strings.TrimSpace(string(c.Context)), "sip-trunking") {
		steps = append(steps, "This call went through your SIP trunk: check your PBX's own logs for the same SIP Call-ID.")
	}
	if !d.Known {
		steps = append(steps, "Look the exact values up on the Vobiz hangup-causes page (docs.vobiz.ai/concepts/hangup-causes).")
	}
	d.Severity = worseSeverity(d.Severity, f.qualitySeverity())
	if severityRank(d.Severity) >= severityRank(SeverityWarning) {
		// The tables' "nothing to fix" would contradict the warning.
		steps = slices.DeleteFunc(steps, func(x string) bool { return strings.HasPrefix(x, "Nothing to fix") })
	}
	steps = dedupe(steps)
	if len(steps) > maxSteps {
		steps = steps[:maxSteps]
	}
	if d.Severity == SeverityError || !d.Known {
		// One support step, carrying this call's IDs, replaces the
		// tables' generic ones.
		steps = slices.DeleteFunc(steps, func(x string) bool { return strings.Contains(x, "Vobiz support") })
		steps = append(steps, f.supportStep())
	}
	// Checks only a network engineer can run (captures, SDP, RTP ports)
	// go to the technical layer; the visible list points at them.
	var engineer []string
	steps = slices.DeleteFunc(steps, func(x string) bool {
		if engineerStep.MatchString(x) {
			engineer = append(engineer, "For an engineer: "+x)
			return true
		}
		return false
	})
	if len(engineer) > 0 {
		d.Technical = append(d.Technical, engineer...)
		steps = append([]string{"Ask whoever runs your network or SIP setup to work through the engineer's checks under the technical details."}, steps...)
	}
	d.NextSteps = steps
	if f.legMismatch {
		d.Retry = "" // the cause's advice is about a call that did connect
	}
	if len(d.NextSteps) == 0 {
		d.NextSteps = []string{"Nothing to fix."}
		if severityRank(d.Severity) >= severityRank(SeverityWarning) {
			d.NextSteps = []string{"Look at this number's other recent calls (same numbers, same hour) for a pattern."}
		}
	}
	d.TellCustomer = f.tellCustomer(fd, d.Severity)
	return d, f, fd
}

func readFacts(c *vobiz.CDR, t Thresholds) *facts {
	f := &facts{c: c}
	f.rawCause = strings.TrimSpace(c.HangupCause.String)
	f.cause, f.causeOK = LookupCause(f.rawCause)
	if c.HangupCauseCode.Valid {
		f.codeValid = true
		f.rawCode = c.HangupCauseCode.Int64
		f.code = int(clampCode(f.rawCode))
		f.codeInfo, f.codeOK = LookupCode(f.code)
		f.family, f.familyOK = FamilyOf(f.code)
	}
	f.srcRaw = strings.TrimSpace(c.HangupSource.String)
	f.src, f.srcOK = LookupSource(f.srcRaw)
	f.dispRaw = strings.TrimSpace(c.HangupDisposition.String)
	f.disp, f.dispOK = LookupDisposition(f.dispRaw)
	f.dir = direction(c)
	f.answered = c.Answered()
	f.talk = max(int64(c.Billsec), 0)
	f.ring = max(int64(c.RingTime), 0)
	f.rang = f.ring > 0 && (!c.ProgressTime.IsZero() || c.StartTime.IsZero() || c.EndTime.IsZero())
	f.timed = !c.StartTime.IsZero() || !c.EndTime.IsZero() || !c.AnswerTime.IsZero() ||
		c.Duration != 0 || c.Billsec != 0 || c.RingTime != 0 || strings.TrimSpace(string(c.UUID)) != ""
	f.outcome = OutcomeOf(c)
	f.q = Quality(c, t)
	f.failCode = strings.TrimSpace(c.FailureCode.String)
	f.failRsn = strings.TrimSpace(c.FailureReason.String)
	f.choosePrimary()
	return f
}

func causeEntry(c CauseInfo) entry {
	return entry{ok: true, summary: c.Summary, meaning: c.Meaning, steps: c.NextSteps, severity: c.Severity, family: c.Family, retry: c.Retry}
}

func codeEntry(c CodeInfo) entry {
	return entry{ok: true, isCode: true, summary: c.Summary, meaning: c.Meaning, steps: c.NextSteps, severity: c.Severity, family: c.Family, retry: c.Retry}
}

// choosePrimary picks which table row leads, and the scenario.
//
// The textual cause leads by default (it is the field the API filters on).
// The numeric code leads when it says more: codes marked precise (account
// settings, your app's URL/XML, platform limits), or any non-normal code
// beside a vague cause (NORMAL_CLEARING, UNKNOWN, none). MEDIA_TIMEOUT or
// 6020 in either field always means the media-path story.
func (f *facts) choosePrimary() {
	weakCause := !f.causeOK || f.cause.Family == FamilyNormal || f.cause.Family == FamilyUnknown
	strongCode := f.codeOK && f.codeInfo.Family != FamilyNormal && f.codeInfo.Family != FamilyUnknown
	switch {
	case f.causeOK && f.cause.scenario == scMediaTimeout:
		f.primary, f.sc = causeEntry(f.cause), scMediaTimeout
	case f.codeOK && f.codeInfo.scenario == scMediaTimeout:
		f.primary, f.sc = codeEntry(f.codeInfo), scMediaTimeout
	case f.codeOK && (f.codeInfo.precise || weakCause && strongCode):
		f.primary, f.sc = codeEntry(f.codeInfo), f.codeInfo.scenario
	case f.causeOK && f.cause.Family != FamilyUnknown:
		f.primary, f.sc = causeEntry(f.cause), f.cause.scenario
	case f.codeOK:
		f.primary, f.sc = codeEntry(f.codeInfo), f.codeInfo.scenario
	case f.causeOK:
		f.primary = causeEntry(f.cause)
	case f.rawCause == "" && !f.codeValid:
		// Neither field: the failure fields may still name a cause.
		if ci, ok := f.failureCause(); ok {
			f.cause, f.fromFailure = ci, true
			f.primary, f.sc = causeEntry(ci), ci.scenario
		}
	}

	// Cause and code pointing at different outcomes (no official crosswalk
	// exists, and the two come from different layers; see
	// docs/vobiz-api.md#textual-hangup-causes).
	if f.causeOK && f.codeOK && f.cause.Outcome != "" && f.codeInfo.Outcome != "" &&
		f.cause.Outcome != f.codeInfo.Outcome && !compatibleOutcomes(f.cause.Outcome, f.codeInfo.Outcome) {
		follows := "the text cause"
		if f.primary.isCode {
			follows = "the code"
		}
		f.techMismatch = append(f.techMismatch, fmt.Sprintf(
			"The text cause %s (%s) and code %d %s (%s) disagree; they come from different layers (the SIP signalling and Vobiz's own classification), and this explanation follows %s.",
			f.cause.Name, strings.ToLower(f.cause.Outcome.Label()), f.code, f.codeInfo.Name, strings.ToLower(f.codeInfo.Outcome.Label()), follows))
	}

	// Talk time recorded although the cause says the call never connected.
	if f.answered {
		implied := ""
		switch {
		case f.causeOK && preAnswerOnly(f.cause.Family, f.cause.scenario):
			implied = f.cause.Name
		case f.codeOK && preAnswerOnly(f.codeInfo.Family, f.codeInfo.scenario):
			implied = fmt.Sprintf("code %d (%s)", f.code, f.codeInfo.Name)
		}
		if implied != "" {
			f.mismatch = append(f.mismatch, fmt.Sprintf(
				"The record shows %s of talk, yet %s normally means the call never connected: this record may describe a different leg from the one that talked (a parallel dial, a transfer or a conference leg), so compare calls with the same bridge_uuid.",
				dur(f.talk), implied))
			f.legMismatch = true
			switch f.sc {
			case scCancel, scNoAnswer, scUnreachable, scBusy, scRejected, scBadNumber:
				f.sc = scNormal
			}
		}
	}
}

// preAnswerOnly reports whether a cause or code can only end a call that
// was never answered: the no-answer, busy, rejection and bad-number
// stories, and the cancellation, destination, rejection and carrier
// families. Media timeouts, platform errors and URL/XML errors can hit a
// call after the answer, so they are not included.
func preAnswerOnly(family string, sc scenario) bool {
	switch sc {
	case scCancel, scNoAnswer, scUnreachable, scBusy, scRejected, scBadNumber:
		return true
	}
	switch family {
	case FamilyCanceled, FamilyDestination, FamilyRejection, FamilyCarrier:
		return true
	}
	return false
}

// compatibleOutcomes: a ring timeout often ends as a cancel on our side,
// so no-answer and cancelled are two readings of the same event.
func compatibleOutcomes(a, b Outcome) bool {
	pair := []Outcome{a, b}
	return slices.Contains(pair, NoAnswer) && slices.Contains(pair, Cancelled)
}

// known: every value present is in the tables, and at least one is present.
func (f *facts) known() bool {
	if f.rawCause == "" && !f.codeValid {
		return f.fromFailure
	}
	return (f.rawCause == "" || f.causeOK) && (!f.codeValid || f.codeOK)
}

// label names the cause and code for sentences: "NO_ANSWER with code 4100
// (No Answer)", "code 3010 (Busy Line)", "“FOO”".
func (f *facts) label() string {
	var parts []string
	if f.rawCause != "" {
		if f.causeOK {
			parts = append(parts, f.cause.Name)
		} else {
			parts = append(parts, quote(f.rawCause))
		}
	}
	if f.codeValid {
		s := "code " + strconv.FormatInt(f.rawCode, 10)
		if f.codeOK {
			s += " (" + f.codeInfo.Name + ")"
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 && f.fromFailure {
		if _, ok := LookupCause(f.failRsn); ok {
			return "Failure reason " + f.cause.Name
		}
		n, _ := strconv.Atoi(strings.TrimPrefix(strings.ToLower(f.failCode), "sip:"))
		if si, ok := LookupSIP(n); ok {
			return fmt.Sprintf("SIP %d %s (%s)", n, si.Reason, f.cause.Name)
		}
		return fmt.Sprintf("Q.850 cause %d (%s)", n, f.cause.Name)
	}
	if len(parts) == 0 {
		return "No hangup cause"
	}
	return capitalize(strings.Join(parts, " with "))
}

// tag is the compact cause/code pair for OneLine: "NO_ANSWER/4100".
func (f *facts) tag() string {
	var parts []string
	if f.rawCause != "" {
		parts = append(parts, clean(clip(f.rawCause, 40)))
	}
	if f.codeValid {
		parts = append(parts, strconv.FormatInt(f.rawCode, 10))
	}
	return strings.Join(parts, "/")
}
