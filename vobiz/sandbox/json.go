package sandbox

import (
	"strconv"
	"unicode/utf8"
)

// The JSON encoder appends to a []byte by hand. A page of 100 records of 43
// fields is the hot path of every list and search request, and writing it
// directly is several times faster than encoding/json while making the key
// order explicit: the API's examples use alphabetical keys (vobiz.FieldNames
// order), and so does every object written here.

// encOpts are per-request encoding switches.
type encOpts struct {
	wrongTypes bool // Faults.Body == BodyWrongTypes
}

func appendKey(b []byte, k string) []byte {
	b = append(b, '"')
	b = append(b, k...)
	return append(b, '"', ':')
}

// appendString appends s as a JSON string, escaping what JSON requires
// plus <, >, & and U+2028/2029 (like encoding/json), and replacing invalid
// UTF-8 with U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendNullString appends s, or null when s is "".
func appendNullString(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendString(b, s)
}

func appendTimeJSON(b []byte, sec int64) []byte {
	b = append(b, '"')
	b = appendUnix(b, sec)
	return append(b, '"')
}

func appendNullTime(b []byte, sec int64) []byte {
	if sec == 0 {
		return append(b, "null"...)
	}
	return appendTimeJSON(b, sec)
}

func appendInt(b []byte, v int64) []byte { return strconv.AppendInt(b, v, 10) }

