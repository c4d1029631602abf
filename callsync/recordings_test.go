package callsync_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/callsync"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// fakeRecordings is a Recording API in memory: add_time windows, newest
// first, limit and offset paging, as docs/vobiz-api.md#recordings says.
type fakeRecordings struct {
	mu      sync.Mutex
	recs    []vobiz.Recording
	asked   []vobiz.RecordingFilter
	failing error
}

func (f *fakeRecordings) ListRecordings(_ context.Context, q vobiz.RecordingFilter) (*vobiz.RecordingList, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, q)
	if f.failing != nil {
		return nil, f.failing
	}
	var match []vobiz.Recording
	for _, r := range f.recs {
		if (!q.AddedFrom.IsZero() && r.AddTime.Before(q.AddedFrom)) || (!q.AddedBefore.IsZero() && !r.AddTime.Before(q.AddedBefore)) {
			continue
		}
		match = append(match, r)
	}
	slices.SortFunc(match, func(a, b vobiz.Recording) int { return b.AddTime.Compare(a.AddTime.Time) })
	limit := q.Limit
	if limit == 0 {
		limit = vobiz.DefaultRecordingLimit
	}
	lo, hi := min(q.Offset, len(match)), min(q.Offset+limit, len(match))
	return &vobiz.RecordingList{Meta: vobiz.RecordingMeta{Limit: vobiz.Int(limit), Offset: vobiz.Int(q.Offset),
		TotalCount: vobiz.Int(len(match))}, Objects: match[lo:hi]}, nil
}

func (f *fakeRecordings) add(r ...vobiz.Recording) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.recs = append(f.recs, r...)
}

func (f *fakeRecordings) requests() []vobiz.RecordingFilter {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.asked)
}

// recordingsOver makes n recordings spread over the days before sbNow
// (the 9 days before it, more on the busiest, so one day needs pages).
func recordingsOver(n int) []vobiz.Recording {
	out := make([]vobiz.Recording, n)
	for i := range out {
		back := time.Duration(i%9)*24*time.Hour + time.Duration(i*7919%86400)*time.Second
		switch {
		case i%50 == 1:
			back = time.Duration(i) * time.Minute // today
		case i%3 == 0:
			back = 24*time.Hour + time.Duration(i*31%80000)*time.Second // the day before: 100+ of them
		}
		out[i] = vobiz.Recording{ID: vobiz.Text(fmt.Sprintf("rec-%04d", i)), CallUUID: vobiz.Text(fmt.Sprintf("call-%04d", i)),
			URL: "https://media.example/secret", Format: "mp3", AddTime: vobiz.Time{Time: sbNow.Add(-back)}}
	}
	return out
}

func (e *env) recSyncer(rec callsync.RecordingSource) *callsync.Syncer {
	return callsync.New(callindex.New(e.db), e.client, callsync.Options{Days: testDays, Holder: "rec",
		Now: e.clock.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Recordings: rec})
}

func (e *env) recordingDaysLeft(t *testing.T) int {
	t.Helper()
	missing, err := e.ix.UnsyncedRecordingDays(context.Background(), day(-(testDays - 1)), day(0))
	if err != nil {
		t.Fatal(err)
	}
	return len(missing)
}

// TestRecordingsSync: every ended day's recordings are listed by add_time
// window (that day, a few minutes into the next), 100 a page with offsets
// until done, upserted and the day marked; the poll lists from a little
// before the watermark and takes a new recording in; the calls sync as
// without recordings.
func TestRecordingsSync(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg)
		fake := &fakeRecordings{recs: recordingsOver(400)}
		s := e.recSyncer(fake)
		e.until(t, s, "calls and recordings synced", func() bool { return e.settled(t)() && e.recordingDaysLeft(t) == 0 })
		if n, err := e.ix.CountRecordings(ctx); err != nil || n != 400 {
			t.Fatalf("recordings indexed = %d, %v; want 400", n, err)
		}
		days := map[time.Time]int{}
		offsets := map[time.Time][]int{}
		for _, q := range fake.requests() {
			if q.Limit != 100 && q.Limit != 1 {
				t.Errorf("request with limit %d", q.Limit)
			}
			if q.AddedBefore.IsZero() || q.Limit == 1 {
				continue // the poll; the empty-history probe
			}
			d := q.AddedFrom
			if !d.Equal(d.Truncate(24*time.Hour)) || !q.AddedBefore.Equal(d.AddDate(0, 0, 1).Add(5*time.Minute)) {
				t.Errorf("day window [%s, %s)", q.AddedFrom, q.AddedBefore)
			}
			days[d]++
			offsets[d] = append(offsets[d], q.Offset)
		}
		if got := offsets[day(-1)]; !slices.Equal(got, []int{0, 100}) {
			t.Errorf("yesterday's pages at offsets %v, want [0 100]", got)
		}
		for d, n := range days {
			if n > 2 {
				t.Errorf("day %s listed with %d requests", d.Format(time.DateOnly), n)
			}
		}
		if len(days) > 13 {
			t.Errorf("%d days listed one by one: the empty history was not probed", len(days))
		}
		if got, err := e.ix.CallRecordings(ctx, "call-0003"); err != nil || len(got) != 1 {
			t.Fatalf("CallRecordings = %v, %v", got, err)
		}

		// The poll: a recording added now is in within one poll, listed
		// from a little before the newest add_time seen.
		st, err := e.ix.RecordingSync(ctx)
		if err != nil || st.Watermark.IsZero() || st.Unavailable != "" {
			t.Fatalf("recording sync state %+v, %v", st, err)
		}
		before := len(fake.requests())
		fake.add(vobiz.Recording{ID: "rec-new", CallUUID: "call-new", AddTime: vobiz.Time{Time: e.clock.Now()}})
		e.until(t, s, "the new recording polled", func() bool {
			got, err := e.ix.CallRecordings(ctx, "call-new")
			return err == nil && len(got) == 1
		})
		polls := fake.requests()[before:]
		if len(polls) == 0 || !polls[0].AddedFrom.Equal(st.Watermark.Add(-5*time.Minute)) || !polls[0].AddedBefore.IsZero() {
			t.Errorf("poll asked %+v, watermark %s", polls, st.Watermark)
		}
	})
}

