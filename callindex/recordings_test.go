package callindex_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
)

// fakeRecordings gives every third answered call a recording, and every
// ninth a second one, as the Recording API would list them.
func fakeRecordings(calls []vobiz.CDR) (recs []vobiz.Recording, recorded map[string]int) {
	recorded = map[string]int{}
	n := 0
	for _, c := range calls {
		if c.Billsec <= 0 {
			continue
		}
		n++
		if n%3 != 0 {
			continue
		}
		k := 1
		if n%9 == 0 {
			k = 2
		}
		for i := range k {
			recs = append(recs, vobiz.Recording{
				ID:         vobiz.Text(fmt.Sprintf("rec-%s-%d", c.UUID, i)),
				URL:        vobiz.Text("https://media.example/secret/" + string(c.UUID)),
				Format:     "mp3",
				CallUUID:   c.UUID,
				Type:       "call",
				DurationMS: vobiz.NullInt{Int64: int64(c.Billsec) * 1000, Valid: true},
				AddTime:    vobiz.Time{Time: c.StartTime.Add(time.Duration(c.Duration) * time.Second)},
				FromNumber: c.CallerIDNumber,
				ToNumber:   c.DestinationNumber,
			})
		}
		recorded[string(c.UUID)] = k
	}
	return recs, recorded
}

