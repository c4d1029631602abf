package diagnosis

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cdrdash/cdrdash/vobiz"
)

// MaxInputBytes bounds what the /diagnose page accepts. A full CDR is
// about 1.5 KiB of JSON; 64 KiB leaves room for a pasted list response
// while keeping parsing cheap.
const MaxInputBytes = 64 << 10

// Input formats recognised by ParseInputDetail.
const (
	FormatJSON         = "json"          // a bare CDR object
	FormatJSONEnvelope = "json-envelope" // {"data": {…}, "success": true}
	FormatJSONList     = "json-list"     // {"data": […]} or a bare array
	FormatCSV          = "csv"           // header line + data row (comma, semicolon or tab)
	FormatText         = "text"          // a cause and/or code, or key=value pairs
)

// InputError is a precise complaint about pasted input. Line and Column
// are 1-based (Column counts characters) and 0 when they do not apply;
// Offset is the 0-based byte offset of the problem, -1 when unknown.
type InputError struct {
	Message string
	Line    int
	Column  int
	Offset  int64
}

// Error implements error.
func (e *InputError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("diagnosis: input: line %d, column %d: %s", e.Line, e.Column, e.Message)
	}
	return "diagnosis: input: " + e.Message
}

// Input is a parsed paste: the record, what kind of input it was, and
// anything the user should be told (e.g. that only the first of several
// records is shown).
type Input struct {
	CDR    *vobiz.CDR
	Format string
	Notes  []string
}

// ParseInput reads what a user pasted into the /diagnose page: a JSON CDR,
// the API's get-one envelope {"data": {…}, "success": true}, a list
// envelope (first record), a CSV header line plus one data row, or just a
// cause and/or code ("NO_ANSWER", "3010", "USER_BUSY 3010",
// "hangup_cause=NORMAL_CLEARING hangup_cause_code=4000"). Errors are
// *InputError. It never panics.
func ParseInput(input []byte) (*vobiz.CDR, error) {
	in, err := ParseInputDetail(input)
	if err != nil {
		return nil, err
	}
	return in.CDR, nil
}

// ParseInputDetail is ParseInput with the format and notes.
func ParseInputDetail(input []byte) (Input, error) {
	if len(input) > MaxInputBytes {
		return Input{}, &InputError{Offset: -1, Message: fmt.Sprintf(
			"the input is %d bytes; the limit is %d KiB. Paste a single CDR, not a whole export.", len(input), MaxInputBytes>>10)}
	}
	p := &parser{}
	p.text = bytes.TrimPrefix(input, []byte("\ufeff"))
	p.base = int64(len(input) - len(p.text))
	trimmed := bytes.TrimSpace(p.text)
	if len(trimmed) == 0 {
		return Input{}, &InputError{Offset: -1, Message: "the input is empty: paste a CDR as JSON, a CSV header line with one data row, or a hangup cause and/or code such as NO_ANSWER, 3010 or USER_BUSY 3010."}
	}
	var (
		in  Input
		err error
	)
	switch trimmed[0] {
	case '{', '[':
		in, err = p.parseJSON()
	default:
		if delim, ok := csvDelimiter(p.text); ok {
			in, err = p.parseCSV(delim)
		} else {
			in, err = p.parseText()
		}
	}
	if err != nil {
		return Input{}, err
	}
	if in.CDR == nil { // defensive: successful results always carry a record
		in.CDR = &vobiz.CDR{}
	}
	return in, nil
}

type parser struct {
	text []byte // input without a BOM
	base int64  // bytes removed before text (the BOM)
}

// errAt builds an InputError for byte offset off in p.text.
func (p *parser) errAt(off int64, format string, a ...any) *InputError {
	off = min(max(off, 0), int64(len(p.text)))
	line, col := position(p.text, off)
	return &InputError{Message: fmt.Sprintf(format, a...), Line: line, Column: col, Offset: off + p.base}
}

