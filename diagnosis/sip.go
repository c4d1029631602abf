package diagnosis

import "slices"

// SIPInfo describes a SIP final response, for reading failure_code values
// such as "486". Reasons and meanings follow RFC 3261 section 21
// (docs/hangups-and-quality.md#sip-responses); Cause is what FreeSWITCH turns the response into
// when it receives it (FS-GLUE, docs/hangups-and-quality.md#cause-names-and-sip-mapping), ""
// when unlisted (NORMAL_UNSPECIFIED).
type SIPInfo struct {
	Code    int
	Reason  string
	Meaning string
	Cause   string
}

var sipTable = []SIPInfo{
	{400, "Bad Request", "the request was malformed", "NORMAL_TEMPORARY_FAILURE"},
	{401, "Unauthorized", "the far end wanted authentication", "CALL_REJECTED"},
	{402, "Payment Required", "the far end wanted payment", "CALL_REJECTED"},
	{403, "Forbidden", "the far end refused the call: credentials, caller ID or permissions", "CALL_REJECTED"},
	{404, "Not Found", "the number or user does not exist there", "UNALLOCATED_NUMBER"},
	{405, "Method Not Allowed", "the far end does not allow this request", "SERVICE_UNAVAILABLE"},
	{406, "Not Acceptable", "the far end cannot produce an acceptable response", "SERVICE_NOT_IMPLEMENTED"},
	{407, "Proxy Authentication Required", "a proxy wanted authentication", "CALL_REJECTED"},
	{408, "Request Timeout", "no final answer came back in time", "RECOVERY_ON_TIMER_EXPIRE"},
	{410, "Gone", "the number is no longer in use", "NUMBER_CHANGED"},
	{415, "Unsupported Media Type", "the far end does not support the message body", "SERVICE_NOT_IMPLEMENTED"},
	{480, "Temporarily Unavailable", "the phone was reached but is unavailable: off, out of coverage, do-not-disturb, or not logged in", "NO_USER_RESPONSE"},
	{481, "Call/Transaction Does Not Exist", "the far end lost track of the call", "NORMAL_TEMPORARY_FAILURE"},
	{482, "Loop Detected", "the call looped back on itself", "EXCHANGE_ROUTING_ERROR"},
	{483, "Too Many Hops", "the call passed through too many hops", "EXCHANGE_ROUTING_ERROR"},
	{484, "Address Incomplete", "the number is incomplete", "INVALID_NUMBER_FORMAT"},
	{485, "Ambiguous", "the address matched several users", "NO_ROUTE_DESTINATION"},
	{486, "Busy Here", "the phone is busy, or the person pressed reject", "USER_BUSY"},
	{487, "Request Terminated", "the attempt was cancelled before the answer", "ORIGINATOR_CANCEL"},
	{488, "Not Acceptable Here", "the far end cannot accept the media offered, usually the codecs", "INCOMPATIBLE_DESTINATION"},
	{500, "Server Internal Error", "the far end's server failed", "NORMAL_TEMPORARY_FAILURE"},
	{501, "Not Implemented", "the far end does not implement what was asked", "SERVICE_NOT_IMPLEMENTED"},
	{502, "Bad Gateway", "a gateway on the path got a bad response", "NETWORK_OUT_OF_ORDER"},
	{503, "Service Unavailable", "the far end is overloaded or in maintenance", "NORMAL_TEMPORARY_FAILURE"},
	{504, "Server Time-out", "a server on the path timed out", "RECOVERY_ON_TIMER_EXPIRE"},
	{600, "Busy Everywhere", "every phone of the destination is busy", "USER_BUSY"},
	{603, "Decline", "the person declined the call", "CALL_REJECTED"},
	{604, "Does Not Exist Anywhere", "the user does not exist anywhere", "NO_ROUTE_DESTINATION"},
	{606, "Not Acceptable", "the destination cannot accept the call's media anywhere", "INCOMPATIBLE_DESTINATION"},
	{607, "Unwanted", "the destination marked the call as unwanted (spam filtering)", "UNWANTED"},
	{608, "Rejected", "an intermediary rejected the call (often call-blocking analytics)", "CALL_REJECTED"},
}

// SIPResponses returns the SIP responses the package can explain. The
// slice is a copy.
func SIPResponses() []SIPInfo { return slices.Clone(sipTable) }

// LookupSIP finds a SIP final response by code.
func LookupSIP(code int) (SIPInfo, bool) {
	for _, s := range sipTable {
		if s.Code == code {
			return s, true
		}
	}
	return SIPInfo{}, false
}
