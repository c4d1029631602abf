package sandbox

import "slices"

// Static vocabularies of the generated data set. Everything a call refers to
// by a small index lives here or in the per-server party table (data.go).

// outcome is one consistent combination of the hangup fields. Calls store
// an index into outcomes, so cause, code, name, disposition, source and the
// failure fields can never contradict each other.
//
// Choices the docs leave open (see docs/vobiz-api.md#hangup-codes,
// docs/vobiz-api.md#failure-code-and-reason and docs/vobiz-api.md#hangup-sources):
//   - NO_ANSWER uses code 3000 "No Answer" from the hangup-cause table, not
//     the 4100 of one API example (4100 is not in the table).
//   - failure_code/failure_reason are null exactly when hangup_cause is
//     NORMAL_CLEARING; otherwise failure_code is the Q.850 cause number as a
//     string and failure_reason the textual cause. FreeSWITCH-internal causes
//     (ORIGINATOR_CANCEL, MEDIA_TIMEOUT) report Q.850 16, as FreeSWITCH's
//     hangup_cause_q850 does; Vobiz-only names map to their nearest Q.850
//     cause (REJECTED 21, INVALID_NUMBER 28, SERVER_ERROR 41, UNKNOWN 31).
//   - hangup_disposition uses only the four documented values; refusals are
//     send_refuse and cancels send_cancel on both directions.
//   - "Callee" (what CDRs print) is used instead of the docs' "Call
//     recipient".
type outcome struct {
	cause       string // textual hangup_cause
	code        int    // hangup_cause_code
	name        string // hangup_cause_name
	disposition string
	source      string
	failCode    string // "" means null (and failReason is null too)
	failReason  string

	answered bool // billsec > 0, answer_time set, media quality present
	progress bool // progress_time set (false for immediate rejections)
	carrier  bool // the call reached a carrier, so carrier_ip is set
	ringMin  int  // ring_time range in seconds
	ringMax  int
	talkMin  int // for answered outcomes with a short fixed talk time; 0 = normal distribution
	talkMax  int
	poorQoS  bool // media degraded (media timeouts)
	noMedia  bool // answered, but no audio ever arrived: mos, jitter and loss are 0

	// Share of calls in each direction, in percent; 0 means never.
	inbound, outbound float64
}

// Q.850 numbers used in failure_code.
const (
	q850Unallocated = "1"
	q850Normal      = "16"
	q850Busy        = "17"
	q850NoAnswer    = "19"
	q850Rejected    = "21"
	q850DestOOO     = "27"
	q850InvalidFmt  = "28"
	q850Unspecified = "31"
	q850NetworkOOO  = "38"
	q850TempFailure = "41"
	q850Congestion  = "42"
	q850ServiceUnav = "63"
	q850Protocol    = "111"
)

