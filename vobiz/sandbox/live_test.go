package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/vobiz"
)

// fakeClock is a settable clock for Options.Clock.
type fakeClock struct{ ns atomic.Int64 }

func newClock(t time.Time) *fakeClock {
	c := &fakeClock{}
	c.set(t)
	return c
}

func (c *fakeClock) set(t time.Time)         { c.ns.Store(t.UnixNano()) }
func (c *fakeClock) advance(d time.Duration) { c.ns.Add(int64(d)) }
func (c *fakeClock) now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) opts(o Options) Options  { o.Clock = c.now; return o }

func decodeJSON(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode: %v: %.200s", err, b)
	}
}

func exportAll(t testing.TB, s *Server, q url.Values) []vobiz.CDR {
	t.Helper()
	w := do(t, s, basePath(s)+"/export", q)
	mustStatus(t, w, http.StatusOK)
	er, err := vobiz.NewExportReader(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var out []vobiz.CDR
	for {
		c, err := er.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("export row %d: %v", len(out), err)
		}
		out = append(out, *c)
	}
}

func listTotal(t testing.TB, s *Server, q url.Values) vobiz.SearchResponse {
	t.Helper()
	q = cloneValues(q)
	q.Set("per_page", "100")
	return decodeSearch(t, do(t, s, basePath(s)+"/search", q))
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

func uuidsOf(cs []vobiz.CDR) map[string]vobiz.CDR {
	m := make(map[string]vobiz.CDR, len(cs))
	for _, c := range cs {
		m[string(c.UUID)] = c
	}
	return m
}

// TestLiveTraffic drives the clock and checks that new calls appear on
// every endpoint once created, with ids continuing the data set's and
// starts on the documented schedule.
func TestLiveTraffic(t *testing.T) {
	const base, rate = 2000, 6.0 // one call every 10 s
	clk := newClock(testNow)
	s := New(clk.opts(Options{Calls: base, Now: testNow, Seed: 7, LiveRate: rate}))
	if got := listTotal(t, s, nil).Summary.TotalCalls; got != base || s.Len() != base {
		t.Fatalf("at Now: total %d, Len %d, want %d", got, s.Len(), base)
	}
	newest := s.Call(0)

	steps := []time.Duration{5 * time.Second, time.Minute, 9 * time.Minute, 50 * time.Minute, 3 * time.Hour}
	var prev map[string]vobiz.CDR
	var prevAt time.Time
	for _, d := range steps {
		clk.set(testNow.Add(d))
		now := clk.now()
		all := exportAll(t, s, nil)
		res := listTotal(t, s, nil)
		if int(res.Summary.TotalCalls) != len(all) || int(res.Pagination.Total) != len(all) || s.Len() != len(all) {
			t.Fatalf("+%v: export %d rows, summary %d, pagination %d, Len %d", d, len(all), res.Summary.TotalCalls,
				res.Pagination.Total, s.Len())
		}
		live := 0
		for _, c := range all {
			if int64(c.ID) <= int64(newest.ID) {
				continue
			}
			live++
			k := int64(c.ID) - int64(newest.ID) // 1-based number in the live stream
			if want := testNow.Add(time.Duration(k) * 10 * time.Second); !c.StartTime.Equal(want) {
				t.Fatalf("live call %d starts %v, want %v", k, c.StartTime.Time, want)
			}
			if c.CreatedAt.After(now) || c.EndTime.Before(c.StartTime.Time) {
				t.Fatalf("live call %d created %v is served at %v", k, c.CreatedAt.Time, now)
			}
			if got := s.Call(mustIndex(t, s, string(c.UUID))); !reflect.DeepEqual(got, c) {
				t.Fatalf("Call differs from the export for live call %d", k)
			}
		}
		if d >= 10*time.Minute && live < 30 {
			t.Fatalf("+%v: only %d live calls", d, live)
		}
		// Visibility depends on created_at only: the calls of an earlier
		// step are exactly this step's calls created by then.
		if prev != nil {
			want := map[string]vobiz.CDR{}
			for u, c := range uuidsOf(all) {
				if !c.CreatedAt.After(prevAt) {
					want[u] = c
				}
			}
			if !reflect.DeepEqual(want, prev) {
				t.Fatalf("+%v: %d calls created by the previous step, %d served then", d, len(want), len(prev))
			}
		}
		prev, prevAt = uuidsOf(all), now

		// recent starts with the newest call; get serves every live call.
		var recent vobiz.RecentResponse
		w := do(t, s, basePath(s)+"/recent", vals("limit", "5"))
		mustStatus(t, w, http.StatusOK)
		decodeJSON(t, w.Body.Bytes(), &recent)
		if len(recent.Data) != 5 || recent.Data[0].UUID != all[0].UUID {
			t.Fatalf("+%v: recent starts %v, export %v", d, recent.Data[0].UUID, all[0].UUID)
		}
		mustStatus(t, do(t, s, basePath(s)+"/"+string(all[0].UUID), nil), http.StatusOK)
	}

	// Today's UTC day contains the live calls; totals agree with a count
	// of the export.
	day := clk.now().Format(vobiz.DateLayout)
	q := vals("start_date", day, "end_date", day)
	rows := exportAll(t, s, q)
	if got := listTotal(t, s, q).Summary.TotalCalls; int(got) != len(rows) || got == 0 {
		t.Fatalf("today: summary %d, export %d", got, len(rows))
	}

	// A future call of the stream is not served, not even by uuid.
	future := New(clk.opts(Options{Calls: base, Now: testNow, Seed: 7, LiveRate: rate}))
	clk.advance(2 * time.Hour)
	later := future.Call(0)
	clk.advance(-2 * time.Hour)
	if _, ok := s.Index(string(later.UUID)); ok {
		t.Fatal("a call created in the future is served")
	}
	mustStatus(t, do(t, s, basePath(s)+"/"+string(later.UUID), nil), http.StatusNotFound)
}

func mustIndex(t testing.TB, s *Server, uuid string) int {
	t.Helper()
	i, ok := s.Index(uuid)
	if !ok {
		t.Fatalf("uuid %s not served", uuid)
	}
	return i
}

// TestLiveTrafficDeterministic: the same clock readings give the same
// calls whether time passes in many steps or one.
func TestLiveTrafficDeterministic(t *testing.T) {
	c1, c2 := newClock(testNow), newClock(testNow)
	a := New(c1.opts(Options{Calls: 500, Now: testNow, LiveRate: 20}))
	b := New(c2.opts(Options{Calls: 500, Now: testNow, LiveRate: 20}))
	for range 120 {
		c1.advance(30 * time.Second)
		a.Len()
	}
	c2.advance(time.Hour)
	if a.Len() != b.Len() || a.Len() < 500+1000 {
		t.Fatalf("Len %d and %d", a.Len(), b.Len())
	}
	for i := range a.Len() {
		if !reflect.DeepEqual(a.Call(i), b.Call(i)) {
			t.Fatalf("call %d differs", i)
		}
	}
	off := New(Options{Calls: 500, Now: testNow})
	for i := range 500 {
		if !reflect.DeepEqual(off.Call(i), a.Call(a.Len()-500+i)) {
			t.Fatalf("live traffic changed generated call %d", i)
		}
	}
}

// TestLiveTrafficConcurrent reads every endpoint while the clock moves; run
// under -race.
func TestLiveTrafficConcurrent(t *testing.T) {
	clk := newClock(testNow)
	s := New(clk.opts(Options{Calls: 1000, Now: testNow, LiveRate: 600, LateCDRs: 1, UpdateAfterExport: 1}))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for range 200 {
			clk.advance(3 * time.Second)
		}
		close(stop)
	})
	for _, path := range []string{"", "/search", "/recent", "/export"} {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				w := do(t, s, basePath(s)+path, vals("per_page", "50"))
				if w.Code != http.StatusOK {
					t.Errorf("%s: %d", path, w.Code)
					return
				}
			}
		})
	}
	wg.Wait()
	exportAll(t, s, nil) // releases every day's late CDRs, if no export above completed
	if all := exportAll(t, s, nil); len(all) != s.Len() || len(all) < 1000+4000 {
		t.Fatalf("export %d rows, Len %d", len(all), s.Len())
	}
}