// TestRecordings: UpsertRecordings is idempotent, CallRecordings reads them
// back without any URL, HasRecording with and without split every filter's
// calls exactly, list rows carry Recorded, reports' aggregates honour the
// filter (never from the rollup), and deleting calls deletes their
// recordings.
func TestRecordings(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newSandbox(t, 1200, 5)
		ix := callindex.New(tg.Open(t))
		if _, err := loadExport(ctx, e, ix); err != nil {
			t.Fatal(err)
		}
		calls := e.exportAll(t)
		recs, recorded := fakeRecordings(calls)
		if len(recorded) < 50 {
			t.Fatalf("only %d recorded calls", len(recorded))
		}
		for range 2 { // twice, and in two batches the second time
			if err := ix.UpsertRecordings(ctx, recs); err != nil {
				t.Fatal(err)
			}
		}
		if err := ix.UpsertRecordings(ctx, recs[:len(recs)/2]); err != nil {
			t.Fatal(err)
		}
		if err := ix.UpsertRecordings(ctx, []vobiz.Recording{{ID: "", CallUUID: calls[0].UUID}, {ID: "x"}}); err != nil {
			t.Fatal(err)
		}
		if n, err := ix.CountRecordings(ctx); err != nil || n != int64(len(recs)) {
			t.Fatalf("CountRecordings = %d, %v; want %d", n, err, len(recs))
		}
		got, err := ix.CallRecordings(ctx, string(recs[0].CallUUID))
		if err != nil || len(got) != recorded[string(recs[0].CallUUID)] {
			t.Fatalf("CallRecordings = %d, %v; want %d", len(got), err, recorded[string(recs[0].CallUUID)])
		}
		if g := got[0]; g.ID != string(recs[0].ID) || g.Format != "mp3" || g.Duration != recs[0].Duration() ||
			!g.AddTime.Equal(recs[0].AddTime.Time.Truncate(time.Microsecond)) || g.From != string(recs[0].FromNumber) {
			t.Errorf("CallRecordings[0] = %+v, from %+v", g, recs[0])
		}
		if strings.Contains(fmt.Sprintf("%+v", got), "secret") {
			t.Error("an indexed recording carries its URL")
		}

		bases := []callindex.Filter{
			{},
			{Outcomes: []diagnosis.Outcome{diagnosis.Answered}},
			{API: vobiz.Filter{CallDirection: "inbound"}},
			{Sort: callindex.Sort{Key: callindex.SortCost}},
		}
		for i, base := range bases {
			all, err := ix.Query(ctx, base)
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			if err := ix.Each(ctx, base, func(c *callindex.Call) error {
				if recorded[string(c.CDR.UUID)] > 0 {
					want++
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			var total int64
			for _, h := range []callindex.RecordingFilter{callindex.RecordingWith, callindex.RecordingWithout} {
				f := base
				f.HasRecording, f.Limit = h, 1000
				for _, v := range []*callindex.Index{ix, callindex.WithoutRollup(ix)} {
					p, err := v.Query(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					if h == callindex.RecordingWith && p.Total != int64(want) {
						t.Errorf("case %d: with recording %d, want %d", i, p.Total, want)
					}
					for _, c := range p.Calls {
						if c.Recorded != (h == callindex.RecordingWith) || c.Recorded != (recorded[string(c.CDR.UUID)] > 0) {
							t.Errorf("case %d, filter %d: call %s Recorded %v", i, h, c.CDR.UUID, c.Recorded)
						}
					}
				}
				p, _ := ix.Query(ctx, f)
				total += p.Total
				// Reports' aggregates: the same calls, not the rollup's.
				if base.Sort.Key != "" {
					continue
				}
				f.From, f.To = calls[len(calls)-1].StartTime.Time, calls[0].StartTime.Add(time.Second)
				slots, err := ix.Slots(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				var n int64
				for _, s := range slots {
					n += s.Calls
				}
				pw, _ := ix.Query(ctx, f)
				if n != pw.Total {
					t.Errorf("case %d, filter %d: slots count %d, query %d", i, h, n, pw.Total)
				}
			}
			if total != all.Total {
				t.Errorf("case %d: with + without = %d, all %d", i, total, all.Total)
			}
			// Marks on an unfiltered page are exactly the recorded calls.
			for _, c := range all.Calls {
				if c.Recorded != (recorded[string(c.CDR.UUID)] > 0) {
					t.Errorf("case %d: call %s Recorded %v", i, c.CDR.UUID, c.Recorded)
				}
			}
		}
		if tg.Name == "sqlite" {
			// Index-driven: the window and the flag from the time index,
			// without a row read for the tiles.
			for _, h := range []callindex.RecordingFilter{callindex.RecordingWith, callindex.RecordingWithout} {
				f := callindex.Filter{From: sbNow.AddDate(0, 0, -3), To: sbNow, HasRecording: h}
				s, l, err := ix.Explain(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(strings.Join(s, "|"), "COVERING INDEX call_index_start_idx (start_time>? AND start_time<?)") ||
					!strings.Contains(strings.Join(l, "|"), "INDEX call_index_start_idx (start_time>? AND start_time<?)") {
					t.Errorf("has_recording %d: plans %q, %q", h, s, l)
				}
			}
		}
		// A call written after its recording is flagged by LinkRecordings.
		late := calls[0]
		late.UUID, late.ID = "00000000-0000-4000-8000-00000000beef", late.ID+1_000_000
		if err := ix.UpsertRecordings(ctx, []vobiz.Recording{{ID: "rec-late", CallUUID: late.UUID,
			AddTime: vobiz.Time{Time: late.StartTime.Add(time.Minute)}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := ix.Upsert(ctx, []vobiz.CDR{late}); err != nil {
			t.Fatal(err)
		}
		onlyLate := callindex.Filter{API: vobiz.Filter{Search: string(late.UUID)}, HasRecording: callindex.RecordingWith}
		if p, err := ix.Query(ctx, onlyLate); err != nil || p.Total != 0 {
			t.Fatalf("before LinkRecordings: %d, %v", p.Total, err)
		}
		if n, err := ix.LinkRecordings(ctx, late.StartTime.Add(-time.Hour)); err != nil || n != 1 {
			t.Fatalf("LinkRecordings = %d, %v", n, err)
		}
		if p, err := ix.Query(ctx, onlyLate); err != nil || p.Total != 1 || !p.Calls[0].Recorded {
			t.Fatalf("after LinkRecordings: %+v, %v", p, err)
		}
		if _, err := ix.DeleteCalls(ctx, []string{string(late.UUID)}); err != nil {
			t.Fatal(err)
		}
		if _, err := ix.Query(ctx, callindex.Filter{HasRecording: 7}); err == nil {
			t.Error("an unknown recording filter is accepted")
		}

		// DeleteCalls takes the calls' recordings too.
		var gone []string
		for u := range recorded {
			gone = append(gone, u)
			if len(gone) == 10 {
				break
			}
		}
		if _, err := ix.DeleteCalls(ctx, gone); err != nil {
			t.Fatal(err)
		}
		for _, u := range gone {
			if got, err := ix.CallRecordings(ctx, u); err != nil || len(got) != 0 {
				t.Errorf("recordings of deleted call %s: %d, %v", u, len(got), err)
			}
		}
		// DeleteBefore: every call before the cut, and their recordings.
		cut := calls[len(calls)/2].StartTime.Time
		if _, err := ix.DeleteBefore(ctx, cut); err != nil {
			t.Fatal(err)
		}
		left := 0
		for _, r := range recs {
			if _, ok := recorded[string(r.CallUUID)]; !ok {
				continue
			}
			var start time.Time
			for _, c := range calls {
				if c.UUID == r.CallUUID {
					start = c.StartTime.Time
				}
			}
			got, err := ix.CallRecordings(ctx, string(r.CallUUID))
			if err != nil {
				t.Fatal(err)
			}
			if start.Before(cut) && len(got) > 0 {
				t.Errorf("recording of call %s (before the cut) kept", r.CallUUID)
			}
			if !start.Before(cut) {
				left++
			}
		}
		if left == 0 {
			t.Fatal("the cut left no recorded call to check")
		}
	})
}

// TestRecordingDaysAndState: the per-day completeness and the shared
// recording sync row.
func TestRecordingDaysAndState(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		ix := callindex.New(tg.Open(t))
		d1 := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
		at := d1.Add(30 * time.Hour)
		for _, d := range []time.Time{d1, d1.AddDate(0, 0, 1)} {
			if err := ix.SetRecordingDay(ctx, d.Add(5*time.Hour), 3, at); err != nil {
				t.Fatal(err)
			}
		}
		if err := ix.SetRecordingDay(ctx, d1, 4, at); err != nil { // again: replaces
			t.Fatal(err)
		}
		// A local window cutting 4 Dec and 7 Dec.
		missing, err := ix.UnsyncedRecordingDays(ctx, d1.Add(-2*time.Hour), d1.AddDate(0, 0, 2).Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(missing) != 2 || !missing[0].Equal(d1.AddDate(0, 0, -1)) || !missing[1].Equal(d1.AddDate(0, 0, 2)) {
			t.Errorf("unsynced days = %v", missing)
		}
		if missing, _ := ix.UnsyncedRecordingDays(ctx, d1, d1.AddDate(0, 0, 2)); len(missing) != 0 {
			t.Errorf("unsynced days of a synced window = %v", missing)
		}
		if err := ix.UpdateRecordingSync(ctx, func(s *callindex.RecordingSyncState) {
			s.Watermark, s.Unavailable, s.Failures, s.RetryAt = at, "404 Not Found", 2, at.Add(time.Minute)
		}); err != nil {
			t.Fatal(err)
		}
		s, err := ix.RecordingSync(ctx)
		if err != nil || !s.Watermark.Equal(at) || s.Unavailable != "404 Not Found" || s.Failures != 2 ||
			!s.RetryAt.Equal(at.Add(time.Minute)) || !s.LastPoll.IsZero() {
			t.Errorf("RecordingSync = %+v, %v", s, err)
		}
		if _, err := ix.DeleteBefore(ctx, d1.AddDate(0, 0, 1)); err != nil {
			t.Fatal(err)
		}
		if missing, _ := ix.UnsyncedRecordingDays(ctx, d1, d1.AddDate(0, 0, 2)); len(missing) != 1 || !missing[0].Equal(d1) {
			t.Errorf("after DeleteBefore, unsynced = %v", missing)
		}
	})
}