// outcomes is the catalogue of hangup outcomes with their shares. The
// shares give roughly: 64% NORMAL_CLEARING/4000 answered, 4% other answered
// endings (4010, 4020, 4030, 6000, 9100, 1010, 7011, 8011, 6020), 12%
// NO_ANSWER, 6% USER_BUSY, 7% ORIGINATOR_CANCEL and ~7% assorted failures,
// so every documented textual cause occurs.
var outcomes = []outcome{
	// Answered, normal.
	{cause: "NORMAL_CLEARING", code: 4000, name: "Normal Hangup", disposition: "send_bye", source: "Caller",
		answered: true, progress: true, carrier: true, ringMin: 2, ringMax: 30, outbound: 32},
	{cause: "NORMAL_CLEARING", code: 4000, name: "Normal Hangup", disposition: "recv_bye", source: "Callee",
		answered: true, progress: true, carrier: true, ringMin: 2, ringMax: 30, outbound: 32},
	{cause: "NORMAL_CLEARING", code: 4000, name: "Normal Hangup", disposition: "recv_bye", source: "Caller",
		answered: true, progress: true, carrier: true, ringMin: 2, ringMax: 20, inbound: 35},
	{cause: "NORMAL_CLEARING", code: 4000, name: "Normal Hangup", disposition: "send_bye", source: "Callee",
		answered: true, progress: true, carrier: true, ringMin: 2, ringMax: 20, inbound: 29},

	// Answered, ended by the platform or the application.
	{cause: "NORMAL_CLEARING", code: 4010, name: "End Of XML Instructions", disposition: "send_bye", source: "Answer XML",
		answered: true, progress: true, carrier: true, ringMin: 2, ringMax: 10, inbound: 2, outbound: 0.8},
	{cause: "NORMAL_CLEARING", code: 4020, name: "Multiparty Call Ended", disposition: "send_bye", source: "API Request",
		answered: true, progress: true, carrier: true, ringMin: 2, ringMax: 15, inbound: 0.5, outbound: 0.5},
	{cause: "NORMAL_CLEARING", code: 4030, name: "Kicked Out Of Multiparty Call", disposition: "send_bye", source: "API Request",
		answered: true, progress: true, carrier: true, ringMin: 2, ringMax: 15, inbound: 0.2, outbound: 0.2},
	{cause: "NORMAL_CLEARING", code: 6000, name: "Scheduled Hangup", disposition: "send_bye", source: "Vobiz",
		answered: true, progress: true, carrier: true, ringMin: 2, ringMax: 20, talkMin: 600, talkMax: 3600, inbound: 0.2, outbound: 0.4},
	{cause: "NORMAL_CLEARING", code: 9100, name: "Machine Detected", disposition: "send_bye", source: "Vobiz",
		answered: true, progress: true, carrier: true, ringMin: 3, ringMax: 25, talkMin: 2, talkMax: 8, outbound: 1.4},
	{cause: "NORMAL_CLEARING", code: 1010, name: "Canceled (Out Of Credits)", disposition: "send_bye", source: "Vobiz",
		answered: true, progress: true, carrier: true, ringMin: 2, ringMax: 20, inbound: 0.1, outbound: 0.3},
	{cause: "NORMAL_CLEARING", code: 7011, name: "Error Reaching Answer URL", disposition: "send_bye", source: "Error",
		answered: true, progress: true, carrier: true, ringMin: 1, ringMax: 3, talkMin: 1, talkMax: 4, inbound: 0.6, outbound: 0.1},
	{cause: "NORMAL_CLEARING", code: 8011, name: "Invalid Answer XML", disposition: "send_bye", source: "Error",
		answered: true, progress: true, carrier: true, ringMin: 1, ringMax: 3, talkMin: 1, talkMax: 4, inbound: 0.4, outbound: 0.1},
	// Media timeouts: the timer fires 60 s after the last audio packet, so
	// a call whose audio flowed first has more than 60 s of talk, and one
	// whose audio never arrived ends just after 60 s with no figures.
	{cause: "MEDIA_TIMEOUT", code: 6020, name: "Media Timeout", disposition: "send_bye", source: "Vobiz",
		failCode: q850Normal, failReason: "MEDIA_TIMEOUT",
		answered: true, progress: true, carrier: true, ringMin: 2, ringMax: 20, talkMin: 70, talkMax: 1500, poorQoS: true, inbound: 0.5, outbound: 0.5},
	{cause: "MEDIA_TIMEOUT", code: 6020, name: "Media Timeout", disposition: "send_bye", source: "Vobiz",
		failCode: q850Normal, failReason: "MEDIA_TIMEOUT",
		answered: true, progress: true, carrier: true, ringMin: 2, ringMax: 20, talkMin: 61, talkMax: 65, noMedia: true, inbound: 0.1, outbound: 0.1},

	// Not answered.
	{cause: "NO_ANSWER", code: 3000, name: "No Answer", disposition: "send_cancel", source: "Callee",
		failCode: q850NoAnswer, failReason: "NO_ANSWER",
		progress: true, carrier: true, ringMin: 15, ringMax: 60, outbound: 13.5},
	{cause: "NO_ANSWER", code: 3000, name: "No Answer", disposition: "send_refuse", source: "Callee",
		failCode: q850NoAnswer, failReason: "NO_ANSWER",
		progress: true, carrier: true, ringMin: 15, ringMax: 60, inbound: 8},
	{cause: "NO_ANSWER", code: 6010, name: "Ring Timeout Reached", disposition: "send_cancel", source: "Vobiz",
		failCode: q850NoAnswer, failReason: "NO_ANSWER",
		progress: true, carrier: true, ringMin: 45, ringMax: 60, inbound: 0.5, outbound: 1.4},
	{cause: "USER_BUSY", code: 3010, name: "Busy Line", disposition: "send_refuse", source: "Callee",
		failCode: q850Busy, failReason: "USER_BUSY",
		progress: true, carrier: true, ringMin: 0, ringMax: 6, inbound: 4, outbound: 7.6},
	{cause: "ORIGINATOR_CANCEL", code: 1000, name: "Canceled", disposition: "send_cancel", source: "Caller",
		failCode: q850Normal, failReason: "ORIGINATOR_CANCEL",
		progress: true, carrier: true, ringMin: 1, ringMax: 40, inbound: 7.5, outbound: 4},
	{cause: "ORIGINATOR_CANCEL", code: 1000, name: "Canceled", disposition: "send_cancel", source: "API Request",
		failCode: q850Normal, failReason: "ORIGINATOR_CANCEL",
		progress: true, carrier: true, ringMin: 1, ringMax: 30, outbound: 1.8},
	{cause: "ORIGINATOR_CANCEL", code: 1020, name: "Canceled (Simultaneous dial limit reached)", disposition: "send_cancel", source: "Vobiz",
		failCode: q850Normal, failReason: "ORIGINATOR_CANCEL",
		ringMin: 0, ringMax: 0, outbound: 0.9},
	{cause: "CALL_REJECTED", code: 3020, name: "Rejected", disposition: "send_refuse", source: "Callee",
		failCode: q850Rejected, failReason: "CALL_REJECTED",
		progress: true, carrier: true, ringMin: 0, ringMax: 8, inbound: 1, outbound: 1.9},
	{cause: "REJECTED", code: 3020, name: "Rejected", disposition: "send_refuse", source: "Answer XML",
		failCode: q850Rejected, failReason: "REJECTED",
		progress: true, ringMin: 0, ringMax: 2, inbound: 2},
	{cause: "REJECTED", code: 3020, name: "Rejected", disposition: "send_refuse", source: "Callee",
		failCode: q850Rejected, failReason: "REJECTED",
		progress: true, carrier: true, ringMin: 0, ringMax: 5, outbound: 0.3},
	{cause: "INVALID_NUMBER", code: 2000, name: "Invalid Destination Address", disposition: "send_refuse", source: "Vobiz",
		failCode: q850InvalidFmt, failReason: "INVALID_NUMBER",
		outbound: 1.1},
	{cause: "UNALLOCATED_NUMBER", code: 3050, name: "Unallocated number", disposition: "send_refuse", source: "Carrier",
		failCode: q850Unallocated, failReason: "UNALLOCATED_NUMBER",
		carrier: true, ringMin: 0, ringMax: 2, outbound: 1.8},
	{cause: "SERVICE_UNAVAILABLE", code: 2010, name: "Destination Out Of Service", disposition: "send_refuse", source: "Carrier",
		failCode: q850ServiceUnav, failReason: "SERVICE_UNAVAILABLE",
		carrier: true, ringMin: 0, ringMax: 3, inbound: 0.3, outbound: 0.7},
	{cause: "DESTINATION_OUT_OF_ORDER", code: 2010, name: "Destination Out Of Service", disposition: "send_refuse", source: "Carrier",
		failCode: q850DestOOO, failReason: "DESTINATION_OUT_OF_ORDER",
		progress: true, carrier: true, ringMin: 0, ringMax: 3, inbound: 0.2, outbound: 0.6},
	{cause: "SERVER_ERROR", code: 3080, name: "Internal server error from carrier", disposition: "send_refuse", source: "Carrier",
		failCode: q850TempFailure, failReason: "SERVER_ERROR",
		carrier: true, ringMin: 0, ringMax: 2, inbound: 0.2, outbound: 0.4},
	{cause: "PROTOCOL_ERROR", code: 5000, name: "Network Error", disposition: "send_refuse", source: "Error",
		failCode: q850Protocol, failReason: "PROTOCOL_ERROR",
		carrier: true, ringMin: 0, ringMax: 1, inbound: 0.2, outbound: 0.2},
	{cause: "NETWORK_OUT_OF_ORDER", code: 5000, name: "Network Error", disposition: "send_refuse", source: "Carrier",
		failCode: q850NetworkOOO, failReason: "NETWORK_OUT_OF_ORDER",
		carrier: true, ringMin: 0, ringMax: 2, inbound: 0.2, outbound: 0.4},
	{cause: "NORMAL_TEMPORARY_FAILURE", code: 3090, name: "Network congestion from carrier", disposition: "send_refuse", source: "Carrier",
		failCode: q850TempFailure, failReason: "NORMAL_TEMPORARY_FAILURE",
		progress: true, carrier: true, ringMin: 0, ringMax: 3, inbound: 0.3, outbound: 0.7},
	{cause: "SWITCH_CONGESTION", code: 3090, name: "Network congestion from carrier", disposition: "send_refuse", source: "Carrier",
		failCode: q850Congestion, failReason: "SWITCH_CONGESTION",
		carrier: true, ringMin: 0, ringMax: 2, inbound: 0.2, outbound: 0.4},
	{cause: "SWITCH_CONGESTION", code: 5030, name: "Concurrency Limit Breached", disposition: "send_refuse", source: "Vobiz",
		failCode: q850Congestion, failReason: "SWITCH_CONGESTION",
		outbound: 0.4},
	{cause: "UNKNOWN", code: 0, name: "Unknown", disposition: "send_refuse", source: "Unknown",
		failCode: q850Unspecified, failReason: "UNKNOWN",
		progress: true, ringMin: 0, ringMax: 5, inbound: 0.2, outbound: 0.2},

	// The rest of the documented codes, rare, so every code of the
	// hangup-cause table occurs somewhere in the data set (the diagnosis
	// corpus relies on it). Each pairs with the textual cause nearest to it.
	answeredCode(7012, "Error Reaching Action URL"),
	answeredCode(7013, "Error Reaching Transfer URL"),
	answeredCode(7014, "Error Reaching Redirect URL"),
	answeredCode(7022, "Invalid Action URL"),
	answeredCode(7023, "Invalid Transfer URL"),
	answeredCode(7024, "Invalid Redirect URL"),
	answeredCode(7032, "Invalid Method For Action URL"),
	answeredCode(7033, "Invalid Method For Transfer URL"),
	answeredCode(7034, "Invalid Method For Redirect URL"),
	answeredCode(8012, "Invalid Action XML"),
	answeredCode(8013, "Invalid Transfer XML"),
	answeredCode(8014, "Invalid Redirect XML"),
	{cause: "NORMAL_CLEARING", code: 9110, name: "Confirm Key Challenge Failed", disposition: "send_bye", source: "Vobiz",
		answered: true, progress: true, carrier: true, ringMin: 2, ringMax: 15, talkMin: 6, talkMax: 30, outbound: 0.1},
	{cause: "ORIGINATOR_CANCEL", code: 9000, name: "Lost Race", disposition: "send_cancel", source: "Vobiz",
		failCode: q850Normal, failReason: "ORIGINATOR_CANCEL",
		progress: true, carrier: true, ringMin: 3, ringMax: 15, outbound: 0.1},
	{cause: "USER_BUSY", code: 3100, name: "Busy everywhere", disposition: "send_refuse", source: "Carrier",
		failCode: q850Busy, failReason: "USER_BUSY", carrier: true, outbound: 0.1},
	{cause: "CALL_REJECTED", code: 3110, name: "Declined", disposition: "send_refuse", source: "Callee",
		failCode: q850Rejected, failReason: "CALL_REJECTED",
		progress: true, carrier: true, ringMin: 4, ringMax: 12, outbound: 0.1},
	refusedCode("CALL_REJECTED", q850Rejected, 3030, "Unknown Caller ID", "Vobiz"),
	refusedCode("CALL_REJECTED", q850Rejected, 3040, "Forbidden", "Carrier"),
	refusedCode("CALL_REJECTED", q850Rejected, 3130, "Spam block", "Carrier"),
	refusedCode("CALL_REJECTED", q850Rejected, 3140, "DNO Caller ID", "Carrier"),
	refusedCode("REJECTED", q850Rejected, 2030, "Destination Country Barred", "Vobiz"),
	refusedCode("REJECTED", q850Rejected, 2040, "Destination Number Barred", "Vobiz"),
	refusedCode("REJECTED", q850Rejected, 2050, "Destination Prefix Barred", "Vobiz"),
	refusedCode("REJECTED", q850Rejected, 2070, "Violates Media Anchoring", "Vobiz"),
	refusedCode("UNALLOCATED_NUMBER", q850Unallocated, 3120, "User does not exist anywhere", "Carrier"),
	refusedCode("PROTOCOL_ERROR", q850Protocol, 2060, "Loop Detected", "Vobiz"),
	refusedCode("NETWORK_OUT_OF_ORDER", q850NetworkOOO, 5020, "Routing Error", "Vobiz"),
	refusedCode("NORMAL_TEMPORARY_FAILURE", q850TempFailure, 3070, "Request timeout", "Carrier"),
	{cause: "SERVER_ERROR", code: 5010, name: "Internal Error", disposition: "send_refuse", source: "Vobiz",
		failCode: q850TempFailure, failReason: "SERVER_ERROR", inbound: 0.1, outbound: 0.1},
	{cause: "SERVICE_UNAVAILABLE", code: 2020, name: "Endpoint Not Registered", disposition: "send_refuse", source: "Vobiz",
		failCode: q850ServiceUnav, failReason: "SERVICE_UNAVAILABLE", inbound: 0.15},
}

