package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/store/storetest"
)

// TestAuditRetention: pruning deletes only events older than the
// retention, and the database itself refuses to delete anything younger
// (or to shorten the retention below 30 days), so the trail stays
// append-only for every event inside the retention. The delete trigger
// reads the database's own clock, so the events are placed relative to the
// real time, days away from any boundary.
func TestAuditRetention(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		now := time.Now()
		db := tg.Open(t, store.WithClock(func() time.Time { return now }), store.WithAuditRetention(400*24*time.Hour))
		ids := map[string]int64{}
		for _, age := range []int{500, 100, 10} {
			id, err := db.InsertEvent(ctx, store.Event{At: now.AddDate(0, 0, -age), Action: "login.success",
				Username: "d" + time.Duration(age).String()})
			mustNil(t, err)
			ids[time.Duration(age).String()] = id
		}

		if _, err := db.SQL().ExecContext(ctx, `DELETE FROM audit_events`); err == nil {
			t.Fatal("deleting the whole trail succeeded")
		}
		n, err := db.PruneEvents(ctx, 400*24*time.Hour)
		mustNil(t, err)
		if n != 1 {
			t.Errorf("pruned %d events, want 1 (the 500-day-old one)", n)
		}
		_, total, err := db.ListEvents(ctx, store.EventFilter{})
		mustNil(t, err)
		if total != 2 {
			t.Errorf("%d events left, want 2", total)
		}

		// A prune with a shorter cutoff than the stored retention is
		// refused by the database, not only by the application.
		if _, err := db.PruneEvents(ctx, 50*24*time.Hour); err == nil {
			t.Error("deleting a 100-day-old event under a 400-day retention succeeded")
		}
		// Shortening the retention to 31 days allows it; 10-day-old events
		// stay.
		mustNil(t, db.SetAuditRetention(ctx, 31*24*time.Hour))
		n, err = db.PruneEvents(ctx, 31*24*time.Hour)
		mustNil(t, err)
		if n != 1 {
			t.Errorf("pruned %d events under 31 days, want 1", n)
		}
		if err := db.SetAuditRetention(ctx, 24*time.Hour); err == nil {
			t.Error("a one-day retention was accepted")
		}
		if _, err := db.SQL().ExecContext(ctx, `UPDATE audit_retention SET micros = 0`); err == nil {
			t.Error("the database accepted a zero retention")
		}
		if _, err := db.SQL().ExecContext(ctx, `UPDATE audit_events SET username = 'mallory'`); err == nil {
			t.Error("UPDATE on audit_events succeeded")
		}
		_, total, err = db.ListEvents(ctx, store.EventFilter{})
		mustNil(t, err)
		if total != 1 {
			t.Errorf("%d events left, want 1", total)
		}
	})
}

// TestListEventsPage walks the trail with keyset cursors: every event once,
// newest first, the same order as ListEvents, ties on time broken by id.
func TestListEventsPage(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB, clk *storetest.Clock) {
		ctx := context.Background()
		for i := range 8 {
			_, err := db.InsertEvent(ctx, store.Event{Action: "login.failure", Username: "u"})
			mustNil(t, err)
			if i%3 == 0 {
				clk.Advance(time.Second) // some events share a time
			}
		}
		_, err := db.InsertEvent(ctx, store.Event{Action: "logout", Username: "u"})
		mustNil(t, err)

		all, _, err := db.ListEvents(ctx, store.EventFilter{Action: "login.", Limit: 100})
		mustNil(t, err)
		var walked []int64
		f := store.EventFilter{Action: "login.", Limit: 3}
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("keyset paging does not end")
			}
			evs, more, err := db.ListEventsPage(ctx, f)
			mustNil(t, err)
			for _, e := range evs {
				walked = append(walked, e.ID)
			}
			if !more {
				break
			}
			last := evs[len(evs)-1]
			f.Before = store.EventCursor{At: last.At, ID: last.ID}
		}
		var want []int64
		for _, e := range all {
			want = append(want, e.ID)
		}
		if !slices.Equal(walked, want) || len(want) != 8 {
			t.Errorf("walked %v, want %v", walked, want)
		}
	})
}
