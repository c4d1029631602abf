package callsync_test

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/callsync"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// A backfill makes every day of the window complete, with exactly the
// sandbox's calls; calls older than the window are deleted; the empty days
// before the account's first call cost one request, not one each.
func TestBackfill(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		ctx := context.Background()
		old := newCall(e.sb, 1, day(-testDays).Add(time.Hour)) // one day before the window
		if _, err := e.ix.Upsert(ctx, []vobiz.CDR{old}); err != nil {
			t.Fatal(err)
		}
		s := e.syncer(e.client, "a")
		e.until(t, s, "every day complete", e.settled(t))
		checkIndexEquals(t, e, sandboxCalls(e.sb, nil, nil))

		st := e.status(t)
		if !st.Coverage.From.Equal(day(-(testDays - 1))) || !st.Coverage.Covers(day(-(testDays-1)), time.Time{},
			e.clock.Now(), 2*time.Minute) {
			t.Errorf("coverage %+v does not reach from the window's start to now", st.Coverage)
		}
		if st.Rows != int64(e.sb.Len()) || st.State.LastError != "" || st.State.Holder != "a" {
			t.Errorf("status: rows %d (want %d), last error %q, holder %q", st.Rows, e.sb.Len(),
				st.State.LastError, st.State.Holder)
		}
		// 12 days with calls: a total before and after each export, the
		// export; 3 empty days, then one probe for the 5 older ones; a
		// poll. Without the probe it would be 5 more.
		if n := e.sb.Requests(); n > 12*3+3+1+1 {
			t.Errorf("%d requests to Vobiz for the backfill", n)
		}
	})
}

// A restart in the middle of a backfill (the process stops while a day's
// export is running) resumes from the stored day states, and verify then
// finds every day complete.
func TestResumeAfterRestart(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		ctx, cancel := context.WithCancel(context.Background())
		fake := newFake(e)
		fake.onExp = func(n int) {
			if n == 4 {
				cancel() // the process is stopped during the 4th day's export
			}
		}
		a := e.syncer(fake, "a")
		for ctx.Err() == nil {
			wait, _ := a.Step(ctx)
			e.clock.Advance(wait)
		}
		if err := a.Release(context.Background()); err != nil { // as Run does on shutdown
			t.Fatal(err)
		}
		st := e.status(t)
		if st.ByStatus[callindex.DayComplete] != 3 || st.ByStatus[callindex.DaySyncing] != 1 {
			t.Fatalf("after the stop: %v, want 3 complete and 1 syncing", st.ByStatus)
		}

		b := e.syncer(e.client, "b")
		e.until(t, b, "every day complete after the restart", e.settled(t))
		checkIndexEquals(t, e, sandboxCalls(e.sb, nil, nil))

		var lines []string
		st, err := b.Verify(context.Background(), func(d callindex.DayState) {
			lines = append(lines, d.Day.Format(time.DateOnly)+" "+string(d.Status))
		})
		if err != nil || st.ByStatus[callindex.DayComplete] != testDays {
			t.Fatalf("verify: %v, %v", st.ByStatus, err)
		}
		if len(lines) != testDays {
			t.Errorf("verify reported %d days, want %d: %v", len(lines), testDays, lines)
		}
	})
}

// Two replicas on one database: one syncs; when it dies without giving
// the lease up, the other takes over within 60 s and finishes; no day is
// counted twice.
func TestTwoReplicasTakeOver(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		a, b := e.syncer(e.client, "a"), e.syncer(e.client, "b")
		e.until(t, a, "three days synced", func() bool {
			return e.status(t).ByStatus[callindex.DayComplete] >= 3
		})
		if err := e.step(t, b); err != nil {
			t.Fatal(err)
		}
		if st := e.status(t); st.State.Holder != "a" || st.ByStatus[callindex.DayComplete] > 4 {
			t.Fatalf("b synced beside a: holder %q, %v", st.State.Holder, st.ByStatus)
		}
		// a dies here: it is never stepped again and never releases.
		died := e.clock.Now()
		for e.status(t).State.Holder != "b" {
			if e.clock.Now().Sub(died) > 60*time.Second {
				t.Fatalf("b has not taken over 60 s after a died")
			}
			if err := e.step(t, b); err != nil {
				t.Fatal(err)
			}
		}
		e.until(t, b, "every day complete", e.settled(t))
		checkIndexEquals(t, e, sandboxCalls(e.sb, nil, nil))
		if st := e.status(t); st.Rows != int64(e.sb.Len()) {
			t.Errorf("index has %d calls, the sandbox %d", st.Rows, e.sb.Len())
		}
	})
}

