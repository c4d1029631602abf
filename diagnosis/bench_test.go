package diagnosis

import (
	"encoding/json"
	"testing"

	"github.com/cdrdash/cdrdash/vobiz"
)

// BenchmarkExplain: the list page explains every row, so this bounds the
// cost per row.
func BenchmarkExplain(b *testing.B) {
	var c vobiz.CDR
	if err := json.Unmarshal([]byte(exampleUnanswered), &c); err != nil {
		b.Fatal(err)
	}
	th := DefaultThresholds()
	b.ReportAllocs()
	for b.Loop() {
		_ = Explain(&c)
		_ = Verdict(&c, th)
	}
}

// BenchmarkParseInput: the /diagnose page parses one paste per request.
func BenchmarkParseInput(b *testing.B) {
	in := []byte(`{"data": ` + exampleAnswered + `, "success": true}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseInput(in); err != nil {
			b.Fatal(err)
		}
	}
}
