package diagnosis

import (
	"slices"
	"strings"

	"github.com/cdrdash/cdrdash/vobiz"
)

// Sides a hangup source can stand for.
const (
	SideCaller   = "caller"   // the calling party
	SideCallee   = "callee"   // the called party
	SidePlatform = "platform" // Vobiz itself
	SideApp      = "app"      // your application (API request or XML)
	SideCarrier  = "carrier"  // a remote carrier's network
	SideError    = "error"    // an error condition, no party
	SideUnknown  = "unknown"  // not determined
)

// SourceInfo describes one hangup_source value (docs/hangups-and-quality.md#hangup-sources,
// docs/vobiz-api.md#hangup-sources).
type SourceInfo struct {
	Value   string   // as the API sends it
	Aliases []string // other spellings seen in the docs, lower case
	Side    string   // SideCaller, SideCallee, …
	Meaning string
	Ref     string
}

// sourceTable: VZ-CAUSES lists Caller, Call recipient, Vobiz, Carrier, API
// Request, Answer XML, Error, Unknown; CDRs and the call object print
// Callee for the recipient (VZ-CDR, VZ-CALLOBJ). Plivo's wording
// ("Plivo") is accepted as the platform.
var sourceTable = []SourceInfo{
	{Value: "Caller", Aliases: []string{"caller", "calling party", "originator"}, Side: SideCaller,
		Meaning: "The calling party hung up, or cancelled before the call was answered.", Ref: "VZ-CAUSES; VZ-CDR"},
	{Value: "Callee", Aliases: []string{"callee", "call recipient", "recipient", "called party"}, Side: SideCallee,
		Meaning: "The called party hung up, declined or did not answer. The hangup-cause page calls it \"Call recipient\"; CDRs print \"Callee\".", Ref: "VZ-CAUSES; VZ-CDR; VZ-CALLOBJ"},
	{Value: "Vobiz", Aliases: []string{"vobiz", "plivo", "platform"}, Side: SidePlatform,
		Meaning: "The Vobiz platform ended the call itself: a limit, a timeout or an error it detected.", Ref: "VZ-CAUSES"},
	{Value: "Carrier", Aliases: []string{"carrier"}, Side: SideCarrier,
		Meaning: "The hangup came from the remote carrier's network.", Ref: "VZ-CAUSES"},
	{Value: "API Request", Aliases: []string{"api request", "api"}, Side: SideApp,
		Meaning: "Your application ended the call with the Hangup Call or Cancel Call API.", Ref: "VZ-CAUSES"},
	{Value: "Answer XML", Aliases: []string{"answer xml", "xml"}, Side: SideApp,
		Meaning: "Your application's XML ended the call with the Hangup element.", Ref: "VZ-CAUSES; VZ-XMLHANGUP"},
	{Value: "Error", Aliases: []string{"error"}, Side: SideError,
		Meaning: "An error condition ended the call; the cause and code say which.", Ref: "VZ-CAUSES"},
	{Value: "Unknown", Aliases: []string{"unknown"}, Side: SideUnknown,
		Meaning: "The platform could not tell who ended the call.", Ref: "VZ-CAUSES"},
}

// Sources returns every documented hangup_source value. The slice is a copy.
func Sources() []SourceInfo {
	out := make([]SourceInfo, len(sourceTable))
	for i, s := range sourceTable {
		s.Aliases = slices.Clone(s.Aliases)
		out[i] = s
	}
	return out
}

// LookupSource finds a hangup_source value, ignoring case and treating "_"
// and "-" as spaces ("call_recipient", "API-Request").
func LookupSource(v string) (SourceInfo, bool) {
	key := normalizeWords(v)
	if key == "" {
		return SourceInfo{}, false
	}
	for _, s := range sourceTable {
		if strings.EqualFold(s.Value, key) || slices.Contains(s.Aliases, key) {
			return s, true
		}
	}
	return SourceInfo{}, false
}

func normalizeWords(v string) string {
	v = strings.ToLower(strings.Trim(strings.TrimSpace(v), `"'`))
	v = underscoreToSpace.Replace(v)
	return strings.Join(strings.Fields(v), " ")
}

// DispositionInfo describes one hangup_disposition value: which SIP
// message ended the call and in which direction (docs/hangups-and-quality.md#hangup-disposition).
type DispositionInfo struct {
	Value        string
	Local        bool // our side (the platform) sent it
	BeforeAnswer bool // it ends an unanswered call
	Meaning      string
	// clause is the wording used in "who ended it" sentences.
	clause     string
	Documented string
	Ref        string
}

