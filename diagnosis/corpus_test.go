package diagnosis

import (
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/internal/cdrcorpus"
	"github.com/cdrdash/cdrdash/vobiz"
)

// corpusTexts is what the diagnosis says about c, in the corpus's terms.
func corpusTexts(c *vobiz.CDR) cdrcorpus.Texts {
	d := Explain(c)
	return cdrcorpus.Texts{
		Headline:  d.Headline,
		Who:       d.WhoEnded,
		Reason:    d.LikelyReason,
		Meaning:   d.Meaning,
		Verdict:   Verdict(c, DefaultThresholds()) + " / " + OneLine(c),
		Tell:      d.TellCustomer,
		Steps:     d.NextSteps,
		Technical: d.Technical,
	}
}

// TestCorpusInvariants runs every corpus case through the diagnosis and
// holds it to the corpus invariants: direction words, one party to blame,
// durations equal to the fields they name, no ringing that did not
// happen, advice that fits the direction.
func TestCorpusInvariants(t *testing.T) {
	for i, k := range cdrcorpus.Cases() {
		t.Run(k.Name, func(t *testing.T) {
			c := k.CDR(i)
			for _, b := range cdrcorpus.Check(c, corpusTexts(c)) {
				t.Error(b)
			}
		})
	}
}

// TestCorpusPlainLayer: the customer line is always there and free of
// codes and field names, and the technical notes carry the signalling.
func TestCorpusPlainLayer(t *testing.T) {
	jargon := []string{"Q.850", "FreeSWITCH", "re-INVITE", "endConferenceOnExit", "RTP", "send_", "recv_", "hangup_", "failure_"}
	for i, k := range cdrcorpus.Cases() {
		d := Explain(k.CDR(i))
		if d.TellCustomer == "" {
			t.Errorf("%s: no line for the customer", k.Name)
		}
		for _, s := range []string{d.Headline, d.TellCustomer, d.LikelyReason} {
			for _, j := range jargon {
				if strings.Contains(s, j) {
					t.Errorf("%s: %q in the plain layer: %q", k.Name, j, s)
				}
			}
		}
		// Steps may name the record's fields (the page lists them), not
		// the engineer's tools.
		for _, s := range d.NextSteps {
			for _, j := range jargon[:5] {
				if strings.Contains(s, j) {
					t.Errorf("%s: %q in a visible step: %q", k.Name, j, s)
				}
			}
		}
		if !strings.Contains(strings.Join(d.Technical, " "), k.Disposition) {
			t.Errorf("%s: technical notes lack the disposition: %q", k.Name, d.Technical)
		}
	}
}
