package sandbox

import (
	"testing"

	"github.com/cdrdash/cdrdash/internal/cdrcorpus"
)

// TestProducesEveryCorpusCase: every case the diagnosis is held to occurs
// somewhere in the default data set (100,000 calls), so a demo or a
// browser test can open a real instance of each. A case matches a call
// when the call would be explained the same way (cdrcorpus.Case.Matches).
func TestProducesEveryCorpusCase(t *testing.T) {
	s := New(Options{Now: testNow})
	cases := cdrcorpus.Cases()
	found := make([]int, len(cases)) // index+1 of the first matching call
	missing := len(cases)
	for i := 0; i < s.Len() && missing > 0; i++ {
		c := s.Call(i)
		for k := range cases {
			if found[k] == 0 && cases[k].Matches(&c) {
				found[k] = i + 1
				missing--
			}
		}
	}
	for k, at := range found {
		if at == 0 {
			t.Errorf("no call in %d is an instance of %s", s.Len(), cases[k].Name)
		}
	}
}
