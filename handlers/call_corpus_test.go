package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/cdrdash/cdrdash/handlers"
	"github.com/cdrdash/cdrdash/internal/cdrcorpus"
	"github.com/cdrdash/cdrdash/vobiz"
)

// corpusSource serves the corpus records by UUID, like an upstream that
// holds exactly those calls, and delegates everything else.
type corpusSource struct {
	handlers.CDRSource
	records map[string]*vobiz.CDR
}

func (s corpusSource) Get(ctx context.Context, id string) (*vobiz.CDR, error) {
	c, ok := s.records[id]
	if !ok {
		return s.CDRSource.Get(ctx, id)
	}
	cp := *c
	return &cp, nil
}

func withCorpus(records map[string]*vobiz.CDR) appOption {
	return withDeps(func(d *handlers.Deps) { d.CDRs = corpusSource{CDRSource: d.CDRs, records: records} })
}

// page is a parsed HTML page, read by data-testid.
type page struct{ root *html.Node }

func parsePage(t testing.TB, body string) page {
	t.Helper()
	root, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse page: %v", err)
	}
	return page{root}
}

// all returns the elements carrying data-testid id, in document order.
func (p page) all(id string) []*html.Node {
	var out []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Key == "data-testid" && a.Val == id {
					out = append(out, n)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(p.root)
	return out
}

// text is the text of the single element with data-testid id, "" if absent.
func (p page) text(id string) string {
	if n := p.all(id); len(n) > 0 {
		return nodeText(n[0])
	}
	return ""
}

func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// items are the texts of the <li> under the element with data-testid id.
func (p page) items(id string) []string {
	var out []string
	for _, n := range p.all(id) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.Data == "li" {
				out = append(out, nodeText(c))
			}
		}
	}
	return out
}

// inside reports whether the element with data-testid id sits inside an
// element with data-testid outer.
func (p page) inside(id, outer string) bool {
	for _, n := range p.all(id) {
		for a := n.Parent; a != nil; a = a.Parent {
			for _, at := range a.Attr {
				if at.Key == "data-testid" && at.Val == outer {
					return true
				}
			}
		}
	}
	return false
}

// TestCallPageCorpus renders the call page for every corpus case and holds
// what it shows to the corpus invariants, plus the page's own rules: the
// record's ring_time, billsec and duration are in the readable part of
// the page, the customer line is there, and the codes and signalling sit
// inside the technical disclosure.
func TestCallPageCorpus(t *testing.T) {
	cases := cdrcorpus.Cases()
	records := make(map[string]*vobiz.CDR, len(cases))
	for i, k := range cases {
		c := k.CDR(i)
		raw, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		c.Raw = raw
		records[cdrcorpus.UUID(i)] = c
	}
	a := newTestApp(t, withCalls(100), withCorpus(records))
	client := a.demo(t)
	for i, k := range cases {
		t.Run(k.Name, func(t *testing.T) {
			c := records[cdrcorpus.UUID(i)]
			res, body := a.get(t, client, "/calls/"+cdrcorpus.UUID(i))
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			p := parsePage(t, body)
			texts := cdrcorpus.Texts{
				Headline:  p.text("diagnosis-headline"),
				Who:       p.text("who-ended"),
				Reason:    p.text("likely-reason"),
				Meaning:   p.text("diagnosis-meaning"),
				Verdict:   p.text("verdict"),
				Tell:      p.text("tell-customer"),
				Steps:     p.items("next-steps"),
				Timeline:  p.text("timeline-summary"),
				Technical: p.items("technical-notes"),
			}
			for _, b := range cdrcorpus.Check(c, texts) {
				t.Error(b)
			}
			if texts.Headline == "" || texts.Who == "" || texts.Reason == "" || texts.Verdict == "" || texts.Tell == "" || texts.Timeline == "" {
				t.Errorf("a part of the story is missing: %+v", texts)
			}
			want := map[string]vobiz.Int{"rec-ring_time": c.RingTime, "rec-billsec": c.Billsec, "rec-duration": c.Duration}
			for id, v := range want {
				if got := p.text(id); got != vobiz.FormatShortDuration(time.Duration(v)*time.Second) {
					t.Errorf("%s shows %q, the record has %d", id, got, v)
				}
				if p.inside(id, "raw") || p.inside(id, "technical") {
					t.Errorf("%s is not in the readable part of the page", id)
				}
			}
			for _, id := range []string{"rec-created_at", "rec-updated_at"} {
				if got := p.text(id); got == "" || got == "—" {
					t.Errorf("%s missing", id)
				}
			}
			if !p.inside("diagnosis-meaning", "technical") || !p.inside("technical-notes", "technical") {
				t.Error("the codes and signalling are not folded under the technical disclosure")
			}
			for _, s := range append([]string{texts.Headline, texts.Who, texts.Reason, texts.Tell, texts.Verdict}, texts.Steps...) {
				for _, j := range []string{"Q.850", "FreeSWITCH", "re-INVITE", "endConferenceOnExit", "RTP", "send_", "recv_"} {
					if strings.Contains(s, j) {
						t.Errorf("jargon %q outside the disclosure: %q", j, s)
					}
				}
			}
		})
	}
}
