package cdrcorpus

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/vobiz"
)

// Texts is what a reader sees about one call, wherever it is shown: the
// diagnosis fields, or the same parts read back from the call page.
type Texts struct {
	Headline string
	Who      string
	Reason   string
	// Meaning is the explanation of the cause and code (technical layer),
	// a definition rather than this call's story: it is only held to the
	// refusal wording, so it cannot contradict who refused.
	Meaning string
	Verdict string
	Tell    string
	Steps   []string
	// Timeline is the timeline's summary line (page only).
	Timeline string
	// Technical is the technical layer: held to the direction words only
	// (it speaks of the signalling, whose parties are not this call's blame).
	Technical []string
	// HasBar: Bar and Drawn were read (page only). Bar holds the timeline
	// bar's segment labels ("Before ringing 3s", "Ringing 21s", "Talk
	// 1m"), Drawn the note under it.
	HasBar bool
	Bar    []string
	Drawn  string
}

func (t Texts) all() []string {
	return append([]string{t.Headline, t.Who, t.Reason, t.Verdict, t.Tell, t.Timeline}, t.Steps...)
}

// durRE matches a duration as the dashboard writes it ("42s", "1m 58s",
// "1h 2m").
const durRE = `(\d+h(?: \d+m)?|\d+m(?: \d+s)?|\d+s)`

// Durations stated in the text, by the record field they name.
var durationClaims = []struct {
	field string
	re    *regexp.Regexp
}{
	{"billsec", regexp.MustCompile(durRE + ` of talk`)},
	{"billsec", regexp.MustCompile(`(?i)talked ` + durRE)},
	{"ring_time", regexp.MustCompile(`(?i)\brang (?:for |only |the full )?` + durRE)},
	{"ring_time", regexp.MustCompile(durRE + ` of ringing`)},
	{"ring_time", regexp.MustCompile(`after ` + durRE + `, before it rang`)},
	{"duration", regexp.MustCompile(durRE + ` in all`)},
}

// ringWords finds a claim that the phone rang; negations are removed first.
var (
	ringWords    = regexp.MustCompile(`(?i)\b(rang|ringing|rung)\b`)
	ringNegation = regexp.MustCompile(`(?i)(before it rang|never rang|did not ring|without ringing|no ringing|not ringing)`)
)

// actorRE finds a party named as the one who acted: "Your side (the
// caller) cancelled", "The customer hung up", "the platform dropped".
var actorRE = regexp.MustCompile(`(?i)\b(your side|the caller|the customer|the callee|the person|your application's xml|your application|your app|the vobiz platform|the platform|the carrier)(?: \([^)]*\))? (hung up|cancelled|gave up|stopped waiting|declined|rejected|refused|ended the call|ended the attempt|ended it)\b`)

var (
	attributedRE   = regexp.MustCompile(`attributed to ([^.]+)\.`)
	declinedRE     = regexp.MustCompile(`(called party|far end|the person|the callee) declined`)
	audioStoppedRE = regexp.MustCompile(`audio stopped after ` + durRE)
)

// Words a direction must never carry, as whole words. Steps and the
// customer line are held to the same lists.
var wrongDirection = map[string]*regexp.Regexp{
	vobiz.DirectionOutbound: regexp.MustCompile(`(?i)\b(incoming|inbound|the customer's call|customer \(the caller\)|your side \(the callee\)|you called|your call|our line|answer faster)\b`),
	vobiz.DirectionInbound:  regexp.MustCompile(`(?i)\b(outgoing|outbound|customer \(the callee\)|your side \(the caller\)|we called|our call|caller id|dialling|on the dial|campaign|calling rate|the number with the customer|number you dialled)\b`),
}

// Sentences that put the decision on one party without an actor verb
// ("The carrier on the route reported the problem"). Each names a party
// as allowedParties spells it.
var partyClaims = []struct {
	party string
	re    *regexp.Regexp
}{
	{"carrier", regexp.MustCompile(`(?i)\bcarrier on the route reported\b|\bthe callee's network (?:ended|stopped)\b`)},
	{"ours", regexp.MustCompile(`(?i)\bstopped on your side\b|\byour app or agent (?:giving up|cancelled|stopped)\b|\byour own PBX may have made\b`)},
	{"platform", regexp.MustCompile(`(?i)\bthe platform, not a person, ended it\b|\bthe platform itself stopped\b`)},
}

