package callpage

import (
	"fmt"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/internal/cdrcorpus"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// pageTexts is what the call page's view model says about c, in the
// corpus's terms, bar and note included.
func pageTexts(c *vobiz.CDR) cdrcorpus.Texts {
	v := Build(c, Options{Thresholds: diagnosis.DefaultThresholds()})
	d := v.Diagnosis
	t := cdrcorpus.Texts{
		Headline: d.Headline, Who: d.WhoEnded, Reason: d.LikelyReason, Meaning: d.Meaning,
		Verdict: v.Verdict, Tell: d.TellCustomer, Steps: d.NextSteps, Technical: d.Technical,
		Timeline: v.Timeline.Summary, Drawn: v.Timeline.Drawn, HasBar: true,
	}
	for _, s := range v.Timeline.Segments {
		t.Bar = append(t.Bar, s.Label)
	}
	return t
}

// TestCallPageCorpusInvariants holds the view model of every corpus case,
// timeline bar and note included, to the corpus invariants.
func TestCallPageCorpusInvariants(t *testing.T) {
	for i, k := range cdrcorpus.Cases() {
		t.Run(k.Name, func(t *testing.T) {
			c := k.CDR(i)
			for _, b := range cdrcorpus.Check(c, pageTexts(c)) {
				t.Error(b)
			}
		})
	}
}

// TestSandboxInvariants walks the sandbox's default data set the way a
// tester would: one call of every combination of direction, cause, code,
// hangup_source, disposition, context, answered or not, ringing class and
// shape of the timestamps, each held to the corpus invariants.
func TestSandboxInvariants(t *testing.T) {
	s := sandbox.New(sandbox.Options{Now: time.Date(2026, 3, 25, 12, 0, 0, 0, time.UTC)})
	seen := map[string]bool{}
	failed, walked := 0, 0
	for i := 0; i < s.Len(); i++ {
		c := s.Call(i)
		pdd := !c.ProgressTime.IsZero() && c.ProgressTime.After(c.StartTime.Time)
		key := fmt.Sprint(c.CallDirection, c.HangupCause.String, c.HangupCauseCode.Int64, c.HangupSource.String,
			c.HangupDisposition.String, c.Context, c.Billsec > 0, min(c.RingTime, 4), c.RingTime >= 20, c.ProgressTime.IsZero(), pdd,
			c.MOS.Valid && c.MOS.Float64 > 0, c.FailureCode.Valid)
		if seen[key] {
			continue
		}
		seen[key] = true
		walked++
		if bad := cdrcorpus.Check(&c, pageTexts(&c)); len(bad) > 0 {
			failed++
			if failed <= 40 {
				t.Errorf("%s (%s %s %d %s): %q", c.UUID, c.CallDirection, c.HangupCause.String, c.HangupCauseCode.Int64, c.HangupSource.String, bad)
			}
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d combinations break the invariants", failed, walked)
	}
}
