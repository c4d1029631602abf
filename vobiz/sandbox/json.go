package sandbox

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/cdrdash/cdrdash/vobiz"
)

// The JSON encoder appends to a []byte. Records are written field by field
// from vobiz.Fields, so a new CDR field is served without an edit here; the
// envelopes are spelled out. Writing them directly makes the key order
// explicit: the API's examples use alphabetical keys (vobiz.FieldNames
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

func appendTimeJSON(b []byte, sec int64) []byte {
	b = append(b, '"')
	b = appendUnix(b, sec)
	return append(b, '"')
}

func appendInt(b []byte, v int64) []byte { return strconv.AppendInt(b, v, 10) }

func appendFloat(b []byte, v float64) []byte { return strconv.AppendFloat(b, v, 'f', -1, 64) }

// recordFields are the CDR fields in the order records are written.
var recordFields = func() []vobiz.Field {
	out := make([]vobiz.Field, len(vobiz.FieldNames))
	for i, name := range vobiz.FieldNames {
		out[i], _ = vobiz.FieldByName(name)
	}
	return out
}()

// appendRecord appends one CDR object with every field, in
// vobiz.FieldNames order.
func appendRecord(b []byte, c *vobiz.CDR, o encOpts) []byte {
	b = append(b, '{')
	for k, f := range recordFields {
		if k > 0 {
			b = append(b, ',')
		}
		b = appendKey(b, f.Name)
		if o.wrongTypes {
			if wrong, ok := appendWrongType(b, f.Name, c); ok {
				b = wrong
				continue
			}
		}
		b = appendValue(b, f.Ptr(c))
	}
	return append(b, '}')
}

// appendValue appends one field value (a pointer from vobiz.Field.Ptr) the
// way the API sends it: nulls as null, times in the documented form.
func appendValue(b []byte, p any) []byte {
	switch v := p.(type) {
	case *vobiz.Text:
		return appendString(b, string(*v))
	case *vobiz.NullString:
		if !v.Valid {
			return append(b, "null"...)
		}
		return appendString(b, v.String)
	case *vobiz.Int:
		return appendInt(b, int64(*v))
	case *vobiz.NullInt:
		if !v.Valid {
			return append(b, "null"...)
		}
		return appendInt(b, v.Int64)
	case *vobiz.Float:
		return appendFloat(b, float64(*v))
	case *vobiz.NullFloat:
		if !v.Valid {
			return append(b, "null"...)
		}
		return appendFloat(b, v.Float64)
	case *vobiz.Time:
		if v.IsZero() {
			return append(b, "null"...)
		}
		return appendTimeJSON(b, v.Unix())
	}
	panic(fmt.Sprintf("sandbox: no JSON form for %T", p))
}

// appendWrongType writes the BodyWrongTypes fault's values: types the docs
// do not promise but a real API version might send (numbers in strings, a
// unix time, an object). ok is false for the fields it leaves alone.
func appendWrongType(b []byte, name string, c *vobiz.CDR) (_ []byte, ok bool) {
	switch name {
	case "answer_time":
		if c.AnswerTime.IsZero() {
			return b, false
		}
		return appendInt(b, c.AnswerTime.Unix()), true // a unix number instead of a string
	case "billsec":
		return append(appendInt(append(b, '"'), int64(c.Billsec)), '"'), true
	case "duration":
		return append(appendInt(append(b, `{"value":`...), int64(c.Duration)), '}'), true
	case "id":
		return append(appendInt(append(b, '"'), int64(c.ID)), '"'), true
	case "mos":
		return append(appendFloat(append(b, '"'), c.MOS.Float64), '"'), true
	}
	return b, false
}

// appendRecords appends a JSON array of the calls at array indexes idx.
func (s *Server) appendRecords(v *view, b []byte, idx []int, o encOpts) []byte {
	b = append(b, '[')
	var c vobiz.CDR
	for k, i := range idx {
		if k > 0 {
			b = append(b, ',')
		}
		s.resolve(v, &c, i)
		b = appendRecord(b, &c, o)
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
	b = appendFloat(b, float64(sm.costCents())/100)
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
func (s *Server) appendListEnvelope(v *view, b []byte, res *scanResult, p pagination, echo *filtersEcho, o encOpts) []byte {
	b = append(b, `{"account_id":`...)
	b = appendString(b, s.opts.AuthID)
	b = append(b, `,"count":`...)
	b = appendInt(b, int64(len(res.page)))
	b = append(b, `,"data":`...)
	b = s.appendRecords(v, b, res.page, o)
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
func (s *Server) appendRecentEnvelope(v *view, b []byte, idx []int, o encOpts) []byte {
	b = append(b, `{"account_id":`...)
	b = appendString(b, s.opts.AuthID)
	b = append(b, `,"count":`...)
	b = appendInt(b, int64(len(idx)))
	b = append(b, `,"data":`...)
	b = s.appendRecords(v, b, idx, o)
	return append(b, `,"success":true}`...)
}

// appendGetEnvelope writes the get-one envelope.
func (s *Server) appendGetEnvelope(v *view, b []byte, i int, o encOpts) []byte {
	b = append(b, `{"data":`...)
	var c vobiz.CDR
	s.resolve(v, &c, i)
	b = appendRecord(b, &c, o)
	return append(b, `,"success":true}`...)
}