// answeredCode is a rare answered call that your app's URL or XML ended.
func answeredCode(code int, name string) outcome {
	return outcome{cause: "NORMAL_CLEARING", code: code, name: name, disposition: "send_bye", source: "Error",
		answered: true, progress: true, carrier: true, ringMin: 1, ringMax: 3, talkMin: 10, talkMax: 60, inbound: 0.05}
}

// refusedCode is a rare outbound call refused before it rang.
func refusedCode(cause, q850 string, code int, name, source string) outcome {
	return outcome{cause: cause, code: code, name: name, disposition: "send_refuse", source: source,
		failCode: q850, failReason: cause, carrier: source == "Carrier", outbound: 0.06}
}

// The vocabularies below are unexported so callers cannot change the data
// set by mutating them; the exported functions return copies, for tests and
// for callers building filter menus or demo links.

// hangupCauses lists every textual hangup_cause generated (all 17
// documented values).
var hangupCauses = []string{
	"NORMAL_CLEARING", "USER_BUSY", "NO_ANSWER", "ORIGINATOR_CANCEL",
	"CALL_REJECTED", "REJECTED", "INVALID_NUMBER", "UNALLOCATED_NUMBER",
	"SERVICE_UNAVAILABLE", "SERVER_ERROR", "MEDIA_TIMEOUT", "PROTOCOL_ERROR",
	"NETWORK_OUT_OF_ORDER", "DESTINATION_OUT_OF_ORDER",
	"NORMAL_TEMPORARY_FAILURE", "SWITCH_CONGESTION", "UNKNOWN",
}