// position turns a byte offset into a 1-based line and character column.
func position(text []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(text)))
	before := text[:off]
	line = 1 + bytes.Count(before, []byte("\n"))
	start := bytes.LastIndexByte(before, '\n') + 1
	col = 1 + utf8.RuneCount(before[start:])
	return line, col
}

// ---- JSON ----

func (p *parser) parseJSON() (Input, error) {
	dec := json.NewDecoder(bytes.NewReader(p.text))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			return Input{}, p.errAt(se.Offset-1, "JSON syntax error: %s.", se.Error())
		case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			return Input{}, p.errAt(int64(len(bytes.TrimRight(p.text, " \t\r\n"))), "the JSON ends too early: a closing } or ], or a closing quote, is missing.")
		}
		return Input{}, &InputError{Offset: -1, Message: "the JSON could not be read: " + err.Error()}
	}
	end := dec.InputOffset()
	if rest := bytes.TrimLeft(p.text[end:], " \t\r\n"); len(rest) > 0 {
		return Input{}, p.errAt(int64(len(p.text)-len(rest)), "unexpected text after the JSON value; paste one JSON document.")
	}
	start := int64(len(p.text) - len(bytes.TrimLeft(p.text, " \t\r\n")))

	in := Input{Format: FormatJSON}
	recStart, recEnd := start, end
	switch raw[0] {
	case '[':
		s, e, n, err := p.firstElement(start)
		if err != nil {
			return Input{}, err
		}
		if n == 0 {
			return Input{}, p.errAt(start, "the JSON list is empty: there is no CDR to explain.")
		}
		in.Format = FormatJSONList
		if n > 1 {
			in.Notes = append(in.Notes, fmt.Sprintf("The list holds %d records; this explains the first one.", n))
		}
		recStart, recEnd = s, e
	case '{':
		members, err := p.objectMembers(start)
		if err != nil {
			return Input{}, err
		}
		// A CDR has no "data" key, and envelopes share account_id with
		// CDRs, so "data" holding an object or list means an envelope.
		if m, ok := findMember(members, "data"); ok && (p.text[m.start] == '{' || p.text[m.start] == '[') {
			return p.parseEnvelope(m)
		}
		if !hasCDRField(members) {
			if m, ok := findMember(members, "data"); ok {
				return p.parseEnvelope(m)
			}
			if msg, ok := p.apiError(members); ok {
				return Input{}, p.errAt(start, "this is an API error response, not a CDR: %s", msg)
			}
			return Input{}, p.errAt(start, "the JSON object has none of the CDR fields (such as hangup_cause, hangup_cause_code or billsec); paste one CDR or the API's {\"data\": …} response.")
		}
	default:
		return Input{}, p.errAt(start, "expected a JSON object (a CDR) or the API's {\"data\": …} response, got %s.", jsonKind(raw))
	}
	c, err := p.decodeRecord(recStart, recEnd)
	if err != nil {
		return Input{}, err
	}
	in.CDR = c
	return in, nil
}

// parseEnvelope handles {"data": {…}} and {"data": […]}.
func (p *parser) parseEnvelope(data member) (Input, error) {
	v := p.text[data.start:data.end]
	in := Input{Format: FormatJSONEnvelope}
	recStart, recEnd := data.start, data.end
	switch v[0] {
	case '{':
	case '[':
		s, e, n, err := p.firstElement(data.start)
		if err != nil {
			return Input{}, err
		}
		if n == 0 {
			return Input{}, p.errAt(data.start, "the response's data list is empty: the request matched no calls.")
		}
		in.Format = FormatJSONList
		note := "This is a list response; this explains its first record."
		if n > 1 {
			note = fmt.Sprintf("This is a list response with %d records; this explains the first one.", n)
		}
		in.Notes = append(in.Notes, note)
		recStart, recEnd = s, e
	default:
		return Input{}, p.errAt(data.start, "the response's \"data\" is %s, not a CDR object.", jsonKind(v))
	}
	c, err := p.decodeRecord(recStart, recEnd)
	if err != nil {
		return Input{}, err
	}
	in.CDR = c
	return in, nil
}

