package handlers_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/cdrdash/cdrdash/csvreport"
	"github.com/cdrdash/cdrdash/internal/hostile"
)

// formulaHyperlink is the caller name of issue 14's acceptance test: a
// CNAM or SIP display name is caller-controlled.
const formulaHyperlink = `=HYPERLINK("http://x","y")`

// e164Cell is the one kind of cell allowed to begin with a formula
// trigger: "+" and digits only.
var e164Cell = regexp.MustCompile(`^\+[0-9]+$`)

// assertSpreadsheetSafe fails on any cell that a spreadsheet could run:
// one beginning with =, -, @, tab or CR, or with + unless only digits
// follow.
func assertSpreadsheetSafe(t *testing.T, recs [][]string) {
	t.Helper()
	for i, rec := range recs {
		for j, cell := range rec {
			if cell == "" {
				continue
			}
			switch cell[0] {
			case '=', '-', '@', '\t', '\r':
				t.Errorf("row %d, column %s: cell %q begins with %q", i, recs[0][j], cell, cell[0])
			case '+':
				if !e164Cell.MatchString(cell) {
					t.Errorf("row %d, column %s: cell %q begins with + and is not a phone number", i, recs[0][j], cell)
				}
			}
		}
	}
}

// TestExportDefaultIsSafe is issue 14's acceptance test for item 4: the
// default download (no format, exactly what the Download button links)
// of a record whose caller name is a formula is the neutralised report,
// with a BOM for Excel, and no cell of it can run in a spreadsheet. The
// other hostile records ride along, so every field and number payload is
// checked too.
func TestExportDefaultIsSafe(t *testing.T) {
	rec := maps.Clone(hostile.Records()[0])
	rec["uuid"] = "0badc0de-0000-4000-8000-0000000000ff"
	rec["caller_id_name"] = formulaHyperlink
	rec["caller_id_number"] = "+919876543210"
	recs := append([]hostile.Record{rec}, hostile.Records()...)
	a := hostileApp(t, &hostile.Server{Data: recs})
	c := a.demo(t)

	// The button's link carries no format.
	_, list := a.get(t, c, "/calls")
	href, err := url.Parse(parsePage(t, list).attr("export", "href"))
	if err != nil || href.Path != "/calls/export" || href.Query().Has("format") {
		t.Fatalf("the Download button links to %v (%v), want the export without a format", href, err)
	}

	f := a.fetch(t, c, href.String())
	if f.readErr != nil || f.res.StatusCode != http.StatusOK {
		t.Fatalf("default export: status %d, err %v", f.res.StatusCode, f.readErr)
	}
	if cd := f.res.Header.Get("Content-Disposition"); !strings.HasSuffix(cd, `_report.csv"`) && cd != `attachment; filename="calls_report.csv"` {
		t.Errorf("Content-Disposition %q, want the report's file name", cd)
	}
	body := []byte(f.body)
	if !bytes.HasPrefix(body, []byte(csvreport.BOM)) {
		t.Error("the default report has no byte order mark")
	}
	out, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte(csvreport.BOM)))).ReadAll()
	if err != nil {
		t.Fatalf("the default download does not parse: %v", err)
	}
	if !slices.Equal(out[0], csvreport.DefaultColumns()) {
		t.Fatalf("header %q, want the default report columns", out[0])
	}
	if len(out) != 1+len(recs) {
		t.Fatalf("%d records, want a header and %d rows", len(out), len(recs))
	}
	assertSpreadsheetSafe(t, out)
	col := map[string]int{}
	for i, name := range out[0] {
		col[name] = i
	}
	if got := out[1][col["caller_id_name"]]; got != "'"+formulaHyperlink {
		t.Errorf("caller name %q, want it as text: %q", got, "'"+formulaHyperlink)
	}
	if got := out[1][col["caller_id_number"]]; got != "+919876543210" {
		t.Errorf("caller number %q: an E.164 number stays as Vobiz sent it", got)
	}
}