// dispositionTable: Vobiz documents send_bye, recv_bye, send_cancel and
// send_refuse (VZ-CDR, docs/vobiz-api.md#cdr-fields); FreeSWITCH, whose variable this is,
// also writes recv_cancel and recv_refuse (FS-SIP), so they are included.
var dispositionTable = []DispositionInfo{
	{Value: "send_bye", Local: true,
		Meaning:    "The platform sent the BYE that ended an answered call: our side hung up. That can be the platform itself, your app (XML or API), or the other party's hangup passed through a bridge.",
		clause:     "the platform sent the hangup (BYE) to the other end",
		Documented: "Vobiz CDR docs", Ref: "FS-SOFIA; FSD-DISPO; VZ-CDR"},
	{Value: "recv_bye",
		Meaning:    "A BYE was received: the remote party of this leg hung up an answered call (the callee on an outbound leg, the caller on an inbound leg).",
		clause:     "the hangup (BYE) came from the far end of this leg",
		Documented: "Vobiz CDR docs", Ref: "FS-SIP; FSD-DISPO; VZ-CDR"},
	{Value: "send_cancel", Local: true, BeforeAnswer: true,
		Meaning:    "The platform sent a CANCEL: our side gave up on an outbound attempt before it was answered (the caller hung up, a ring timeout, or an API cancel).",
		clause:     "the platform cancelled the ringing attempt (CANCEL)",
		Documented: "Vobiz CDR docs", Ref: "FS-SOFIA; FSD-DISPO; VZ-SKILL"},
	{Value: "send_refuse", Local: true, BeforeAnswer: true,
		Meaning:    "The platform refused an incoming call before answering it, with an error response (for example busy, unavailable, or your app's Hangup with reason rejected).",
		clause:     "the platform refused the incoming call before answering it",
		Documented: "Vobiz CDR docs", Ref: "FS-SOFIA; FSD-DISPO"},
	{Value: "recv_cancel", BeforeAnswer: true,
		Meaning:    "A CANCEL was received: the caller abandoned an incoming call before it was answered.",
		clause:     "the caller's side cancelled before the answer (CANCEL received)",
		Documented: "FreeSWITCH source only", Ref: "FS-SIP"},
	{Value: "recv_refuse", BeforeAnswer: true,
		Meaning:    "The far end refused our call attempt with an error response such as 486, 404, 480 or 603.",
		clause:     "the far end refused the call attempt",
		Documented: "FreeSWITCH source only", Ref: "FS-SIP"},
}

// LookupDisposition finds a hangup_disposition value, ignoring case.
func LookupDisposition(v string) (DispositionInfo, bool) {
	key := normalizeDisposition(v)
	for _, d := range dispositionTable {
		if d.Value == key {
			return d, true
		}
	}
	return DispositionInfo{}, false
}

func normalizeDisposition(v string) string {
	v = strings.ToLower(strings.Trim(strings.TrimSpace(v), `"'`))
	return toUnderscore.Replace(v)
}

// direction returns vobiz.DirectionInbound, vobiz.DirectionOutbound or "".
// Values such as "outbound-api" are read by their prefix.
func direction(c *vobiz.CDR) string {
	d := strings.ToLower(strings.TrimSpace(string(c.CallDirection)))
	switch {
	case strings.HasPrefix(d, vobiz.DirectionInbound):
		return vobiz.DirectionInbound
	case strings.HasPrefix(d, vobiz.DirectionOutbound):
		return vobiz.DirectionOutbound
	}
	return ""
}

// partyName names the caller or callee for this call's direction. On an
// outbound call the caller is your side (your app, agent or PBX) and the
// callee is the customer; on an inbound call it is the other way round.
func partyName(side, dir string) string {
	switch side {
	case SideCaller:
		switch dir {
		case vobiz.DirectionOutbound:
			return "your side (the caller)"
		case vobiz.DirectionInbound:
			return "the customer (the caller)"
		}
		return "the caller"
	case SideCallee:
		switch dir {
		case vobiz.DirectionOutbound:
			return "the customer (the callee)"
		case vobiz.DirectionInbound:
			return "your side (the callee)"
		}
		return "the callee"
	case SidePlatform:
		return "the Vobiz platform"
	case SideCarrier:
		return "the carrier"
	case SideError:
		return "an error"
	}
	return ""
}

// Replacers are built once: building one per call showed up in profiles.
var underscoreToSpace = strings.NewReplacer("_", " ", "-", " ")
