package diagnosis

import "slices"

// Severity is a badge colour for a diagnosis: how much attention the call
// needs from support, not how the customer felt.
const (
	SeverityOK      = "ok"      // nothing went wrong
	SeverityInfo    = "info"    // an ordinary non-connection (no answer, busy, cancelled)
	SeverityWarning = "warning" // something to look at: a rejection, a bad number, poor audio
	SeverityError   = "error"   // a fault: network, platform, media path or your app's URL/XML
)

// severityRank orders severities so the worst of several can be kept.
func severityRank(s string) int {
	switch s {
	case SeverityOK:
		return 1
	case SeverityInfo:
		return 2
	case SeverityWarning:
		return 3
	case SeverityError:
		return 4
	}
	return 0
}

func worseSeverity(a, b string) string {
	if severityRank(b) > severityRank(a) {
		return b
	}
	return a
}

// Retry advice (FSD-HCCT, FSD-SETUP; see docs/hangups-and-quality.md#retry-advice).
const (
	RetrySoon    = "Retry soon"             // short-lived fault; an immediate retry usually works
	RetryBackoff = "Retry with back-off"    // longer fault or congestion; wait before retrying
	RetryLater   = "Retry later"            // the person was unavailable; try another time
	RetryNever   = "Do not retry as is"     // the number or setup is wrong; fix it first
	RetryNone    = "No retry needed"        // the call ended the way it should
	RetryMaybe   = "Retry if it was wanted" // cancellations: only if nobody meant to cancel
)

// Number kinds for CauseInfo.NumberKind.
const (
	NumberQ850     = "Q.850"               // an ITU-T Q.850 cause value, 0–127
	NumberInternal = "FreeSWITCH internal" // FreeSWITCH's own value (≥ 142); Q.850 reports 16 for these
)

// scenario groups causes and codes that the explanation rules treat alike
// (timing-dependent wording for cancels, no-answers, …). "" means the
// table text is used as is.
type scenario string

const (
	scNormal       scenario = "normal"
	scCancel       scenario = "cancel"
	scNoAnswer     scenario = "no_answer"
	scUnreachable  scenario = "unreachable"
	scBusy         scenario = "busy"
	scRejected     scenario = "rejected"
	scBadNumber    scenario = "bad_number"
	scMediaTimeout scenario = "media_timeout"
)

// CauseInfo describes one textual hangup_cause: the Q.850 / FreeSWITCH
// name the CDR carries in hangup_cause (see docs/hangups-and-quality.md#cause-names-and-sip-mapping,
// docs/hangups-and-quality.md#cause-meanings-and-remedies and docs/hangups-and-quality.md#vobiz-textual-causes).
type CauseInfo struct {
	Name       string  // as the CDR sends it, e.g. "NO_ANSWER"
	Number     int     // Q.850 cause value, or FreeSWITCH's internal number; 0 with NumberKind "" for Vobiz-only names
	NumberKind string  // NumberQ850, NumberInternal, or "" when the name has no number
	SIP        string  // related SIP responses: what FreeSWITCH sends for it, and what it maps from
	Vobiz      bool    // listed in Vobiz's own hangup_cause list (docs/vobiz-api.md#textual-hangup-causes)
	Family     string  // Vobiz category the cause belongs to, aligned with the numeric families
	Outcome    Outcome // outcome it implies for an unanswered call; "" when it says nothing about that
	Severity   string  // default badge
	Summary    string  // short clause for one-line verdicts, lower case, e.g. "nobody answered"
	Meaning    string  // what the cause means, in plain words
	NextSteps  []string
	Retry      string // retry advice (RetrySoon, …)
	Ref        string // where the facts come from (source keys of the standards notes)
	scenario   scenario
}

// Families of causes and codes, as Vobiz and Plivo group their numeric
// codes (VZ-CAUSES, PL-CAUSES; docs/vobiz-api.md#hangup-codes).
const (
	FamilyNormal      = "Normal"
	FamilyCanceled    = "Canceled"
	FamilyDestination = "Destination"
	FamilyRejection   = "Rejection"
	FamilyCarrier     = "Carrier"
	FamilySystem      = "System"
	FamilyTimeout     = "Timeout"
	FamilyURL         = "URL"
	FamilyXML         = "XML"
	FamilySpecial     = "Special"
	FamilyUnknown     = "Unknown"
)

