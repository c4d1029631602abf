package csvreport_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/cdrdash/cdrdash/csvreport"
)

// BenchmarkTransform is the report transformer alone, on the 2,000-row
// fixture with the default columns; MB/s is export bytes read.
func BenchmarkTransform(b *testing.B) {
	_, export := fixture()
	loc := kolkata(b)
	b.SetBytes(int64(len(export)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := csvreport.Transform(context.Background(), io.Discard, bytes.NewReader(export),
			csvreport.Options{Location: loc}); err != nil {
			b.Fatal(err)
		}
	}
}
