// Package hostile is test data for cdrdash's security tests (issue 11):
// call records whose text fields carry markup, script, URL schemes, quote
// breakouts, bidi overrides, zero-width and control characters, spreadsheet
// formulas and 10 KB strings; whose numbers sit at the far ends of their
// types' ranges; and whose dates use every layout the client accepts. A
// Server speaks enough of the Vobiz CDR API (list, search, recent, get,
// export) to serve them to a real vobiz.Client, so the whole path — HTTP,
// decoding, handlers, templates, CSV — sees them.
//
// Every script payload sets window.__pwned when it runs, so a browser test
// can tell that none did. Every record here decodes: these values are
// strange, not invalid, and the dashboard must show them, escaped and
// legible. Values the client refuses (a date in an unknown format, a number
// beyond its type, "NaN") are in Undecodable.
//
// Nothing in cdrdash itself imports this package.
package hostile

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cdrdash/cdrdash/vobiz"
)

// Payloads. Each script-capable one sets window.__pwned if it ever runs.
const (
	Script      = `<script>window.__pwned=1</script>`
	ImgOnerror  = `"><img src=x onerror="window.__pwned=1">`
	SVGOnload   = `<svg/onload=window.__pwned=1>`
	JSURL       = `javascript:window.__pwned=1//`
	EndScript   = `</script><script>window.__pwned=1</script>`
	EndTextarea = `</textarea><script>window.__pwned=1</script>`
	SingleQuote = `'-(window.__pwned=1)-'`
	Template    = `{{7*7}}${7*7}<%= 7*7 %>`
	// RTL is a right-to-left override: shown naively, "gpj.exe" reads
	// "exe.jpg".
	RTL = "invoice\u202Egpj.exe"
	// ZeroWidth hides zero-width space and joiner characters in a number.
	ZeroWidth = "\u200B+91\u200B98765\u200B43210\u200D"
	// Control holds C0 controls (NUL included) and DEL.
	Control = "ctl\x00\x01\x07\x08\x0b\x0c\x1b\x1f\x7f!"
	// Formula and its siblings would run in a spreadsheet.
	Formula     = `=HYPERLINK("https://evil.example/","click")`
	FormulaPlus = "+SUM(1,2)"
	FormulaAt   = "@SUM(1,2)"
	FormulaTab  = "\t=1+2"
	FormulaCR   = "\r=1+2"
	MinusExpr   = "-2+3"
)

// Long is 10 KB without a single break opportunity; LongWords is 10 KB of
// words.
var (
	Long      = strings.Repeat("W", 10<<10)
	LongWords = strings.Repeat("word ", 2<<10)
)

// Scripts are the payloads that would run if a page let them through.
var Scripts = []string{Script, ImgOnerror, SVGOnload, JSURL, EndScript, EndTextarea, SingleQuote}

// UUIDs of the records. HostileUUID is not UUID-shaped: the dashboard
// must link it harmlessly and refuse to look it up.
const (
	UUIDText    = "0badc0de-0000-4000-8000-00000000000a"
	UUIDNumbers = "0badc0de-0000-4000-8000-00000000000b"
	UUIDLong    = "0badc0de-0000-4000-8000-00000000000c"
	HostileUUID = `javascript:window.__pwned=1//"><img src=x onerror="window.__pwned=1">`
)

// Record is one CDR as field name → value: a string, a json.Number
// (written as is, so ranges are exact), or nil for null.
type Record map[string]any

// num is a JSON number literal.
func num(s string) json.Number { return json.Number(s) }

// base returns an ordinary answered call on 2026-11-20 (UTC), which
// each record then spoils.
func base(uuid string) Record {
	return Record{
		"id": num("18000000"), "uuid": uuid, "account_id": "MA_HOSTILE", "call_direction": "outbound",
		"caller_id_name": "Ordinary Name", "caller_id_number": "+919876543210", "destination_number": "+918012345678",
		"duration": num("47"), "billsec": num("42"), "ring_time": num("5"),
		"start_time": "2026-11-20T10:00:00Z", "progress_time": "2026-11-20T10:00:00Z",
		"answer_time": "2026-11-20T10:00:05Z", "end_time": "2026-11-20T10:00:47Z",
		"created_at": "2026-11-20T10:00:47Z", "updated_at": "2026-11-20T10:00:47Z",
		"cost": num("0.45"), "streaming_cost": num("0"), "total_cost": num("0.45"), "currency": "INR",
		"hangup_cause": "NORMAL_CLEARING", "hangup_cause_code": num("4000"), "hangup_cause_name": "Normal Hangup",
		"hangup_disposition": "send_bye", "hangup_source": "Caller", "failure_code": nil, "failure_reason": nil,
		"bridge_uuid": nil, "sip_call_id": "11223344-5566-7788-99aa-bbccddeeff00", "sip_user_agent": "Vobiz",
		"codec": "PCMU", "mos": num("4.4"), "jitter": num("2.5"), "packet_loss": num("0.1"),
		"network_addr": "10.0.0.1", "carrier_ip": "10.0.0.2", "context": "voice-api", "region": "ap-south-1",
		"origination_region": "mumbai", "campaign_id": nil, "customer_endpoint": nil, "trunk_id": nil,
		"terminated_to": nil,
	}
}