// causeTable lists every textual cause Vobiz documents
// (docs/vobiz-api.md#textual-hangup-causes) and every name in FreeSWITCH's
// cause-to-SIP mapping (docs/hangups-and-quality.md#cause-names-and-sip-mapping).
// Meanings paraphrase the Q.850 text reproduced in FSD-HCCT and Vobiz's
// own descriptions (VZ-CAUSES); SIP columns come from FS-SOFIA / FS-GLUE.
// Families for the Vobiz names follow the contract's suggested code map
// (docs/vobiz-api.md#textual-hangup-causes), so a cause and its usual code land in the same family.
var causeTable = []CauseInfo{
	// ---- The 17 names Vobiz documents (VZ-CAUSES, D-CDR) ----
	{
		Name: "NORMAL_CLEARING", Number: 16, NumberKind: NumberQ850, SIP: "BYE on an answered call; maps from 200", Vobiz: true,
		Family: FamilyNormal, Severity: SeverityOK, Summary: "a party hung up normally",
		Meaning:   "One of the parties hung up in the ordinary way. Nothing in the network caused it.",
		NextSteps: []string{"Nothing to fix: see who ended the call (hangup_source and hangup_disposition)."},
		Retry:     RetryNone, Ref: "Q.850 16 via FSD-HCCT; VZ-CAUSES; VZ-CDR", scenario: scNormal,
	},
	{
		Name: "USER_BUSY", Number: 17, NumberKind: NumberQ850, SIP: "sends 486; maps from 486, 600", Vobiz: true,
		Family: FamilyRejection, Outcome: Busy, Severity: SeverityInfo, Summary: "the line was busy",
		Meaning: "The person called could not take the call: they were already on another call without call waiting, or they pressed decline (SIP 486 Busy Here).",
		NextSteps: []string{
			"Retry later, or offer a callback or voicemail.",
			"If many different numbers on the same carrier all come back busy, that carrier's spam filter may be blocking your caller ID: pause dialling and check the number's reputation.",
		},
		Retry: RetryLater, Ref: "FSD-HCCT; VZ-FAQ486; PL-CAUSES 3010", scenario: scBusy,
	},
	{
		Name: "NO_ANSWER", Number: 19, NumberKind: NumberQ850, SIP: "sends 480", Vobiz: true,
		Family: FamilyRejection, Outcome: NoAnswer, Severity: SeverityInfo, Summary: "nobody answered",
		Meaning: "The phone was alerted (it rang) but nobody picked up before the ring timeout ended the attempt.",
		NextSteps: []string{
			"Expected now and then on outbound calls: try again at another time of day.",
			"If calls are cut off before people can reach the phone, lengthen the ring timeout on the dial (ring_timeout / timeout; the Vobiz default is 120 s).",
		},
		Retry: RetryLater, Ref: "FSD-HCCT; PL-CAUSES 6010; VZ-CAUSES", scenario: scNoAnswer,
	},
	{
		Name: "ORIGINATOR_CANCEL", Number: 487, NumberKind: NumberInternal, SIP: "sends and maps from 487 Request Terminated", Vobiz: true,
		Family: FamilyCanceled, Outcome: Cancelled, Severity: SeverityInfo, Summary: "the caller cancelled before anyone answered",
		Meaning: "The calling side stopped the attempt while it was still ringing, before anyone answered (SIP 487 Request Terminated).",
		NextSteps: []string{
			"Nothing to fix if the cancel was intended.",
			"Many cancels in a row can mean callers wait too long before it rings (post-dial delay) or before someone answers: compare ring times.",
		},
		Retry: RetryMaybe, Ref: "FSD-SETUP; VZ-CDR; RFC 3261 section 21", scenario: scCancel,
	},
	{
		Name: "CALL_REJECTED", Number: 21, NumberKind: NumberQ850, SIP: "sends 603; maps from 401, 402, 403, 407, 603, 608", Vobiz: true,
		Family: FamilyRejection, Outcome: Failed, Severity: SeverityWarning, Summary: "the destination rejected the call",
		Meaning: "The destination would not accept the call although it was not busy: either the person declined it (SIP 603 Decline) or a provider refused it, typically with 403 Forbidden over credentials or caller ID.",
		NextSteps: []string{
			"If the person declined, there is nothing to fix.",
			"If a provider refused it (failure_code 403, or an instant rejection), check the caller ID you present and the route's credentials and permissions.",
		},
		Retry: RetryLater, Ref: "FSD-HCCT; FSD-SETUP; FS-GLUE", scenario: scRejected,
	},
	{
		Name: "REJECTED", Vobiz: true,
		Family: FamilyRejection, Outcome: Failed, Severity: SeverityWarning, Summary: "the endpoint refused the call",
		Meaning: "A general rejection (a Vobiz-specific name with no Q.850 number): the far endpoint refused the call setup (the SIP INVITE) without saying why.",
		NextSteps: []string{
			"Read hangup_cause_code and failure_code / failure_reason for the specific refusal.",
			"If it repeats for one destination, try another caller ID from your account and ask the destination to check its call blocking.",
		},
		Retry: RetryLater, Ref: "VZ-CAUSES", scenario: scRejected,
	},
	{
		Name: "INVALID_NUMBER", Vobiz: true,
		Family: FamilyDestination, Outcome: Failed, Severity: SeverityWarning, Summary: "the dialled number is not in a valid format",
		Meaning: "The number dialled is malformed or incomplete (a Vobiz-specific name; the Q.850 equivalent is 28 INVALID_NUMBER_FORMAT, SIP 484 Address Incomplete).",
		NextSteps: []string{
			"Write the number in E.164 form: + then country code then number, e.g. +919876543210.",
			"Do not retry until the number is corrected.",
		},
		Retry: RetryNever, Ref: "VZ-CAUSES; FSD-HCCT (28); PL-CAUSES 2000", scenario: scBadNumber,
	},
	{
		Name: "UNALLOCATED_NUMBER", Number: 1, NumberKind: NumberQ850, SIP: "sends and maps from 404 Not Found", Vobiz: true,
		Family: FamilyRejection, Outcome: Failed, Severity: SeverityWarning, Summary: "the number is not in service",
		Meaning: "The number is well formed but not assigned to anyone (SIP 404 Not Found).",
		NextSteps: []string{
			"Confirm the number with the customer and remove it from dialling lists.",
			"Do not retry: it will fail the same way.",
		},
		Retry: RetryNever, Ref: "FSD-HCCT; FSD-SETUP; PL-CAUSES 3050", scenario: scBadNumber,
	},
	{
		Name: "SERVICE_UNAVAILABLE", Number: 63, NumberKind: NumberQ850, SIP: "Vobiz describes it as 503; FreeSWITCH maps from 405", Vobiz: true,
		Family: FamilyDestination, Outcome: Failed, Severity: SeverityWarning, Summary: "the destination service was temporarily unavailable",
		Meaning: "The service or route this call needed was not available at that moment (Vobiz: SIP 503 Service Unavailable).",
		NextSteps: []string{
			"Retry in a few minutes.",
			"If every call to one country or route fails this way, check that route and your account's permissions, then contact Vobiz support.",
		},
		Retry: RetryLater, Ref: "VZ-CAUSES; FSD-HCCT; FS-GLUE",
	},
	{
		Name: "SERVER_ERROR", Vobiz: true,
		Family: FamilyCarrier, Outcome: Failed, Severity: SeverityError, Summary: "a server error occurred while setting up the call",
		Meaning: "An internal server error happened during call setup (a Vobiz-specific name with no Q.850 equivalent).",
		NextSteps: []string{
			"Retry once.",
			"If it repeats, send Vobiz support the call UUID and SIP Call-ID.",
		},
		Retry: RetrySoon, Ref: "VZ-CAUSES",
	},
	{
		Name: "MEDIA_TIMEOUT", Number: 804, NumberKind: NumberInternal, SIP: "480 if unanswered, otherwise a BYE", Vobiz: true,
		Family: FamilyTimeout, Outcome: Failed, Severity: SeverityError, Summary: "no audio arrived, so the platform dropped the call",
		Meaning: "No audio packets (RTP) arrived for longer than the media timeout (60 s for Vobiz code 6020), so the platform ended the call. This is a media-path problem, usually NAT or a firewall, even when hangup_source names a party.",
		NextSteps: []string{
			"Check that firewalls and NAT let the RTP UDP port range through in both directions.",
			"Compare the media addresses in the SIP SDP (and network_addr / carrier_ip) with the real public IPs; take a SIP and RTP capture of a test call.",
			"Do not just raise the media timeout: that hides a real media failure.",
		},
		Retry: RetryLater, Ref: "FSD-AUDIO; FSD-MEDIA; PL-CAUSES 6020; VZ-CAUSES", scenario: scMediaTimeout,
	},
	{
		Name: "PROTOCOL_ERROR", Number: 111, NumberKind: NumberQ850, SIP: "sends 480 (default); RFC 3398 gives 500", Vobiz: true,
		Family: FamilySystem, Outcome: Failed, Severity: SeverityError, Summary: "a SIP protocol error broke the call",
		Meaning: "One side sent a malformed or unexpected SIP message, and the call could not continue.",
		NextSteps: []string{
			"Take a SIP trace of the dialog (the sip_call_id identifies it) and look for malformed headers or SDP.",
			"If the other end is your own SIP trunk or device, check its configuration and firmware.",
		},
		Retry: RetryLater, Ref: "FSD-HCCT; VZ-CAUSES; RFC 3398",
	},
	{
		Name: "NETWORK_OUT_OF_ORDER", Number: 38, NumberKind: NumberQ850, SIP: "sends 503; maps from 502", Vobiz: true,
		Family: FamilySystem, Outcome: Failed, Severity: SeverityError, Summary: "a network fault stopped the call",
		Meaning: "A serious network failure, likely to last a while, prevented routing the call; an immediate retry is unlikely to work.",
		NextSteps: []string{
			"Back off before retrying; try another route if you have one.",
			"If it lasts, send Vobiz support the call UUID.",
		},
		Retry: RetryBackoff, Ref: "FSD-HCCT; FS-GLUE; VZ-CAUSES",
	},
	{
		Name: "DESTINATION_OUT_OF_ORDER", Number: 27, NumberKind: NumberQ850, SIP: "sends 502", Vobiz: true,
		Family: FamilyDestination, Outcome: Failed, Severity: SeverityWarning, Summary: "the destination could not accept the call",
		Meaning: "The destination's side is not working: the call's signalling could not be delivered (a link down or equipment offline).",
		NextSteps: []string{
			"Retry later.",
			"If the destination is your own trunk, PBX or SIP device, check that it is online and reachable.",
		},
		Retry: RetryBackoff, Ref: "FSD-HCCT; VZ-CAUSES",
	},
	{
		Name: "NORMAL_TEMPORARY_FAILURE", Number: 41, NumberKind: NumberQ850, SIP: "sends 503; maps from 400, 481, 500, 503", Vobiz: true,
		Family: FamilyCarrier, Outcome: Failed, Severity: SeverityWarning, Summary: "a temporary network failure stopped the call",
		Meaning: "A short-lived network fault. Retrying almost at once is likely to work.",
		NextSteps: []string{
			"Retry the call.",
			"If it keeps failing, failure_code may hold the real SIP response (400, 500, 503…).",
		},
		Retry: RetrySoon, Ref: "FSD-HCCT; FSD-SETUP; FS-GLUE; VZ-CAUSES",
	},
	{
		Name: "SWITCH_CONGESTION", Number: 42, NumberKind: NumberQ850, SIP: "sends 503", Vobiz: true,
		Family: FamilyCarrier, Outcome: Failed, Severity: SeverityWarning, Summary: "the network switch was overloaded",
		Meaning: "Switching equipment on the route was at capacity (a period of high traffic).",
		NextSteps: []string{
			"Retry with back-off.",
			"Lower your calling rate and concurrency if you are running a campaign.",
		},
		Retry: RetryBackoff, Ref: "FSD-HCCT; VZ-CAUSES",
	},
	{
		Name: "UNKNOWN", Vobiz: true,
		Family: FamilyUnknown, Severity: SeverityWarning, Summary: "the platform recorded no standard cause",
		Meaning: "The platform could not map the error to a standard cause.",
		NextSteps: []string{
			"Look at hangup_cause_code and failure_code / failure_reason, which may be more specific.",
			"If the call should have worked, send Vobiz support the call UUID.",
		},
		Ref: "VZ-CAUSES",
	},

	// ---- Other names from the FreeSWITCH mapping (see docs/hangups-and-quality.md#cause-names-and-sip-mapping) ----
	{
		Name: "NONE", Number: 0, NumberKind: NumberQ850, SIP: "sends 480 (default)",
		Family: FamilyUnknown, Severity: SeverityInfo, Summary: "no hangup cause was set",
		Meaning:   "No hangup cause was recorded at all.",
		NextSteps: []string{"Use hangup_cause_code, hangup_source and the timings instead."},
		Ref:       "FS-TYPES",
	},
	{
		Name: "NO_ROUTE_TRANSIT_NET", Number: 2, NumberKind: NumberQ850, SIP: "sends 404",
		Family: FamilyDestination, Outcome: Failed, Severity: SeverityWarning, Summary: "there was no route through the transit network",
		Meaning:   "The call could not be carried through the transit network it was handed to (SIP 404).",
		NextSteps: []string{"Check the routing and the destination country's permissions on your account."},
		Retry:     RetryNever, Ref: "FSD-HCCT; FS-SOFIA; RFC 3398",
	},
	{
		Name: "NO_ROUTE_DESTINATION", Number: 3, NumberKind: NumberQ850, SIP: "sends 404; maps from 485, 604",
		Family: FamilyDestination, Outcome: Failed, Severity: SeverityWarning, Summary: "there was no route to the destination",
		Meaning:   "The network the call reached does not serve this destination.",
		NextSteps: []string{"Check the routing, the gateway and the destination country's permissions (cf. code 2030)."},
		Retry:     RetryNever, Ref: "FSD-HCCT; FS-GLUE",
	},
	{
		Name: "NO_USER_RESPONSE", Number: 18, NumberKind: NumberQ850, SIP: "sends 408; maps from 480",
		Family: FamilyRejection, Outcome: NoAnswer, Severity: SeverityInfo, Summary: "the phone could not be reached",
		Meaning:   "The destination did not respond in time: usually the phone is switched off, out of coverage, in airplane or do-not-disturb mode, or not registered (SIP 480 Temporarily Unavailable).",
		NextSteps: []string{"Retry later; occasional cases are normal and nothing on your side is wrong."},
		Retry:     RetryLater, Ref: "FSD-HCCT; FSD-SETUP; VZ-FAQ486", scenario: scUnreachable,
	},
	{
		Name: "SUBSCRIBER_ABSENT", Number: 20, NumberKind: NumberQ850, SIP: "sends 480",
		Family: FamilyRejection, Outcome: NoAnswer, Severity: SeverityInfo, Summary: "the mobile subscriber was not reachable",
		Meaning:   "The mobile was logged off the network, out of radio contact, or temporarily not addressable.",
		NextSteps: []string{"Retry later."},
		Retry:     RetryLater, Ref: "FSD-HCCT", scenario: scUnreachable,
	},
	{
		Name: "NUMBER_CHANGED", Number: 22, NumberKind: NumberQ850, SIP: "sends and maps from 410 Gone",
		Family: FamilyDestination, Outcome: Failed, Severity: SeverityWarning, Summary: "the number has changed",
		Meaning:   "The number is no longer in use: its owner has moved to a new number (SIP 410 Gone).",
		NextSteps: []string{"Get the customer's new number and update your records.", "Do not retry the old number."},
		Retry:     RetryNever, Ref: "FSD-HCCT; FS-SOFIA", scenario: scBadNumber,
	},
	{
		Name: "REDIRECTION_TO_NEW_DESTINATION", Number: 23, NumberKind: NumberQ850, SIP: "sends 410",
		Family: FamilyDestination, Outcome: Failed, Severity: SeverityInfo, Summary: "the network redirected the call elsewhere",
		Meaning:   "The network redirected the call to another destination instead of completing it here.",
		NextSteps: []string{"Check whether the number forwards elsewhere, and whether your app should follow redirects."},
		Ref:       "FSD-HCCT; FS-SOFIA",
	},
	{
		Name: "EXCHANGE_ROUTING_ERROR", Number: 25, NumberKind: NumberQ850, SIP: "sends 483; maps from 482, 483",
		Family: FamilyDestination, Outcome: Failed, Severity: SeverityError, Summary: "an exchange could not route the call (loop or too many hops)",
		Meaning:   "An exchange on the path could not route the call, typically because of a routing loop or too many hops (SIP 482 Loop Detected / 483 Too Many Hops).",
		NextSteps: []string{"Look for call forwarding that points back at itself (cf. code 2060 Loop Detected)."},
		Retry:     RetryNever, Ref: "FSD-HCCT; FS-GLUE",
	},
	{
		Name: "INVALID_NUMBER_FORMAT", Number: 28, NumberKind: NumberQ850, SIP: "sends and maps from 484 Address Incomplete",
		Family: FamilyDestination, Outcome: Failed, Severity: SeverityWarning, Summary: "the number format is invalid or incomplete",
		Meaning:   "The number is not in a valid format or is missing digits (SIP 484 Address Incomplete).",
		NextSteps: []string{"Write the number in E.164 form, e.g. +12292442099.", "Do not retry until the number is corrected."},
		Retry:     RetryNever, Ref: "FSD-HCCT; FSD-SETUP; PL-CAUSES 2000", scenario: scBadNumber,
	},
	{
		Name: "FACILITY_REJECTED", Number: 29, NumberKind: NumberQ850, SIP: "sends 501",
		Family: FamilyRejection, Outcome: Failed, Severity: SeverityWarning, Summary: "the network refused a requested facility",
		Meaning:   "The network could not provide a supplementary service the call asked for.",
		NextSteps: []string{"Take a SIP trace and look for unusual headers or features requested on the call."},
		Ref:       "FSD-HCCT; FS-SOFIA",
	},
	{
		Name: "NORMAL_UNSPECIFIED", Number: 31, NumberKind: NumberQ850, SIP: "sends 480; maps from every unlisted SIP code",
		Family: FamilyNormal, Severity: SeverityInfo, Summary: "the call ended with no specific cause",
		Meaning:   "A normal event with no more specific cause. FreeSWITCH also uses it for any SIP response it cannot map, so on a failed call it can hide a real error.",
		NextSteps: []string{"On a failed call, read failure_code for the real SIP response code."},
		Ref:       "FSD-HCCT; FSD-SETUP; FS-GLUE", scenario: scNormal,
	},
	{
		Name: "NORMAL_CIRCUIT_CONGESTION", Number: 34, NumberKind: NumberQ850, SIP: "sends 503",
		Family: FamilyCarrier, Outcome: Failed, Severity: SeverityWarning, Summary: "no circuit was free on the route",
		Meaning:   "No circuit or channel was free on the route to the destination.",
		NextSteps: []string{"Retry with back-off.", "If it happens often, check channel capacity on the route or trunk."},
		Retry:     RetryBackoff, Ref: "FSD-HCCT",
	},
	{
		Name: "REQUESTED_CHAN_UNAVAIL", Number: 44, NumberKind: NumberQ850, SIP: "sends 503",
		Family: FamilyCarrier, Outcome: Failed, Severity: SeverityWarning, Summary: "the requested channel was not available",
		Meaning:   "The specific circuit or channel asked for could not be used.",
		NextSteps: []string{"Retry with back-off; check trunk capacity if it repeats."},
		Retry:     RetryBackoff, Ref: "FSD-HCCT; FS-SOFIA",
	},
	{
		Name: "OUTGOING_CALL_BARRED", Number: 52, NumberKind: NumberQ850, SIP: "sends 403",
		Family: FamilyDestination, Outcome: Failed, Severity: SeverityWarning, Summary: "outgoing calls of this kind are barred",
		Meaning:   "The calling side is not allowed to place this call.",
		NextSteps: []string{"Check the account's and trunk's calling permissions, including country and prefix barring (cf. codes 2030–2050)."},
		Retry:     RetryNever, Ref: "FSD-HCCT; FS-SOFIA",
	},
	{
		Name: "INCOMING_CALL_BARRED", Number: 54, NumberKind: NumberQ850, SIP: "sends 403",
		Family: FamilyRejection, Outcome: Failed, Severity: SeverityWarning, Summary: "the called line does not accept incoming calls",
		Meaning:   "The called line has barred incoming calls.",
		NextSteps: []string{"Nothing to change on your side; the called party has to lift the barring."},
		Retry:     RetryNever, Ref: "FSD-HCCT; FS-SOFIA", scenario: scRejected,
	},
	{
		Name: "BEARERCAPABILITY_NOTAUTH", Number: 57, NumberKind: NumberQ850, SIP: "sends 403",
		Family: FamilyDestination, Outcome: Failed, Severity: SeverityWarning, Summary: "this type of call is not authorised",
		Meaning:   "The caller is not authorised for the kind of call requested (the bearer capability).",
		NextSteps: []string{"Check the route's permissions for this call type; contact Vobiz support with the call UUID if unsure."},
		Retry:     RetryNever, Ref: "FSD-HCCT; FS-SOFIA",
	},
	{
		Name: "BEARERCAPABILITY_NOTAVAIL", Number: 58, NumberKind: NumberQ850, SIP: "sends 503",
		Family: FamilyCarrier, Outcome: Failed, Severity: SeverityWarning, Summary: "this type of call is not available right now",
		Meaning:   "The kind of call requested (the bearer capability) is not available at the moment.",
		NextSteps: []string{"Retry later."},
		Retry:     RetryLater, Ref: "FSD-HCCT; FS-SOFIA",
	},
	{
		Name: "BEARERCAPABILITY_NOTIMPL", Number: 65, NumberKind: NumberQ850, SIP: "sends 488",
		Family: FamilyDestination, Outcome: Failed, Severity: SeverityError, Summary: "the equipment does not support this type of call",
		Meaning:   "The equipment does not support the kind of call requested; with SIP this is usually a codec or media mismatch (488 Not Acceptable Here).",
		NextSteps: []string{"Make sure both ends offer a common codec (PCMU/PCMA as a fallback)."},
		Retry:     RetryNever, Ref: "FSD-HCCT; FS-SOFIA",
	},
	{
		Name: "FACILITY_NOT_IMPLEMENTED", Number: 69, NumberKind: NumberQ850, SIP: "sends 501",
		Family: FamilyDestination, Outcome: Failed, Severity: SeverityWarning, Summary: "a requested facility is not implemented",
		Meaning:   "The equipment does not implement a supplementary service the call asked for.",
		NextSteps: []string{"Take a SIP trace and remove the unsupported feature from the call."},
		Ref:       "FSD-HCCT; FS-SOFIA",
	},
	{
		Name: "SERVICE_NOT_IMPLEMENTED", Number: 79, NumberKind: NumberQ850, SIP: "sends 501; maps from 406, 415, 501",
		Family: FamilyDestination, Outcome: Failed, Severity: SeverityError, Summary: "the other side does not implement the requested service",
		Meaning:   "The service requested is not implemented on the other side, usually a SIP feature or content type the peer does not support.",
		NextSteps: []string{"Take a SIP trace; failure_code shows which response (406, 415 or 501) came back."},
		Ref:       "FSD-HCCT; FS-GLUE",
	},
	{
		Name: "INCOMPATIBLE_DESTINATION", Number: 88, NumberKind: NumberQ850, SIP: "sends 488; maps from 488, 606",
		Family: FamilyDestination, Outcome: Failed, Severity: SeverityError, Summary: "the two ends had no codec in common",
		Meaning:   "The destination cannot accept the call's media requirements, almost always because the two ends share no codec (SIP 488 Not Acceptable Here / 606).",
		NextSteps: []string{"Align the codec lists on both ends; keep PCMU/PCMA enabled as a common fallback."},
		Retry:     RetryNever, Ref: "FSD-HCCT; FSD-SETUP; FS-GLUE",
	},
	{
		Name: "RECOVERY_ON_TIMER_EXPIRE", Number: 102, NumberKind: NumberQ850, SIP: "sends 504; maps from 408, 504",
		Family: FamilyCarrier, Outcome: Failed, Severity: SeverityError, Summary: "the far end never sent a final answer",
		Meaning:   "A timer ran out: the far end never sent a final response to the call setup (SIP 408 Request Timeout / 504). Often NAT, a firewall, or an unreachable SIP peer.",
		NextSteps: []string{"Check that the far end is reachable and that NAT/firewalls pass SIP replies.", "Retry later."},
		Retry:     RetryLater, Ref: "FSD-HCCT; FSD-SETUP; FS-GLUE",
	},
	{
		Name: "INTERWORKING", Number: 127, NumberKind: NumberQ850, SIP: "sends 480; maps from 413, 414, 416, 420, 421, 423, 505, 513",
		Family: FamilySystem, Outcome: Failed, Severity: SeverityError, Summary: "two networks could not work together on this call",
		Meaning:   "Interworking, unspecified: two networks or devices could not agree on the protocol, for example a SIP extension or message size one side needs.",
		NextSteps: []string{"Read failure_code for the SIP response; take a SIP trace and check what the peer requires."},
		Ref:       "FSD-HCCT; FS-GLUE",
	},
	{
		Name: "LOSE_RACE", Number: 702, NumberKind: NumberInternal, SIP: "sends 480",
		Family: FamilySpecial, Outcome: Cancelled, Severity: SeverityInfo, Summary: "another leg answered first",
		Meaning:   "The call was answered elsewhere: several phones were rung at once and another one won (cf. code 9000 Lost Race).",
		NextSteps: []string{"Nothing to fix; find the leg that did answer (same bridge_uuid or time)."},
		Retry:     RetryNone, Ref: "FS-SOFIA; FSD-HCCT",
	},
	{
		Name: "MANAGER_REQUEST", Number: 703, NumberKind: NumberInternal, SIP: "sends 480",
		Family: FamilyCanceled, Outcome: Cancelled, Severity: SeverityInfo, Summary: "an API or admin command hung up the call",
		Meaning:   "The call was hung up by a management or API command on the platform.",
		NextSteps: []string{"If nobody meant to end it, check which part of your app calls the hangup API."},
		Retry:     RetryMaybe, Ref: "FSD-HCCT",
	},
	{
		Name: "ALLOTTED_TIMEOUT", Number: 802, NumberKind: NumberInternal, SIP: "sends 480",
		Family: FamilyTimeout, Outcome: NoAnswer, Severity: SeverityInfo, Summary: "the dialling timeout passed before anyone answered",
		Meaning:   "The overall timeout for the dial attempt passed before any phone answered.",
		NextSteps: []string{"Review the dial's timeout settings if calls end too soon."},
		Retry:     RetryLater, Ref: "FSD-SETUP",
	},
	{
		Name: "PICKED_OFF", Number: 805, NumberKind: NumberInternal, SIP: "sends 480",
		Family: FamilySpecial, Outcome: Cancelled, Severity: SeverityInfo, Summary: "someone else picked up the call",
		Meaning:   "Another user intercepted (picked up) the call, so this leg stopped ringing.",
		NextSteps: []string{"Nothing to fix; the call was answered on another phone."},
		Retry:     RetryNone, Ref: "FS-SOFIA; FSD-HCCT",
	},
	{
		Name: "USER_NOT_REGISTERED", Number: 806, NumberKind: NumberInternal, SIP: "sends 480",
		Family: FamilyDestination, Outcome: Failed, Severity: SeverityWarning, Summary: "the SIP device was not registered",
		Meaning:   "The target SIP user or device had no live registration, so there was nowhere to send the call (cf. code 2020 Endpoint Not Registered).",
		NextSteps: []string{"Check that the softphone or device is logged in; for mobile SDKs check push notifications."},
		Retry:     RetryLater, Ref: "FSD-SETUP; PL-CAUSES 2020",
	},
	{
		Name: "PROGRESS_TIMEOUT", Number: 807, NumberKind: NumberInternal, SIP: "sends 480",
		Family: FamilyTimeout, Outcome: Failed, Severity: SeverityWarning, Summary: "the call never progressed",
		Meaning:   "The call setup started but never progressed (no ringing or answer) within the progress timeout.",
		NextSteps: []string{"Check the far end; review the progress timeout if it is very short."},
		Retry:     RetryLater, Ref: "FSD-SETUP",
	},
	{
		Name: "INVALID_GATEWAY", Number: 808, NumberKind: NumberInternal, SIP: "sends 484",
		Family: FamilySystem, Outcome: Failed, Severity: SeverityError, Summary: "the SIP gateway named for the call does not exist",
		Meaning:   "The SIP gateway or trunk named in the dial string does not exist.",
		NextSteps: []string{"Fix the dial string or trunk configuration."},
		Retry:     RetryNever, Ref: "FSD-SETUP",
	},
	{
		Name: "GATEWAY_DOWN", Number: 809, NumberKind: NumberInternal, SIP: "sends 503",
		Family: FamilySystem, Outcome: Failed, Severity: SeverityError, Summary: "the SIP gateway was down",
		Meaning:   "The SIP gateway or trunk was unusable: down or not registered.",
		NextSteps: []string{"Check the trunk's registration and health, then retry."},
		Retry:     RetryBackoff, Ref: "FSD-SETUP",
	},
	{
		Name: "INVALID_URL", Number: 810, NumberKind: NumberInternal, SIP: "sends 484",
		Family: FamilySystem, Outcome: Failed, Severity: SeverityError, Summary: "the dial address was invalid",
		Meaning:   "The dial string or SIP address was not valid.",
		NextSteps: []string{"Check the SIP URI or number your app dialled."},
		Retry:     RetryNever, Ref: "FS-TYPES; FS-SOFIA",
	},
	{
		Name: "INVALID_PROFILE", Number: 811, NumberKind: NumberInternal, SIP: "sends 502",
		Family: FamilySystem, Outcome: Failed, Severity: SeverityError, Summary: "the platform used an invalid SIP profile",
		Meaning:   "The SIP profile used for the call does not exist on the platform: a platform configuration fault.",
		NextSteps: []string{"Send Vobiz support the call UUID."},
		Retry:     RetryLater, Ref: "FS-TYPES; FS-SOFIA",
	},
	{
		Name: "BUSY_EVERYWHERE", Number: 815, NumberKind: NumberInternal, SIP: "sends 600 Busy Everywhere",
		Family: FamilyRejection, Outcome: Busy, Severity: SeverityInfo, Summary: "every one of the destination's phones was busy",
		Meaning:   "All of the destination's phones were busy (SIP 600 Busy Everywhere).",
		NextSteps: []string{"Retry later."},
		Retry:     RetryLater, Ref: "FS-TYPES; FS-SOFIA", scenario: scBusy,
	},
	{
		Name: "DECLINE", Number: 816, NumberKind: NumberInternal, SIP: "sends 603 Decline",
		Family: FamilyRejection, Outcome: Failed, Severity: SeverityInfo, Summary: "the called party declined",
		Meaning:   "The called party declined the call (SIP 603 Decline).",
		NextSteps: []string{"Nothing to fix; contact the customer another way if needed."},
		Retry:     RetryLater, Ref: "FS-TYPES; FS-SOFIA", scenario: scRejected,
	},
	{
		Name: "DOES_NOT_EXIST_ANYWHERE", Number: 817, NumberKind: NumberInternal, SIP: "sends 604",
		Family: FamilyDestination, Outcome: Failed, Severity: SeverityWarning, Summary: "the destination does not exist anywhere",
		Meaning:   "The destination user does not exist anywhere (SIP 604 Does Not Exist Anywhere).",
		NextSteps: []string{"Check the number or SIP address; remove it from dialling lists."},
		Retry:     RetryNever, Ref: "FS-TYPES; FS-SOFIA", scenario: scBadNumber,
	},
	{
		Name: "NOT_ACCEPTABLE", Number: 818, NumberKind: NumberInternal, SIP: "sends 606",
		Family: FamilyDestination, Outcome: Failed, Severity: SeverityError, Summary: "the destination could not accept the call's media",
		Meaning:   "The destination cannot accept the call's parameters anywhere, usually the codecs or media offered (SIP 606 Not Acceptable).",
		NextSteps: []string{"Align the codec lists on both ends."},
		Retry:     RetryNever, Ref: "FS-TYPES; FS-SOFIA",
	},
	{
		Name: "UNWANTED", Number: 819, NumberKind: NumberInternal, SIP: "sends and maps from 607 Unwanted",
		Family: FamilyRejection, Outcome: Failed, Severity: SeverityWarning, Summary: "the destination marked the call as unwanted",
		Meaning:   "The called party or their network marked the call as unwanted, as spam and robocall filters do (SIP 607 Unwanted).",
		NextSteps: []string{"Check your caller ID's reputation and STIR/SHAKEN attestation; stop redialling this number for now."},
		Retry:     RetryNever, Ref: "FS-TYPES; FS-SOFIA; FS-GLUE", scenario: scRejected,
	},
}

var causeIndex = func() map[string]int {
	m := make(map[string]int, len(causeTable))
	for i, c := range causeTable {
		m[c.Name] = i
	}
	return m
}()

// Causes returns every textual cause the package knows, Vobiz's own list
// first. The slice is a copy.
func Causes() []CauseInfo {
	out := make([]CauseInfo, len(causeTable))
	for i, c := range causeTable {
		c.NextSteps = slices.Clone(c.NextSteps)
		out[i] = c
	}
	return out
}

// LookupCause finds a textual cause, ignoring case, surrounding spaces and
// quotes, and "-" or " " in place of "_".
func LookupCause(name string) (CauseInfo, bool) {
	i, ok := causeIndex[normalizeKey(name)]
	if !ok {
		return CauseInfo{}, false
	}
	return causeTable[i], true
}

// lookupQ850 finds a cause by its Q.850 (or FreeSWITCH internal) number,
// for failure_code values such as "16".
func lookupQ850(n int) (CauseInfo, bool) {
	for _, c := range causeTable {
		if c.NumberKind != "" && c.Number == n {
			return c, true
		}
	}
	return CauseInfo{}, false
}