// A 429 with Retry-After stops every request until it has passed; the
// failure shows in the shared state until the sync recovers.
func TestRetryAfterHonoured(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		s := e.syncer(e.client, "a")
		e.sb.SetFaults(sandbox.Faults{ErrorRate: 1, ErrorStatus: 429, RetryAfter: 40 * time.Second})
		start := e.clock.Now()
		if _, err := s.Step(context.Background()); err == nil {
			t.Fatal("a rate-limited step reported no error")
		}
		waits := s.Waits()
		if len(waits) != 1 || waits[0] < 40*time.Second {
			t.Fatalf("waits %v, want one of at least 40 s", waits)
		}
		st := e.status(t)
		if !strings.Contains(st.State.LastError, "429") || !st.State.LastErrorAt.Equal(start) {
			t.Errorf("shared state: %q at %s", st.State.LastError, st.State.LastErrorAt)
		}
		sent := e.sb.Requests()
		for e.clock.Now().Before(start.Add(waits[0])) {
			if err := e.step(t, s); err != nil {
				t.Fatal(err)
			}
			if e.sb.Requests() != sent {
				t.Fatalf("a request was sent %s after the 429, before its Retry-After", e.clock.Now().Sub(start))
			}
		}
		e.sb.SetFaults(sandbox.Faults{})
		e.until(t, s, "every day complete", e.settled(t))
		if st := e.status(t); st.State.LastError != "" {
			t.Errorf("last error not cleared: %q", st.State.LastError)
		}
		checkIndexEquals(t, e, sandboxCalls(e.sb, nil, nil))
	})
}

// An export cut mid-stream leaves its day not complete (with the reason)
// until a later clean pass; an HTML page instead of the CSV likewise.
func TestBrokenExports(t *testing.T) {
	cases := []struct {
		name   string
		faults sandbox.Faults
		want   string
	}{
		{"cut mid-stream", sandbox.Faults{ExportDropAfterRows: 40, Endpoints: []string{sandbox.EndpointExport}},
			"export cut after"},
		{"html page", sandbox.Faults{Body: sandbox.BodyHTML, ErrorStatus: 502,
			Endpoints: []string{sandbox.EndpointExport}}, "export cut after 0 rows"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
				e := newEnv(t, tg)
				s := e.syncer(e.client, "a")
				e.sb.SetFaults(c.faults)
				e.until(t, s, "today attempted", func() bool { return e.day(t, day(0)).LastError != "" })
				st := e.day(t, day(0))
				if st.Status == callindex.DayComplete || !strings.Contains(st.LastError, c.want) {
					t.Fatalf("today after a broken export: %s, %q", st.Status, st.LastError)
				}
				if e.status(t).State.LastError == "" {
					t.Error("the shared state shows no error")
				}
				for range 20 { // still broken: never complete
					_ = e.step(t, s)
					if e.day(t, day(0)).Status == callindex.DayComplete {
						t.Fatal("today complete while its export is broken")
					}
				}
				e.sb.SetFaults(sandbox.Faults{})
				e.until(t, s, "every day complete", e.settled(t))
				checkIndexEquals(t, e, sandboxCalls(e.sb, nil, nil))
			})
		})
	}
}