func (r Record) with(kv ...any) Record {
	for i := 0; i+1 < len(kv); i += 2 {
		r[kv[i].(string)] = kv[i+1]
	}
	return r
}

// Records returns the hostile records, newest first:
//
//   - UUIDText: every text field a different payload (markup, script,
//     javascript: URLs in the fields that become links, quote breakouts,
//     template syntax, bidi, zero-width, control characters, formulas);
//   - UUIDNumbers: numbers at the ends of their ranges (max and min int64,
//     -1, 1e308) and every accepted date layout, the year 1 and 9999;
//   - UUIDLong: 10 KB strings, with and without spaces, and bidi text in
//     the numbers;
//   - HostileUUID: a uuid that is itself a payload.
func Records() []Record {
	return []Record{
		base(UUIDText).with(
			"account_id", Template, "call_direction", ImgOnerror, "caller_id_name", Script,
			"caller_id_number", JSURL, "destination_number", SVGOnload, "currency", EndScript,
			"hangup_cause", EndScript, "hangup_cause_name", SVGOnload, "hangup_disposition", SingleQuote,
			"hangup_source", RTL, "failure_code", Formula, "failure_reason", EndTextarea, "bridge_uuid", JSURL,
			"sip_call_id", ImgOnerror, "sip_user_agent", Control, "codec", ZeroWidth, "network_addr", FormulaPlus,
			"carrier_ip", FormulaAt, "context", Template, "region", MinusExpr, "origination_region", FormulaTab,
			"campaign_id", FormulaCR, "customer_endpoint", Script, "trunk_id", JSURL, "terminated_to", ImgOnerror,
			"start_time", "2026-11-20T11:00:00Z", "end_time", "2026-11-20T11:00:47Z"),
		base(UUIDNumbers).with(
			"caller_id_name", "Numbers", "id", num("9223372036854775807"), "duration", num("9223372036854775807"),
			"billsec", "-1", "ring_time", num("1000000000000000"), "cost", num("1e308"), "streaming_cost", num("-1e308"),
			"total_cost", num("1.7976931348623157e308"), "mos", num("1e308"), "jitter", num("-1"), "packet_loss", num("1e308"),
			"hangup_cause_code", num("-9223372036854775808"), "failure_code", num("99999999999999999999"),
			"start_time", "0001-01-01T00:00:00Z", "end_time", "9999-12-31T23:59:59Z",
			"answer_time", "2026-09-29 10:00:00", "progress_time", "2026-05-07 09:45:35.79276+05:30",
			"created_at", "", "updated_at", nil),
		base(UUIDLong).with(
			"caller_id_name", Long, "caller_id_number", ZeroWidth, "destination_number", Long,
			"hangup_cause", LongWords, "hangup_cause_name", Long, "sip_user_agent", LongWords, "codec", Long,
			"context", Long, "region", RTL, "failure_reason", LongWords, "hangup_source", RTL,
			"start_time", "2026-11-20T09:00:00Z", "end_time", "2026-11-20T09:00:47Z"),
		base(HostileUUID).with("caller_id_name", "Hostile UUID", "bridge_uuid", HostileUUID,
			"start_time", "2026-11-20T08:00:00Z", "end_time", "2026-11-20T08:00:47Z"),
	}
}

