package handlers_test

import (
	"bytes"
	"encoding/csv"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/csvreport"
	"github.com/cdrdash/cdrdash/internal/hostile"
)

// Hostile data from upstream (issue 11, part 2). The dashboard's real
// Vobiz client reads package hostile's records from a fake API, so the
// whole path is exercised: HTTP, decoding, handlers, templates and CSV.
//
// Decisions, per kind of value:
//   - Text (any string field, the uuid included) is accepted whatever it
//     holds and shown escaped: markup, script, javascript: URLs, quotes,
//     bidi and zero-width characters, control characters, 10 KB strings.
//     A uuid that is not UUID-shaped is linked (path-escaped, under
//     /calls/) but refused with 400 when followed, before any upstream
//     request.
//   - Numbers anywhere in their type's range are accepted, however absurd
//     (max int64 seconds, -1, 1e308); strings holding numbers too.
//   - A value that cannot be read as its type at all — an unknown date
//     layout, an impossible date, NaN, Infinity, a number beyond its type,
//     a fraction for a whole number, an object — makes the whole response
//     unreadable: 502 "Vobiz could not answer", never a silently zeroed
//     value. The raw export, which never decodes, is still passed through;
//     the report export stops at that row (the download is cut, so it
//     cannot pass for complete).
//   - Report CSV: cells beginning with =, +, -, @, tab or CR get a leading
//     apostrophe unless they are "+" and digits only ("+919876543210");
//     every other character, bidi and zero-width ones included, is kept as
//     recorded (csvreport's package comment). The raw CSV is byte for byte.

// hostileApp is a dashboard whose upstream is a hostile.Server.
func hostileApp(t *testing.T, s *hostile.Server) *testApp {
	t.Helper()
	up := httptest.NewServer(s)
	t.Cleanup(up.Close)
	return newTestApp(t, withCalls(100), withUpstreamURL(t, up.URL))
}

