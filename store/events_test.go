package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/store/storetest"
)

func TestLoginFailures(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		for i := range 6 {
			mustNil(t, db.RecordLoginFailure(ctx, "user:bob", t0.Add(time.Duration(i)*time.Minute)))
		}
		mustNil(t, db.RecordLoginFailure(ctx, "ip:10.0.0.1", t0))

		n, err := db.CountLoginFailures(ctx, "user:bob", t0.Add(2*time.Minute))
		mustNil(t, err)
		if n != 4 {
			t.Errorf("CountLoginFailures since +2m = %d, want 4", n)
		}
		recent, err := db.RecentLoginFailures(ctx, "user:bob", t0, 3)
		mustNil(t, err)
		want := []time.Time{t0.Add(5 * time.Minute), t0.Add(4 * time.Minute), t0.Add(3 * time.Minute)}
		if fmt.Sprint(recent) != fmt.Sprint(want) {
			t.Errorf("RecentLoginFailures = %v, want %v", recent, want)
		}

		mustNil(t, db.ClearLoginFailures(ctx, "user:bob"))
		n, _ = db.CountLoginFailures(ctx, "user:bob", t0)
		if n != 0 {
			t.Errorf("after Clear: %d failures", n)
		}
		n, _ = db.CountLoginFailures(ctx, "ip:10.0.0.1", t0)
		if n != 1 {
			t.Errorf("Clear touched another key: %d failures left, want 1", n)
		}

		pruned, err := db.PruneLoginFailures(ctx, t0.Add(time.Second))
		mustNil(t, err)
		if pruned != 1 {
			t.Errorf("PruneLoginFailures = %d, want 1", pruned)
		}
	})
}

func TestEvents(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB, clk *storetest.Clock) {
		ctx := context.Background()
		uid := int64(7)
		seed := []store.Event{
			{Username: "alice", UserID: &uid, ClientIP: "10.0.0.1", Action: "login.success"},
			{Username: "bob", ClientIP: "10.0.0.2", Action: "login.failure", Details: `{"reason":"bad_password"}`},
			{Username: "alice", UserID: &uid, ClientIP: "10.0.0.1", Action: "call.view", Details: `{"call_id":"c1"}`},
			{Username: "alice", UserID: &uid, ClientIP: "10.0.0.1", Action: "call.export"},
			{Username: "alice", UserID: &uid, ClientIP: "10.0.0.1", Action: "logout"},
		}
		for _, e := range seed {
			_, err := db.InsertEvent(ctx, e)
			mustNil(t, err)
			clk.Advance(time.Second)
		}
		// Same timestamp as the previous event: id breaks the tie.
		_, err := db.InsertEvent(ctx, store.Event{At: t0.Add(4 * time.Second), Username: "carol", Action: "login_x"})
		mustNil(t, err)

		tests := []struct {
			name      string
			filter    store.EventFilter
			wantTotal int
			wantOrder []string // actions, in order
		}{
			{"all newest first", store.EventFilter{}, 6,
				[]string{"login_x", "logout", "call.export", "call.view", "login.failure", "login.success"}},
			{"by user", store.EventFilter{Username: "bob"}, 1, []string{"login.failure"}},
			{"by action", store.EventFilter{Action: "call.view"}, 1, []string{"call.view"}},
			{"by action prefix", store.EventFilter{Action: "login."}, 2, []string{"login.failure", "login.success"}},
			{"user and action", store.EventFilter{Username: "alice", Action: "call."}, 2, []string{"call.export", "call.view"}},
			{"page 2", store.EventFilter{Limit: 2, Offset: 2}, 6, []string{"call.export", "call.view"}},
			{"past the end", store.EventFilter{Limit: 2, Offset: 10}, 6, []string{}},
			{"time window", store.EventFilter{Since: t0.Add(time.Second), Until: t0.Add(3 * time.Second)}, 2,
				[]string{"call.view", "login.failure"}},
			{"no match", store.EventFilter{Username: "nobody"}, 0, []string{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, total, err := db.ListEvents(ctx, tt.filter)
				mustNil(t, err)
				if total != tt.wantTotal {
					t.Errorf("total = %d, want %d", total, tt.wantTotal)
				}
				actions := []string{}
				for _, e := range got {
					actions = append(actions, e.Action)
				}
				if fmt.Sprint(actions) != fmt.Sprint(tt.wantOrder) {
					t.Errorf("actions = %v, want %v", actions, tt.wantOrder)
				}
			})
		}

		got, _, err := db.ListEvents(ctx, store.EventFilter{Action: "login.failure"})
		mustNil(t, err)
		e := got[0]
		if e.ID == 0 || e.Username != "bob" || e.UserID != nil || e.ClientIP != "10.0.0.2" ||
			e.Details != `{"reason":"bad_password"}` || !e.At.Equal(t0.Add(time.Second)) {
			t.Errorf("round trip: %+v", e)
		}
		got, _, _ = db.ListEvents(ctx, store.EventFilter{Action: "logout"})
		if got[0].UserID == nil || *got[0].UserID != 7 {
			t.Errorf("UserID round trip: %v", got[0].UserID)
		}

		actions, err := db.ListEventActions(ctx)
		mustNil(t, err)
		if fmt.Sprint(actions) != "[call.export call.view login.failure login.success login_x logout]" {
			t.Errorf("ListEventActions = %v", actions)
		}
	})
}

func TestEventsAppendOnly(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		_, err := db.InsertEvent(ctx, store.Event{Username: "alice", Action: "login.success"})
		mustNil(t, err)
		if _, err := db.SQL().ExecContext(ctx, `UPDATE audit_events SET username = 'mallory'`); err == nil {
			t.Error("UPDATE on audit_events succeeded")
		}
		if _, err := db.SQL().ExecContext(ctx, `DELETE FROM audit_events`); err == nil {
			t.Error("DELETE on audit_events succeeded")
		}
		_, total, err := db.ListEvents(ctx, store.EventFilter{Username: "alice"})
		mustNil(t, err)
		if total != 1 {
			t.Errorf("total = %d, want 1", total)
		}
	})
}

func TestListEventsLimits(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		for i := range store.DefaultEventLimit + 5 {
			_, err := db.InsertEvent(ctx, store.Event{Action: fmt.Sprintf("a.%d", i)})
			mustNil(t, err)
		}
		got, total, err := db.ListEvents(ctx, store.EventFilter{})
		mustNil(t, err)
		if len(got) != store.DefaultEventLimit || total != store.DefaultEventLimit+5 {
			t.Errorf("default page: %d rows, total %d", len(got), total)
		}
		got, _, err = db.ListEvents(ctx, store.EventFilter{Limit: 1 << 30, Offset: -3})
		mustNil(t, err)
		if len(got) != store.DefaultEventLimit+5 {
			t.Errorf("large limit, negative offset: %d rows", len(got))
		}
	})
}