// TestLiveMemoryBound: the array stops growing at its bound.
func TestLiveMemoryBound(t *testing.T) {
	clk := newClock(testNow)
	s := New(clk.opts(Options{Calls: 100, Now: testNow, LiveRate: 60}))
	s.live.maxIndex = 150
	clk.advance(24 * time.Hour)
	if n := s.Len(); n != 150 {
		t.Fatalf("Len %d, want the bound 150", n)
	}
}

// TestLateCDRs: held-back calls are missing from every endpoint until an
// export covering their day completes; then the day's total grows.
func TestLateCDRs(t *testing.T) {
	const late = 2
	s := New(Options{Calls: 3000, Days: 10, Now: testNow, Seed: 9, LateCDRs: late})
	ref := New(Options{Calls: 3000, Days: 10, Now: testNow, Seed: 9})
	day := testNow.AddDate(0, 0, -3).Format(vobiz.DateLayout)
	other := testNow.AddDate(0, 0, -4).Format(vobiz.DateLayout)
	q, qo := vals("start_date", day, "end_date", day), vals("start_date", other, "end_date", other)

	full := exportAll(t, ref, q)
	before := exportAll(t, s, q) // completes: releases the day
	if len(before) != len(full)-late {
		t.Fatalf("first export %d rows, the day has %d calls", len(before), len(full))
	}
	heldUUIDs := map[string]bool{}
	seen := uuidsOf(before)
	for _, c := range full {
		if _, ok := seen[string(c.UUID)]; !ok {
			heldUUIDs[string(c.UUID)] = true
		}
	}
	if len(heldUUIDs) != late {
		t.Fatalf("%d calls missing, want %d", len(heldUUIDs), late)
	}
	after := listTotal(t, s, q)
	if int(after.Summary.TotalCalls) != len(full) {
		t.Fatalf("after the export: total %d, want %d", after.Summary.TotalCalls, len(full))
	}
	if again := exportAll(t, s, q); !reflect.DeepEqual(again, full) {
		t.Fatal("second export differs from the full day")
	}
	for u := range heldUUIDs {
		mustStatus(t, do(t, s, basePath(s)+"/"+u, nil), http.StatusOK)
	}

	// Another day is still short everywhere: list, search summary, get.
	fullOther := listTotal(t, ref, qo).Summary
	if got := listTotal(t, s, qo).Summary.TotalCalls; got != fullOther.TotalCalls-late {
		t.Fatalf("unexported day: total %d, want %d", got, fullOther.TotalCalls-late)
	}
	var heldOther string
	got := uuidsOf(searchAll(t, s, qo))
	for _, c := range exportAll(t, ref, qo) {
		if _, ok := got[string(c.UUID)]; !ok {
			heldOther = string(c.UUID)
		}
	}
	if heldOther == "" {
		t.Fatal("no held call on the other day")
	}
	mustStatus(t, do(t, s, basePath(s)+"/"+heldOther, nil), http.StatusNotFound)

	// A cut export does not count as the day's export.
	s.SetFaults(Faults{ExportDropAfterRows: 10})
	do(t, s, basePath(s)+"/export", qo)
	s.SetFaults(Faults{})
	if got := listTotal(t, s, qo).Summary.TotalCalls; got != fullOther.TotalCalls-late {
		t.Fatalf("a cut export released the day: total %d", got)
	}
	// An export without dates covers every day.
	exportAll(t, s, nil)
	if got := listTotal(t, s, nil).Summary.TotalCalls; got != 3000 {
		t.Fatalf("after a full export: total %d, want 3000", got)
	}
}