// decodeRecord decodes the CDR object at p.text[start:end]; on a type
// error it names the field and points at its value.
func (p *parser) decodeRecord(start, end int64) (*vobiz.CDR, error) {
	rec := p.text[start:end]
	if len(rec) == 0 || rec[0] != '{' {
		return nil, p.errAt(start, "expected a CDR object here, got %s.", jsonKind(rec))
	}
	members, err := p.objectMembers(start)
	if err != nil {
		return nil, err
	}
	if !hasCDRField(members) {
		return nil, p.errAt(start, "this JSON object has none of the CDR fields (such as hangup_cause, hangup_cause_code or billsec).")
	}
	var c vobiz.CDR
	err = json.Unmarshal(rec, &c)
	if err == nil {
		return &c, nil
	}
	// Find the member that fails on its own, to name it and point at it.
	for _, m := range members {
		if !slices.Contains(vobiz.FieldNames, m.key) {
			continue
		}
		one := append(append([]byte(`{`+strconv.Quote(m.key)+`:`), p.text[m.start:m.end]...), '}')
		var probe vobiz.CDR
		if ferr := json.Unmarshal(one, &probe); ferr != nil {
			return nil, p.errAt(m.start, "field %q should be %s, but its value is %s.",
				m.key, fieldKinds[m.key], clip(string(p.text[m.start:m.end]), 40))
		}
	}
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return nil, p.errAt(start+ute.Offset, "field %q has the wrong type: got a JSON %s, expected %s.", ute.Field, ute.Value, ute.Type)
	}
	return nil, p.errAt(start, "the CDR could not be read: %s.", strings.TrimPrefix(err.Error(), "vobiz: "))
}

// member is one key of a JSON object and where its value sits in p.text.
type member struct {
	key        string
	start, end int64
}

// objectMembers walks the (valid) JSON object starting at off.
func (p *parser) objectMembers(off int64) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(p.text[off:]))
	if _, err := dec.Token(); err != nil {
		return nil, p.errAt(off, "the JSON object could not be read: %s.", err)
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, p.errAt(off+dec.InputOffset(), "the JSON object could not be read: %s.", err)
		}
		key, _ := tok.(string)
		vs := off + skipColon(p.text[off:], dec.InputOffset())
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, p.errAt(vs, "the value of %q could not be read: %s.", key, err)
		}
		out = append(out, member{key: key, start: vs, end: off + dec.InputOffset()})
	}
	return out, nil
}

// firstElement finds the first element of the (valid) JSON array at off
// and counts the elements.
func (p *parser) firstElement(off int64) (start, end int64, n int, err error) {
	dec := json.NewDecoder(bytes.NewReader(p.text[off:]))
	if _, err := dec.Token(); err != nil {
		return 0, 0, 0, p.errAt(off, "the JSON list could not be read: %s.", err)
	}
	for dec.More() {
		s := off + skipSpace(p.text[off:], dec.InputOffset())
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return 0, 0, 0, p.errAt(s, "list element %d could not be read: %s.", n+1, err)
		}
		if n == 0 {
			start, end = s, off+dec.InputOffset()
		}
		n++
	}
	return start, end, n, nil
}

// skipColon skips whitespace, one ':' and whitespace after an object key.
func skipColon(b []byte, i int64) int64 {
	i = skipSpace(b, i)
	if i < int64(len(b)) && b[i] == ':' {
		i++
	}
	return skipSpace(b, i)
}

// skipSpace skips JSON whitespace and one ',' (between array elements).
func skipSpace(b []byte, i int64) int64 {
	for i < int64(len(b)) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n' || b[i] == ',') {
		i++
	}
	return i
}

func hasCDRField(ms []member) bool {
	for _, m := range ms {
		if slices.Contains(vobiz.FieldNames, m.key) {
			return true
		}
	}
	return false
}

func findMember(ms []member, key string) (member, bool) {
	for _, m := range ms {
		if m.key == key {
			return m, true
		}
	}
	return member{}, false
}