// TestExportFormatAndBOMChoice: report with a BOM unless bom=0; the last
// bom value wins (the form's hidden bom=0 before its checkbox); raw is
// only ever Vobiz's bytes, BOM or not.
func TestExportFormatAndBOMChoice(t *testing.T) {
	a := newTestApp(t, withCalls(300))
	c := a.demo(t)
	raw := readAllBytes(t, directExport(t, a, ""))
	for _, tc := range []struct {
		query  string
		report bool
		bom    bool
	}{
		{"", true, true},
		{"format=report", true, true},
		{"bom=0", true, false},
		{"format=report&bom=0", true, false}, // the form with the box unticked
		{"format=report&bom=0&bom=1", true, true},
		{"bom=", true, true},
		{"format=raw", false, false},
		{"format=RAW&bom=1", false, false},
	} {
		t.Run(tc.query, func(t *testing.T) {
			res := exportStart(t, context.Background(), c, a, "/calls/export?"+tc.query)
			body := readAllBytes(t, res.Body)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			if got := bytes.HasPrefix(body, []byte(csvreport.BOM)); got != tc.bom {
				t.Errorf("BOM = %v, want %v", got, tc.bom)
			}
			if !tc.report {
				if !bytes.Equal(body, raw) {
					t.Errorf("raw export: %d bytes, the sandbox sent %d", len(body), len(raw))
				}
				return
			}
			hdr, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte(csvreport.BOM)))).Read()
			if err != nil || !slices.Equal(hdr, csvreport.DefaultColumns()) {
				t.Errorf("header %q (%v), want the report's", hdr, err)
			}
		})
	}
}

// TestExportOptionsFormDefaults: the options form offers the report
// first and checked, raw as a labelled choice that says it is unchanged
// and may run formulas, and the BOM box ticked, after a hidden bom=0 so
// that unticking it turns the BOM off.
func TestExportOptionsFormDefaults(t *testing.T) {
	a := newTestApp(t, withCalls(300))
	c := a.demo(t)
	_, body := a.get(t, c, "/calls")
	form := parsePage(t, body).in("export-form")
	if form.root == nil {
		t.Fatal("no export form on /calls")
	}
	inputs := form.tags("input")
	// at is the position among the form's inputs of the one with
	// data-testid id, failing when there is none.
	at := func(id string) (int, *html.Node) {
		t.Helper()
		for i, n := range inputs {
			if attr(n, "data-testid") == id {
				return i, n
			}
		}
		t.Fatalf("no %s in the form", id)
		return -1, nil
	}
	reportAt, report := at("export-format-report")
	if attr(report, "type") != "radio" || attr(report, "name") != "format" || attr(report, "value") != "report" || !hasAttr(report, "checked") {
		t.Errorf("the report format is not the checked choice: %v", report.Attr)
	}
	rawAt, raw := at("export-format-raw")
	if attr(raw, "type") != "radio" || attr(raw, "name") != "format" || attr(raw, "value") != "raw" || hasAttr(raw, "checked") {
		t.Errorf("raw is not an unchecked format choice: %v", raw.Attr)
	}
	rawLabel := nodeText(raw.Parent)
	if raw.Parent.Data != "label" {
		t.Errorf("the raw choice is not inside its label")
	}
	for _, want := range []string{"unchanged", "formulas"} {
		if !strings.Contains(rawLabel, want) {
			t.Errorf("the raw choice's label %q does not say %q", rawLabel, want)
		}
	}
	if reportAt > rawAt {
		t.Error("raw is offered before the report")
	}
	bomAt, bom := at("export-bom")
	if attr(bom, "type") != "checkbox" || attr(bom, "name") != "bom" || attr(bom, "value") != "1" || !hasAttr(bom, "checked") {
		t.Errorf("BOM box %v, want bom=1 ticked", bom.Attr)
	}
	hidden := slices.IndexFunc(inputs, func(n *html.Node) bool {
		return attr(n, "type") == "hidden" && attr(n, "name") == "bom" && attr(n, "value") == "0"
	})
	if hidden < 0 || hidden > bomAt {
		t.Error("no hidden bom=0 before the BOM box: unticking it would not turn the BOM off")
	}
}
