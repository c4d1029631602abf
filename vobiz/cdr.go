package vobiz

import (
	"encoding/json"
	"math"
	"time"
)

// CDR is one call detail record with the 43 documented fields. A field
// added here also gets a line in Fields below; nothing else in cdrdash
// names fields one by one, except the sandbox's record builder (to serve a
// value) and the few places that present a field specially.
//
// The docs say every field is always present; some are nullable. Nullable
// fields use the Null* types, fields documented as always present use the
// lenient Int/Float/Text/Time types, so a record from an older or newer API
// version (or one of the docs' own contradictory examples) still decodes.
// Unknown fields are ignored. See docs/vobiz-api.md#cdr-fields and
// docs/vobiz-api.md#field-types-and-lenient-decoding.
type CDR struct {
	StartTime         Time       `json:"start_time"`
	AnswerTime        NullTime   `json:"answer_time"`
	EndTime           Time       `json:"end_time"`
	ProgressTime      NullTime   `json:"progress_time"`
	CallDirection     Text       `json:"call_direction"`
	CallerIDName      Text       `json:"caller_id_name"`
	CallerIDNumber    Text       `json:"caller_id_number"`
	DestinationNumber Text       `json:"destination_number"`
	Duration          Int        `json:"duration"`  // seconds, ring + talk
	Billsec           Int        `json:"billsec"`   // talk seconds, 0 if unanswered
	RingTime          Int        `json:"ring_time"` // seconds
	HangupCause       NullString `json:"hangup_cause"`
	HangupCauseCode   NullInt    `json:"hangup_cause_code"`
	HangupCauseName   NullString `json:"hangup_cause_name"`
	HangupDisposition NullString `json:"hangup_disposition"`
	HangupSource      NullString `json:"hangup_source"`
	FailureCode       NullString `json:"failure_code"`
	FailureReason     NullString `json:"failure_reason"`
	MOS               NullFloat  `json:"mos"`         // 1.0–5.0; 0 or null means no media
	Jitter            NullFloat  `json:"jitter"`      // milliseconds
	PacketLoss        NullFloat  `json:"packet_loss"` // percent
	Codec             NullString `json:"codec"`
	Cost              Float      `json:"cost"`
	StreamingCost     Float      `json:"streaming_cost"`
	TotalCost         Float      `json:"total_cost"` // cost + streaming_cost
	Currency          Text       `json:"currency"`
	UUID              Text       `json:"uuid"`
	ID                Int        `json:"id"`
	AccountID         Text       `json:"account_id"`
	BridgeUUID        NullString `json:"bridge_uuid"`
	SIPCallID         Text       `json:"sip_call_id"`
	SIPUserAgent      NullString `json:"sip_user_agent"`
	NetworkAddr       NullString `json:"network_addr"`
	CarrierIP         NullString `json:"carrier_ip"`
	Context           Text       `json:"context"`
	Region            Text       `json:"region"`
	OriginationRegion Text       `json:"origination_region"`
	CampaignID        NullString `json:"campaign_id"`
	CustomerEndpoint  NullString `json:"customer_endpoint"`
	TrunkID           NullString `json:"trunk_id"`
	TerminatedTo      NullString `json:"terminated_to"`
	CreatedAt         Time       `json:"created_at"`
	UpdatedAt         Time       `json:"updated_at"`

	// Raw is the record exactly as the API sent it. Only GetCDR fills it,
	// for the "raw record" view; list decoding leaves it nil to save memory.
	Raw json.RawMessage `json:"-"`
}