var (
	// tagRe finds real markup. templ escapes <, >, &, ' and " in text and
	// attribute values, and JSON data blocks escape < as \u003c, so every
	// literal "<" in a page starts a tag the server meant to write.
	tagRe     = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>`)
	tagAttrRe = regexp.MustCompile(`([^\s=/"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?`)
)

// assertInert fails when a page holds any markup a payload could have
// made: an event handler attribute, a javascript: (or data:, vbscript:)
// URL, an executable inline script, or a payload verbatim. It parses the
// real tags only, so escaped payload text (which may well read
// "onerror=") does not count.
func assertInert(t *testing.T, path, body string) {
	t.Helper()
	assertNoInlineScriptTags(t, path, body)
	for _, m := range tagRe.FindAllStringSubmatch(body, -1) {
		tag, attrs := strings.ToLower(m[1]), m[2]
		for _, a := range tagAttrRe.FindAllStringSubmatch(attrs, -1) {
			name := strings.ToLower(a[1])
			val := html.UnescapeString(a[2] + a[3] + a[4])
			if strings.HasPrefix(name, "on") {
				t.Errorf("%s: <%s> has an event handler %s=%q", path, tag, name, val)
			}
			switch name {
			case "href", "src", "action", "formaction", "xlink:href", "poster", "data":
				v := strings.ToLower(strings.Map(func(r rune) rune {
					if r <= ' ' {
						return -1 // browsers ignore controls and spaces in a scheme
					}
					return r
				}, val))
				for _, scheme := range []string{"javascript:", "data:", "vbscript:"} {
					if strings.HasPrefix(v, scheme) {
						t.Errorf("%s: <%s %s=%q>", path, tag, name, val)
					}
				}
			}
		}
	}
	for _, p := range append(hostile.Scripts, hostile.Template) {
		if p == hostile.JSURL || p == hostile.SingleQuote {
			continue // no markup: harmless as text, checked as URLs above
		}
		if strings.Contains(body, p) {
			t.Errorf("%s: payload %q is in the page verbatim", path, p)
		}
	}
}

// assertNoInlineScriptTags is assertNoInlineScript without its event
// handler regexp, which cannot tell escaped text from attributes (the
// tag scan in assertInert does that job).
func assertNoInlineScriptTags(t *testing.T, path, body string) {
	t.Helper()
	for _, m := range scriptTag.FindAllStringSubmatch(body, -1) {
		attrs, content := m[1], strings.TrimSpace(m[2])
		if strings.Contains(attrs, `type="application/json"`) {
			if strings.Contains(content, "<") {
				t.Errorf("%s: a JSON block holds a raw <: %.80q", path, content)
			}
			continue
		}
		if content != "" || !strings.Contains(attrs, "src=") {
			t.Errorf("%s: inline script %q", path, m[0][:min(len(m[0]), 80)])
		}
	}
	if externalRe.MatchString(body) {
		t.Errorf("%s: loads a third-party origin: %s", path, externalRe.FindString(body))
	}
	if strings.Contains(body, ` style="`) {
		t.Errorf("%s: inline style attribute", path)
	}
}

func TestHostileDataOnPages(t *testing.T) {
	a := hostileApp(t, &hostile.Server{})
	c := a.demo(t)
	esc := html.EscapeString
	pages := []struct {
		path   string
		status int
		shows  []string // texts the page must show, escaped
	}{
		{"/", 200, []string{esc(hostile.Script), esc(hostile.SVGOnload), "Hostile UUID"}},
		{"/calls", 200, []string{esc(hostile.Script), esc(hostile.SVGOnload), "Hostile UUID"}},
		// The filters echo Vobiz sends back fills the form's values.
		{"/calls?search=x&call_direction=inbound", 200, []string{esc(hostile.Script), esc(hostile.ImgOnerror)}},
		{"/calls/" + hostile.UUIDText, 200, []string{esc(hostile.Script), esc(hostile.EndTextarea), esc(hostile.RTL),
			esc(hostile.ZeroWidth), esc(hostile.Formula), esc(hostile.SingleQuote)}},
		{"/calls/" + hostile.UUIDNumbers, 200, []string{"9223372036854775807"}},
		{"/calls/" + hostile.UUIDLong, 200, []string{hostile.Long}},
		{"/calls/" + url.PathEscape(hostile.HostileUUID), 400, []string{"That is not a call ID"}},
		{"/reports?start_date=2026-11-19&end_date=2026-11-21", 200, []string{esc(hostile.EndScript)}},
	}
	for _, pg := range pages {
		t.Run(pg.path[:min(len(pg.path), 60)], func(t *testing.T) {
			res, body := a.get(t, c, pg.path)
			if res.StatusCode != pg.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, pg.status, errorText(body))
			}
			if !strings.HasSuffix(strings.TrimSpace(body), "</html>") {
				t.Error("the page did not render to the end")
			}
			for _, want := range pg.shows {
				if !strings.Contains(body, want) {
					t.Errorf("the page does not show %.60q", want)
				}
			}
			for _, box := range []string{"tiles-error", "breakdown-error", "notice-missing"} {
				if msg := between(body, `data-testid="`+box+`">`, "<"); msg != "" {
					t.Errorf("%s: %s", box, msg)
				}
			}
			assertInert(t, pg.path, body)
		})
	}

	// Links built from hostile values stay links into cdrdash.
	_, body := a.get(t, c, "/calls")
	for _, m := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		u := html.UnescapeString(m[1])
		if (!strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "#")) || strings.HasPrefix(u, "//") {
			t.Errorf("a link leaves cdrdash: %q", u)
		}
	}
	if !strings.Contains(body, `href="/calls/`+html.EscapeString(url.PathEscape(hostile.HostileUUID))) {
		t.Error("the hostile uuid's row does not link to its (refused) detail page, path-escaped")
	}
	_, body = a.get(t, c, "/calls/"+hostile.UUIDText)
	if !strings.Contains(body, `href="/calls?from_number=`+url.QueryEscape(hostile.JSURL)+`"`) {
		t.Error("the related-calls link does not carry the caller number as an escaped query value")
	}

	// A right-to-left override in a value must not reorder the sentence or
	// heading around it: where values are quoted in running text the
	// override is dropped (the "As recorded" blocks keep it).
	for _, id := range []string{hostile.UUIDText, hostile.UUIDLong} {
		_, body := a.get(t, c, "/calls/"+id)
		for name, part := range map[string]string{
			"heading":   between(body, "<h1>", "</h1>"),
			"diagnosis": between(body, `data-testid="diagnosis-headline"`, `data-testid="next-steps"`),
			"related":   between(body, `id="h-related"`, "</ul>"),
		} {
			// FSI … PDI (U+2068, U+2069) are cdrdash's own isolation.
			if strings.ContainsAny(part, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067") {
				t.Errorf("%s: the %s holds an embedding or override: %.200q", id, name, part)
			}
		}
	}
}

// TestHostileDataDiagnose pastes each hostile record into /diagnose: the
// record and the input are shown escaped, the textarea is not broken out
// of.
func TestHostileDataDiagnose(t *testing.T) {
	a := newTestApp(t, withCalls(100))
	c := a.demo(t)
	inputs := map[string]string{"hostile text": string(hostile.JSON(hostile.Records()[0])),
		"hostile numbers": string(hostile.JSON(hostile.Records()[1])), "long": string(hostile.JSON(hostile.Records()[2])),
		"bare payload": hostile.EndTextarea, "control characters": hostile.Control}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			req := formRequest(t, a.srv.URL+"/diagnose", url.Values{"cdr": {in}})
			res, body := do(t, c, req)
			if len(in) <= 8<<10 && res.StatusCode != http.StatusOK && res.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d: %s", res.StatusCode, errorText(body))
			}
			if name == "bare payload" && !strings.Contains(body, html.EscapeString(hostile.EndTextarea)) {
				t.Error("the pasted text is not shown back, escaped")
			}
			assertInert(t, "/diagnose", body)
		})
	}
}