// Malformed export rows are counted, and their day stays mismatch (with
// how many) while they persist; once the rows read, it completes.
func TestMalformedRows(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		fake := newFake(e)
		bad := callsOf(e.sb, day(-2))[:2]
		for _, c := range bad {
			fake.corrupt[string(c.UUID)] = true
		}
		s := e.syncer(fake, "a")
		e.until(t, s, "the day attempted", func() bool { return e.day(t, day(-2)).LastError != "" })
		st := e.day(t, day(-2))
		if st.Status != callindex.DayMismatch || !strings.Contains(st.LastError, "2 export rows could not be read") {
			t.Fatalf("day with malformed rows: %s, %q", st.Status, st.LastError)
		}
		for range 30 {
			_ = e.step(t, s)
		}
		if st := e.day(t, day(-2)); st.Status == callindex.DayComplete {
			t.Fatal("day complete while two rows cannot be read")
		}
		fake.mu.Lock()
		clear(fake.corrupt)
		fake.mu.Unlock()
		e.until(t, s, "every day complete", e.settled(t))
		checkIndexEquals(t, e, sandboxCalls(e.sb, nil, nil))
	})
}

// callsOf returns the sandbox's calls of one UTC day.
func callsOf(sb *sandbox.Server, d time.Time) []vobiz.CDR {
	var out []vobiz.CDR
	for i := range sb.Len() {
		c := sb.Call(i)
		if c.StartTime.UTC().Truncate(24 * time.Hour).Equal(d) {
			out = append(out, c)
		}
	}
	return out
}

// Late CDRs: calls of yesterday that reach the API after the day was
// synced are caught by the periodic verification and synced.
func TestLateCDRs(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		fake := newFake(e)
		late := callsOf(e.sb, day(-1))[10:15]
		fake.hide(late...)
		s := e.syncer(fake, "a")
		e.until(t, s, "every day complete", e.settled(t))
		hidden := map[string]bool{}
		for _, c := range late {
			hidden[string(c.UUID)] = true
		}
		checkIndexEquals(t, e, sandboxCalls(e.sb, hidden, nil))

		fake.unhide()
		verified := e.day(t, day(-1)).VerifiedAt
		e.until(t, s, "yesterday verified again", func() bool { return e.day(t, day(-1)).VerifiedAt.After(verified) })
		if e.clock.Now().Sub(verified) > callsync.DefaultVerifyEvery+2*time.Second {
			t.Errorf("yesterday re-verified %s after its sync", e.clock.Now().Sub(verified))
		}
		e.until(t, s, "every day complete", e.settled(t))
		checkIndexEquals(t, e, sandboxCalls(e.sb, nil, nil))
	})
}

// A call that appears in the API is in the index by the first poll after
// it appeared, and the coverage reaches now while the polls succeed.
func TestPollFindsNewCalls(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		fake := newFake(e)
		s := e.syncer(fake, "a")
		e.until(t, s, "every day complete", e.settled(t))

		appeared := e.clock.Now()
		calls := []vobiz.CDR{newCall(e.sb, 1, appeared.Add(-20*time.Second)), newCall(e.sb, 2, appeared.Add(-3*time.Second))}
		fake.add(calls...)
		e.until(t, s, "the new calls indexed", func() bool {
			n, err := e.ix.Count(context.Background(), appeared.Add(-time.Minute), appeared.Add(time.Minute))
			return err == nil && n == 2
		})
		if lag := e.clock.Now().Sub(appeared); lag > callsync.DefaultPoll {
			t.Errorf("new calls indexed %s after they appeared; the poll is every %s", lag, callsync.DefaultPoll)
		}
		st := e.status(t)
		if !st.Coverage.Covers(day(0), time.Time{}, e.clock.Now(), 2*time.Minute) {
			t.Errorf("today not covered after a poll: %+v", st.Coverage)
		}
		if st.Lag() > callsync.DefaultPoll {
			t.Errorf("lag %s", st.Lag())
		}
		if e.day(t, day(0)).Status != callindex.DayComplete {
			t.Error("a poll with known calls made today sync again")
		}
	})
}

// When every polled call is new, more may have arrived than one poll
// returns: today is synced again through its export, and none is missed.
func TestPollAllNewResyncsToday(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		fake := newFake(e)
		s := e.syncer(fake, "a")
		e.until(t, s, "every day complete", e.settled(t))

		now := e.clock.Now()
		var burst []vobiz.CDR
		for i := range 150 { // more than one poll returns
			burst = append(burst, newCall(e.sb, 100+i, now.Add(-time.Duration(150-i)*time.Second)))
		}
		fake.add(burst...)
		fake.mu.Lock()
		exports := fake.exports
		fake.mu.Unlock()
		want := int64(len(callsOf(e.sb, day(0))) + len(burst))
		e.until(t, s, "today complete with the whole burst", func() bool {
			st := e.day(t, day(0))
			return st.Status == callindex.DayComplete && st.Rows == want
		})
		if d := e.clock.Now().Sub(now); d > callsync.DefaultPoll {
			t.Errorf("the burst was complete %s later, not by the next poll", d)
		}
		fake.mu.Lock()
		if fake.exports != exports+1 {
			t.Errorf("%d exports after the burst, want today's one", fake.exports-exports)
		}
		fake.mu.Unlock()
		checkIndexEquals(t, e, sandboxCalls(e.sb, nil, burst))
	})
}

