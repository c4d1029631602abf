package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

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
				HasBar:    true,
				Bar:       p.texts("timeline-segment"),
				Drawn:     p.text("timeline-drawn"),
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