// allowedParties lists the parties a party claim may name for a source:
// "ours" is your side of the call (your app, agent or PBX: the caller on an
// outbound call, the callee on an inbound one).
func allowedParties(source, dir string, mediaTimeout bool) []string {
	if mediaTimeout {
		return []string{"platform"}
	}
	switch source {
	case "Caller":
		if dir == vobiz.DirectionOutbound {
			return []string{"ours"}
		}
		return []string{"customer"}
	case "Callee":
		if dir == vobiz.DirectionInbound {
			return []string{"ours"}
		}
		return []string{"customer", "carrier"}
	case "API Request", "Answer XML":
		return []string{"ours"}
	case "Vobiz", "Error":
		return []string{"platform"}
	case "Carrier":
		return []string{"carrier"}
	}
	return []string{"ours", "customer", "carrier", "platform"}
}

var (
	// notAPerson: a sentence ruling out a person's choice; personDeclined:
	// one that offers it as the explanation.
	notAPerson     = regexp.MustCompile(`(?i)\bnot (?:from )?(?:a|the) person\b`)
	personDeclined = regexp.MustCompile(`(?i)\b(?:if )?the person (?:declined|saw it)\b`)
	// beforeAnswer: the call is said to have ended unanswered.
	beforeAnswer = regexp.MustCompile(`(?i)\b(?:stopped|cancelled|ended|refused|rejected|dropped) before (?:it was|anyone|the customer) answered\b`)
	notNetwork   = regexp.MustCompile(`(?i)\bnot the network\b|\bnothing on the network failed\b|\bnot (?:by )?a fault on the line\b`)
	networkBlame = regexp.MustCompile(`(?i)\ba network problem\b`)
	notOurSide   = regexp.MustCompile(`(?i)\bnothing on your side\b`)
	ourCallerID  = regexp.MustCompile(`(?i)\bthe caller ID is (?:not|on)\b|\bblocked the call as spam\b`)
	straightAway = regexp.MustCompile(`(?i)\b(?:came back|failed|rejected) (?:straight away|at once)\b`)
	barRing      = regexp.MustCompile(`^Ringing(?:, then ended unanswered)? ` + durRE + `$`)
	barTalk      = regexp.MustCompile(`^Talk ` + durRE + `$`)
	summaryRang  = regexp.MustCompile(`^Rang ` + durRE)
)

// allowedActors lists, for each hangup_source and direction, the parties
// a sentence may say acted.
func allowedActors(source, dir string, mediaTimeout bool) []string {
	platform := []string{"the vobiz platform", "the platform"}
	if mediaTimeout {
		return platform
	}
	switch source {
	case "Caller":
		if dir == vobiz.DirectionInbound {
			return []string{"the customer", "the caller"}
		}
		return []string{"your side", "the caller"}
	case "Callee":
		if dir == vobiz.DirectionInbound {
			return []string{"your side", "the callee"}
		}
		return []string{"the customer", "the callee", "the person"}
	case "API Request", "Answer XML":
		return []string{"your application", "your application's xml", "your app"}
	case "Vobiz", "Error":
		return platform
	case "Carrier":
		return []string{"the carrier"}
	}
	return nil
}

