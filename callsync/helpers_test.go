package callsync_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/callsync"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// sbNow anchors the sandbox's data: its calls span the 12 UTC days up to
// 2026-12-07 12:00.
var sbNow = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

// testDays is the window the tests sync: 20 days, the 8 oldest empty.
const testDays = 20

// env is one test's world: a sandbox over HTTP, a client without retries
// of its own (the syncer's backoff is under test), a database and a clock.
type env struct {
	sb     *sandbox.Server
	client *vobiz.Client
	db     *store.DB
	clock  *storetest.Clock
	ix     *callindex.Index
}

func newEnv(t *testing.T, tg storetest.Target) *env {
	t.Helper()
	sb := sandbox.New(sandbox.Options{Seed: 3, Calls: 3000, Days: 10, Now: sbNow})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	c, err := vobiz.NewClient(srv.URL, sb.AuthID(), sb.AuthToken(), vobiz.WithTimeout(time.Minute),
		vobiz.WithRetries(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	clock := storetest.NewClock(sbNow)
	db := tg.Open(t, store.WithClock(clock.Now))
	return &env{sb: sb, client: c, db: db, clock: clock, ix: callindex.New(db)}
}

func (e *env) syncer(src callsync.Source, holder string) *callsync.Syncer {
	return callsync.New(callindex.New(e.db), src, callsync.Options{Days: testDays, Holder: holder,
		Now: e.clock.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// step runs one round and moves the clock by the wait it asks for.
func (e *env) step(t *testing.T, s *callsync.Syncer) error {
	t.Helper()
	wait, err := s.Step(context.Background())
	e.clock.Advance(wait)
	return err
}

// until steps s until done holds, failing after too many rounds.
func (e *env) until(t *testing.T, s *callsync.Syncer, what string, done func() bool) {
	t.Helper()
	for i := 0; i < 5000; i++ {
		if done() {
			return
		}
		_ = e.step(t, s)
	}
	t.Fatalf("not reached after 5000 steps: %s", what)
}

// settled: no backfill runs and every day of the window is complete.
func (e *env) settled(t *testing.T) func() bool {
	return func() bool {
		st, err := callsync.ReadStatus(context.Background(), e.ix, e.clock.Now(), testDays)
		if err != nil {
			t.Fatal(err)
		}
		return st.ByStatus[callindex.DayComplete] == testDays && st.State.BackfillDays == 0
	}
}

func (e *env) status(t *testing.T) callsync.Status {
	t.Helper()
	st, err := callsync.ReadStatus(context.Background(), e.ix, e.clock.Now(), testDays)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (e *env) day(t *testing.T, d time.Time) callindex.DayState {
	t.Helper()
	st, err := e.ix.Day(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func day(n int) time.Time { return time.Date(2026, 12, 7+n, 0, 0, 0, 0, time.UTC) }

// sandboxCalls is the sandbox's whole data set plus extra, by UTC day,
// read independently of the syncer (through Call, not the API).
func sandboxCalls(sb *sandbox.Server, hidden map[string]bool, extra []vobiz.CDR) map[time.Time][]string {
	out := map[time.Time][]string{}
	add := func(c vobiz.CDR) {
		if hidden[string(c.UUID)] {
			return
		}
		d := c.StartTime.UTC().Truncate(24 * time.Hour)
		out[d] = append(out[d], string(c.UUID))
	}
	for i := range sb.Len() {
		add(sb.Call(i))
	}
	for _, c := range extra {
		add(c)
	}
	return out
}

// checkIndexEquals: per day, the index holds exactly want's uuids, and
// the day's state says complete with that count.
func checkIndexEquals(t *testing.T, e *env, want map[time.Time][]string) {
	t.Helper()
	ctx := context.Background()
	got := map[time.Time][]string{}
	err := e.ix.Each(ctx, callindex.Filter{}, func(c *callindex.Call) error {
		d := c.CDR.StartTime.UTC().Truncate(24 * time.Hour)
		got[d] = append(got[d], string(c.CDR.UUID))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for d := day(-(testDays - 1)); !d.After(day(0)); d = d.AddDate(0, 0, 1) {
		w, g := slices.Sorted(slices.Values(want[d])), slices.Sorted(slices.Values(got[d]))
		if !slices.Equal(w, g) {
			t.Errorf("%s: index has %d calls, the sandbox %d (or other uuids)", d.Format(time.DateOnly), len(g), len(w))
		}
		st := e.day(t, d)
		if st.Status != callindex.DayComplete || st.Rows != int64(len(w)) || st.APITotal != int64(len(w)) {
			t.Errorf("%s: state %+v, want complete with %d", d.Format(time.DateOnly), st, len(w))
		}
	}
	for d := range got {
		if d.Before(day(-(testDays - 1))) {
			t.Errorf("index holds calls of %s, before the window", d.Format(time.DateOnly))
		}
	}
}

// fakeSource stands in for Vobiz changing under the sync: it hides some
// calls (late CDRs: not there yet), adds calls (new traffic), or corrupts
// export rows, consistently across list totals, recent and export.
type fakeSource struct {
	inner callsync.Source
	sb    *sandbox.Server

	mu      sync.Mutex
	hidden  map[string]vobiz.CDR
	extra   []vobiz.CDR // newest first
	corrupt map[string]bool
	leak    map[string][]vobiz.CDR // extra rows in the export of a day (YYYY-MM-DD), whatever their start
	updated map[string]vobiz.CDR   // records changed after the fact, by uuid
	exports int
	onExp   func(n int) // called before the n-th export (from 1)
}

func newFake(e *env) *fakeSource {
	return &fakeSource{inner: e.client, sb: e.sb, hidden: map[string]vobiz.CDR{}, corrupt: map[string]bool{},
		leak: map[string][]vobiz.CDR{}, updated: map[string]vobiz.CDR{}}
}

func inDays(c vobiz.CDR, f vobiz.Filter) bool {
	d := c.StartTime.UTC().Format(time.DateOnly)
	return f.StartDate == "" || (d >= f.StartDate && d <= f.EndDate)
}

func (f *fakeSource) List(ctx context.Context, fl vobiz.Filter) (*vobiz.ListResponse, error) {
	resp, err := f.inner.List(ctx, fl)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := int64(resp.Pagination.Total)
	// Added and hidden calls count in the total and the summary's sums,
	// as they would in the API's own answer.
	sum := func(c vobiz.CDR, sign int64) {
		n += sign
		if c.Billsec > 0 {
			resp.Summary.AnsweredCalls += vobiz.Int(sign)
		}
		resp.Summary.TotalDurationSeconds += vobiz.Int(sign) * c.Duration
		resp.Summary.TotalBillableSeconds += vobiz.Int(sign) * c.Billsec
		resp.Summary.TotalCost += vobiz.Float(sign) * c.TotalCost
	}
	for _, c := range f.extra {
		if inDays(c, fl) {
			sum(c, 1)
		}
	}
	for _, c := range f.hidden {
		if inDays(c, fl) {
			sum(c, -1)
		}
	}
	resp.Pagination.Total = vobiz.Int(n)
	for u, c := range f.updated {
		i, _ := f.sb.Index(u)
		if old := f.sb.Call(i); inDays(c, fl) {
			resp.Summary.TotalDurationSeconds += c.Duration - old.Duration
			resp.Summary.TotalBillableSeconds += c.Billsec - old.Billsec
			resp.Summary.TotalCost += c.TotalCost - old.TotalCost
		}
	}
	return resp, nil
}

func (f *fakeSource) hide(cs ...vobiz.CDR) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range cs {
		f.hidden[string(c.UUID)] = c
	}
}

func (f *fakeSource) unhide() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.hidden)
}

// update changes a record after the fact, with a newer updated_at.
func (f *fakeSource) update(c vobiz.CDR) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updated[string(c.UUID)] = c
}

func (f *fakeSource) add(cs ...vobiz.CDR) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.extra = append(slices.Clone(cs), f.extra...)
}

func (f *fakeSource) Recent(ctx context.Context, limit int) (*vobiz.RecentResponse, error) {
	resp, err := f.inner.Recent(ctx, limit)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	data := slices.Clone(f.extra)
	for _, c := range resp.Data {
		if _, hidden := f.hidden[string(c.UUID)]; !hidden {
			data = append(data, c)
		}
	}
	resp.Data = data[:min(len(data), limit)]
	return resp, nil
}

func (f *fakeSource) Export(ctx context.Context, fl vobiz.Filter) (io.ReadCloser, error) {
	f.mu.Lock()
	f.exports++
	n, hook := f.exports, f.onExp
	f.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	body, err := f.inner.Export(ctx, fl)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	in := csv.NewReader(body)
	in.FieldsPerRecord = -1
	header, err := in.Read()
	if errors.Is(err, io.EOF) {
		return io.NopCloser(&bytes.Buffer{}), nil
	}
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	out := csv.NewWriter(&buf)
	_ = out.Write(header)
	f.mu.Lock()
	defer f.mu.Unlock()
	rows := slices.Clone(f.leak[fl.StartDate])
	for _, c := range f.extra {
		if inDays(c, fl) {
			rows = append(rows, c)
		}
	}
	for _, c := range rows {
		row := make([]string, len(header))
		for i, h := range header {
			if fd, ok := vobiz.FieldByName(h); ok {
				row[i] = fd.Text(&c)
			}
		}
		_ = out.Write(row)
	}
	uuidCol, durCol := slices.Index(header, "uuid"), slices.Index(header, "duration")
	for {
		rec, err := in.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if _, hidden := f.hidden[rec[uuidCol]]; hidden {
			continue
		}
		if f.corrupt[rec[uuidCol]] {
			rec[durCol] = "not a number"
		}
		if c, ok := f.updated[rec[uuidCol]]; ok {
			for i, h := range header {
				if fd, ok := vobiz.FieldByName(h); ok {
					rec[i] = fd.Text(&c)
				}
			}
		}
		_ = out.Write(rec)
	}
	out.Flush()
	return io.NopCloser(&buf), nil
}

// newCall is a call that the sandbox does not have, starting at start.
func newCall(sb *sandbox.Server, n int, start time.Time) vobiz.CDR {
	c := sb.Call(0)
	c.UUID = vobiz.Text("00000000-0000-4000-8000-" + pad12(n))
	c.ID = vobiz.Int(90_000_000 + n)
	c.StartTime = vobiz.Time{Time: start}
	c.EndTime = vobiz.Time{Time: start.Add(time.Duration(c.Duration) * time.Second)}
	c.AnswerTime, c.ProgressTime = vobiz.Time{}, vobiz.Time{}
	c.UpdatedAt = vobiz.Time{Time: start.Add(time.Minute)}
	return c
}

func pad12(n int) string { return fmt.Sprintf("%012d", n) }