// apiError recognises the documented error body {"status":"error",
// "error":{"code":…,"message":…}} and the simpler {"error":"…"} (docs/vobiz-api.md#errors).
func (p *parser) apiError(ms []member) (string, bool) {
	m, ok := findMember(ms, "error")
	if !ok {
		return "", false
	}
	v := p.text[m.start:m.end]
	var s string
	if json.Unmarshal(v, &s) == nil {
		return clip(s, 200), true
	}
	var obj struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(v, &obj) == nil && (obj.Code != "" || obj.Message != "") {
		return clip(strings.TrimSpace(obj.Code+" "+obj.Message), 200), true
	}
	return "", false
}

func jsonKind(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// fieldKinds describes what each CDR field holds, for type-error messages.
var fieldKinds = func() map[string]string {
	m := map[string]string{}
	t := reflect.TypeOf(vobiz.CDR{})
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		switch f.Type {
		case reflect.TypeOf(vobiz.Int(0)), reflect.TypeOf(vobiz.NullInt{}):
			m[name] = "a whole number (or null)"
		case reflect.TypeOf(vobiz.Float(0)), reflect.TypeOf(vobiz.NullFloat{}):
			m[name] = "a number (or null)"
		case reflect.TypeOf(vobiz.Time{}):
			m[name] = "a timestamp such as \"2026-03-25T10:00:00Z\" (or null)"
		default:
			m[name] = "text (or null)"
		}
	}
	return m
}()

// ---- CSV ----

// csvDelimiter decides whether the first non-blank line is a CSV header:
// at least two cells, at least one of them a CDR field name. Tabs win over
// commas (a paste from a spreadsheet), then commas, then semicolons.
func csvDelimiter(text []byte) (rune, bool) {
	first := ""
	for line := range strings.SplitSeq(string(text), "\n") {
		if strings.TrimSpace(line) != "" {
			first = strings.TrimRight(line, "\r")
			break
		}
	}
	for _, d := range []rune{'\t', ',', ';'} {
		cells := strings.Split(first, string(d))
		if len(cells) < 2 {
			continue
		}
		for _, c := range cells {
			name := strings.ToLower(strings.Trim(strings.TrimSpace(c), `"`))
			if slices.Contains(vobiz.FieldNames, name) {
				return d, true
			}
		}
	}
	return 0, false
}

func (p *parser) parseCSV(delim rune) (Input, error) {
	r := csv.NewReader(bytes.NewReader(p.text))
	r.Comma = delim
	r.FieldsPerRecord = -1
	in := Input{Format: FormatCSV}

	header, err := r.Read()
	if err != nil {
		return Input{}, p.csvErr(err)
	}
	header = slices.Clone(header)
	dec, err := vobiz.NewCSVDecoder(header)
	if err != nil {
		return Input{}, p.errAt(0, "the header line names no CDR field.")
	}
	var unknown []string
	for _, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if name != "" && !slices.Contains(vobiz.FieldNames, name) {
			unknown = append(unknown, clip(h, 30))
		}
	}
	if len(unknown) > 0 {
		if len(unknown) > 5 {
			unknown = append(unknown[:5], "…")
		}
		in.Notes = append(in.Notes, "Ignored columns that are not CDR fields: "+strings.Join(unknown, ", ")+".")
	}

	rec, err := r.Read()
	if errors.Is(err, io.EOF) {
		return Input{}, p.errAt(int64(len(bytes.TrimRight(p.text, " \t"))), "the CSV has a header line but no data row.")
	}
	if err != nil {
		return Input{}, p.csvErr(err)
	}
	if len(rec) > len(header) {
		line, col := r.FieldPos(len(header))
		return Input{}, p.errAt(p.lineColOffset(line, col), "the data row has %d cells but the header has %d: check the delimiter and quoting.", len(rec), len(header))
	}
	if len(rec) < len(header) {
		in.Notes = append(in.Notes, fmt.Sprintf("The data row has %d cells for %d header columns; the missing ones are read as empty.", len(rec), len(header)))
	}
	for i, v := range rec {
		one, err := vobiz.NewCSVDecoder([]string{header[i]})
		if err != nil {
			continue // not a CDR column
		}
		var probe vobiz.CDR
		if err := one.Decode([]string{v}, &probe); err != nil {
			line, col := r.FieldPos(i)
			name := strings.ToLower(strings.TrimSpace(header[i]))
			return Input{}, p.errAt(p.lineColOffset(line, col), "column %q should be %s, but the cell is %q.", name, fieldKinds[name], clip(v, 40))
		}
	}
	var c vobiz.CDR
	if err := dec.Decode(rec, &c); err != nil {
		line, _ := r.FieldPos(0)
		return Input{}, p.errAt(p.lineColOffset(line, 1), "the data row could not be read: %s.", strings.TrimPrefix(err.Error(), "vobiz: "))
	}
	extra := 0
	for {
		if _, err := r.Read(); err != nil {
			break
		}
		extra++
	}
	if extra > 0 {
		in.Notes = append(in.Notes, fmt.Sprintf("The CSV holds %d data rows; this explains the first one.", extra+1))
	}
	in.CDR = &c
	return in, nil
}