// Check returns every invariant the texts break for record r, empty when
// they hold:
//   - direction words match call_direction;
//   - every party said to have acted (in the headline, "who ended it",
//     the likely reason and the customer line) is the one hangup_source
//     names, and a refusal by your own application is never "declined"
//     by the person called;
//   - sentences that put the decision on a party without an actor verb
//     ("the carrier on the route reported", "stopped on your side", "your
//     own PBX may have made") name a party hangup_source allows;
//   - every duration stated equals the record field it names;
//   - one rule for ringing: nothing says the phone rang when the record
//     shows no ringing, and nothing says it never rang (or failed
//     "straight away") when ring_time and a progress time show it did;
//   - one story: a text that rules out a person offers no "if the person
//     declined", one that clears your side does not blame your caller ID,
//     an answered call is never "stopped before it was answered", and the
//     customer line does not blame the network the likely reason rules out;
//   - advice fits the direction;
//   - when the bar was read (HasBar), its ringing and talk segments equal
//     ring_time and billsec, or the note under it names both figures; and
//     there is no note when they agree.
func Check(r *vobiz.CDR, t Texts) []string {
	var bad []string
	dir := string(r.CallDirection)
	for _, s := range append(t.all(), t.Technical...) {
		if re := wrongDirection[dir]; re != nil {
			if w := re.FindString(s); w != "" {
				bad = append(bad, fmt.Sprintf("direction: %s call says %q in %q", dir, w, s))
			}
		}
	}

	media := r.HangupCause.String == "MEDIA_TIMEOUT" || r.HangupCauseCode.Int64 == 6020
	allowed := allowedActors(r.HangupSource.String, dir, media)
	for _, s := range []string{t.Headline, t.Who, t.Reason, t.Tell, t.Meaning} {
		for _, m := range actorRE.FindAllStringSubmatch(s, -1) {
			if s == t.Meaning {
				break // the meaning of a code names its usual party, not this call's
			}
			if !contains(allowed, strings.ToLower(m[1])) {
				bad = append(bad, fmt.Sprintf("blame: hangup_source %q but %q in %q", r.HangupSource.String, m[0], s))
			}
		}
		for _, m := range attributedRE.FindAllStringSubmatch(s, -1) {
			if !hasPrefix(strings.ToLower(m[1]), allowed) {
				bad = append(bad, fmt.Sprintf("blame: hangup_source %q but attributed to %q", r.HangupSource.String, m[1]))
			}
		}
		ls := strings.ToLower(s)
		if r.HangupSource.String != "Caller" && strings.Contains(ls, "change of mind") {
			bad = append(bad, fmt.Sprintf("blame: a change of mind with hangup_source %q: %q", r.HangupSource.String, s))
		}
		if (r.HangupSource.String == "Answer XML" || r.HangupSource.String == "API Request") &&
			declinedRE.MatchString(ls) {
			bad = append(bad, fmt.Sprintf("blame: your application refused it, yet %q", s))
		}
	}

	fields := map[string]string{
		"billsec":   vobiz.FormatShortDuration(time.Duration(r.Billsec) * time.Second),
		"ring_time": vobiz.FormatShortDuration(time.Duration(r.RingTime) * time.Second),
		"duration":  vobiz.FormatShortDuration(time.Duration(r.Duration) * time.Second),
	}
	for _, s := range t.all() {
		for _, dc := range durationClaims {
			for _, m := range dc.re.FindAllStringSubmatch(s, -1) {
				if m[1] != fields[dc.field] {
					bad = append(bad, fmt.Sprintf("duration: %q states %s, but %s is %s", m[0], m[1], dc.field, fields[dc.field]))
				}
			}
		}
	}

	// A media timeout fires a whole timeout after the last audio packet:
	// the audio did not stop "after" the talk time.
	if media {
		for _, s := range t.all() {
			if m := audioStoppedRE.FindString(s); m != "" {
				bad = append(bad, fmt.Sprintf("media timeout: %q, but the audio stopped about a timeout before the drop", m))
			}
		}
	}

	rang := r.RingTime > 0 && !r.ProgressTime.IsZero()
	if rang {
		// One rule for ringing: the record's ring_time with a progress
		// time means it rang, so nothing may say it did not.
		for _, s := range append(t.all(), t.Meaning) {
			if w := ringNegation.FindString(s); w != "" {
				bad = append(bad, fmt.Sprintf("ringing: ring_time %d with a progress_time, yet %q in %q", r.RingTime, w, s))
			}
		}
	}

	// One party: sentences that put the decision on a party agree with
	// hangup_source.
	parties := allowedParties(r.HangupSource.String, dir, media)
	for _, s := range append([]string{t.Headline, t.Who, t.Reason, t.Tell}, t.Steps...) {
		for _, pc := range partyClaims {
			if m := pc.re.FindString(s); m != "" && !contains(parties, pc.party) {
				bad = append(bad, fmt.Sprintf("blame: hangup_source %q (%s call) but %q in %q", r.HangupSource.String, dir, m, s))
			}
		}
	}

	// A story that rules out a person cannot also offer the person's
	// choice as the explanation. (The meaning, a definition that lists
	// both readings of a code, is not this call's story.)
	if ruled := firstMatch(notAPerson, t.all()); ruled != "" {
		if offered := firstMatch(personDeclined, t.all()); offered != "" {
			bad = append(bad, fmt.Sprintf("story: %q rules out a person, yet %q", ruled, offered))
		}
	}
	// Nor may a story clear your side while naming your caller ID as the
	// cause, or say an attempt that rang came back "straight away".
	if cleared := firstMatch(notOurSide, t.all()); cleared != "" {
		if cause := firstMatch(ourCallerID, t.all()); cause != "" {
			bad = append(bad, fmt.Sprintf("story: %q, yet %q", cleared, cause))
		}
	}
	if rang {
		if m := firstMatch(straightAway, t.all()); m != "" {
			bad = append(bad, fmt.Sprintf("ringing: ring_time %d with a progress_time, yet %q", r.RingTime, m))
		}
	}
	// Nor may an answered call be said to have ended before the answer.
	if r.Billsec > 0 {
		for _, s := range []string{t.Headline, t.Who, t.Reason, t.Tell, t.Verdict} {
			if m := beforeAnswer.FindString(s); m != "" {
				bad = append(bad, fmt.Sprintf("answered: billsec %d, yet %q in %q", r.Billsec, m, s))
			}
		}
	}
	// The customer line may not blame the network when the likely reason
	// rules it out.
	if m := notNetwork.FindString(t.Reason); m != "" {
		if w := networkBlame.FindString(t.Tell); w != "" {
			bad = append(bad, fmt.Sprintf("customer line: %q, but the likely reason says %q", t.Tell, m))
		}
	}
	if t.HasBar {
		bad = append(bad, checkBar(r, t)...)
	}

	if !rang {
		for _, s := range t.all() {
			if w := ringWords.FindString(ringNegation.ReplaceAllString(s, "")); w != "" {
				bad = append(bad, fmt.Sprintf("ringing: the record shows none (ring_time %d, progress_time %v) but %q", r.RingTime, !r.ProgressTime.IsZero(), s))
			}
		}
	}
	return bad
}

