package views

import (
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

func callRowsFixture() []CallRow {
	t0 := time.Date(2026, 11, 26, 8, 30, 5, 0, time.UTC)
	return []CallRow{
		{UUID: "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b", URL: "/calls/3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b?list=per_page%3D100%26page%3D2", Start: t0, Direction: "outbound",
			CallerName: "Ravi <Sharma> & \"co\"", Caller: "+91 98765 43210", CallerE164: "+919876543210", Destination: "+91 80123 45678", DestinationE164: "+918012345678",
			Duration: "1m 2s", Talk: "58s", Outcome: "answered", OutcomeLabel: "Answered", Cause: "NORMAL_CLEARING", Quality: "good", QualityLabel: "Good", QualityTitle: "MOS 4.40 · jitter 2.0 ms · loss 0.10 %", Cost: "₹1.20"},
		{UUID: "x'y", URL: "/b?x=<a>&y='", Direction: "inbound", Caller: "", Destination: "d", Outcome: "", Quality: "no_media", QualityLabel: "No media", QualityTitle: "", Cost: "0.00 USD"},
		{UUID: "u", URL: "/c", Start: t0.Add(time.Hour), Direction: "weird<dir>", Caller: "c", Cause: "<b>"},
		{UUID: "f", URL: "/f", Start: t0, Direction: "inbound", Caller: "+91 98765 43210", CallerE164: "+919876543210", Destination: "sip:agent@pbx.example.com", DestinationE164: "sip:agent@pbx.example.com",
			Duration: "4s", Talk: "3s", Outcome: "failed", OutcomeLabel: "Failed", Diagnosis: "Your answer URL did not return a 2xx <response> & \"more\" [NORMAL_CLEARING/7011]",
			Cause: "NORMAL_CLEARING", Quality: "good", QualityLabel: "Good", Cost: "₹0.45"},
	}
}

// TestCallRows parses the calls table and checks that every row shows its
// values, escaped so that they read back exactly as given: the link, the
// start in the viewer's zone, each cell by its label, the badges with
// their colour class and title, and a failed call's one-line diagnosis.
func TestCallRows(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	p := Page{Zone: loc, Now: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
	var b strings.Builder
	fixture := callRowsFixture()
	if err := CallsTable(p, fixture, SortHeads{}).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	rows := byTestID(doc, "call-row")
	if len(rows) != len(fixture) {
		t.Fatalf("%d rows, want %d", len(rows), len(fixture))
	}
	want := []struct {
		start, direction, caller, outcome, outcomeClass, quality, qualityClass string
	}{
		{"26 Nov 2026, 14:00:05", "↗Outbound", "Ravi <Sharma> & \"co\" +91 98765 43210", "Answered", "badge badge--answered", "Good", "badge badge--good"},
		{"—", "↙Inbound", "", "", "badge badge--", "No media", "badge badge--no_media"},
		{"26 Nov 2026, 15:00:05", "weird<dir>", "c", "", "badge badge--", "", "badge badge--"},
		{"26 Nov 2026, 14:00:05", "↙Inbound", "+91 98765 43210", "Failed", "badge badge--failed", "Good", "badge badge--good"},
	}
	for i, row := range rows {
		r, w := fixture[i], want[i]
		cell := func(label string) *html.Node {
			for _, td := range elements(row, "td") {
				if attr(td, "data-label") == label {
					return td
				}
			}
			t.Fatalf("row %d: no cell %q", i, label)
			return nil
		}
		if got := attr(row, "data-uuid"); got != r.UUID {
			t.Errorf("row %d: data-uuid %q, want %q", i, got, r.UUID)
		}
		link := byTestID(row, "call-link")
		if len(link) != 1 || attr(link[0], "href") != r.URL || text(link[0]) != w.start {
			t.Errorf("row %d: link %q %q, want %q %q", i, attr(link[0], "href"), text(link[0]), r.URL, w.start)
		}
		for label, want := range map[string]string{"Direction": w.direction, "Caller": w.caller,
			"Destination": r.Destination, "Duration": r.Duration, "Talk": r.Talk, "Hangup cause": r.Cause,
			"Cost": r.Cost, "Quality": w.quality} {
			if got := text(cell(label)); got != want {
				t.Errorf("row %d: %s %q, want %q", i, label, got, want)
			}
		}
		outcome := elements(cell("Outcome"), "span")
		if attr(outcome[0], "class") != w.outcomeClass || text(outcome[0]) != w.outcome {
			t.Errorf("row %d: outcome badge %q %q, want %q %q", i, attr(outcome[0], "class"), text(outcome[0]), w.outcomeClass, w.outcome)
		}
		quality := elements(cell("Quality"), "span")[0]
		if attr(quality, "class") != w.qualityClass || attr(quality, "title") != r.QualityTitle {
			t.Errorf("row %d: quality badge class %q title %q", i, attr(quality, "class"), attr(quality, "title"))
		}
		if _, has := attrOK(quality, "title"); has != (r.QualityTitle != "") {
			t.Errorf("row %d: quality badge has a title attribute: %v", i, has)
		}
		numbers := elements(cell("Destination"), "span")
		if attr(numbers[0], "title") != r.DestinationE164 {
			t.Errorf("row %d: destination title %q", i, attr(numbers[0], "title"))
		}
		diag := byTestID(row, "call-diagnosis")
		switch {
		case r.Diagnosis == "" && len(diag) != 0:
			t.Errorf("row %d: a diagnosis line without a diagnosis", i)
		case r.Diagnosis != "" && (len(diag) != 1 || text(diag[0]) != r.Diagnosis):
			t.Errorf("row %d: diagnosis %v, want %q", i, diag, r.Diagnosis)
		}
	}
}

// TestRowBadge holds the calls rows' hand-written badges to the templ
// component Badge, byte for byte.
func TestRowBadge(t *testing.T) {
	for _, c := range []struct{ kind, label, title string }{
		{"good", "Good", ""},
		{"poor", "Poor", "MOS 2.10 · jitter 40.0 ms · loss 3.00 %"},
		{"", "", ""},
		{`a<b"'&`, `x<y>&"'`, `t<"'&>`},
		{"no_media", "No media", "\u202e"},
	} {
		var b strings.Builder
		if err := Badge(c.kind, c.label, c.title).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		if got := string(appendBadge(nil, c.kind, c.label, c.title)); got != b.String() {
			t.Errorf("appendBadge(%q, %q, %q)\n got %s\nwant %s (Badge)", c.kind, c.label, c.title, got, b.String())
		}
	}
}

func byTestID(n *html.Node, id string) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && attr(d, "data-testid") == id {
			out = append(out, d)
		}
	}
	return out
}

func elements(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && d.Data == tag {
			out = append(out, d)
		}
	}
	return out
}

func attr(n *html.Node, key string) string {
	v, _ := attrOK(n, key)
	return v
}

func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}
