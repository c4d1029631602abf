package vobiz

import (
	"encoding/json"
	"strings"
)

// Decoding list, search and recent responses is the dashboard's largest
// CPU cost per page: with encoding/json, a 100-row page means about 4,300
// reflective field look-ups and UnmarshalJSON calls through interfaces,
// after a full validating pre-scan of the body. The decoder below reads the
// shapes the API sends in one pass, calling the same field decoders
// (Int.UnmarshalJSON and friends) directly, with the same raw value bytes
// encoding/json would hand them.
//
// It is a fast path, never a second implementation of the rules: it accepts
// a strict subset of JSON (object keys in plain ASCII, no case-folded key
// matches, no duplicate "data", no null rows, modest nesting) and gives up
// on anything else, including any field decoder's error. The caller then
// decodes from scratch with encoding/json, whose result or error is the
// answer. So whenever the fast path succeeds its result is the one
// encoding/json gives; FuzzFastDecodeMatchesEncodingJSON checks exactly
// that.

// maxFastDepth bounds the nesting the fast path skips through (unknown
// fields holding nested values); deeper input goes to encoding/json.
const maxFastDepth = 64

// decodeSearchResponse decodes a search body into out (a zero value).
func decodeSearchResponse(b []byte, out *SearchResponse) error {
	if decodeEnvelopeFast(b, envelopeTargets{
		accountID: &out.AccountID, count: &out.Count, data: &out.Data, pagination: &out.Pagination,
		summary: &out.Summary, success: &out.Success, filters: &out.Filters,
	}) {
		return nil
	}
	*out = SearchResponse{}
	return json.Unmarshal(b, out)
}

// decodeListResponse decodes a list body into out (a zero value).
func decodeListResponse(b []byte, out *ListResponse) error {
	if decodeEnvelopeFast(b, envelopeTargets{
		accountID: &out.AccountID, count: &out.Count, data: &out.Data, pagination: &out.Pagination,
		summary: &out.Summary, success: &out.Success,
	}) {
		return nil
	}
	*out = ListResponse{}
	return json.Unmarshal(b, out)
}

// decodeRecentResponse decodes a recent body into out (a zero value).
func decodeRecentResponse(b []byte, out *RecentResponse) error {
	if decodeEnvelopeFast(b, envelopeTargets{
		accountID: &out.AccountID, count: &out.Count, data: &out.Data, success: &out.Success,
	}) {
		return nil
	}
	*out = RecentResponse{}
	return json.Unmarshal(b, out)
}

// decodeCDR decodes one record into c (a zero value).
func decodeCDR(b []byte, c *CDR) error {
	i := skipSpace(b, 0)
	if i < len(b) && b[i] == '{' {
		if end, ok := c.decodeFast(b, i); ok && skipSpace(b, end) == len(b) {
			return nil
		}
	}
	*c = CDR{}
	return json.Unmarshal(b, c)
}

// envelopeTargets are the fields of one envelope type; nil means the type
// has no such field, so the key is ignored like any unknown key.
type envelopeTargets struct {
	accountID  *Text
	count      *Int
	data       *[]CDR
	pagination *Pagination
	summary    *Summary
	success    *bool
	filters    *FiltersEcho
}

// foldsToField reports whether key, which matched no field exactly, would
// match one case-insensitively in encoding/json (which then decodes it
// into that field). The fast path leaves such input to encoding/json.
func (t envelopeTargets) foldsToField(key []byte) bool {
	for _, f := range []struct {
		name    string
		present bool
	}{
		{"account_id", t.accountID != nil}, {"count", t.count != nil}, {"data", t.data != nil},
		{"pagination", t.pagination != nil}, {"summary", t.summary != nil}, {"success", t.success != nil},
		{"filters", t.filters != nil},
	} {
		if f.present && strings.EqualFold(string(key), f.name) {
			return true
		}
	}
	return false
}

func decodeEnvelopeFast(b []byte, t envelopeTargets) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return skipSpace(b, i+1) == len(b)
	}
	sawData := false
	for {
		key, v, ok := objectKey(b, i)
		if !ok {
			return false
		}
		var end int
		switch {
		case string(key) == "data" && t.data != nil:
			if sawData {
				return false // encoding/json merges into the first rows
			}
			sawData = true
			end, ok = decodeRows(b, v, t.data)
		case string(key) == "pagination" && t.pagination != nil:
			end, ok = t.pagination.decodeFast(b, v)
		case string(key) == "summary" && t.summary != nil:
			end, ok = t.summary.decodeFast(b, v)
		case string(key) == "success" && t.success != nil:
			end, ok = decodeBool(b, v, t.success)
		case string(key) == "account_id" && t.accountID != nil:
			end, ok = field(b, v, t.accountID.UnmarshalJSON)
		case string(key) == "count" && t.count != nil:
			end, ok = field(b, v, t.count.UnmarshalJSON)
		case string(key) == "filters" && t.filters != nil:
			end, ok = field(b, v, t.filters.UnmarshalJSON)
		default:
			if t.foldsToField(key) {
				return false
			}
			end, ok = skipValue(b, v, 0)
		}
		if !ok {
			return false
		}
		var more bool
		if i, more, ok = nextMember(b, end, '}'); !ok {
			return false
		}
		if !more {
			return skipSpace(b, i) == len(b)
		}
	}
}

