package vobiz

import (
	"encoding/json"
	"math"
	"time"
)

// CDR is one call detail record with the 43 documented fields.
//
// The docs say every field is always present; some are nullable. Nullable
// fields use the Null* types, fields documented as always present use the
// lenient Int/Float/Text/Time types, so a record from an older or newer API
// version (or one of the docs' own contradictory examples) still decodes.
// Unknown fields are ignored. See docs/vobiz-api.md#cdr-fields and
// docs/vobiz-api.md#field-types-and-lenient-decoding.
type CDR struct {
	ID                Int        `json:"id"`
	UUID              Text       `json:"uuid"`
	AccountID         Text       `json:"account_id"`
	CallDirection     Text       `json:"call_direction"`
	CallerIDName      Text       `json:"caller_id_name"`
	CallerIDNumber    Text       `json:"caller_id_number"`
	DestinationNumber Text       `json:"destination_number"`
	Duration          Int        `json:"duration"`  // seconds, ring + talk
	Billsec           Int        `json:"billsec"`   // talk seconds, 0 if unanswered
	RingTime          Int        `json:"ring_time"` // seconds
	StartTime         Time       `json:"start_time"`
	ProgressTime      NullTime   `json:"progress_time"`
	AnswerTime        NullTime   `json:"answer_time"`
	EndTime           Time       `json:"end_time"`
	CreatedAt         Time       `json:"created_at"`
	UpdatedAt         Time       `json:"updated_at"`
	Cost              Float      `json:"cost"`
	StreamingCost     Float      `json:"streaming_cost"`
	TotalCost         Float      `json:"total_cost"` // cost + streaming_cost
	Currency          Text       `json:"currency"`
	HangupCause       NullString `json:"hangup_cause"`
	HangupCauseCode   NullInt    `json:"hangup_cause_code"`
	HangupCauseName   NullString `json:"hangup_cause_name"`
	HangupDisposition NullString `json:"hangup_disposition"`
	HangupSource      NullString `json:"hangup_source"`
	FailureCode       NullString `json:"failure_code"`
	FailureReason     NullString `json:"failure_reason"`
	BridgeUUID        NullString `json:"bridge_uuid"`
	SIPCallID         Text       `json:"sip_call_id"`
	SIPUserAgent      NullString `json:"sip_user_agent"`
	Codec             NullString `json:"codec"`
	MOS               NullFloat  `json:"mos"`         // 1.0–5.0; 0 or null means no media
	Jitter            NullFloat  `json:"jitter"`      // milliseconds
	PacketLoss        NullFloat  `json:"packet_loss"` // percent
	NetworkAddr       NullString `json:"network_addr"`
	CarrierIP         NullString `json:"carrier_ip"`
	Context           Text       `json:"context"`
	Region            Text       `json:"region"`
	OriginationRegion Text       `json:"origination_region"`
	CampaignID        NullString `json:"campaign_id"`
	CustomerEndpoint  NullString `json:"customer_endpoint"`
	TrunkID           NullString `json:"trunk_id"`
	TerminatedTo      NullString `json:"terminated_to"`

	// Raw is the record exactly as the API sent it. Only GetCDR fills it,
	// for the "raw record" view; list decoding leaves it nil to save memory.
	Raw json.RawMessage `json:"-"`
}

// FieldNames lists the 43 CDR fields in the alphabetical order the API uses
// for JSON keys. The sandbox writes CSV columns in this order; readers must
// still go by header name, never by position.
var FieldNames = []string{
	"account_id", "answer_time", "billsec", "bridge_uuid", "call_direction",
	"caller_id_name", "caller_id_number", "campaign_id", "carrier_ip", "codec",
	"context", "cost", "created_at", "currency", "customer_endpoint",
	"destination_number", "duration", "end_time", "failure_code",
	"failure_reason", "hangup_cause", "hangup_cause_code", "hangup_cause_name",
	"hangup_disposition", "hangup_source", "id", "jitter", "mos", "network_addr",
	"origination_region", "packet_loss", "progress_time", "region", "ring_time",
	"sip_call_id", "sip_user_agent", "start_time", "streaming_cost",
	"terminated_to", "total_cost", "trunk_id", "updated_at", "uuid",
}

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