func (p *parser) csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return p.errAt(p.lineColOffset(pe.Line, pe.Column), "CSV error: %s.", pe.Err)
	}
	return &InputError{Offset: -1, Message: "the CSV could not be read: " + err.Error()}
}

// lineColOffset converts encoding/csv's 1-based line and byte column into
// a byte offset in p.text.
func (p *parser) lineColOffset(line, col int) int64 {
	off := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(p.text[off:], '\n')
		if i < 0 {
			return int64(len(p.text))
		}
		off += i + 1
	}
	return int64(min(off+max(col-1, 0), len(p.text)))
}

// ---- bare causes, codes and key=value pairs ----

// keyAliases are short names accepted in key=value input.
var keyAliases = map[string]string{
	"cause":       "hangup_cause",
	"code":        "hangup_cause_code",
	"cause_code":  "hangup_cause_code",
	"source":      "hangup_source",
	"disposition": "hangup_disposition",
	"direction":   "call_direction",
	"name":        "hangup_cause_name",
}

func fieldKey(k string) (string, bool) {
	k = strings.ToLower(strings.Trim(strings.TrimSpace(k), `"'`))
	if a, ok := keyAliases[k]; ok {
		return a, true
	}
	return k, slices.Contains(vobiz.FieldNames, k)
}

