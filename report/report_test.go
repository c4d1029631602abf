package report

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/cdrdash/cdrdash/vobiz"
)

var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// fakeSource answers from formulas, records every request and can fail
// chosen days or block until the caller gives up.
type fakeSource struct {
	mu       sync.Mutex
	lists    []vobiz.Filter
	searches []vobiz.Filter
	exports  []vobiz.Filter

	failDays  map[string]bool // List fails for these dates
	exportErr error
	csv       string // export body; "" means a header-only export

	block   bool        // every call waits for ctx to end
	started chan string // receives the kind of every call when block is set
}

var errUpstream = errors.New("upstream says no")

// callsOn is the fake number of calls on a day: the day of the month,
// times ten, plus one for inbound-only reports so filters matter.
func callsOn(date string, f vobiz.Filter) int64 {
	t, _ := time.Parse(vobiz.DateLayout, date)
	n := int64(t.Day()) * 10
	if f.CallDirection == vobiz.DirectionInbound {
		n++
	}
	return n
}

func summaryOf(start, end string, f vobiz.Filter) vobiz.Summary {
	s, _ := time.Parse(vobiz.DateLayout, start)
	e, _ := time.Parse(vobiz.DateLayout, end)
	var sum vobiz.Summary
	for d := s; !d.After(e); d = d.AddDate(0, 0, 1) {
		n := callsOn(d.Format(vobiz.DateLayout), f)
		sum.TotalCalls += vobiz.Int(n)
		sum.AnsweredCalls += vobiz.Int(n / 2)
		sum.TotalBillableSeconds += vobiz.Int(n * 30)
		sum.TotalCost += vobiz.Float(n) / 4
	}
	return sum
}

func (s *fakeSource) wait(ctx context.Context, kind string) error {
	if !s.block {
		return nil
	}
	s.started <- kind
	<-ctx.Done()
	return ctx.Err()
}

func (s *fakeSource) List(ctx context.Context, f vobiz.Filter) (*vobiz.ListResponse, error) {
	s.mu.Lock()
	s.lists = append(s.lists, f)
	s.mu.Unlock()
	if err := s.wait(ctx, "list"); err != nil {
		return nil, err
	}
	if f.StartDate != f.EndDate || f.PerPage != 1 {
		return nil, fmt.Errorf("list: want one day and per_page=1, got %+v", f)
	}
	if s.failDays[f.StartDate] {
		return nil, errUpstream
	}
	return &vobiz.ListResponse{Summary: summaryOf(f.StartDate, f.EndDate, f)}, nil
}

func (s *fakeSource) Search(ctx context.Context, f vobiz.Filter) (*vobiz.SearchResponse, error) {
	s.mu.Lock()
	s.searches = append(s.searches, f)
	s.mu.Unlock()
	if err := s.wait(ctx, "search"); err != nil {
		return nil, err
	}
	res := &vobiz.SearchResponse{Filters: vobiz.FiltersEcho{"call_direction": f.CallDirection}}
	res.Summary = summaryOf(f.StartDate, f.EndDate, f)
	res.Data = []vobiz.CDR{{Currency: "INR"}}
	return res, nil
}

func (s *fakeSource) Export(ctx context.Context, f vobiz.Filter) (io.ReadCloser, error) {
	s.mu.Lock()
	s.exports = append(s.exports, f)
	s.mu.Unlock()
	if err := s.wait(ctx, "export"); err != nil {
		return nil, err
	}
	if s.exportErr != nil {
		return nil, s.exportErr
	}
	body := s.csv
	if body == "" {
		body = "uuid,start_time\r\n"
	}
	return io.NopCloser(strings.NewReader(body)), nil
}

// listDates returns the dates of the list requests so far, sorted.
func (s *fakeSource) listDates() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, f := range s.lists {
		out = append(out, f.StartDate)
	}
	slices.Sort(out)
	return out
}

func (s *fakeSource) counts() (lists, searches, exports int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.lists), len(s.searches), len(s.exports)
}