// decodeRows reads the "data" array: null gives nil, [] an empty non-nil
// slice (as encoding/json does), and every element must be an object.
func decodeRows(b []byte, i int, out *[]CDR) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	if b[i] == 'n' {
		end, ok := literal(b, i, "null")
		if ok {
			*out = nil
		}
		return end, ok
	}
	if b[i] != '[' {
		return 0, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		*out = make([]CDR, 0)
		return i + 1, true
	}
	var rows []CDR
	for {
		if i >= len(b) || b[i] != '{' {
			return 0, false // null rows and type errors: encoding/json decides
		}
		rows = append(rows, CDR{})
		end, ok := rows[len(rows)-1].decodeFast(b, i)
		if !ok {
			return 0, false
		}
		var more bool
		if i, more, ok = nextMember(b, end, ']'); !ok {
			return 0, false
		}
		if !more {
			*out = rows
			return i, true
		}
	}
}

// cdrFieldsFolded holds the lower-case JSON names of CDR's fields, for
// the case-insensitive match check on unknown keys.
var cdrFieldsFolded = func() map[string]bool {
	m := make(map[string]bool, len(FieldNames))
	for _, n := range FieldNames {
		m[n] = true
	}
	return m
}()

// decodeFast reads one record object starting at b[i] == '{' and returns
// the index after it.
func (c *CDR) decodeFast(b []byte, i int) (int, bool) {
	return objectFast(b, i, c.setField)
}

// setField decodes one member of a record with the field's own decoder.
func (c *CDR) setField(key, raw []byte) (member, error) {
	var err error
	switch string(key) {
	case "id":
		err = c.ID.UnmarshalJSON(raw)
	case "uuid":
		err = c.UUID.UnmarshalJSON(raw)
	case "account_id":
		err = c.AccountID.UnmarshalJSON(raw)
	case "call_direction":
		err = c.CallDirection.UnmarshalJSON(raw)
	case "caller_id_name":
		err = c.CallerIDName.UnmarshalJSON(raw)
	case "caller_id_number":
		err = c.CallerIDNumber.UnmarshalJSON(raw)
	case "destination_number":
		err = c.DestinationNumber.UnmarshalJSON(raw)
	case "duration":
		err = c.Duration.UnmarshalJSON(raw)
	case "billsec":
		err = c.Billsec.UnmarshalJSON(raw)
	case "ring_time":
		err = c.RingTime.UnmarshalJSON(raw)
	case "start_time":
		err = c.StartTime.UnmarshalJSON(raw)
	case "progress_time":
		err = c.ProgressTime.UnmarshalJSON(raw)
	case "answer_time":
		err = c.AnswerTime.UnmarshalJSON(raw)
	case "end_time":
		err = c.EndTime.UnmarshalJSON(raw)
	case "created_at":
		err = c.CreatedAt.UnmarshalJSON(raw)
	case "updated_at":
		err = c.UpdatedAt.UnmarshalJSON(raw)
	case "cost":
		err = c.Cost.UnmarshalJSON(raw)
	case "streaming_cost":
		err = c.StreamingCost.UnmarshalJSON(raw)
	case "total_cost":
		err = c.TotalCost.UnmarshalJSON(raw)
	case "currency":
		err = c.Currency.UnmarshalJSON(raw)
	case "hangup_cause":
		err = c.HangupCause.UnmarshalJSON(raw)
	case "hangup_cause_code":
		err = c.HangupCauseCode.UnmarshalJSON(raw)
	case "hangup_cause_name":
		err = c.HangupCauseName.UnmarshalJSON(raw)
	case "hangup_disposition":
		err = c.HangupDisposition.UnmarshalJSON(raw)
	case "hangup_source":
		err = c.HangupSource.UnmarshalJSON(raw)
	case "failure_code":
		err = c.FailureCode.UnmarshalJSON(raw)
	case "failure_reason":
		err = c.FailureReason.UnmarshalJSON(raw)
	case "bridge_uuid":
		err = c.BridgeUUID.UnmarshalJSON(raw)
	case "sip_call_id":
		err = c.SIPCallID.UnmarshalJSON(raw)
	case "sip_user_agent":
		err = c.SIPUserAgent.UnmarshalJSON(raw)
	case "codec":
		err = c.Codec.UnmarshalJSON(raw)
	case "mos":
		err = c.MOS.UnmarshalJSON(raw)
	case "jitter":
		err = c.Jitter.UnmarshalJSON(raw)
	case "packet_loss":
		err = c.PacketLoss.UnmarshalJSON(raw)
	case "network_addr":
		err = c.NetworkAddr.UnmarshalJSON(raw)
	case "carrier_ip":
		err = c.CarrierIP.UnmarshalJSON(raw)
	case "context":
		err = c.Context.UnmarshalJSON(raw)
	case "region":
		err = c.Region.UnmarshalJSON(raw)
	case "origination_region":
		err = c.OriginationRegion.UnmarshalJSON(raw)
	case "campaign_id":
		err = c.CampaignID.UnmarshalJSON(raw)
	case "customer_endpoint":
		err = c.CustomerEndpoint.UnmarshalJSON(raw)
	case "trunk_id":
		err = c.TrunkID.UnmarshalJSON(raw)
	case "terminated_to":
		err = c.TerminatedTo.UnmarshalJSON(raw)
	default:
		if cdrFieldsFolded[strings.ToLower(string(key))] {
			return memberFolded, nil
		}
		return memberUnknown, nil
	}
	return memberSet, err
}