// TestHostileDataExports: the raw export is the upstream's bytes; the
// report neutralises formulas except E.164-like numbers and keeps the rest.
func TestHostileDataExports(t *testing.T) {
	a := hostileApp(t, &hostile.Server{})
	c := a.demo(t)
	want := hostile.CSV(hostile.Records())

	f := a.fetch(t, c, "/calls/export?format=raw")
	if f.readErr != nil || f.res.StatusCode != 200 || !bytes.Equal([]byte(f.body), want) {
		t.Fatalf("raw export: status %d, err %v, identical %v", f.res.StatusCode, f.readErr, f.body == string(want))
	}

	var all []string
	for _, col := range csvreport.Columns() {
		all = append(all, col.Name)
	}
	f = a.fetch(t, c, "/calls/export?format=report&bom=0&columns="+strings.Join(all, ","))
	if f.readErr != nil || f.res.StatusCode != 200 {
		t.Fatalf("report export: status %d, err %v", f.res.StatusCode, f.readErr)
	}
	recs, err := csv.NewReader(strings.NewReader(f.body)).ReadAll()
	if err != nil {
		t.Fatalf("the report does not parse: %v", err)
	}
	if len(recs) != 1+len(hostile.Records()) {
		t.Fatalf("%d records, want a header and %d rows", len(recs), len(hostile.Records()))
	}
	col := map[string]int{}
	for i, name := range recs[0] {
		col[name] = i
	}
	assertSpreadsheetSafe(t, recs)
	text := recs[1]
	for name, want := range map[string]string{
		"caller_id_name": hostile.Script, "failure_code": "'" + hostile.Formula, "network_addr": "'" + hostile.FormulaPlus,
		"carrier_ip": "'" + hostile.FormulaAt, "region": "'" + hostile.MinusExpr, "origination_region": "'" + hostile.FormulaTab,
		// The report is written with CRLF line ends, and encoding/csv then
		// drops a bare CR inside a value: after the apostrophe went in.
		"campaign_id": "'=1+2", "hangup_source": hostile.RTL, "codec": hostile.ZeroWidth,
		"sip_user_agent": hostile.Control, "failure_reason": hostile.EndTextarea,
	} {
		if got := text[col[name]]; got != want {
			t.Errorf("report %s = %q, want %q", name, got, want)
		}
	}
	numbers := recs[2]
	for name, want := range map[string]string{
		"caller_id_number": "+919876543210", "id": "9223372036854775807",
		// Only "+" and digits is exempt: a negative number is text.
		"billsec": "'-1", "hangup_cause_code": "'-9223372036854775808", "streaming_cost": "'-1e308",
	} {
		if got := numbers[col[name]]; got != want {
			t.Errorf("report %s = %q, want %q (E.164 numbers stay as sent)", name, got, want)
		}
	}
	if got := recs[3][col["caller_id_name"]]; got != hostile.Long {
		t.Errorf("the 10 KB name is %d bytes in the report", len(got))
	}
}

// TestHostileUndecodableValues: a value the client cannot read as its
// type makes the response unreadable, stated as such; the raw export,
// which is never decoded, still passes through.
func TestHostileUndecodableValues(t *testing.T) {
	for name, rec := range hostile.Undecodable() {
		t.Run(name, func(t *testing.T) {
			recs := []hostile.Record{rec}
			a := hostileApp(t, &hostile.Server{Data: recs})
			c := a.demo(t)
			for _, path := range []string{"/", "/calls", "/calls/" + hostile.UUIDText} {
				res, body := a.get(t, c, path)
				if res.StatusCode != http.StatusBadGateway || !strings.Contains(errorText(body), "could not read") {
					t.Errorf("%s: status %d, %q; want 502 saying it could not read the answer", path, res.StatusCode, errorText(body))
				}
				assertInert(t, path, body)
			}
			f := a.fetch(t, c, "/calls/export?format=raw")
			if f.readErr != nil || f.body != string(hostile.CSV(recs)) {
				t.Errorf("raw export: err %v, %d bytes; want Vobiz's bytes", f.readErr, len(f.body))
			}
			f = a.fetch(t, c, "/calls/export?format=report")
			if f.readErr == nil {
				t.Errorf("report export completed (%d bytes) although a row cannot be read", len(f.body))
			}
		})
	}
}
