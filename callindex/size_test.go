package callindex_test

import (
	"context"
	"testing"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// Size counts the rows and grows with them, on both databases.
func TestSize(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		ix := callindex.New(tg.Open(t))
		empty, err := ix.Size(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if empty.Rows != 0 || empty.Bytes <= 0 {
			t.Fatalf("empty index: %+v", empty)
		}
		sb := sandbox.New(sandbox.Options{Seed: 3, Calls: 3000, Days: 10, Now: sbNow})
		calls := make([]vobiz.CDR, 0, sb.Len())
		for i := range sb.Len() {
			calls = append(calls, sb.Call(i))
		}
		if _, err := ix.Upsert(ctx, calls); err != nil {
			t.Fatal(err)
		}
		full, err := ix.Size(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if full.Rows != 3000 || full.Bytes < empty.Bytes+3000*200 {
			t.Fatalf("after 3000 calls: %+v (empty %+v)", full, empty)
		}
	})
}