// A refresh asked through another Index value (a page on another replica)
// makes the holder poll at its next step, before the poll is due.
func TestRequestPoll(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		fake := newFake(e)
		s := e.syncer(fake, "a")
		e.until(t, s, "every day complete", e.settled(t))
		e.clock.Advance(2 * time.Second)
		_ = e.step(t, s) // whatever was due is done
		before := e.status(t).State.LastPoll
		fake.add(newCall(e.sb, 7, e.clock.Now().Add(-time.Second)))
		if err := callindex.New(e.db).RequestPoll(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := e.step(t, s); err != nil {
			t.Fatal(err)
		}
		st := e.status(t)
		if !st.State.LastPoll.After(before) || st.State.LastPoll.Sub(before) >= callsync.DefaultPoll {
			t.Fatalf("last poll %s, before %s: the requested poll did not run at the next step",
				st.State.LastPoll, before)
		}
		if st.Rows != int64(e.sb.Len())+1 {
			t.Errorf("the new call is not indexed: %d rows", st.Rows)
		}
	})
}

// An admin's re-sync (a day set back to mismatch, or forgotten) is picked
// up within a poll interval.
func TestAdminResync(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		s := e.syncer(e.client, "a")
		e.until(t, s, "every day complete", e.settled(t))
		for _, st := range []callindex.DayStatus{callindex.DayMismatch, callindex.DayMissing} {
			before := e.day(t, day(-5))
			before.Status = st
			if err := e.ix.SetDay(context.Background(), before); err != nil {
				t.Fatal(err)
			}
			asked := e.clock.Now()
			e.until(t, s, "the day synced again", func() bool {
				return e.day(t, day(-5)).Status == callindex.DayComplete
			})
			if d := e.clock.Now().Sub(asked); d > callsync.DefaultPoll+time.Second {
				t.Errorf("%s day synced %s after the re-sync was asked", st, d)
			}
		}
		checkIndexEquals(t, e, sandboxCalls(e.sb, nil, nil))
	})
}

// A call the API no longer lists is deleted when its day is synced
// again, so the day's count equals the API's total.
func TestCallsGoneFromTheAPIArePruned(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		s := e.syncer(e.client, "a")
		e.until(t, s, "every day complete", e.settled(t))
		gone := newCall(e.sb, 3, day(-3).Add(5*time.Hour))
		if _, err := e.ix.Upsert(context.Background(), []vobiz.CDR{gone}); err != nil {
			t.Fatal(err)
		}
		st := e.day(t, day(-3))
		st.Status = callindex.DayMismatch
		if err := e.ix.SetDay(context.Background(), st); err != nil {
			t.Fatal(err)
		}
		e.until(t, s, "the day complete again", e.settled(t))
		checkIndexEquals(t, e, sandboxCalls(e.sb, nil, nil))
	})
}