func newService(src Source, o Options) *Service {
	if o.Now == nil {
		o.Now = func() time.Time { return testNow }
	}
	return New(src, o)
}

func request(start, end string) Request {
	return Request{Filter: vobiz.Filter{StartDate: start, EndDate: end}}
}

func TestBuildDaysAndTotals(t *testing.T) {
	src := &fakeSource{}
	s := newService(src, Options{})
	rep, err := s.Build(context.Background(), request("2026-11-01", "2026-11-10"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Days) != 10 || rep.Days[0].Date != "2026-11-01" || rep.Days[9].Date != "2026-11-10" {
		t.Fatalf("days: %+v", rep.Days)
	}
	for _, d := range rep.Days {
		if d.Err != nil || int64(d.Summary.TotalCalls) != callsOn(d.Date, vobiz.Filter{}) {
			t.Errorf("%s: %+v", d.Date, d)
		}
	}
	calls, complete := rep.DayTotal()
	if !complete || calls != int64(rep.Range.Summary.TotalCalls) || calls != 550 {
		t.Errorf("day total %d (complete %v), range %d", calls, complete, rep.Range.Summary.TotalCalls)
	}
	if rep.Previous.Start != "2026-10-22" || rep.Previous.End != "2026-10-31" || rep.Previous.Err != nil {
		t.Errorf("previous period: %+v", rep.Previous)
	}
	if rep.Range.Currency != "INR" || rep.BreakdownErr != nil || rep.Breakdown == nil {
		t.Errorf("range %+v, breakdown %v %v", rep.Range, rep.Breakdown, rep.BreakdownErr)
	}
}

func TestBuildRejectsBadRanges(t *testing.T) {
	for _, tc := range []struct{ name, start, end string }{
		{"no dates", "", ""},
		{"lone date", "2026-11-01", ""},
		{"reversed", "2026-11-10", "2026-11-01"},
		{"too long", "2025-01-01", "2026-11-01"},
		{"not a date", "2026-13-01", "2026-13-02"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &fakeSource{}
			if _, err := newService(src, Options{}).Build(context.Background(), request(tc.start, tc.end)); err == nil {
				t.Fatal("no error")
			}
			if l, s, e := src.counts(); l+s+e != 0 {
				t.Errorf("upstream requests for an invalid range: %d %d %d", l, s, e)
			}
		})
	}
	if n, err := ParseRange("2025-01-01", "2026-02-04"); !errors.Is(err, ErrRangeTooLong) || n != 400 {
		t.Errorf("ParseRange: %d %v", n, err)
	}
	if n, err := ParseRange("2026-01-01", "2026-12-31"); err != nil || n != 365 {
		t.Errorf("ParseRange: %d %v", n, err)
	}
}