// checkBar holds the timeline bar to the figures the text quotes: where
// the ringing or talk it draws differs from ring_time or billsec, the
// note under it names both; where they agree, there is no note.
func checkBar(r *vobiz.CDR, t Texts) []string {
	var bad []string
	agree := true
	ring := vobiz.FormatShortDuration(time.Duration(r.RingTime) * time.Second)
	talk := vobiz.FormatShortDuration(time.Duration(r.Billsec) * time.Second)
	quotesRing := summaryRang.MatchString(t.Timeline)
	for _, seg := range t.Bar {
		var drawn, quoted, field string
		if m := barRing.FindStringSubmatch(seg); m != nil && quotesRing {
			drawn, quoted, field = m[1], ring, "ring_time"
		} else if m := barTalk.FindStringSubmatch(seg); m != nil && r.Billsec > 0 {
			drawn, quoted, field = m[1], talk, "billsec"
		} else {
			continue
		}
		if drawn == quoted {
			continue
		}
		agree = false
		if !strings.Contains(t.Drawn, drawn) || !strings.Contains(t.Drawn, quoted) || !strings.Contains(t.Drawn, field) {
			bad = append(bad, fmt.Sprintf("bar: %q drawn, %s is %s, but the note %q does not name both", seg, field, quoted, t.Drawn))
		}
	}
	if agree && t.Drawn != "" && len(t.Bar) > 0 {
		bad = append(bad, fmt.Sprintf("bar: %q agrees with ring_time %d and billsec %d, yet the note %q", t.Bar, r.RingTime, r.Billsec, t.Drawn))
	}
	return bad
}

func firstMatch(re *regexp.Regexp, list []string) string {
	for _, s := range list {
		if m := re.FindString(s); m != "" {
			return m
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func hasPrefix(s string, list []string) bool {
	for _, x := range list {
		if strings.HasPrefix(s, x) {
			return true
		}
	}
	return false
}
