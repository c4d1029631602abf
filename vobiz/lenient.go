package vobiz

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The Vobiz docs disagree with themselves about scalar types (the get-cdr
// OpenAPI types packet_loss as an integer, the examples send 0.1; failure_code
// is a string in one place and a bare number in SDK mocks; carrier_ip is
// untyped). These types decode every shape we have seen or can reasonably
// expect: JSON numbers, numbers inside strings, empty strings and null. A
// value that cannot be read as its type is still an error, so garbage is not
// silently turned into zero. See docs/vobiz-api.md#field-types-and-lenient-decoding.

// Int is a whole number that may arrive as a JSON number, a numeric string,
// "" or null (the last two decode as 0).
type Int int64

var (
	intType       = reflect.TypeFor[Int]()
	floatType     = reflect.TypeFor[Float]()
	nullIntType   = reflect.TypeFor[NullInt]()
	nullFloatType = reflect.TypeFor[NullFloat]()
	nullStrType   = reflect.TypeFor[NullString]()
	timeType      = reflect.TypeFor[Time]()
)

// UnmarshalJSON implements json.Unmarshaler.
func (n *Int) UnmarshalJSON(b []byte) error {
	v, ok, err := parseInt(b)
	if err != nil {
		return typeError(b, intType)
	}
	if !ok {
		*n = 0
		return nil
	}
	*n = Int(v)
	return nil
}

// Float is a number that may arrive as a JSON number, a numeric string, "" or
// null (the last two decode as 0).
type Float float64

// UnmarshalJSON implements json.Unmarshaler.
func (f *Float) UnmarshalJSON(b []byte) error {
	v, ok, err := parseNumber(b)
	if err != nil {
		return typeError(b, floatType)
	}
	if !ok {
		*f = 0
		return nil
	}
	*f = Float(v)
	return nil
}

// NullInt is a whole number that may be absent (null or "").
type NullInt struct {
	Int64 int64
	Valid bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *NullInt) UnmarshalJSON(b []byte) error {
	v, ok, err := parseInt(b)
	if err != nil {
		return typeError(b, nullIntType)
	}
	*n = NullInt{Int64: v, Valid: ok}
	return nil
}

// MarshalJSON implements json.Marshaler.
func (n NullInt) MarshalJSON() ([]byte, error) {
	if !n.Valid {
		return []byte("null"), nil
	}
	return strconv.AppendInt(nil, n.Int64, 10), nil
}

// NullFloat is a number that may be absent (null or "").
type NullFloat struct {
	Float64 float64
	Valid   bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *NullFloat) UnmarshalJSON(b []byte) error {
	v, ok, err := parseNumber(b)
	if err != nil {
		return typeError(b, nullFloatType)
	}
	*f = NullFloat{Float64: v, Valid: ok}
	return nil
}

// MarshalJSON implements json.Marshaler.
func (f NullFloat) MarshalJSON() ([]byte, error) {
	if !f.Valid {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f.Float64, 'f', -1, 64), nil
}

// NullString is text that may be null. Numbers and booleans are accepted and
// kept as their JSON text, because fields such as failure_code and carrier_ip
// are untyped in parts of the docs.
type NullString struct {
	String string
	Valid  bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (s *NullString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || isNull(b):
		*s = NullString{}
	case b[0] == '"':
		v, err := jsonString(b)
		if err != nil {
			return typeError(b, nullStrType)
		}
		*s = NullString{String: v, Valid: true}
	case b[0] == '{' || b[0] == '[':
		return typeError(b, nullStrType)
	default: // number or boolean
		*s = NullString{String: string(b), Valid: true}
	}
	return nil
}

// MarshalJSON implements json.Marshaler.
func (s NullString) MarshalJSON() ([]byte, error) {
	if !s.Valid {
		return []byte("null"), nil
	}
	return json.Marshal(s.String)
}

// Text is a string field the docs say is always present. It is as tolerant
// as NullString; null decodes as "".
type Text string

// UnmarshalJSON implements json.Unmarshaler.
func (t *Text) UnmarshalJSON(b []byte) error {
	var s NullString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	*t = Text(s.String)
	return nil
}

// Time is a timestamp from the API. The docs always show RFC 3339 UTC
// ("2026-03-25T10:00:00Z"), but Vobiz's own mock server sends
// "2026-09-29 10:00:00" and the recordings API sends
// "2026-05-07 09:45:35.79276+05:30", so both families are accepted. A time
// without an offset is taken as UTC, like every documented CDR time
// (docs/vobiz-api.md#timestamps).
// null and "" decode as the zero Time (IsZero reports true).
type Time struct {
	time.Time
}

// NullTime is a timestamp that may be null (answer_time, progress_time).
type NullTime = Time

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999-07",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999-0700",
	"2006-01-02 15:04:05.999999999-0700",
	// The Recording API's add_time, "2026-05-07 09:45:35.79276+05:30", is
	// read by the "Z07:00" layout above; these are its close relatives
	// (a space before the offset, as PostgreSQL and Python print it) so a
	// small change upstream does not drop every recording
	// (docs/vobiz-api.md#recordings).
	"2006-01-02 15:04:05.999999999 Z07:00",
	"2006-01-02 15:04:05.999999999 -0700",
	"2006-01-02T15:04:05.999999999-07",
}