// A full database pauses the sync with a reason the admin view shows, and
// it resumes by itself once there is room (SQLite: max_page_count stands
// in for the disk).
func TestDiskFullPauses(t *testing.T) {
	e := newEnv(t, storetest.SQLiteTarget(t))
	ctx := context.Background()
	sqlDB := e.db.SQL()
	sqlDB.SetMaxOpenConns(1) // the pragma below holds for one connection
	var pages int64
	if err := sqlDB.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlDB.ExecContext(ctx, "PRAGMA max_page_count = "+strconv.FormatInt(pages, 10)); err != nil {
		t.Fatal(err)
	}
	s := e.syncer(e.client, "a")
	if _, err := s.Step(ctx); err == nil || !strings.Contains(err.Error(), "full") {
		t.Fatalf("step on a full database: %v", err)
	}
	st := e.status(t)
	if st.State.Paused == "" || st.State.LastError == "" {
		t.Fatalf("not paused: %+v", st.State)
	}
	if st.Coverage.Covers(day(0), time.Time{}, e.clock.Now(), 2*time.Minute) {
		t.Error("the index claims to cover today while nothing could be written")
	}
	if _, err := sqlDB.ExecContext(ctx, "PRAGMA max_page_count = 1073741823"); err != nil {
		t.Fatal(err)
	}
	e.until(t, s, "every day complete", e.settled(t))
	if st := e.status(t); st.State.Paused != "" || st.State.LastError != "" {
		t.Errorf("still paused after recovering: %+v", st.State)
	}
}

// Run syncs in the background until its context ends, then gives the lease
// up so another process can take over at once.
func TestRunStopsAndReleases(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		ctx, cancel := context.WithCancel(context.Background())
		ticks := make(chan time.Time)
		settled := e.settled(t)
		s := callsync.New(callindex.New(e.db), e.client, callsync.Options{Days: testDays, Holder: "a",
			Now: e.clock.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			After: func(d time.Duration) <-chan time.Time {
				e.clock.Advance(d)
				return ticks
			}})
		done := make(chan struct{})
		go func() {
			s.Run(ctx)
			close(done)
		}()
		for !settled() {
			select {
			case ticks <- e.clock.Now():
			case <-done:
				t.Fatal("Run returned early")
			}
		}
		cancel()
		<-done
		st := e.status(t)
		if st.State.Holder != "a" || st.LeaseLive() {
			t.Errorf("after Run: holder %q until %s, live %v", st.State.Holder, st.State.LeaseUntil, st.LeaseLive())
		}
		checkIndexEquals(t, e, sandboxCalls(e.sb, nil, nil))
	})
}

// An answer the API gets wrong for the polls (malformed JSON) is recorded
// and retried with backoff, and does not hold the backfill up; once the
// polls work again the error is cleared.
func TestBrokenPollDoesNotHoldTheBackfill(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		e.sb.SetFaults(sandbox.Faults{Body: sandbox.BodyMalformedJSON, Endpoints: []string{sandbox.EndpointRecent}})
		s := e.syncer(e.client, "a")
		if err := e.step(t, s); err != nil {
			t.Fatalf("a failed poll failed the round: %v", err)
		}
		if st := e.status(t); !strings.Contains(st.State.LastError, "poll") {
			t.Errorf("the failed poll is not shown: %q", st.State.LastError)
		}
		e.until(t, s, "every day complete", e.settled(t))
		if st := e.status(t); !st.State.LastPoll.IsZero() {
			t.Fatalf("a poll succeeded through the fault: %s", st.State.LastPoll)
		}
		e.sb.SetFaults(sandbox.Faults{})
		e.until(t, s, "a poll succeeds", func() bool { return !e.status(t).State.LastPoll.IsZero() })
		if st := e.status(t); st.State.LastError != "" {
			t.Errorf("error not cleared after the poll recovered: %q", st.State.LastError)
		}
		checkIndexEquals(t, e, sandboxCalls(e.sb, nil, nil))
	})
}

// An export holding calls of another UTC day means the API cuts its days
// in another zone: the day stays mismatch, saying so, and nothing is
// pruned on the strength of it.
func TestExportOutsideItsDay(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		fake := newFake(e)
		fake.leak[day(-2).Format(time.DateOnly)] = callsOf(e.sb, day(-3))[:1]
		s := e.syncer(fake, "a")
		e.until(t, s, "the day attempted", func() bool { return e.day(t, day(-2)).LastError != "" })
		st := e.day(t, day(-2))
		if st.Status != callindex.DayMismatch || !strings.Contains(st.LastError, "1 exported calls started outside") {
			t.Fatalf("day with a call of another day: %s, %q", st.Status, st.LastError)
		}
		fake.mu.Lock()
		clear(fake.leak)
		fake.mu.Unlock()
		e.until(t, s, "every day complete", e.settled(t))
		checkIndexEquals(t, e, sandboxCalls(e.sb, nil, nil))
	})
}