func TestCacheKeepsFinishedDaysOnly(t *testing.T) {
	src := &fakeSource{}
	s := newService(src, Options{})
	req := request("2026-11-20", "2026-11-27") // 26th is today, 27th tomorrow
	for range 2 {
		if _, err := s.Build(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25",
		"2026-11-26", "2026-11-26", "2026-11-27", "2026-11-27"}
	if got := src.listDates(); !slices.Equal(got, want) {
		t.Errorf("list requests:\n got %v\nwant %v", got, want)
	}
	lists, searches, exports := src.counts()
	// Range totals are live (the range ends today) and asked twice; the
	// previous period is finished and asked once. The export of the
	// finished days is read once, today's part twice.
	if searches != 3 || exports != 3 {
		t.Errorf("searches %d, exports %d (lists %d)", searches, exports, lists)
	}
	src.mu.Lock()
	live := src.exports[len(src.exports)-1]
	src.mu.Unlock()
	if live.StartDate != "2026-11-26" || live.EndDate != "2026-11-27" {
		t.Errorf("live export %s..%s", live.StartDate, live.EndDate)
	}

	rep, err := s.Build(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range rep.Days {
		past := d.Date < "2026-11-26"
		if d.Cached != past || d.Live == past {
			t.Errorf("%s: cached %v live %v", d.Date, d.Cached, d.Live)
		}
	}
}

func TestCacheSettleAfterMidnight(t *testing.T) {
	src := &fakeSource{}
	now := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC) // yesterday may still get calls that end late
	s := newService(src, Options{Now: func() time.Time { return now }})
	req := request("2026-11-24", "2026-11-25")
	for range 2 {
		if _, err := s.Build(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := src.listDates(), []string{"2026-11-24", "2026-11-25", "2026-11-25"}; !slices.Equal(got, want) {
		t.Errorf("list requests %v, want %v", got, want)
	}
}

func TestCacheKeyedByFiltersAndAccount(t *testing.T) {
	src := &fakeSource{}
	s := newService(src, Options{Account: "MA_ONE"})
	ctx := context.Background()
	req := request("2026-11-01", "2026-11-03")
	inbound := req
	inbound.Filter.CallDirection = vobiz.DirectionInbound
	for _, r := range []Request{req, inbound, req, inbound} {
		rep, err := s.Build(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := int64(rep.Days[0].Summary.TotalCalls), callsOn("2026-11-01", r.Filter); got != want {
			t.Errorf("%s: %d calls, want %d (served another filter's entry?)", r.Filter.CallDirection, got, want)
		}
	}
	if lists, _, _ := src.counts(); lists != 6 {
		t.Errorf("%d list requests, want 6 (3 days × 2 filter sets)", lists)
	}
	// Another account never sees this one's entries, even in one cache.
	other := &Service{}
	*other = *s
	other.account = "MA_TWO"
	if _, err := other.Build(ctx, req); err != nil {
		t.Fatal(err)
	}
	if lists, _, _ := src.counts(); lists != 9 {
		t.Errorf("%d list requests, want 9", lists)
	}
}

func TestCacheBoundAndAge(t *testing.T) {
	now := testNow
	c := newCache(2, time.Hour, func() time.Time { return now })
	ctx := context.Background()
	fetches := 0
	get := func(key string) {
		_, _, _ = c.do(ctx, key, true, func(context.Context) (any, error) { fetches++; return key, nil })
	}
	get("a")
	get("b")
	get("a") // hit; b is now least recently used
	get("c") // evicts b
	get("a") // hit
	get("b") // miss
	if fetches != 4 || c.Len() != 2 {
		t.Errorf("fetches %d, len %d", fetches, c.Len())
	}
	now = now.Add(2 * time.Hour)
	get("b")
	if fetches != 5 {
		t.Errorf("an entry older than the maximum age was served")
	}
	// Errors are never stored.
	_, _, err := c.do(ctx, "x", true, func(context.Context) (any, error) { return nil, errUpstream })
	if !errors.Is(err, errUpstream) {
		t.Fatal(err)
	}
	if _, ok := c.get("x"); ok {
		t.Error("an error was cached")
	}
}

// TestCacheSingleFlight: callers asking for a key already being fetched
// wait for that fetch instead of asking upstream again, even for data
// that is not cached (today).
func TestCacheSingleFlight(t *testing.T) {
	c := newCache(10, time.Hour, time.Now)
	joined := make(chan struct{}, 10)
	c.onWait = func(string) { joined <- struct{}{} }
	release := make(chan struct{})
	var fetches int
	fetch := func(context.Context) (any, error) { fetches++; <-release; return 42, nil }

	var wg sync.WaitGroup
	results := make([]any, 5)
	started := make(chan struct{})
	wg.Go(func() {
		close(started)
		results[0], _, _ = c.do(context.Background(), "today", false, fetch)
	})
	<-started
	for {
		c.mu.Lock()
		_, running := c.inflight["today"]
		c.mu.Unlock()
		if running {
			break
		}
		// The leader has not registered yet; let it run.
		waitABit()
	}
	for i := 1; i < 5; i++ {
		wg.Go(func() { results[i], _, _ = c.do(context.Background(), "today", false, fetch) })
	}
	for range 4 {
		<-joined
	}
	close(release)
	wg.Wait()
	if fetches != 1 {
		t.Errorf("%d fetches, want 1", fetches)
	}
	for i, r := range results {
		if r != 42 {
			t.Errorf("caller %d got %v", i, r)
		}
	}
}

// waitABit yields to other goroutines without sleeping on a clock.
func waitABit() {
	done := make(chan struct{})
	go func() { close(done) }()
	<-done
}

// TestCacheLeaderLeaves: when the caller running a fetch goes away, a
// waiter that is still there fetches for itself rather than failing with
// someone else's cancellation.
func TestCacheLeaderLeaves(t *testing.T) {
	c := newCache(10, time.Hour, time.Now)
	joined := make(chan struct{}, 1)
	c.onWait = func(string) { joined <- struct{}{} }
	leaderCtx, leave := context.WithCancel(context.Background())
	inFetch := make(chan struct{})
	var leaderErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		_, _, leaderErr = c.do(leaderCtx, "k", true, func(ctx context.Context) (any, error) {
			close(inFetch)
			<-ctx.Done()
			return nil, ctx.Err()
		})
	})
	<-inFetch
	var v any
	var err error
	wg.Go(func() {
		v, _, err = c.do(context.Background(), "k", true, func(context.Context) (any, error) { return "mine", nil })
	})
	<-joined
	leave()
	wg.Wait()
	if !errors.Is(leaderErr, context.Canceled) || err != nil || v != "mine" {
		t.Errorf("leader %v; waiter %v %v", leaderErr, v, err)
	}
}

func TestPartialFailureMarksMissingDays(t *testing.T) {
	src := &fakeSource{failDays: map[string]bool{"2026-11-02": true, "2026-11-05": true}}
	s := newService(src, Options{})
	rep, err := s.Build(context.Background(), request("2026-11-01", "2026-11-07"))
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, d := range rep.Missing() {
		missing = append(missing, d.Date)
		if !errors.Is(d.Err, errUpstream) || d.Summary != (vobiz.Summary{}) {
			t.Errorf("%s: %+v", d.Date, d)
		}
	}
	if !slices.Equal(missing, []string{"2026-11-02", "2026-11-05"}) {
		t.Errorf("missing %v", missing)
	}
	if _, complete := rep.DayTotal(); complete {
		t.Error("DayTotal claims completeness")
	}
	// A failed day is asked again next time.
	delete(src.failDays, "2026-11-02")
	rep, _ = s.Build(context.Background(), request("2026-11-01", "2026-11-07"))
	if len(rep.Missing()) != 1 {
		t.Errorf("missing after retry: %v", rep.Missing())
	}
}

func TestBreakdownFailsAlone(t *testing.T) {
	src := &fakeSource{exportErr: errUpstream}
	rep, err := newService(src, Options{}).Build(context.Background(), request("2026-11-01", "2026-11-07"))
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(rep.BreakdownErr, errUpstream) || rep.Breakdown != nil {
		t.Errorf("breakdown %v, %v", rep.Breakdown, rep.BreakdownErr)
	}
	if len(rep.Missing()) != 0 || rep.Range.Err != nil {
		t.Error("an export failure affected the day summaries")
	}
}

// TestCancelStopsWork: when the person leaves, no further request starts,
// those running end, Build returns, and no goroutine is left behind.
func TestCancelStopsWork(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	src := &fakeSource{block: true, started: make(chan string, 100)}
	s := newService(src, Options{Workers: 4})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.Build(ctx, request("2026-08-01", "2026-10-29")) // 90 days
		done <- err
	}()
	// Four JSON requests (the pool's size) and the export are running.
	for range 5 {
		<-src.started
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Build: %v", err)
	}
	lists, searches, exports := src.counts()
	if lists+searches != 4 || exports != 1 {
		t.Errorf("requests started: %d JSON (pool of 4), %d exports", lists+searches, exports)
	}
}