// appendRecord appends one CDR object with all 43 fields in vobiz.FieldNames
// order.
func appendRecord(b []byte, r *row, o encOpts) []byte {
	b = append(b, '{')
	b = appendKey(b, "account_id")
	b = appendString(b, r.accountID)
	b = append(b, ',')
	b = appendKey(b, "answer_time")
	if o.wrongTypes && r.answer != 0 {
		b = appendInt(b, r.answer) // a unix number instead of a string
	} else {
		b = appendNullTime(b, r.answer)
	}
	b = append(b, ',')
	b = appendKey(b, "billsec")
	if o.wrongTypes {
		b = append(b, '"')
		b = appendInt(b, int64(r.billsec))
		b = append(b, '"')
	} else {
		b = appendInt(b, int64(r.billsec))
	}
	b = append(b, ',')
	b = appendKey(b, "bridge_uuid")
	if r.hasBridge {
		b = append(b, '"')
		b = append(b, r.bridgeUUID[:]...)
		b = append(b, '"')
	} else {
		b = append(b, "null"...)
	}
	b = append(b, ',')
	b = appendKey(b, "call_direction")
	b = appendString(b, r.direction)
	b = append(b, ',')
	b = appendKey(b, "caller_id_name")
	b = appendString(b, r.callerName)
	b = append(b, ',')
	b = appendKey(b, "caller_id_number")
	b = appendString(b, r.callerNumber)
	b = append(b, ',')
	b = appendKey(b, "campaign_id")
	b = appendNullString(b, r.campaign)
	b = append(b, ',')
	b = appendKey(b, "carrier_ip")
	b = appendNullString(b, r.carrierIP)
	b = append(b, ',')
	b = appendKey(b, "codec")
	b = appendNullString(b, r.codec)
	b = append(b, ',')
	b = appendKey(b, "context")
	b = appendString(b, r.context)
	b = append(b, ',')
	b = appendKey(b, "cost")
	b = appendFixed(b, r.cost, 1e4)
	b = append(b, ',')
	b = appendKey(b, "created_at")
	b = appendTimeJSON(b, r.created)
	b = append(b, ',')
	b = appendKey(b, "currency")
	b = appendString(b, currency)
	b = append(b, ',')
	b = appendKey(b, "customer_endpoint")
	b = appendNullString(b, r.endpoint)
	b = append(b, ',')
	b = appendKey(b, "destination_number")
	b = appendString(b, r.destNumber)
	b = append(b, ',')
	b = appendKey(b, "duration")
	if o.wrongTypes {
		b = append(b, `{"value":`...)
		b = appendInt(b, int64(r.duration))
		b = append(b, '}')
	} else {
		b = appendInt(b, int64(r.duration))
	}
	b = append(b, ',')
	b = appendKey(b, "end_time")
	b = appendTimeJSON(b, r.end)
	b = append(b, ',')
	b = appendKey(b, "failure_code")
	b = appendNullString(b, r.out.failCode)
	b = append(b, ',')
	b = appendKey(b, "failure_reason")
	b = appendNullString(b, r.out.failReason)
	b = append(b, ',')
	b = appendKey(b, "hangup_cause")
	b = appendNullString(b, r.out.cause)
	b = append(b, ',')
	b = appendKey(b, "hangup_cause_code")
	b = appendInt(b, int64(r.out.code))
	b = append(b, ',')
	b = appendKey(b, "hangup_cause_name")
	b = appendNullString(b, r.out.name)
	b = append(b, ',')
	b = appendKey(b, "hangup_disposition")
	b = appendNullString(b, r.out.disposition)
	b = append(b, ',')
	b = appendKey(b, "hangup_source")
	b = appendNullString(b, r.out.source)
	b = append(b, ',')
	b = appendKey(b, "id")
	if o.wrongTypes {
		b = append(b, '"')
		b = appendInt(b, r.id)
		b = append(b, '"')
	} else {
		b = appendInt(b, r.id)
	}
	b = append(b, ',')
	b = appendKey(b, "jitter")
	b = appendFixed(b, int64(r.jitter), 100)
	b = append(b, ',')
	b = appendKey(b, "mos")
	if o.wrongTypes {
		b = append(b, '"')
		b = appendFixed(b, int64(r.mos), 100)
		b = append(b, '"')
	} else {
		b = appendFixed(b, int64(r.mos), 100)
	}
	b = append(b, ',')
	b = appendKey(b, "network_addr")
	b = append(b, '"')
	b = appendIPv4(b, r.networkAddr)
	b = append(b, '"', ',')
	b = appendKey(b, "origination_region")
	b = appendString(b, r.origRegion)
	b = append(b, ',')
	b = appendKey(b, "packet_loss")
	b = appendFixed(b, int64(r.loss), 100)
	b = append(b, ',')
	b = appendKey(b, "progress_time")
	b = appendNullTime(b, r.progress)
	b = append(b, ',')
	b = appendKey(b, "region")
	b = appendString(b, r.region)
	b = append(b, ',')
	b = appendKey(b, "ring_time")
	b = appendInt(b, int64(r.ring))
	b = append(b, ',')
	b = appendKey(b, "sip_call_id")
	b = append(b, '"')
	b = append(b, r.sipCallID[:]...)
	b = append(b, '"', ',')
	b = appendKey(b, "sip_user_agent")
	b = appendString(b, userAgent)
	b = append(b, ',')
	b = appendKey(b, "start_time")
	b = appendTimeJSON(b, r.start)
	b = append(b, ',')
	b = appendKey(b, "streaming_cost")
	b = appendFixed(b, r.stream, 1e4)
	b = append(b, ',')
	b = appendKey(b, "terminated_to")
	b = appendNullString(b, r.terminatedTo)
	b = append(b, ',')
	b = appendKey(b, "total_cost")
	b = appendFixed(b, r.total, 1e4)
	b = append(b, ',')
	b = appendKey(b, "trunk_id")
	b = appendNullString(b, r.trunk)
	b = append(b, ',')
	b = appendKey(b, "updated_at")
	b = appendTimeJSON(b, r.updated)
	b = append(b, ',')
	b = appendKey(b, "uuid")
	b = append(b, '"')
	b = append(b, r.uuid[:]...)
	b = append(b, '"')
	return append(b, '}')
}

// appendRecords appends a JSON array of the calls at positions idx.
func (s *Server) appendRecords(b []byte, idx []int, o encOpts) []byte {
	b = append(b, '[')
	var r row
	for k, i := range idx {
		if k > 0 {
			b = append(b, ',')
		}
		s.resolve(&r, i)
		b = appendRecord(b, &r, o)
	}
	return append(b, ']')
}

// pagination is the documented paging block.
type pagination struct {
	page, perPage, total, pages int64
}