// A record updated after the fact (longer, costlier, with a newer
// updated_at) leaves the count alone but changes the day's sums: the
// verification catches it and the re-sync stores the new version.
func TestUpdatedRecords(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		fake := newFake(e)
		s := e.syncer(fake, "a")
		e.until(t, s, "every day complete", e.settled(t))

		var c vobiz.CDR
		for _, x := range callsOf(e.sb, day(-1)) {
			if x.Billsec > 0 {
				c = x
				break
			}
		}
		c.Duration, c.Billsec, c.TotalCost = c.Duration+100, c.Billsec+100, c.TotalCost+1.5
		c.UpdatedAt = vobiz.Time{Time: e.clock.Now()}
		fake.update(c)
		stored := func() vobiz.CDR {
			var got vobiz.CDR
			err := e.ix.Each(context.Background(), callindex.Filter{From: c.StartTime.Time,
				To: c.StartTime.Add(time.Second)}, func(x *callindex.Call) error {
				if x.CDR.UUID == c.UUID {
					got = x.CDR
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		if got := stored(); got.Duration == c.Duration {
			t.Fatal("the update is in the index before any sync")
		}
		e.until(t, s, "the update stored", func() bool { return stored().Duration == c.Duration })
		if got := stored(); got.Billsec != c.Billsec || got.TotalCost != c.TotalCost {
			t.Errorf("stored %d s talk, cost %v; want %d, %v", got.Billsec, got.TotalCost, c.Billsec, c.TotalCost)
		}
		e.until(t, s, "every day complete", e.settled(t))
		if st := e.day(t, day(-1)); st.Status != callindex.DayComplete {
			t.Errorf("yesterday after the update: %+v", st)
		}
	})
}

// The foreground backfill (`cdrdash index sync`) completes every day,
// reports each once, and asks no more of the API than the loop does.
func TestForegroundBackfill(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		s := e.syncer(e.client, "a")
		reported := map[time.Time]int{}
		st, err := s.Backfill(context.Background(), false, func(d callindex.DayState) { reported[d.Day]++ })
		if err != nil || st.ByStatus[callindex.DayComplete] != testDays {
			t.Fatalf("backfill: %v, %v", st.ByStatus, err)
		}
		if len(reported) != testDays {
			t.Errorf("%d days reported, want %d", len(reported), testDays)
		}
		for d, n := range reported {
			if n != 1 {
				t.Errorf("%s reported %d times", d.Format(time.DateOnly), n)
			}
		}
		if n := e.sb.Requests(); n > 12*3+3+1 {
			t.Errorf("%d requests to Vobiz for the backfill", n)
		}
		if st.State.BackfillDays != 0 || st.LeaseLive() {
			t.Errorf("after the backfill: progress %d, lease live %v", st.State.BackfillDays, st.LeaseLive())
		}
		checkIndexEquals(t, e, sandboxCalls(e.sb, nil, nil))
	})
}

// Calls keep arriving today: a verification run from the command line
// between two polls takes the newest calls in first, so a call that ended
// after the last poll is not reported as a difference.
func TestVerifyTodayWhileCallsArrive(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := newEnv(t, tg)
		fake := newFake(e)
		s := e.syncer(fake, "a")
		e.until(t, s, "every day complete", e.settled(t))

		now := e.clock.Now()
		fake.add(newCall(e.sb, 1, now.Add(-4*time.Second)), newCall(e.sb, 2, now.Add(-2*time.Second)))
		cli := e.syncer(fake, "cli")
		st, err := cli.Verify(context.Background(), func(d callindex.DayState) {
			if d.Status != callindex.DayComplete {
				t.Logf("%s %s: %s", d.Day.Format(time.DateOnly), d.Status, d.LastError)
			}
		})
		if err != nil || st.ByStatus[callindex.DayComplete] != testDays {
			t.Fatalf("verify: %v, %v; want every day complete", st.ByStatus, err)
		}
		if d := e.day(t, day(0)); d.Rows != d.APITotal || d.Rows != int64(len(callsOf(e.sb, day(0)))+2) {
			t.Errorf("today: %+v; want the two new calls counted", d)
		}
	})
}
