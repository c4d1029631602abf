package diagnosis

import (
	"fmt"
	"slices"
)

// CodeInfo describes one numeric hangup_cause_code (Vobiz and Plivo share
// the scheme; docs/hangups-and-quality.md#code-families, docs/vobiz-api.md#hangup-codes).
type CodeInfo struct {
	Code       int
	Name       string  // hangup_cause_name as the docs print it
	Family     string  // FamilyNormal, FamilyCanceled, …
	Outcome    Outcome // outcome it implies for an unanswered call; "" when it says nothing about that
	Severity   string
	Summary    string // short clause for one-line verdicts, lower case
	Meaning    string
	NextSteps  []string
	Retry      string
	Source     string // the hangup_source the docs expect with it, where documented (PL-CAUSES-LEGACY, codes up to 2040)
	Documented string // where the code is listed
	Ref        string
	// precise marks codes that say more than any textual cause can (an
	// account setting, your app's URL or XML, a platform limit). They lead
	// the explanation even when a textual cause is present.
	precise  bool
	scenario scenario
}

// Where codes are documented.
const (
	docBoth      = "Vobiz and Plivo hangup-cause pages"
	docVobiz     = "Vobiz hangup-cause page only"
	docVobizEx   = "Vobiz CDR example only (not in the hangup-cause table)"
	refVZPL      = "VZ-CAUSES; PL-CAUSES"
	stepSupport  = "Send Vobiz support the call UUID and SIP Call-ID so they can trace it."
	stepCheckURL = "Open the URL yourself: it must answer 2xx quickly over http(s); check your web server's logs at the call's time."
)

