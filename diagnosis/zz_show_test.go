package diagnosis

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/internal/cdrcorpus"
)

func TestZZShow(t *testing.T) {
	for i, k := range cdrcorpus.Cases() {
		if !strings.Contains(k.Name, "APIRequest-ring17") && !strings.Contains(k.Name, "AnswerXML-ring1") && !strings.Contains(k.Name, "MEDIA") && !strings.Contains(k.Name, "3050-Carrier-ring1") && !strings.Contains(k.Name, "in-NO_ANSWER-3000") && !strings.Contains(k.Name, "out-USER_BUSY-3010-Callee-ring5"){
			continue
		}
		c := k.CDR(i)
		d := Explain(c)
		fmt.Printf("== %s\nH: %s\nV: %s\nTELL: %s\nWHO: %s\nWHY: %s\nSTEPS: %q\nMEAN: %s\nTECH: %q\n", k.Name, d.Headline, Verdict(c, DefaultThresholds()), d.TellCustomer, d.WhoEnded, d.LikelyReason, d.NextSteps, d.Meaning, d.Technical)
	}
}