// searchAll lists calls through search pages, which release nothing.
func searchAll(t testing.TB, s *Server, q url.Values) []vobiz.CDR {
	t.Helper()
	var out []vobiz.CDR
	for page := 1; ; page++ {
		pq := cloneValues(q)
		pq.Set("page", strconv.Itoa(page))
		res := listTotal(t, s, pq)
		out = append(out, res.Data...)
		if !res.Pagination.HasNext {
			return out
		}
	}
}

// TestUpdateAfterExport: after a day's first export, some of its records
// change consistently everywhere: a later updated_at and a re-rated cost.
func TestUpdateAfterExport(t *testing.T) {
	const n = 3
	clk := newClock(testNow.Add(time.Hour))
	s := New(clk.opts(Options{Calls: 3000, Days: 10, Now: testNow, Seed: 9, UpdateAfterExport: n}))
	day := testNow.AddDate(0, 0, -2).Format(vobiz.DateLayout)
	q := vals("start_date", day, "end_date", day)
	sumBefore := listTotal(t, s, q).Summary
	first := exportAll(t, s, q)
	second := exportAll(t, s, q)
	if len(first) != len(second) {
		t.Fatalf("%d rows then %d", len(first), len(second))
	}
	changed := 0
	extra := 0.0
	for k := range first {
		a, b := first[k], second[k]
		if reflect.DeepEqual(a, b) {
			continue
		}
		changed++
		if !b.UpdatedAt.Equal(clk.now()) || !b.UpdatedAt.After(a.UpdatedAt.Time) {
			t.Fatalf("updated_at %v -> %v, clock %v", a.UpdatedAt.Time, b.UpdatedAt.Time, clk.now())
		}
		minutes := float64((int64(a.Billsec) + 59) / 60)
		if d := float64(b.TotalCost - a.TotalCost); d < minutes*0.1-1e-9 || d > minutes*0.1+1e-9 || a.Billsec == 0 {
			t.Fatalf("total_cost %v -> %v for %d s", a.TotalCost, b.TotalCost, a.Billsec)
		}
		extra += float64(b.TotalCost - a.TotalCost)
		// The same record everywhere: get and Call.
		var got struct{ Data vobiz.CDR }
		w := do(t, s, basePath(s)+"/"+string(b.UUID), nil)
		mustStatus(t, w, http.StatusOK)
		decodeJSON(t, w.Body.Bytes(), &got)
		if !reflect.DeepEqual(got.Data, b) || !reflect.DeepEqual(s.Call(mustIndex(t, s, string(b.UUID))), b) {
			t.Fatal("get or Call disagrees with the export")
		}
		a.UpdatedAt, a.Cost, a.TotalCost = b.UpdatedAt, b.Cost, b.TotalCost
		if !reflect.DeepEqual(a, b) {
			t.Fatal("more than updated_at and cost changed")
		}
	}
	if changed != n {
		t.Fatalf("%d records changed, want %d", changed, n)
	}
	sumAfter := listTotal(t, s, q).Summary
	if d := float64(sumAfter.TotalCost - sumBefore.TotalCost); d < extra-0.011 || d > extra+0.011 {
		t.Fatalf("summary total_cost %v -> %v, records changed by %v", sumBefore.TotalCost, sumAfter.TotalCost, extra)
	}
	// A later export does not move them again.
	clk.advance(time.Hour)
	if third := exportAll(t, s, q); !reflect.DeepEqual(third, second) {
		t.Fatal("a later export changed records again")
	}
}

