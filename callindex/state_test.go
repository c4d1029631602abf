package callindex_test

import (
	"context"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/store/storetest"
)

// The lease has one holder at a time, passes on when it expires or is
// released, and the shared state round-trips without touching it.
func TestSyncStateAndLease(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		clock := storetest.NewClock(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
		db := tg.Open(t, store.WithClock(clock.Now))
		a, b := callindex.New(db), callindex.New(db)
		now := clock.Now()
		ttl := 30 * time.Second

		steps := []struct {
			name   string
			ix     *callindex.Index
			holder string
			at     time.Time
			want   bool
		}{
			{"first takes it", a, "a", now, true},
			{"other is refused while it holds", b, "b", now.Add(10 * time.Second), false},
			{"holder renews", a, "a", now.Add(20 * time.Second), true},
			{"other is still refused after the first expiry", b, "b", now.Add(40 * time.Second), false},
			{"other takes over once it expired", b, "b", now.Add(51 * time.Second), true},
			{"old holder is refused", a, "a", now.Add(52 * time.Second), false},
		}
		for _, s := range steps {
			got, err := s.ix.AcquireLease(ctx, s.holder, s.at, ttl)
			if err != nil || got != s.want {
				t.Fatalf("%s: AcquireLease = %v, %v; want %v", s.name, got, err, s.want)
			}
		}
		if err := b.ReleaseLease(ctx, "b"); err != nil {
			t.Fatal(err)
		}
		if ok, err := a.AcquireLease(ctx, "a", now.Add(53*time.Second), ttl); err != nil || !ok {
			t.Fatalf("after release: AcquireLease = %v, %v", ok, err)
		}

		poll := now.Add(-8 * time.Second)
		err := a.UpdateSyncState(ctx, func(st *callindex.SyncState) {
			st.LastPoll, st.LastError, st.LastErrorAt = poll, "export cut", now
			st.Paused, st.BackfillDays, st.BackfillDone = "disk full", 400, 12
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.RequestPoll(ctx); err != nil {
			t.Fatal(err)
		}
		st, err := b.SyncState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := callindex.SyncState{Holder: "a", LeaseUntil: now.Add(53*time.Second + ttl), LastPoll: poll,
			LastError: "export cut", LastErrorAt: now, Paused: "disk full", BackfillDays: 400, BackfillDone: 12,
			PollRequested: now, UpdatedAt: now}
		if st != want {
			t.Errorf("state:\n got %+v\nwant %+v", st, want)
		}
	})
}

// Coverage is the unbroken run of complete days ending at the newest
// complete one; today's part reaches the later of its verification and the
// last poll.
func TestCoverage(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		ix := callindex.New(tg.Open(t))
		day := func(n int) time.Time { return time.Date(2026, 12, 7+n, 0, 0, 0, 0, time.UTC) }
		set := func(n int, s callindex.DayStatus, verified time.Time) {
			t.Helper()
			if err := ix.SetDay(ctx, callindex.DayState{Day: day(n), Status: s, APITotal: callindex.UnknownTotal,
				VerifiedAt: verified}); err != nil {
				t.Fatal(err)
			}
		}
		cov, err := ix.Coverage(ctx, now)
		if err != nil || !cov.IsZero() || cov.Covers(day(-1), day(0), now, time.Minute) {
			t.Fatalf("empty index: %+v, %v", cov, err)
		}

		set(-6, callindex.DayComplete, now) // cut off by the gap at -5
		set(-4, callindex.DayComplete, now)
		set(-3, callindex.DayComplete, now)
		set(-2, callindex.DayComplete, now)
		set(-1, callindex.DayComplete, now)
		set(0, callindex.DaySyncing, time.Time{})
		cov, err = ix.Coverage(ctx, now)
		if err != nil || !cov.From.Equal(day(-4)) || !cov.To.Equal(day(0)) {
			t.Fatalf("today syncing: %+v, %v; want %s – %s", cov, err, day(-4), day(0))
		}
		cases := []struct {
			name     string
			from, to time.Time
			want     bool
		}{
			{"yesterday", day(-1), day(0), true},
			{"the run", day(-4), day(0), true},
			{"before the gap", day(-5), day(0), false},
			{"open start", time.Time{}, day(0), false},
			{"today is not verified", day(0), now, false},
		}
		for _, c := range cases {
			if got := cov.Covers(c.from, c.to, now, time.Minute); got != c.want {
				t.Errorf("%s: Covers = %v, want %v", c.name, got, c.want)
			}
		}

		// A day of the run synced again is a hole: the days around it stay
		// covered; a hole at the old end is outside the run.
		set(-2, callindex.DayMismatch, time.Time{})
		set(-4, callindex.DaySyncing, time.Time{})
		cov, err = ix.Coverage(ctx, now)
		if err != nil || !cov.From.Equal(day(-3)) || !cov.To.Equal(day(0)) || len(cov.Holes) != 1 ||
			!cov.Holes[0].Equal(day(-2)) || !cov.Unbroken().Equal(day(-1)) {
			t.Fatalf("with holes: %+v, %v; want %s – %s with the hole %s", cov, err, day(-3), day(0), day(-2))
		}
		for _, c := range []struct {
			name     string
			from, to time.Time
			want     bool
		}{
			{"after the hole", day(-1), day(0), true},
			{"before the hole", day(-3), day(-2), true},
			{"the hole", day(-2), day(-1), false},
			{"across the hole", day(-3), day(0), false},
			{"an hour of the hole", day(-2).Add(5 * time.Hour), day(-2).Add(6 * time.Hour), false},
		} {
			if got := cov.Covers(c.from, c.to, now, time.Minute); got != c.want {
				t.Errorf("%s: Covers = %v, want %v", c.name, got, c.want)
			}
		}
		set(-2, callindex.DayComplete, now)
		set(-4, callindex.DayComplete, now)

		set(0, callindex.DayComplete, now.Add(-5*time.Minute))
		poll := now.Add(-10 * time.Second)
		if err := ix.UpdateSyncState(ctx, func(st *callindex.SyncState) { st.LastPoll = poll }); err != nil {
			t.Fatal(err)
		}
		cov, err = ix.Coverage(ctx, now)
		if err != nil || !cov.To.Equal(poll) || !cov.LastPoll.Equal(poll) {
			t.Fatalf("today complete: %+v, %v; want To = last poll %s", cov, err, poll)
		}
		if !cov.Covers(day(0), time.Time{}, now, time.Minute) {
			t.Error("today so far is not covered while the sync is live")
		}
		if cov.Covers(day(0), time.Time{}, now.Add(2*time.Minute), time.Minute) {
			t.Error("today is covered although the last poll is older than the allowed lag")
		}
	})
}