// Fields is the table of CDR fields, in the order people see them: the
// report's column picker and the call page's field list follow it. Name is
// the API's name (JSON key, CSV header, report column) and must equal the
// field's json tag; Label names it for people. The CSV reader, the
// sandbox's JSON and CSV writers, the report's columns and the call page
// walk this table. A mistake in it (a missing field, a wrong name, a
// pointer to the wrong field) stops the program at start-up.
var Fields = checkFields([]Field{
	{"start_time", "Start time", func(c *CDR) any { return &c.StartTime }},
	{"answer_time", "Answer time", func(c *CDR) any { return &c.AnswerTime }},
	{"end_time", "End time", func(c *CDR) any { return &c.EndTime }},
	{"progress_time", "Progress (ringing) time", func(c *CDR) any { return &c.ProgressTime }},
	{"call_direction", "Direction", func(c *CDR) any { return &c.CallDirection }},
	{"caller_id_name", "Caller name", func(c *CDR) any { return &c.CallerIDName }},
	{"caller_id_number", "Caller number", func(c *CDR) any { return &c.CallerIDNumber }},
	{"destination_number", "Destination number", func(c *CDR) any { return &c.DestinationNumber }},
	{"duration", "Duration (s, ring + talk)", func(c *CDR) any { return &c.Duration }},
	{"billsec", "Billed seconds (talk)", func(c *CDR) any { return &c.Billsec }},
	{"ring_time", "Ring time (s)", func(c *CDR) any { return &c.RingTime }},
	{"hangup_cause", "Hangup cause", func(c *CDR) any { return &c.HangupCause }},
	{"hangup_cause_code", "Hangup cause code", func(c *CDR) any { return &c.HangupCauseCode }},
	{"hangup_cause_name", "Hangup cause name", func(c *CDR) any { return &c.HangupCauseName }},
	{"hangup_disposition", "Hangup disposition", func(c *CDR) any { return &c.HangupDisposition }},
	{"hangup_source", "Hung up by", func(c *CDR) any { return &c.HangupSource }},
	{"failure_code", "Failure code", func(c *CDR) any { return &c.FailureCode }},
	{"failure_reason", "Failure reason", func(c *CDR) any { return &c.FailureReason }},
	{"mos", "MOS", func(c *CDR) any { return &c.MOS }},
	{"jitter", "Jitter (ms)", func(c *CDR) any { return &c.Jitter }},
	{"packet_loss", "Packet loss (%)", func(c *CDR) any { return &c.PacketLoss }},
	{"codec", "Codec", func(c *CDR) any { return &c.Codec }},
	{"cost", "Cost", func(c *CDR) any { return &c.Cost }},
	{"streaming_cost", "Streaming cost", func(c *CDR) any { return &c.StreamingCost }},
	{"total_cost", "Total cost", func(c *CDR) any { return &c.TotalCost }},
	{"currency", "Currency", func(c *CDR) any { return &c.Currency }},
	{"uuid", "Call UUID", func(c *CDR) any { return &c.UUID }},
	{"id", "Record id", func(c *CDR) any { return &c.ID }},
	{"account_id", "Account id", func(c *CDR) any { return &c.AccountID }},
	{"bridge_uuid", "Bridge UUID", func(c *CDR) any { return &c.BridgeUUID }},
	{"sip_call_id", "SIP Call-ID", func(c *CDR) any { return &c.SIPCallID }},
	{"sip_user_agent", "SIP user agent", func(c *CDR) any { return &c.SIPUserAgent }},
	{"network_addr", "Network address", func(c *CDR) any { return &c.NetworkAddr }},
	{"carrier_ip", "Carrier IP", func(c *CDR) any { return &c.CarrierIP }},
	{"context", "Context", func(c *CDR) any { return &c.Context }},
	{"region", "Region", func(c *CDR) any { return &c.Region }},
	{"origination_region", "Origination region", func(c *CDR) any { return &c.OriginationRegion }},
	{"campaign_id", "Campaign id", func(c *CDR) any { return &c.CampaignID }},
	{"customer_endpoint", "Customer endpoint", func(c *CDR) any { return &c.CustomerEndpoint }},
	{"trunk_id", "Trunk id", func(c *CDR) any { return &c.TrunkID }},
	{"terminated_to", "Terminated to", func(c *CDR) any { return &c.TerminatedTo }},
	{"created_at", "Record created", func(c *CDR) any { return &c.CreatedAt }},
	{"updated_at", "Record updated", func(c *CDR) any { return &c.UpdatedAt }},
})

// Answered reports whether the call was answered. The docs define the
// summary's answeredCalls as billsec > 0; an answer_time alone (answered
// then dropped at once) does not count, so the dashboard agrees with the
// API's own numbers (docs/vobiz-api.md#answered-calls-and-media).
func (c *CDR) Answered() bool { return c.Billsec > 0 }

// HasMedia reports whether the record carries real quality figures. MOS 0
// or null means no media flowed, which is not the same as bad audio.
func (c *CDR) HasMedia() bool { return c.MOS.Valid && c.MOS.Float64 > 0 }

// DurationTime returns duration as a time.Duration.
func (c *CDR) DurationTime() time.Duration { return seconds(int64(c.Duration)) }

// TalkTime returns billsec as a time.Duration.
func (c *CDR) TalkTime() time.Duration { return seconds(int64(c.Billsec)) }

// seconds converts a count of seconds, clamping values that would overflow
// a time.Duration (about 292 years) instead of wrapping to nonsense.
func seconds(n int64) time.Duration {
	const limit = math.MaxInt64 / int64(time.Second)
	n = max(min(n, limit), -limit)
	return time.Duration(n) * time.Second
}
