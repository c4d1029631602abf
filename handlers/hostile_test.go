package handlers_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

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

// assertInert fails when a page holds any markup a payload could have
// made: an event handler attribute, a javascript: (or data:, vbscript:)
// URL, an executable inline script, or a payload verbatim. It reads the
// parsed tree, the elements a browser would build, so escaped payload text
// (which may well read "onerror=") does not count.
func assertInert(t *testing.T, path, body string) {
	t.Helper()
	assertNoInlineScript(t, path, body)
	for _, n := range parsePage(t, body).find(func(*html.Node) bool { return true }) {
		for _, a := range n.Attr {
			switch strings.ToLower(a.Key) {
			case "href", "src", "action", "formaction", "xlink:href", "poster", "data":
				v := strings.ToLower(strings.Map(func(r rune) rune {
					if r <= ' ' {
						return -1 // browsers ignore controls and spaces in a scheme
					}
					return r
				}, a.Val))
				for _, scheme := range []string{"javascript:", "data:", "vbscript:"} {
					if strings.HasPrefix(v, scheme) {
						t.Errorf("%s: <%s %s=%q>", path, n.Data, a.Key, a.Val)
					}
				}
			}
		}
	}
	// In the bytes: a payload that arrives unescaped is the failure, and a
	// parser would have turned it into elements already.
	for _, p := range append(hostile.Scripts, hostile.Template) {
		if p == hostile.JSURL || p == hostile.SingleQuote {
			continue // no markup: harmless as text, checked as URLs above
		}
		if strings.Contains(body, p) {
			t.Errorf("%s: payload %q is in the page verbatim", path, p)
		}
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
			// From the bytes: the parser would close an unfinished page.
			if !strings.HasSuffix(strings.TrimSpace(body), "</html>") {
				t.Error("the page did not render to the end")
			}
			// In the bytes: what is checked is that the value arrives
			// escaped, which parsing would undo.
			for _, want := range pg.shows {
				if !strings.Contains(body, want) {
					t.Errorf("the page does not show %.60q", want)
				}
			}
			p := parsePage(t, body)
			for _, box := range []string{"tiles-error", "breakdown-error", "notice-missing"} {
				if p.has(box) {
					t.Errorf("%s: %s", box, p.text(box))
				}
			}
			assertInert(t, pg.path, body)
		})
	}

	// Links built from hostile values stay links into cdrdash.
	_, body := a.get(t, c, "/calls")
	p := parsePage(t, body)
	for _, n := range p.find(func(n *html.Node) bool { return hasAttr(n, "href") }) {
		u := attr(n, "href")
		if (!strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "#")) || strings.HasPrefix(u, "//") {
			t.Errorf("a link leaves cdrdash: %q", u)
		}
	}
	var hostileLink string
	for _, r := range p.all("call-row") {
		if attr(r, "data-uuid") == hostile.HostileUUID {
			hostileLink = page{r}.attr("call-link", "href")
		}
	}
	if rest, ok := strings.CutPrefix(hostileLink, "/calls/"+url.PathEscape(hostile.HostileUUID)); !ok || rest != "" && rest[0] != '?' {
		t.Errorf("the hostile uuid's row does not link to its (refused) detail page, path-escaped: %q", hostileLink)
	}
	_, body = a.get(t, c, "/calls/"+hostile.UUIDText)
	want := "/calls?from_number=" + url.QueryEscape(hostile.JSURL)
	if !slices.ContainsFunc(parsePage(t, body).in("related").tags("a"), func(n *html.Node) bool { return attr(n, "href") == want }) {
		t.Error("the related-calls link does not carry the caller number as an escaped query value")
	}

	// A right-to-left override in a value must not reorder the sentence or
	// heading around it: where values are quoted in running text the
	// override is dropped (the "As recorded" blocks keep it).
	for _, id := range []string{hostile.UUIDText, hostile.UUIDLong} {
		_, body := a.get(t, c, "/calls/"+id)
		p := parsePage(t, body)
		var heading string
		if h1 := p.tags("h1"); len(h1) == 1 {
			heading = nodeText(h1[0])
		}
		for name, part := range map[string]string{
			"heading":   heading,
			"diagnosis": p.text("diagnosis-headline") + p.text("who-ended") + p.text("likely-reason"),
			"related":   p.text("related"),
		} {
			if part == "" {
				t.Errorf("%s: no %s", id, name)
			}
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
			// The textarea holds exactly what was pasted: a payload that broke
			// out of it would end it early.
			if area := parsePage(t, body).find(func(n *html.Node) bool { return n.Data == "textarea" && attr(n, "name") == "cdr" }); name == "bare payload" &&
				(len(area) != 1 || area[0].FirstChild == nil || area[0].FirstChild.Data != hostile.EndTextarea) {
				t.Error("the pasted text is not shown back whole in the textarea")
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