// codeTable is every code of docs/vobiz-api.md#hangup-codes, plus 4100 from the
// API's own unanswered example (same heading). Meanings and next steps
// paraphrase VZ-CAUSES / PL-CAUSES; hangup sources for codes up to 2040
// come from PL-CAUSES-LEGACY.
var codeTable = []CodeInfo{
	{Code: 0, Name: "Unknown", Family: FamilyUnknown, Severity: SeverityWarning, Summary: "the platform could not determine why the call ended",
		Meaning:   "The reason could not be determined. Vobiz lists this code with the cancellations because the bulk \"delete all calls\" API is known to set it.",
		NextSteps: []string{"Use the textual cause, hangup_source and the timings instead.", stepSupport},
		Source:    "Unknown", Documented: docBoth, Ref: refVZPL},

	// 1000s: cancelled.
	{Code: 1000, Name: "Canceled", Family: FamilyCanceled, Outcome: Cancelled, Severity: SeverityInfo, Summary: "your app cancelled the call through the API before it was answered",
		Meaning:   "The call was cancelled with the Hangup Call API before it was answered.",
		NextSteps: []string{"Nothing to fix if your app meant to cancel; otherwise find the code path that calls the Hangup / Cancel Call API."},
		Retry:     RetryMaybe, Source: "API Request", Documented: docBoth, Ref: refVZPL, scenario: scCancel},
	{Code: 1010, Name: "Canceled (Out Of Credits)", Family: FamilyCanceled, Outcome: Cancelled, Severity: SeverityError, Summary: "the account ran out of credit",
		Meaning:   "The platform cancelled the call automatically because the account had no credit left.",
		NextSteps: []string{"Add credit or turn on auto-recharge, then place the call again."},
		Retry:     RetryNever, Source: "Vobiz", Documented: docBoth, Ref: refVZPL, precise: true},
	{Code: 1020, Name: "Canceled (Simultaneous dial limit reached)", Family: FamilyCanceled, Outcome: Cancelled, Severity: SeverityWarning, Summary: "too many calls were dialling this destination at once",
		Meaning:   "The platform cancelled the call because too many calls were already dialling the same destination at the same time.",
		NextSteps: []string{"Reduce simultaneous dials to the same number; spread retries out."},
		Retry:     RetryBackoff, Source: "Vobiz", Documented: docBoth, Ref: refVZPL, precise: true},

	// 2000s: destination problems.
	{Code: 2000, Name: "Invalid Destination Address", Family: FamilyDestination, Outcome: Failed, Severity: SeverityWarning, Summary: "the destination number or address is invalid",
		Meaning:   "The destination number or SIP endpoint is not valid.",
		NextSteps: []string{"Write numbers in E.164 form (+ country code + number); check SIP addresses for typos."},
		Retry:     RetryNever, Source: "Vobiz, Carrier", Documented: docBoth, Ref: refVZPL, precise: true, scenario: scBadNumber},
	{Code: 2010, Name: "Destination Out Of Service", Family: FamilyDestination, Outcome: Failed, Severity: SeverityWarning, Summary: "the destination is out of service",
		Meaning:   "The destination is unavailable or out of service.",
		NextSteps: []string{"Retry later; if it persists, confirm the number with the customer."},
		Retry:     RetryLater, Source: "Carrier", Documented: docBoth, Ref: refVZPL, precise: true},
	{Code: 2020, Name: "Endpoint Not Registered", Family: FamilyDestination, Outcome: Failed, Severity: SeverityWarning, Summary: "the SIP endpoint was not registered",
		Meaning:   "The SIP endpoint being called was not registered or could not be reached.",
		NextSteps: []string{"Check that the endpoint (softphone, desk phone, SDK app) is logged in; for mobile SDKs, check push-notification setup."},
		Retry:     RetryLater, Source: "Vobiz", Documented: docBoth, Ref: refVZPL, precise: true},
	{Code: 2030, Name: "Destination Country Barred", Family: FamilyDestination, Outcome: Failed, Severity: SeverityWarning, Summary: "calls to this country are disabled on the account",
		Meaning:   "Calls to the destination's country are disabled in the account's geo permissions.",
		NextSteps: []string{"Enable the country in the account's geo permissions (if calling it is intended), then retry."},
		Retry:     RetryNever, Source: "Vobiz", Documented: docBoth, Ref: refVZPL, precise: true},
	{Code: 2040, Name: "Destination Number Barred", Family: FamilyDestination, Outcome: Failed, Severity: SeverityWarning, Summary: "calls to premium-rate or high-risk numbers are disabled",
		Meaning:   "The destination is a premium-rate or high-risk number, and such calls are disabled on the account.",
		NextSteps: []string{"Enable the high-risk numbers permission only if the call is legitimate."},
		Retry:     RetryNever, Source: "Vobiz", Documented: docBoth, Ref: refVZPL, precise: true},
	{Code: 2050, Name: "Destination Prefix Barred", Family: FamilyDestination, Outcome: Failed, Severity: SeverityWarning, Summary: "the destination's number prefix is barred",
		Meaning:   "The destination's number prefix is not permitted on the account.",
		NextSteps: []string{"Enable the prefix in the account's permissions if the call is intended."},
		Retry:     RetryNever, Documented: docBoth, Ref: refVZPL, precise: true},
	{Code: 2060, Name: "Loop Detected", Family: FamilyDestination, Outcome: Failed, Severity: SeverityError, Summary: "the call would have dialled back its own number",
		Meaning:   "The second leg would have called the first leg's own number, which would loop.",
		NextSteps: []string{"Fix the routing or forwarding so a call never dials its own caller."},
		Retry:     RetryNever, Documented: docBoth, Ref: refVZPL, precise: true},
	{Code: 2070, Name: "Violates Media Anchoring", Family: FamilyDestination, Outcome: Failed, Severity: SeverityError, Summary: "the call broke India's media-anchoring rule",
		Meaning:   "The call broke India's rule for PSTN calls: for example the app server is outside India, or PSTN and WebRTC legs were mixed.",
		NextSteps: []string{"Host the app that handles these calls in India and keep PSTN calls off WebRTC legs."},
		Retry:     RetryNever, Documented: docBoth, Ref: refVZPL, precise: true},

	// 3000–3050: rejections by the destination.
	{Code: 3000, Name: "No Answer", Family: FamilyRejection, Outcome: NoAnswer, Severity: SeverityInfo, Summary: "the destination did not answer or could not be reached",
		Meaning:   "The destination did not answer, or was unavailable or unreachable.",
		NextSteps: []string{"Retry later."},
		Retry:     RetryLater, Documented: docBoth, Ref: refVZPL, scenario: scNoAnswer},
	{Code: 3010, Name: "Busy Line", Family: FamilyRejection, Outcome: Busy, Severity: SeverityInfo, Summary: "the line was busy",
		Meaning:   "The destination was busy.",
		NextSteps: []string{"Retry later, or leave a voicemail."},
		Retry:     RetryLater, Documented: docBoth, Ref: refVZPL, scenario: scBusy},
	{Code: 3020, Name: "Rejected", Family: FamilyRejection, Outcome: Failed, Severity: SeverityInfo, Summary: "the called party declined the call",
		Meaning:   "The called party declined the call.",
		NextSteps: []string{"Nothing to fix."},
		Retry:     RetryLater, Documented: docBoth, Ref: refVZPL, scenario: scRejected},
	{Code: 3030, Name: "Unknown Caller ID", Family: FamilyRejection, Outcome: Failed, Severity: SeverityError, Summary: "the caller ID is not a number rented on the account",
		Meaning:   "The caller ID presented is not a number rented on (or verified for) the account, so the call was refused.",
		NextSteps: []string{"Use a caller ID that is a number on your Vobiz account."},
		Retry:     RetryNever, Documented: docBoth, Ref: refVZPL, precise: true},
	{Code: 3040, Name: "Forbidden", Family: FamilyRejection, Outcome: Failed, Severity: SeverityWarning, Summary: "the destination blocked the call",
		Meaning:   "The destination rejected or blocked the call.",
		NextSteps: []string{"The recipient should check their block list; confirm the call is wanted."},
		Retry:     RetryNever, Documented: docBoth, Ref: refVZPL, precise: true, scenario: scRejected},
	{Code: 3050, Name: "Unallocated number", Family: FamilyRejection, Outcome: Failed, Severity: SeverityWarning, Summary: "the number is not in service",
		Meaning:   "The destination number is invalid or not in service.",
		NextSteps: []string{"Verify the number and remove it from dialling lists if it is dead."},
		Retry:     RetryNever, Documented: docBoth, Ref: refVZPL, scenario: scBadNumber},

	// 3070–3140: errors reported by the carrier.
	{Code: 3070, Name: "Request timeout", Family: FamilyCarrier, Outcome: Failed, Severity: SeverityWarning, Summary: "the carrier did not respond in time",
		Meaning:   "The carrier did not respond to the call setup in time.",
		NextSteps: []string{"Retry."},
		Retry:     RetrySoon, Documented: docBoth, Ref: refVZPL},
	{Code: 3080, Name: "Internal server error from carrier", Family: FamilyCarrier, Outcome: Failed, Severity: SeverityError, Summary: "the carrier had an internal error",
		Meaning:   "The carrier returned an internal server error.",
		NextSteps: []string{"Retry.", "If it keeps happening, send Vobiz support the call UUID."},
		Retry:     RetrySoon, Documented: docBoth, Ref: refVZPL},
	{Code: 3090, Name: "Network congestion from carrier", Family: FamilyCarrier, Outcome: Failed, Severity: SeverityWarning, Summary: "the carrier's network was congested",
		Meaning:   "The carrier's network was overloaded.",
		NextSteps: []string{"Retry with back-off; lower your calling rate if you are running a campaign."},
		Retry:     RetryBackoff, Documented: docBoth, Ref: refVZPL},
	{Code: 3100, Name: "Busy everywhere", Family: FamilyCarrier, Outcome: Busy, Severity: SeverityInfo, Summary: "all of the destination's phones were busy",
		Meaning:   "Every endpoint of the destination was busy.",
		NextSteps: []string{"Retry later."},
		Retry:     RetryLater, Documented: docBoth, Ref: refVZPL, scenario: scBusy},
	{Code: 3110, Name: "Declined", Family: FamilyCarrier, Outcome: Failed, Severity: SeverityInfo, Summary: "the destination declined to take the call",
		Meaning:   "The destination could not or would not take part in the call.",
		NextSteps: []string{"Verify the destination is right and that the call is wanted."},
		Retry:     RetryLater, Documented: docBoth, Ref: refVZPL, scenario: scRejected},
	{Code: 3120, Name: "User does not exist anywhere", Family: FamilyCarrier, Outcome: Failed, Severity: SeverityWarning, Summary: "the called user does not exist",
		Meaning:   "The called user does not exist anywhere on the carrier's network.",
		NextSteps: []string{"Verify the number; remove it from dialling lists."},
		Retry:     RetryNever, Documented: docBoth, Ref: refVZPL, scenario: scBadNumber},
	{Code: 3130, Name: "Spam block", Family: FamilyCarrier, Outcome: Failed, Severity: SeverityError, Summary: "the carrier blocked the call as spam",
		Meaning:   "The carrier flagged the call as spam and blocked it.",
		NextSteps: []string{"Check the caller ID's STIR/SHAKEN attestation and registration; call from another number you own while the reputation is fixed."},
		Retry:     RetryNever, Documented: docBoth, Ref: refVZPL, precise: true},
	{Code: 3140, Name: "DNO Caller ID", Family: FamilyCarrier, Outcome: Failed, Severity: SeverityError, Summary: "the caller ID is on a Do-Not-Originate list",
		Meaning:   "The caller ID is on a Do-Not-Originate list, so carriers refuse calls that present it.",
		NextSteps: []string{"Present another number you own as the caller ID."},
		Retry:     RetryNever, Documented: docBoth, Ref: refVZPL, precise: true},

	// 4000s: normal endings.
	{Code: 4000, Name: "Normal Hangup", Family: FamilyNormal, Severity: SeverityOK, Summary: "the call ended normally",
		Meaning:   "The call ended normally.",
		NextSteps: []string{"Nothing to fix."},
		Retry:     RetryNone, Documented: docBoth, Ref: refVZPL, scenario: scNormal},
	{Code: 4010, Name: "End Of XML Instructions", Family: FamilyNormal, Severity: SeverityOK, Summary: "your app's XML had no more instructions",
		Meaning:   "Your app's XML ran out of instructions, so the platform hung up.",
		NextSteps: []string{"Nothing to fix if the flow was meant to end there; otherwise add the missing steps (or a Wait / Redirect) to the XML."},
		Retry:     RetryNone, Documented: docBoth, Ref: refVZPL, precise: true},
	{Code: 4020, Name: "Multiparty Call Ended", Family: FamilyNormal, Severity: SeverityOK, Summary: "the multiparty call ended",
		Meaning:   "The multiparty (conference) call was ended, by the API or because it reached its maximum duration.",
		NextSteps: []string{"If it ended too early, check the multiparty call's maximum duration and your app's end-call API requests."},
		Retry:     RetryNone, Documented: docBoth, Ref: refVZPL, precise: true},
	{Code: 4030, Name: "Kicked Out Of Multiparty Call", Family: FamilyNormal, Severity: SeverityInfo, Summary: "the participant was removed from the multiparty call",
		Meaning:   "This participant was removed from the multiparty call through the API.",
		NextSteps: []string{"Check that the removal was intended (your app's API requests at that time)."},
		Retry:     RetryNone, Documented: docBoth, Ref: refVZPL, precise: true},
	{Code: 4100, Name: "No Answer", Family: FamilyRejection, Outcome: NoAnswer, Severity: SeverityInfo, Summary: "nobody answered",
		Meaning:   "Nobody answered. This code appears in the API's own unanswered CDR example but not in the hangup-cause table, which lists \"No Answer\" as 3000; treat the two alike.",
		NextSteps: []string{"Retry later."},
		Retry:     RetryLater, Documented: docVobizEx, Ref: "D-LIST example; docs/vobiz-api.md#hangup-codes", scenario: scNoAnswer},

	// 5000s: platform.
	{Code: 5000, Name: "Network Error", Family: FamilySystem, Outcome: Failed, Severity: SeverityError, Summary: "a fatal network error hit the call",
		Meaning:   "A fatal network condition ended the call.",
		NextSteps: []string{stepSupport},
		Retry:     RetryBackoff, Documented: docBoth, Ref: refVZPL},
	{Code: 5010, Name: "Internal Error", Family: FamilySystem, Outcome: Failed, Severity: SeverityError, Summary: "the platform had an internal error",
		Meaning:   "The platform hit an internal error.",
		NextSteps: []string{stepSupport},
		Retry:     RetrySoon, Documented: docBoth, Ref: refVZPL},
	{Code: 5020, Name: "Routing Error", Family: FamilySystem, Outcome: Failed, Severity: SeverityError, Summary: "the platform could not route the call",
		Meaning:   "The platform could not find a route for the call.",
		NextSteps: []string{stepSupport},
		Retry:     RetryBackoff, Documented: docBoth, Ref: refVZPL},
	{Code: 5030, Name: "Concurrency Limit Breached", Family: FamilySystem, Outcome: Failed, Severity: SeverityWarning, Summary: "the account's concurrent-call limit was exceeded",
		Meaning:   "The account had more active calls than its concurrency limit allows (an India limit).",
		NextSteps: []string{"Run fewer calls at once, or ask Vobiz to raise the concurrency / CPS limit."},
		Retry:     RetryBackoff, Documented: docVobiz, Ref: "VZ-CAUSES", precise: true},

	// 6000s: timeouts.
	{Code: 6000, Name: "Scheduled Hangup", Family: FamilyTimeout, Severity: SeverityInfo, Summary: "the call reached its maximum duration",
		Meaning:   "The call reached the maximum duration set for it (time_limit / timeLimit) and was hung up.",
		NextSteps: []string{"Raise the call's time limit if calls this long are legitimate."},
		Retry:     RetryNone, Documented: docBoth, Ref: refVZPL, precise: true},
	{Code: 6010, Name: "Ring Timeout Reached", Family: FamilyTimeout, Outcome: NoAnswer, Severity: SeverityInfo, Summary: "nobody answered before the ring timeout",
		Meaning:   "Nobody answered within the ring timeout (120 s unless your app sets ring_timeout / timeout).",
		NextSteps: []string{"Raise ring_timeout / timeout if calls are cut off before people can answer."},
		Retry:     RetryLater, Documented: docBoth, Ref: refVZPL, scenario: scNoAnswer},
	{Code: 6020, Name: "Media Timeout", Family: FamilyTimeout, Outcome: Failed, Severity: SeverityError, Summary: "no audio arrived for 60 s, so the platform dropped the call",
		Meaning:   "No media packets arrived for 60 s, so the platform ended the call.",
		NextSteps: []string{"Check network connectivity and firewall/NAT rules for RTP."},
		Retry:     RetryLater, Documented: docBoth, Ref: refVZPL, scenario: scMediaTimeout},

	// 7000s: your app's URLs.
	urlCode(7011, "Error Reaching Answer URL", "your answer URL did not return a 2xx response", "The platform fetched your answer URL and got no 2xx response (error status, timeout, or unreachable), so it had no instructions for the call."),
	urlCode(7012, "Error Reaching Action URL", "your action URL did not return a 2xx response", "Your action URL did not return a 2xx response. (An action URL failure only ends the call when redirect=true.)"),
	urlCode(7013, "Error Reaching Transfer URL", "your transfer URL did not return a 2xx response", "The transfer URL your app gave did not return a 2xx response."),
	urlCode(7014, "Error Reaching Redirect URL", "your redirect URL did not return a 2xx response", "The redirect URL your app gave did not return a 2xx response."),
	urlCode(7022, "Invalid Action URL", "your action URL is not a valid http(s) URL", "The action URL in your app's XML is not a valid http:// or https:// URL."),
	urlCode(7023, "Invalid Transfer URL", "your transfer URL is not a valid http(s) URL", "The transfer URL your app gave is not a valid http:// or https:// URL."),
	urlCode(7024, "Invalid Redirect URL", "your redirect URL is not a valid http(s) URL", "The redirect URL in your app's XML is not a valid http:// or https:// URL."),
	urlCode(7032, "Invalid Method For Action URL", "your action URL's method is not GET or POST", "The method set for your action URL is neither GET nor POST."),
	urlCode(7033, "Invalid Method For Transfer URL", "your transfer URL's method is not GET or POST", "The method set for your transfer URL is neither GET nor POST."),
	urlCode(7034, "Invalid Method For Redirect URL", "your redirect URL's method is not GET or POST", "The method set for your redirect URL is neither GET nor POST."),

	// 8000s: your app's XML.
	xmlCode(8011, "Invalid Answer XML", "answer"),
	xmlCode(8012, "Invalid Action XML", "action"),
	xmlCode(8013, "Invalid Transfer XML", "transfer"),
	xmlCode(8014, "Invalid Redirect XML", "redirect"),

	// 9000s: special cases.
	{Code: 9000, Name: "Lost Race", Family: FamilySpecial, Outcome: Cancelled, Severity: SeverityInfo, Summary: "another phone dialled at the same time answered first",
		Meaning:   "Several phones were dialled at once and another one answered first, so this leg was dropped.",
		NextSteps: []string{"Nothing to fix; look at the leg that answered."},
		Retry:     RetryNone, Documented: docBoth, Ref: refVZPL, precise: true},
	{Code: 9100, Name: "Machine Detected", Family: FamilySpecial, Severity: SeverityInfo, Summary: "an answering machine picked up and the call was hung up",
		Meaning:   "Answering-machine detection found a machine, and the call was set to hang up in that case (machine_detection=hangup).",
		NextSteps: []string{"Nothing to fix; switch machine detection off or change its action if you want to leave messages."},
		Retry:     RetryLater, Documented: docBoth, Ref: refVZPL, precise: true},
	{Code: 9110, Name: "Confirm Key Challenge Failed", Family: FamilySpecial, Severity: SeverityInfo, Summary: "the participant did not press the confirm key",
		Meaning:   "The participant did not enter the confirmation key when asked, so the call was not connected to them.",
		NextSteps: []string{"Tell participants which key to press; check the prompt plays clearly."},
		Retry:     RetryMaybe, Documented: docBoth, Ref: refVZPL, precise: true},
}

