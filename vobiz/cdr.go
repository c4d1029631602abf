package vobiz

import (
	"encoding/json"
	"math"
	"time"
)

// CDR is one call detail record with the 43 documented fields.
//
// This struct is the one table of CDR fields: adding a field to cdrdash
// means adding a line here (and, for the sandbox to send a value, a line in
// its record builder). Each field's json tag is its API name: the JSON key,
// the CSV export's header and the report's column name; its label tag names
// it for people (report column picker, call page). The declaration order
// is the order people see: the report's columns and the call page's field
// list follow it. Fields lists them with the accessors the CSV reader, the
// sandbox's encoders, the report and the call page share.
//
// The docs say every field is always present; some are nullable. Nullable
// fields use the Null* types, fields documented as always present use the
// lenient Int/Float/Text/Time types, so a record from an older or newer API
// version (or one of the docs' own contradictory examples) still decodes.
// Unknown fields are ignored.
type CDR struct {
	StartTime         Time       `json:"start_time" label:"Start time"`
	AnswerTime        NullTime   `json:"answer_time" label:"Answer time"`
	EndTime           Time       `json:"end_time" label:"End time"`
	ProgressTime      NullTime   `json:"progress_time" label:"Progress (ringing) time"`
	CallDirection     Text       `json:"call_direction" label:"Direction"`
	CallerIDName      Text       `json:"caller_id_name" label:"Caller name"`
	CallerIDNumber    Text       `json:"caller_id_number" label:"Caller number"`
	DestinationNumber Text       `json:"destination_number" label:"Destination number"`
	Duration          Int        `json:"duration" label:"Duration (s, ring + talk)"` // seconds, ring + talk
	Billsec           Int        `json:"billsec" label:"Billed seconds (talk)"`      // talk seconds, 0 if unanswered
	RingTime          Int        `json:"ring_time" label:"Ring time (s)"`            // seconds
	HangupCause       NullString `json:"hangup_cause" label:"Hangup cause"`
	HangupCauseCode   NullInt    `json:"hangup_cause_code" label:"Hangup cause code"`
	HangupCauseName   NullString `json:"hangup_cause_name" label:"Hangup cause name"`
	HangupDisposition NullString `json:"hangup_disposition" label:"Hangup disposition"`
	HangupSource      NullString `json:"hangup_source" label:"Hung up by"`
	FailureCode       NullString `json:"failure_code" label:"Failure code"`
	FailureReason     NullString `json:"failure_reason" label:"Failure reason"`
	MOS               NullFloat  `json:"mos" label:"MOS"`                     // 1.0–5.0; 0 or null means no media
	Jitter            NullFloat  `json:"jitter" label:"Jitter (ms)"`          // milliseconds
	PacketLoss        NullFloat  `json:"packet_loss" label:"Packet loss (%)"` // percent
	Codec             NullString `json:"codec" label:"Codec"`
	Cost              Float      `json:"cost" label:"Cost"`
	StreamingCost     Float      `json:"streaming_cost" label:"Streaming cost"`
	TotalCost         Float      `json:"total_cost" label:"Total cost"` // cost + streaming_cost
	Currency          Text       `json:"currency" label:"Currency"`
	UUID              Text       `json:"uuid" label:"Call UUID"`
	ID                Int        `json:"id" label:"Record id"`
	AccountID         Text       `json:"account_id" label:"Account id"`
	BridgeUUID        NullString `json:"bridge_uuid" label:"Bridge UUID"`
	SIPCallID         Text       `json:"sip_call_id" label:"SIP Call-ID"`
	SIPUserAgent      NullString `json:"sip_user_agent" label:"SIP user agent"`
	NetworkAddr       NullString `json:"network_addr" label:"Network address"`
	CarrierIP         NullString `json:"carrier_ip" label:"Carrier IP"`
	Context           Text       `json:"context" label:"Context"`
	Region            Text       `json:"region" label:"Region"`
	OriginationRegion Text       `json:"origination_region" label:"Origination region"`
	CampaignID        NullString `json:"campaign_id" label:"Campaign id"`
	CustomerEndpoint  NullString `json:"customer_endpoint" label:"Customer endpoint"`
	TrunkID           NullString `json:"trunk_id" label:"Trunk id"`
	TerminatedTo      NullString `json:"terminated_to" label:"Terminated to"`
	CreatedAt         Time       `json:"created_at" label:"Record created"`
	UpdatedAt         Time       `json:"updated_at" label:"Record updated"`

	// Raw is the record exactly as the API sent it. Only GetCDR fills it,
	// for the "raw record" view; list decoding leaves it nil to save memory.
	Raw json.RawMessage `json:"-"`
}

// Answered reports whether the call was answered. The docs define the
// summary's answeredCalls as billsec > 0; an answer_time alone (answered
// then dropped at once) does not count, so the dashboard agrees with the
// API's own numbers.
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