// appendPagination writes the block with alphabetical keys.
func appendPagination(b []byte, p pagination) []byte {
	b = append(b, `{"has_next":`...)
	b = strconv.AppendBool(b, p.page < p.pages)
	b = append(b, `,"has_prev":`...)
	b = strconv.AppendBool(b, p.page > 1)
	b = append(b, `,"page":`...)
	b = appendInt(b, p.page)
	b = append(b, `,"pages":`...)
	b = appendInt(b, p.pages)
	b = append(b, `,"per_page":`...)
	b = appendInt(b, p.perPage)
	b = append(b, `,"total":`...)
	b = appendInt(b, p.total)
	return append(b, '}')
}

// appendSummary writes the summary block, keys in byte order as the API
// sorts them (camelCase keys sort before their snake_case neighbours).
func (s *Server) appendSummary(b []byte, sm *summary) []byte {
	b = append(b, `{"answerRate":`...)
	b = strconv.AppendFloat(b, sm.answerRate(), 'f', -1, 64)
	b = append(b, `,"answeredCalls":`...)
	b = appendInt(b, sm.answered)
	b = append(b, `,"avgCallDuration":`...)
	b = appendString(b, sm.avgCallDuration())
	b = append(b, `,"last_call_at":`...)
	if sm.total == 0 {
		b = append(b, `""`...)
	} else {
		b = appendTimeJSON(b, sm.lastStart)
	}
	b = append(b, `,"totalCalls":`...)
	b = appendInt(b, sm.total)
	b = append(b, `,"total_billable_seconds":`...)
	b = appendInt(b, sm.billable)
	b = append(b, `,"total_cost":`...)
	b = appendFixed(b, sm.costCents(), 100)
	b = append(b, `,"total_duration_seconds":`...)
	b = appendInt(b, sm.duration)
	return append(b, '}')
}

// filtersEcho is the search endpoint's "filters" block.
type filtersEcho struct {
	callDirection, fromNumber, hangupCause, toNumber string
}

func appendFilters(b []byte, f filtersEcho) []byte {
	b = append(b, `{"call_direction":`...)
	b = appendString(b, f.callDirection)
	b = append(b, `,"from_number":`...)
	b = appendString(b, f.fromNumber)
	b = append(b, `,"hangup_cause":`...)
	b = appendString(b, f.hangupCause)
	b = append(b, `,"to_number":`...)
	b = appendString(b, f.toNumber)
	return append(b, '}')
}

// appendListEnvelope writes the list envelope, or the search envelope when
// echo is non-nil.
func (s *Server) appendListEnvelope(b []byte, res *scanResult, p pagination, echo *filtersEcho, o encOpts) []byte {
	b = append(b, `{"account_id":`...)
	b = appendString(b, s.opts.AuthID)
	b = append(b, `,"count":`...)
	b = appendInt(b, int64(len(res.page)))
	b = append(b, `,"data":`...)
	b = s.appendRecords(b, res.page, o)
	if echo != nil {
		b = append(b, `,"filters":`...)
		b = appendFilters(b, *echo)
	}
	b = append(b, `,"pagination":`...)
	b = appendPagination(b, p)
	b = append(b, `,"success":true,"summary":`...)
	b = s.appendSummary(b, &res.sum)
	return append(b, '}')
}

// appendRecentEnvelope writes the recent envelope.
func (s *Server) appendRecentEnvelope(b []byte, idx []int, o encOpts) []byte {
	b = append(b, `{"account_id":`...)
	b = appendString(b, s.opts.AuthID)
	b = append(b, `,"count":`...)
	b = appendInt(b, int64(len(idx)))
	b = append(b, `,"data":`...)
	b = s.appendRecords(b, idx, o)
	return append(b, `,"success":true}`...)
}

// appendGetEnvelope writes the get-one envelope.
func (s *Server) appendGetEnvelope(b []byte, i int, o encOpts) []byte {
	b = append(b, `{"data":`...)
	var r row
	s.resolve(&r, i)
	b = appendRecord(b, &r, o)
	return append(b, `,"success":true}`...)
}