func urlCode(code int, name, summary, meaning string) CodeInfo {
	return CodeInfo{Code: code, Name: name, Family: FamilyURL, Outcome: Failed, Severity: SeverityError,
		Summary: summary, Meaning: meaning,
		NextSteps: []string{stepCheckURL, "Fix the URL or method in your application's settings or XML, then place a test call."},
		Retry:     RetryNever, Documented: docBoth, Ref: refVZPL, precise: true}
}

func xmlCode(code int, name, which string) CodeInfo {
	return CodeInfo{Code: code, Name: name, Family: FamilyXML, Outcome: Failed, Severity: SeverityError,
		Summary: fmt.Sprintf("your %s URL returned invalid XML", which),
		Meaning: fmt.Sprintf("Your %s URL answered, but what it returned is not valid Vobiz XML.", which),
		NextSteps: []string{
			fmt.Sprintf("Fetch your %s URL and validate the XML it returns (well-formed, known elements, Content-Type application/xml or text/xml).", which),
			"Check that errors on your server do not return an HTML error page instead of XML.",
		},
		Retry: RetryNever, Documented: docBoth, Ref: refVZPL, precise: true}
}

var codeIndex = func() map[int]int {
	m := make(map[int]int, len(codeTable))
	for i, c := range codeTable {
		m[c.Code] = i
	}
	return m
}()