// ParseTime parses any timestamp form the API is known to use.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("vobiz: time %q is not in a known format", s)
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(b []byte) error {
	if len(b) == 22 && b[0] == '"' && b[21] == '"' {
		if v, ok := parseUTCSeconds(b[1:21]); ok {
			*t = Time{v}
			return nil
		}
	}
	var s NullString
	if err := s.UnmarshalJSON(b); err != nil {
		return typeError(b, timeType)
	}
	if !s.Valid || strings.TrimSpace(s.String) == "" {
		*t = Time{}
		return nil
	}
	v, err := ParseTime(s.String)
	if err != nil {
		return typeError(b, timeType)
	}
	*t = Time{v}
	return nil
}

// parseUTCSeconds parses the documented form "2026-03-25T10:00:00Z"
// without allocating. It returns ok=false for anything else, including
// impossible dates, which then take the general path (and its error).
func parseUTCSeconds(b []byte) (time.Time, bool) {
	if len(b) != 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' ||
		b[13] != ':' || b[16] != ':' || b[19] != 'Z' {
		return time.Time{}, false
	}
	ok := true
	num := func(s []byte) int {
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				ok = false
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, mo, d := num(b[0:4]), num(b[5:7]), num(b[8:10])
	h, mi, sec := num(b[11:13]), num(b[14:16]), num(b[17:19])
	if !ok || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	if d > 28 && d > time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC), true
}

// MarshalJSON writes the documented form, or null for the zero time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.UTC().Format(time.RFC3339) + `"`), nil
}

// The decoders below sit on the hot path: a 100-row page calls them about
// 4,000 times. They avoid a nested json.Unmarshal for the common cases
// (plain numbers, strings without escapes) and fall back to it otherwise,
// so the results are exactly those of encoding/json.

// isNull reports whether b is the JSON literal null.
func isNull(b []byte) bool { return string(b) == "null" }

// jsonString decodes a JSON string literal.
func jsonString(b []byte) (string, error) {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && plainString(b[1:len(b)-1]) {
		return string(b[1 : len(b)-1]), nil
	}
	var s string
	err := json.Unmarshal(b, &s)
	return s, err
}

// plainString reports whether a string literal's contents need no
// unescaping: no quote, backslash or control byte, and valid UTF-8 (which
// encoding/json would otherwise replace with U+FFFD).
func plainString(b []byte) bool {
	ascii := true
	for _, c := range b {
		if c < 0x20 || c == '"' || c == '\\' {
			return false
		}
		if c >= 0x80 {
			ascii = false
		}
	}
	return ascii || utf8.Valid(b)
}

// numberText returns the text of a JSON number, of a number inside a
// string, or ok=false for null and "" (also "  " inside quotes).
func numberText(b []byte) (raw []byte, ok bool, err error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || isNull(b) {
		return nil, false, nil
	}
	switch b[0] {
	case '"':
		if len(b) >= 2 && b[len(b)-1] == '"' && plainString(b[1:len(b)-1]) {
			raw = b[1 : len(b)-1]
		} else {
			var s string
			if err := json.Unmarshal(b, &s); err != nil {
				return nil, false, err
			}
			raw = []byte(s)
		}
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			return nil, false, nil
		}
		return raw, true, nil
	case '{', '[', 't', 'f':
		return nil, false, fmt.Errorf("got %s", kindOf(b))
	}
	return b, true, nil
}

// parseNumber reads a JSON number, a quoted number, "", or null.
// ok is false for null and "".
func parseNumber(b []byte) (v float64, ok bool, err error) {
	raw, ok, err := numberText(b)
	if err != nil || !ok {
		return 0, false, err
	}
	// Up to 15 digits an integer is exact in a float64, so this equals
	// strconv.ParseFloat's result ("-0" is left to it, for its sign).
	if n, ok := parseDigits(raw, 15); ok && (n != 0 || raw[0] != '-') {
		return float64(n), true, nil
	}
	v, err = strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false, fmt.Errorf("%q is not a number", raw)
	}
	return v, true, nil
}

// parseInt reads a whole number the way parseNumber reads any number, but
// keeps integers beyond 2^53 exact and refuses fractions and values out of
// the int64 range.
func parseInt(b []byte) (v int64, ok bool, err error) {
	raw, ok, err := numberText(b)
	if err != nil || !ok {
		return 0, false, err
	}
	if n, ok := parseDigits(raw, 18); ok {
		return n, true, nil
	}
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return n, true, nil
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false, fmt.Errorf("%q is not a number", raw)
	}
	if f != math.Trunc(f) || f >= 0x1p63 || f < -0x1p63 {
		return 0, false, fmt.Errorf("%s is not a whole number in range", raw)
	}
	return int64(f), true, nil
}

// parseDigits parses an optionally negative run of at most maxDigits
// decimal digits.
func parseDigits(b []byte, maxDigits int) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > maxDigits {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// typeError reports a value that cannot be read as t. It is a
// *json.UnmarshalTypeError so that encoding/json adds the field path
// ("data.duration"), which tells a log reader which field of which
// response was wrong.
func typeError(b []byte, t reflect.Type) error {
	return &json.UnmarshalTypeError{Value: describe(b), Type: t}
}

// describe names a JSON value for an error message, with a short excerpt.
func describe(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "empty value"
	}
	excerpt := func() string {
		s := string(b)
		if len(s) > 40 {
			s = s[:40] + "…"
		}
		return strconv.Quote(strings.ToValidUTF8(s, "\uFFFD"))
	}
	switch b[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case '"':
		return "string " + excerpt()
	}
	return "number " + excerpt()
}

func kindOf(b []byte) string {
	switch b[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	}
	return "an unexpected value"
}