// decodeFast reads the pagination object (merged into p, as encoding/json
// merges) or null (no change).
func (p *Pagination) decodeFast(b []byte, i int) (int, bool) {
	return structFast(b, i, func(key []byte, raw []byte) (member, error) {
		switch string(key) {
		case "page":
			return memberSet, p.Page.UnmarshalJSON(raw)
		case "per_page":
			return memberSet, p.PerPage.UnmarshalJSON(raw)
		case "total":
			return memberSet, p.Total.UnmarshalJSON(raw)
		case "pages":
			return memberSet, p.Pages.UnmarshalJSON(raw)
		case "has_next":
			return memberSet, boolValue(raw, &p.HasNext)
		case "has_prev":
			return memberSet, boolValue(raw, &p.HasPrev)
		}
		return foldsToAny(key, "page", "per_page", "total", "pages", "has_next", "has_prev"), nil
	})
}

// decodeFast reads the summary object (merged, like Pagination) or null.
func (s *Summary) decodeFast(b []byte, i int) (int, bool) {
	return structFast(b, i, func(key []byte, raw []byte) (member, error) {
		switch string(key) {
		case "totalCalls":
			return memberSet, s.TotalCalls.UnmarshalJSON(raw)
		case "answeredCalls":
			return memberSet, s.AnsweredCalls.UnmarshalJSON(raw)
		case "answerRate":
			return memberSet, s.AnswerRate.UnmarshalJSON(raw)
		case "avgCallDuration":
			return memberSet, s.AvgCallDuration.UnmarshalJSON(raw)
		case "total_duration_seconds":
			return memberSet, s.TotalDurationSeconds.UnmarshalJSON(raw)
		case "total_billable_seconds":
			return memberSet, s.TotalBillableSeconds.UnmarshalJSON(raw)
		case "total_cost":
			return memberSet, s.TotalCost.UnmarshalJSON(raw)
		case "last_call_at":
			return memberSet, s.LastCallAt.UnmarshalJSON(raw)
		}
		return foldsToAny(key, "totalCalls", "answeredCalls", "answerRate", "avgCallDuration",
			"total_duration_seconds", "total_billable_seconds", "total_cost", "last_call_at"), nil
	})
}

// member is what structFast's callback did with one object member.
type member int

const (
	memberUnknown member = iota // no such field: ignored
	memberSet                   // decoded into its field
	memberFolded                // matches a field only case-insensitively
)

// structFast reads a small object, or null (the target is left unchanged),
// member by member with set (see objectFast).
func structFast(b []byte, i int, set func(key, raw []byte) (member, error)) (int, bool) {
	if i < len(b) && b[i] == 'n' {
		return literal(b, i, "null")
	}
	return objectFast(b, i, set)
}

// objectFast reads the object at b[i] member by member with set and
// returns the index after it; a folded key match or a decoder error makes
// the fast path give up.
func objectFast(b []byte, i int, set func(key, raw []byte) (member, error)) (int, bool) {
	if i >= len(b) || b[i] != '{' {
		return 0, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, true
	}
	for {
		key, v, ok := objectKey(b, i)
		if !ok {
			return 0, false
		}
		end, ok := skipValue(b, v, 0)
		if !ok {
			return 0, false
		}
		m, err := set(key, b[v:end])
		if err != nil || m == memberFolded {
			return 0, false
		}
		var more bool
		if i, more, ok = nextMember(b, end, '}'); !ok {
			return 0, false
		}
		if !more {
			return i, true
		}
	}
}