// Codes returns every documented numeric code, in code order. The slice is
// a copy.
func Codes() []CodeInfo {
	out := make([]CodeInfo, len(codeTable))
	for i, c := range codeTable {
		c.NextSteps = slices.Clone(c.NextSteps)
		out[i] = c
	}
	return out
}

// LookupCode finds a documented numeric code.
func LookupCode(code int) (CodeInfo, bool) {
	i, ok := codeIndex[code]
	if !ok {
		return CodeInfo{}, false
	}
	return codeTable[i], true
}

// FamilyInfo describes a numeric range, used to explain codes that are not
// in the table but fall inside a documented range (e.g. 3999).
type FamilyInfo struct {
	Name      string
	Low, High int // inclusive
	Outcome   Outcome
	Severity  string
	Meaning   string
	NextSteps []string
}

// familyTable follows the category list both vendors use
// (docs/hangups-and-quality.md#code-families): 1000s cancelled, 2000s destination,
// 3000–3050 rejections, 3070–3140 carrier errors, 4000s normal, 5000s
// system, 6000s timeouts, 7000s URL, 8000s XML, 9000s special. The docs
// do not say where undocumented 3000s belong; we give the documented
// carrier block 3070–3149 to Carrier and the rest of the 3000s to
// Rejection, the name Vobiz uses for the range's start.
var familyTable = []FamilyInfo{
	{Name: FamilyCanceled, Low: 1000, High: 1999, Outcome: Cancelled, Severity: SeverityInfo,
		Meaning:   "The 1000s are cancellations: the call was stopped before it was answered, by your app or by the platform.",
		NextSteps: []string{"Check whether your app cancelled the call, and the account's credit and dial limits."}},
	{Name: FamilyDestination, Low: 2000, High: 2999, Outcome: Failed, Severity: SeverityWarning,
		Meaning:   "The 2000s are destination problems: the number, endpoint or the account's permissions for that destination.",
		NextSteps: []string{"Check the dialled number (E.164) and the account's geo and number permissions."}},
	{Name: FamilyRejection, Low: 3000, High: 3069, Outcome: Failed, Severity: SeverityWarning,
		Meaning:   "The start of the 3000s holds rejections by the destination (no answer, busy, declined, blocked).",
		NextSteps: []string{"Retry later; if it repeats, check the caller ID you present and the destination's blocking."}},
	{Name: FamilyCarrier, Low: 3070, High: 3149, Outcome: Failed, Severity: SeverityWarning,
		Meaning:   "3070–3140 are errors reported by the carrier (timeouts, congestion, spam blocking).",
		NextSteps: []string{"Retry with back-off; if it repeats, send Vobiz support the call UUID."}},
	{Name: FamilyRejection, Low: 3150, High: 3999, Outcome: Failed, Severity: SeverityWarning,
		Meaning:   "The 3000s are the rejection range: the destination or its network refused the call.",
		NextSteps: []string{"Retry later; if it repeats, check the caller ID you present and the destination's blocking."}},
	{Name: FamilyNormal, Low: 4000, High: 4999, Severity: SeverityInfo,
		Meaning:   "The 4000s are normal endings (a hangup, the end of your XML, a multiparty call ending).",
		NextSteps: []string{"Usually nothing to fix; see who ended the call."}},
	{Name: FamilySystem, Low: 5000, High: 5999, Outcome: Failed, Severity: SeverityError,
		Meaning:   "The 5000s are platform errors (network, internal, routing, limits).",
		NextSteps: []string{stepSupport}},
	{Name: FamilyTimeout, Low: 6000, High: 6999, Severity: SeverityWarning,
		Meaning:   "The 6000s are timeouts (maximum duration, ring timeout, media timeout).",
		NextSteps: []string{"Check the call's time limit, ring timeout and media path."}},
	{Name: FamilyURL, Low: 7000, High: 7999, Outcome: Failed, Severity: SeverityError,
		Meaning:   "The 7000s are problems with your app's URLs (unreachable, invalid, wrong method).",
		NextSteps: []string{stepCheckURL}},
	{Name: FamilyXML, Low: 8000, High: 8999, Outcome: Failed, Severity: SeverityError,
		Meaning:   "The 8000s are invalid XML returned by your app.",
		NextSteps: []string{"Validate the XML your app's URLs return."}},
	{Name: FamilySpecial, Low: 9000, High: 9999, Severity: SeverityInfo,
		Meaning:   "The 9000s are special cases (lost race, machine detection, confirm-key challenge).",
		NextSteps: []string{"Check the call's dial options (parallel dialling, machine detection, confirm key)."}},
}

// Families returns the numeric ranges used for codes missing from the
// table. The slice is a copy.
func Families() []FamilyInfo {
	out := make([]FamilyInfo, len(familyTable))
	for i, f := range familyTable {
		f.NextSteps = slices.Clone(f.NextSteps)
		out[i] = f
	}
	return out
}

// FamilyOf returns the documented range a code falls in. Code 0 and codes
// outside 1000–9999 belong to no range.
func FamilyOf(code int) (FamilyInfo, bool) {
	for _, f := range familyTable {
		if code >= f.Low && code <= f.High {
			return f, true
		}
	}
	return FamilyInfo{}, false
}