// TestSyncFaultsTogether is what a sync job meets with the flags
// `-error-status 429 -retry-after 2s -fail-first 2 -fault-endpoints export
// -late-cdrs 1`: refused exports release nothing; the first complete one
// does.
func TestSyncFaultsTogether(t *testing.T) {
	s := New(Options{Calls: 2000, Days: 5, Now: testNow, Seed: 4, LateCDRs: 1})
	s.SetFaults(Faults{ErrorStatus: http.StatusTooManyRequests, RetryAfter: 2 * time.Second, FailFirst: 2,
		Endpoints: []string{EndpointExport}})
	before := listTotal(t, s, nil).Summary.TotalCalls
	for range 2 {
		w := do(t, s, basePath(s)+"/export", nil)
		e := decodeError(t, w, http.StatusTooManyRequests, "RATE_LIMIT_EXCEEDED")
		if w.Header().Get("Retry-After") != "2" || e.Error.Details.RetryAfter == nil || *e.Error.Details.RetryAfter != 2 {
			t.Fatalf("Retry-After %q, details %+v", w.Header().Get("Retry-After"), e.Error.Details)
		}
		if got := listTotal(t, s, nil).Summary.TotalCalls; got != before {
			t.Fatalf("a refused export released calls: %d -> %d", before, got)
		}
	}
	rows := exportAll(t, s, nil)
	days := 6 // the data set spans parts of six UTC days
	if len(rows) != int(before) || int(before) != 2000-days {
		t.Fatalf("export %d rows, total before %d, want %d", len(rows), before, 2000-days)
	}
	if got := listTotal(t, s, nil).Summary.TotalCalls; got != 2000 {
		t.Fatalf("after the export: total %d, want 2000", got)
	}
}