// foldsToAny reports memberFolded when key (which matched no field
// exactly) matches one of names case-insensitively, else memberUnknown.
func foldsToAny(key []byte, names ...string) member {
	for _, n := range names {
		if strings.EqualFold(string(key), n) {
			return memberFolded
		}
	}
	return memberUnknown
}

// decodeBool reads true, false or null (no change) at b[i].
func decodeBool(b []byte, i int, out *bool) (int, bool) {
	end, ok := skipValue(b, i, 0)
	if !ok {
		return 0, false
	}
	return end, boolValue(b[i:end], out) == nil
}

// boolValue sets out from the literal raw; null leaves it unchanged and
// anything else is a type error (which sends the input to encoding/json).
func boolValue(raw []byte, out *bool) error {
	switch string(raw) {
	case "true":
		*out = true
	case "false":
		*out = false
	case "null":
	default:
		return errFastPath
	}
	return nil
}

// errFastPath makes the fast path give up; it never reaches a caller.
var errFastPath = &json.UnmarshalTypeError{Value: "value outside the fast path"}

// field skips the value at b[i] and hands its bytes to decode.
func field(b []byte, i int, decode func([]byte) error) (int, bool) {
	end, ok := skipValue(b, i, 0)
	if !ok {
		return 0, false
	}
	return end, decode(b[i:end]) == nil
}

// objectKey reads `"key" :` at b[i] (after whitespace) and returns the key
// and the index of the value (after whitespace). Only plain ASCII keys
// without escapes are accepted.
func objectKey(b []byte, i int) (key []byte, value int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	start := i + 1
	for j := start; j < len(b); j++ {
		c := b[j]
		if c == '"' {
			k := skipSpace(b, j+1)
			if k >= len(b) || b[k] != ':' {
				return nil, 0, false
			}
			return b[start:j], skipSpace(b, k+1), true
		}
		if c < 0x20 || c == '\\' || c >= 0x80 {
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// nextMember reads what follows a value inside an object or array: a
// comma (more members; the index of the next one after whitespace) or the
// closing byte (the index after it).
func nextMember(b []byte, i int, closing byte) (next int, more, ok bool) {
	i = skipSpace(b, i)
	if i >= len(b) {
		return 0, false, false
	}
	switch b[i] {
	case ',':
		return skipSpace(b, i+1), true, true
	case closing:
		return i + 1, false, true
	}
	return 0, false, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipValue validates the JSON value at b[i] and returns the index after
// it.
func skipValue(b []byte, i, depth int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch c := b[i]; {
	case c == '"':
		return skipString(b, i)
	case c == '-' || c >= '0' && c <= '9':
		return skipNumber(b, i)
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	case c == '{' || c == '[':
		if depth >= maxFastDepth {
			return 0, false
		}
		closing := byte('}')
		if c == '[' {
			closing = ']'
		}
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == closing {
			return i + 1, true
		}
		for {
			var ok bool
			if c == '{' {
				if i >= len(b) || b[i] != '"' {
					return 0, false
				}
				if i, ok = skipString(b, i); !ok {
					return 0, false
				}
				i = skipSpace(b, i)
				if i >= len(b) || b[i] != ':' {
					return 0, false
				}
				i = skipSpace(b, i+1)
			}
			if i, ok = skipValue(b, i, depth+1); !ok {
				return 0, false
			}
			var more bool
			if i, more, ok = nextMember(b, i, closing); !ok {
				return 0, false
			}
			if !more {
				return i, true
			}
		}
	}
	return 0, false
}

// skipString validates the string literal at b[i] == '"': no control
// bytes, only the escapes JSON defines. Invalid UTF-8 is valid here, as in
// encoding/json (which replaces it when decoding).
func skipString(b []byte, i int) (int, bool) {
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1, true
		case c < 0x20:
			return 0, false
		case c == '\\':
			if j+1 >= len(b) {
				return 0, false
			}
			switch b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j++
			case 'u':
				if j+5 >= len(b) {
					return 0, false
				}
				for _, h := range b[j+2 : j+6] {
					if !isHex(h) {
						return 0, false
					}
				}
				j += 5
			default:
				return 0, false
			}
		}
	}
	return 0, false
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// skipNumber validates a number by JSON's grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func skipNumber(b []byte, i int) (int, bool) {
	if b[i] == '-' {
		i++
	}
	digits := func() bool {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > start
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return 0, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return 0, false
		}
	}
	return i, true
}

// literal checks for word at b[i].
func literal(b []byte, i int, word string) (int, bool) {
	if len(b)-i >= len(word) && string(b[i:i+len(word)]) == word {
		return i + len(word), true
	}
	return 0, false
}