var (
	// wholeLine matches `key: value`, `"key": "value",` or `key = value`
	// where the value runs to the end of the line (it may contain spaces,
	// e.g. hangup_source: API Request).
	wholeLine = regexp.MustCompile(`^\s*"?([A-Za-z_]+)"?\s*[:=]\s*(.*?)\s*,?\s*$`)
	// causeLike is the shape of a hangup cause name.
	causeLike = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)+$|^[A-Z]{3,}$`)
)

type textPair struct {
	key, value string
	off        int64
}

func (p *parser) parseText() (Input, error) {
	in := Input{Format: FormatText}
	whole := strings.TrimSpace(string(p.text))
	// A hangup_cause_name pasted on its own ("Busy Line").
	for _, ci := range codeTable {
		if strings.EqualFold(whole, ci.Name) && !strings.Contains(whole, "_") {
			c := &vobiz.CDR{}
			c.HangupCauseCode = vobiz.NullInt{Int64: int64(ci.Code), Valid: true}
			c.HangupCauseName = vobiz.NullString{String: ci.Name, Valid: true}
			in.CDR = c
			in.Notes = append(in.Notes, fmt.Sprintf("Read %q as the name of code %d.", whole, ci.Code))
			return in, nil
		}
	}

	var pairs []textPair
	lineStart := 0
	for lineStart <= len(p.text) {
		i := bytes.IndexByte(p.text[lineStart:], '\n')
		lineEnd := len(p.text)
		if i >= 0 {
			lineEnd = lineStart + i
		}
		line := strings.TrimRight(string(p.text[lineStart:lineEnd]), "\r")
		got, err := p.parseLine(line, int64(lineStart), &in)
		if err != nil {
			return Input{}, err
		}
		pairs = append(pairs, got...)
		if i < 0 {
			break
		}
		lineStart = lineEnd + 1
	}
	if len(pairs) == 0 {
		return Input{}, p.errAt(0, "nothing to explain was found: give a hangup cause (e.g. NO_ANSWER), a code (e.g. 3010), key=value pairs, a JSON CDR or a CSV header with one row.")
	}

	seen := map[string]textPair{}
	var header, values []string
	for _, pr := range pairs {
		if prev, dup := seen[pr.key]; dup {
			if prev.value == pr.value {
				continue
			}
			return Input{}, p.errAt(pr.off, "%s is given twice (%q and %q); give one.", pr.key, clip(prev.value, 40), clip(pr.value, 40))
		}
		seen[pr.key] = pr
		one, err := vobiz.NewCSVDecoder([]string{pr.key})
		if err != nil {
			return Input{}, p.errAt(pr.off, "%q is not a CDR field.", pr.key)
		}
		var probe vobiz.CDR
		if err := one.Decode([]string{pr.value}, &probe); err != nil {
			return Input{}, p.errAt(pr.off, "%s should be %s, but the value is %q.", pr.key, fieldKinds[pr.key], clip(pr.value, 40))
		}
		if ci, ok := LookupCause(pr.value); ok && pr.key == "hangup_cause" {
			pr.value = ci.Name
		}
		header = append(header, pr.key)
		values = append(values, pr.value)
	}
	dec, err := vobiz.NewCSVDecoder(header)
	if err != nil {
		return Input{}, p.errAt(0, "nothing to explain was found.")
	}
	c := &vobiz.CDR{}
	if err := dec.Decode(values, c); err != nil {
		return Input{}, p.errAt(0, "the values could not be read: %s.", strings.TrimPrefix(err.Error(), "vobiz: "))
	}
	in.CDR = c
	return in, nil
}

// parseLine reads one line of text input into field/value pairs.
func (p *parser) parseLine(line string, lineOff int64, in *Input) ([]textPair, error) {
	if strings.TrimSpace(line) == "" {
		return nil, nil
	}
	// `key: value` running to the end of the line, unless the rest holds
	// more key=value pairs.
	if m := wholeLine.FindStringSubmatchIndex(line); m != nil {
		key, ok := fieldKey(line[m[2]:m[3]])
		rest := line[m[4]:m[5]]
		if ok && !holdsPairs(rest) {
			return []textPair{{key: key, value: unquoteValue(rest), off: lineOff + int64(m[4])}}, nil
		}
	}
	var out []textPair
	toks := tokenize(line)
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		off := lineOff + int64(t.off)
		if k, v, ok := splitPair(t.text); ok {
			key, known := fieldKey(k)
			if !known {
				return nil, p.errAt(off, "%q is not a CDR field; use names such as hangup_cause, hangup_cause_code, hangup_source or billsec.", clip(k, 40))
			}
			if v == "" && i+1 < len(toks) {
				i++
				v = toks[i].text
			}
			out = append(out, textPair{key: key, value: unquoteValue(v), off: off})
			continue
		}
		bare := unquoteValue(t.text)
		if bare == "" {
			continue // "", null
		}
		pr, note, err := p.bareToken(bare, off)
		if err != nil {
			return nil, err
		}
		if note != "" {
			in.Notes = append(in.Notes, note)
		}
		out = append(out, pr)
	}
	return out, nil
}

// bareToken classifies a token with no key: a code, a SIP or Q.850
// number, a cause, a disposition, a source or a direction.
func (p *parser) bareToken(tok string, off int64) (textPair, string, error) {
	lower := strings.ToLower(tok)
	if n, err := strconv.Atoi(strings.TrimPrefix(lower, "sip:")); err == nil {
		switch {
		case strings.HasPrefix(lower, "sip:") || n >= 100 && n <= 699:
			return textPair{key: "failure_code", value: strconv.Itoa(n), off: off},
				fmt.Sprintf("Read %s as a SIP response code (failure_code); hangup codes are 0 or 1000 and up.", tok), nil
		case n == 0 || n >= 1000 && n <= 99999:
			return textPair{key: "hangup_cause_code", value: strconv.Itoa(n), off: off}, "", nil
		case n > 0 && n <= 127:
			return textPair{key: "failure_code", value: strconv.Itoa(n), off: off},
				fmt.Sprintf("Read %s as a Q.850 cause value (failure_code); hangup codes are 0 or 1000 and up.", tok), nil
		}
		return textPair{}, "", p.errAt(off, "%s is not a hangup code (0 or 1000–9999), a SIP response (100–699) or a Q.850 cause value (1–127).", clip(tok, 20))
	}
	if _, ok := LookupCause(tok); ok {
		return textPair{key: "hangup_cause", value: normalizeKey(tok), off: off}, "", nil
	}
	if d, ok := LookupDisposition(tok); ok {
		return textPair{key: "hangup_disposition", value: d.Value, off: off}, "", nil
	}
	if s, ok := LookupSource(tok); ok {
		return textPair{key: "hangup_source", value: s.Value, off: off}, "", nil
	}
	if lower == vobiz.DirectionInbound || lower == vobiz.DirectionOutbound {
		return textPair{key: "call_direction", value: lower, off: off}, "", nil
	}
	if causeLike.MatchString(tok) {
		return textPair{key: "hangup_cause", value: strings.ToUpper(tok), off: off}, "", nil
	}
	return textPair{}, "", p.errAt(off, "could not read %s: expected a hangup cause (e.g. NO_ANSWER), a numeric code (e.g. 3010), key=value pairs, a JSON CDR, or a CSV header line with one row.", quote(clip(tok, 40)))
}

type token struct {
	text string
	off  int // byte offset in the line
}

// tokenize splits a line on spaces, tabs, commas and semicolons, keeping
// double-quoted runs together.
func tokenize(line string) []token {
	var out []token
	start, inQuote := -1, false
	for i, r := range line {
		sep := !inQuote && (r == ' ' || r == '\t' || r == ',' || r == ';')
		if r == '"' {
			inQuote = !inQuote
		}
		switch {
		case sep && start >= 0:
			out = append(out, token{line[start:i], start})
			start = -1
		case !sep && start < 0:
			start = i
		}
	}
	if start >= 0 {
		out = append(out, token{line[start:], start})
	}
	return out
}

// splitPair splits "key=value" or "key:value" (not "sip:486").
func splitPair(t string) (k, v string, ok bool) {
	i := strings.IndexAny(t, "=:")
	if i <= 0 {
		return "", "", false
	}
	k = t[:i]
	if strings.EqualFold(k, "sip") {
		return "", "", false
	}
	return k, t[i+1:], true
}

// holdsPairs reports whether s contains further key=value or key: pairs
// naming CDR fields.
func holdsPairs(s string) bool {
	for _, t := range tokenize(s) {
		k, _, ok := splitPair(t.text)
		if !ok && strings.HasSuffix(t.text, ":") {
			k, ok = strings.TrimSuffix(t.text, ":"), true
		}
		if ok {
			if _, known := fieldKey(k); known {
				return true
			}
		}
	}
	return false
}

// unquoteValue strips JSON-style quotes and reads null as empty.
func unquoteValue(v string) string {
	v = strings.TrimSpace(v)
	if v == "null" {
		return ""
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		var s string
		if json.Unmarshal([]byte(v), &s) == nil {
			return s
		}
		return v[1 : len(v)-1]
	}
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return v[1 : len(v)-1]
	}
	return v
}