// Context values.
const (
	ctxVoiceAPI    = "voice-api"
	ctxSIPTrunking = "sip-trunking"
)

// campaignIDs appear on about a third of outbound voice-api calls.
var campaignIDs = []string{
	"cmp_diwali_offers", "cmp_kyc_reminder", "cmp_emi_due", "cmp_feedback_nps",
	"cmp_order_confirm", "cmp_renewal_q1",
}

// trunkIDs appear on every sip-trunking call.
var trunkIDs = []string{
	"trunk-mum-01", "trunk-mum-02", "trunk-del-01", "trunk-blr-01", "trunk-hyd-01",
}

// HangupCauses returns the textual hangup_cause values the data set uses.
func HangupCauses() []string { return slices.Clone(hangupCauses) }

// customerEndpoints is where sip-trunking inbound calls are delivered.
var customerEndpoints = []string{
	"sip:pbx1@10.20.30.11:5060", "sip:pbx2@10.20.30.12:5060",
	"sip:ivr@10.20.40.5:5080", "sip:contact-centre@10.20.50.21:5060",
}

// terminations is where sip-trunking outbound calls leave for the PSTN.
var terminations = []string{
	"airtel-mum-gw-02", "tata-del-gw-01", "jio-blr-gw-01", "vi-chn-gw-01", "bsnl-hyd-gw-01",
}

