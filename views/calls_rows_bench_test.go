package views

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// BenchmarkCallsTable100 renders the calls table with 100 rows: the part
// of BenchmarkCallsPage100 (in handlers) that templ does, without the
// session, database and middleware noise.
func BenchmarkCallsTable100(b *testing.B) {
	fixture := callRowsFixture()
	rows := make([]CallRow, 0, 100)
	for len(rows) < 100 {
		rows = append(rows, fixture...)
	}
	rows = rows[:100]
	p := Page{Zone: time.UTC}
	var buf bytes.Buffer
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := CallsTable(p, rows, SortHeads{}).Render(ctx, &buf); err != nil {
			b.Fatal(err)
		}
	}
}