// Undecodable are records with one value the client cannot read as its
// type. A response holding one is refused whole ("could not read"), never
// shown with the value silently zeroed.
func Undecodable() map[string]Record {
	return map[string]Record{
		"date in an unknown format": base(UUIDText).with("start_time", "31/12/2026 10:00"),
		"words for a date":          base(UUIDText).with("answer_time", "yesterday"),
		"impossible date":           base(UUIDText).with("end_time", "2026-02-30T10:00:00Z"),
		"NaN":                       base(UUIDText).with("mos", "NaN"),
		"Infinity":                  base(UUIDText).with("cost", "Infinity"),
		"number beyond float64":     base(UUIDText).with("cost", num("1e400")),
		"whole number beyond int64": base(UUIDText).with("duration", num("9223372036854775808")),
		"fraction for a whole":      base(UUIDText).with("billsec", num("4.5")),
		"object for a number":       base(UUIDText).with("duration", map[string]any{}),
	}
}

// JSON encodes v without escaping <, > and &, as a careless API would.
func JSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return bytes.TrimSpace(b.Bytes())
}

// CSV returns the records as the export would send them: a header row of
// vobiz.FieldNames, then one row per record, written with encoding/csv,
// so it is valid CSV whatever the values hold. Lines end in LF: with CRLF
// line ends encoding/csv drops a bare CR inside a value, and FormulaCR
// must survive.
func CSV(recs []Record) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(vobiz.FieldNames)
	row := make([]string, len(vobiz.FieldNames))
	for _, r := range recs {
		for i, name := range vobiz.FieldNames {
			row[i] = cell(r[name])
		}
		_ = w.Write(row)
	}
	w.Flush()
	return b.Bytes()
}

func cell(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return string(v)
	}
	return string(JSON(v))
}

// Server is a Vobiz CDR API that serves Records (or Data, when set). It
// answers any account ID whose X-Auth-ID header matches the path and
// whose token is not empty.
type Server struct {
	// Data replaces Records() when not nil.
	Data []Record
	// Summary and Filters replace the hostile summary and filters echo
	// when not nil.
	Summary map[string]any
	Filters map[string]any
	// Export replaces CSV(records) when not nil.
	Export []byte
}

func (s *Server) records() []Record {
	if s.Data != nil {
		return s.Data
	}
	return Records()
}

// HostileSummary is a summary block with absurd totals and a payload in
// its one text field.
func HostileSummary(n int) map[string]any {
	return map[string]any{
		"totalCalls": n, "answeredCalls": num("9223372036854775807"), "answerRate": num("1e308"),
		"avgCallDuration": Script, "total_duration_seconds": num("9223372036854775807"),
		"total_billable_seconds": num("-1"), "total_cost": num("1e308"), "last_call_at": "9999-12-31T23:59:59Z",
	}
}

// HostileFilters is a filters echo that claims payloads were applied.
func HostileFilters() map[string]any {
	return map[string]any{"search": ImgOnerror, "call_direction": Script, "hangup_cause": EndScript,
		"context": EndTextarea, "unknown<b>": Script}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/api/v1/Account/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	account, rest, _ := strings.Cut(rest, "/")
	if id, err := url.PathUnescape(account); err != nil || id != r.Header.Get("X-Auth-ID") ||
		r.Header.Get("X-Auth-Token") == "" {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "unauthorized"})
		return
	}
	recs := s.records()
	summary, filters := s.Summary, s.Filters
	if summary == nil {
		summary = HostileSummary(len(recs))
	}
	if filters == nil {
		filters = HostileFilters()
	}
	pagination := map[string]any{"page": 1, "per_page": 20, "total": len(recs), "pages": 1,
		"has_next": false, "has_prev": false}
	switch rest {
	case "cdr":
		writeJSON(w, http.StatusOK, map[string]any{"success": true, "account_id": account, "count": len(recs),
			"data": recs, "pagination": pagination, "summary": summary})
	case "cdr/search":
		writeJSON(w, http.StatusOK, map[string]any{"success": true, "account_id": account, "count": len(recs),
			"data": recs, "pagination": pagination, "summary": summary, "filters": filters})
	case "cdr/recent":
		writeJSON(w, http.StatusOK, map[string]any{"success": true, "account_id": account, "count": len(recs),
			"data": recs})
	case "cdr/export":
		body := s.Export
		if body == nil {
			body = CSV(recs)
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="cdrs.csv"`)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	default:
		id, err := url.PathUnescape(strings.TrimPrefix(rest, "cdr/"))
		if err == nil && strings.HasPrefix(rest, "cdr/") {
			for _, rec := range recs {
				if rec["uuid"] == id {
					writeJSON(w, http.StatusOK, map[string]any{"success": true, "data": rec})
					return
				}
			}
		}
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "CDR not found"})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b := JSON(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