// carrierIPs is the pool of carrier media/signalling addresses.
var carrierIPs = []string{
	"172.16.10.21", "172.16.10.22", "172.16.12.5", "172.16.14.40",
	"172.16.20.7", "172.16.20.8", "172.16.31.12", "172.16.33.3",
}

var codecs = []string{"", "PCMU", "PCMA", "opus"} // index 0 = null

var originationRegions = []struct {
	name   string
	weight float64
}{
	{"mumbai", 40}, {"delhi", 22}, {"bangalore", 18}, {"chennai", 10}, {"hyderabad", 10},
}

const (
	regionPrimary   = "ap-south-1"
	regionSecondary = "ap-south-2"
)

// Company-side labels shown as caller_id_name on outbound calls.
var companyLabels = []string{
	"Support Desk", "Sales", "Collections", "Delivery Updates", "Appointments",
	"Verification", "Customer Care", "Renewals", "", "",
}

var firstNames = []string{
	"Priya", "Rahul", "Anjali", "Amit", "Sneha", "Vikram", "Pooja", "Arjun",
	"Neha", "Rohan", "Kavya", "Sanjay", "Divya", "Karthik", "Meera", "Aditya",
	"Lakshmi", "Suresh", "Deepa", "Rajesh", "Ananya", "Manoj", "Swati", "Nikhil",
	"Shreya", "Vijay", "Aishwarya", "Harish", "Nandini", "Ganesh", "Ritu", "Abhishek",
	"Farah", "Imran", "Zoya", "Gurpreet", "Harpreet", "Simran", "Joseph", "Mary",
	"Tanvi", "Varun", "Ishaan", "Aarav", "Diya", "Vivaan", "Saanvi", "Ayaan",
	"Lalitha", "Venkatesh", "Bhavna", "Pradeep", "Sunita", "Ramesh", "Geeta", "Mohan",
}

var lastNames = []string{
	"Sharma", "Verma", "Patel", "Iyer", "Reddy", "Nair", "Gupta", "Singh",
	"Kumar", "Das", "Mehta", "Joshi", "Rao", "Menon", "Pillai", "Chatterjee",
	"Banerjee", "Mukherjee", "Desai", "Shah", "Kulkarni", "Deshpande", "Agarwal", "Bansal",
	"Khan", "Siddiqui", "Fernandes", "D'Souza", "Gill", "Sandhu", "Bhat", "Hegde",
	"Naidu", "Chowdhury", "Saxena", "Mishra", "Pandey", "Tiwari", "Yadav", "Jain",
}