// TestRecordingsUnavailable: an account without the Recording endpoint
// (404) syncs its calls exactly as before; the state says so and the sync
// asks again an hour later, not at every round.
func TestRecordingsUnavailable(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg)
		fake := &fakeRecordings{failing: &vobiz.APIError{Endpoint: "recordings", StatusCode: http.StatusNotFound}}
		s := e.recSyncer(fake)
		e.until(t, s, "calls synced", e.settled(t))
		if w := s.Waits(); len(w) != 0 {
			t.Errorf("the call sync backed off: %v", w)
		}
		st, err := e.ix.RecordingSync(ctx)
		if err != nil || st.Unavailable == "" || st.RetryAt.Sub(st.LastErrorAt) != time.Hour {
			t.Fatalf("recording state %+v, %v", st, err)
		}
		if sync, _ := e.ix.SyncState(ctx); sync.LastError != "" {
			t.Errorf("the calls' sync state shows %q", sync.LastError)
		}
		n := len(fake.requests())
		if n != 1 {
			t.Errorf("%d recording requests before the retry, want 1", n)
		}
		// An hour later it asks again, and a working endpoint clears it.
		fake.mu.Lock()
		fake.failing = nil
		fake.mu.Unlock()
		for e.clock.Now().Before(st.RetryAt) {
			_ = e.step(t, s)
		}
		e.until(t, s, "recordings available", func() bool {
			st, err := e.ix.RecordingSync(ctx)
			return err == nil && st.Unavailable == "" && !st.LastPoll.IsZero()
		})
	})
}

// TestRecordingsFromSandbox: against the sandbox's Recording API over
// HTTP, the synced index holds exactly the sandbox's recordings of the
// window's ended days and of today up to the poll; with the endpoint
// missing (an HTML 404) the calls sync as before and the state says so.
func TestRecordingsFromSandbox(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg)
		s := e.recSyncer(e.client)
		e.until(t, s, "calls and recordings synced", func() bool { return e.settled(t)() && e.recordingDaysLeft(t) == 0 })
		e.until(t, s, "a recordings poll", func() bool {
			st, err := e.ix.RecordingSync(ctx)
			return err == nil && !st.LastPoll.IsZero()
		})
		want := map[string]map[string]bool{}
		n := 0
		for _, sc := range e.sb.RecordingScenarios() {
			if want[sc.CallUUID] == nil {
				want[sc.CallUUID] = map[string]bool{}
			}
			want[sc.CallUUID][sc.RecordingID] = true
			n++
		}
		if n < 100 {
			t.Fatalf("the sandbox serves %d recordings", n)
		}
		if got, err := e.ix.CountRecordings(ctx); err != nil || got != int64(n) {
			t.Errorf("indexed %d recordings, %v; the sandbox serves %d", got, err, n)
		}
		if p, err := e.ix.Query(ctx, callindex.Filter{HasRecording: callindex.RecordingWith, Limit: 1}); err != nil ||
			p.Total != int64(len(want)) {
			t.Errorf("calls flagged recorded: %d, %v; the sandbox recorded %d", p.Total, err, len(want))
		}
		checked := 0
		for u, ids := range want {
			got, err := e.ix.CallRecordings(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(ids) {
				t.Errorf("call %s: %d recordings indexed, %d served", u, len(got), len(ids))
			}
			for _, r := range got {
				if !ids[r.ID] {
					t.Errorf("call %s: recording %s not served", u, r.ID)
				}
			}
			if checked++; checked == 300 {
				break
			}
		}
	})
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg)
		e.sb.SetFaults(sandbox.Faults{NoRecordingAPI: true})
		s := e.recSyncer(e.client)
		e.until(t, s, "calls synced", e.settled(t))
		st, err := e.ix.RecordingSync(ctx)
		if err != nil || st.Unavailable != "the Recording API answered HTTP 404" {
			t.Errorf("recording state %+v, %v", st, err)
		}
		if w := s.Waits(); len(w) != 0 {
			t.Errorf("the call sync backed off: %v", w)
		}
		if got := e.status(t).State.LastError; got != "" {
			t.Errorf("the calls' sync shows %q", got)
		}
	})
}
