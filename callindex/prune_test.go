package callindex_test

import (
	"context"
	"testing"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
)

// DeleteCalls deletes exactly the calls named (in chunks, so more than one
// statement's worth), ignores unknown uuids, and the number search (FTS on
// SQLite, trigram on PostgreSQL) no longer finds the deleted calls, and
// the rollups no longer count them.
func TestDeleteCalls(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newSandbox(t, 1300, 5)
		ix := callindex.New(tg.Open(t))
		if _, err := loadExport(ctx, e, ix); err != nil {
			t.Fatal(err)
		}
		calls := e.exportAll(t)
		var gone []string
		deleted := map[string]bool{}
		for i, c := range calls {
			if i%2 == 0 {
				gone = append(gone, string(c.UUID))
				deleted[string(c.UUID)] = true
			}
		}
		num := string(calls[0].CallerIDNumber) // a call deleted below
		byNumber := callindex.Filter{API: vobiz.Filter{FromNumber: num[len(num)-6:]}}
		found := false
		if err := ix.Each(ctx, byNumber, func(c *callindex.Call) error {
			found = found || c.CDR.UUID == calls[0].UUID
			return nil
		}); err != nil || !found {
			t.Fatalf("the number search does not find the call before the delete: %v", err)
		}
		n, err := ix.DeleteCalls(ctx, append(gone, "00000000-0000-4000-8000-00000000dead"))
		if err != nil || n != int64(len(gone)) {
			t.Fatalf("DeleteCalls = %d, %v; want %d", n, err, len(gone))
		}
		total, err := ix.Count(ctx, calls[len(calls)-1].StartTime.Time, calls[0].StartTime.AddDate(0, 0, 1))
		if err != nil || total != int64(len(calls)-len(gone)) {
			t.Fatalf("count after delete = %d, %v; want %d", total, err, len(calls)-len(gone))
		}
		checkRollupRows(t, ix)
		err = ix.Each(ctx, byNumber, func(c *callindex.Call) error {
			if deleted[string(c.CDR.UUID)] {
				t.Errorf("number search finds deleted call %s", c.CDR.UUID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := ix.DeleteCalls(ctx, nil); n != 0 || err != nil {
			t.Errorf("DeleteCalls(nil) = %d, %v", n, err)
		}
	})
}
