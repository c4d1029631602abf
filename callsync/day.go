package callsync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/vobiz"
)

// apiTotal asks the API how many calls the UTC days from..to hold (one
// per_page=1 list request: only the pagination total is read).
func (s *Syncer) apiTotal(ctx context.Context, from, to time.Time) (int64, error) {
	f, err := s.apiDay(ctx, from, to)
	return f.calls, err
}

// figures are what a day is compared on: its number of calls, and the
// API's summary sums, which change when records are updated after the fact
// (a call's duration, talk time or cost) although the count does not.
type figures struct {
	calls, answered, duration, billable int64
	cost                                float64
}

func figuresOf(calls int64, sum vobiz.Summary) figures {
	return figures{calls: calls, answered: int64(sum.AnsweredCalls), duration: int64(sum.TotalDurationSeconds),
		billable: int64(sum.TotalBillableSeconds), cost: float64(sum.TotalCost)}
}

// sameSums reports whether the sums agree (costs to a hundredth of the
// currency, the summary's precision).
func (f figures) sameSums(g figures) bool {
	return f.answered == g.answered && f.duration == g.duration && f.billable == g.billable &&
		math.Abs(f.cost-g.cost) < 0.005
}

// apiDay asks the API for the figures of the UTC days from..to.
func (s *Syncer) apiDay(ctx context.Context, from, to time.Time) (figures, error) {
	resp, err := s.src.List(ctx, vobiz.Filter{StartDate: dayString(from), EndDate: dayString(to), PerPage: 1})
	if err != nil {
		return figures{}, fmt.Errorf("total of %s – %s: %w", dayString(from), dayString(to), err)
	}
	return figuresOf(int64(resp.Pagination.Total), resp.Summary), nil
}

// indexDay computes the same figures from the index.
func (s *Syncer) indexDay(ctx context.Context, day time.Time) (figures, error) {
	page, err := s.ix.Query(ctx, callindex.Filter{From: day, To: day.AddDate(0, 0, 1), Limit: 1})
	if err != nil {
		return figures{}, err
	}
	return figuresOf(page.Total, page.Summary), nil
}

func (s *Syncer) count(ctx context.Context, day time.Time) (int64, error) {
	return s.ix.Count(ctx, day, day.AddDate(0, 0, 1))
}

// verifyDay compares the day in the index with the API's figures and marks
// it complete or mismatch. It reports whether it is complete. A day whose
// count agrees but whose sums differ had records updated after it was
// synced, unless the API's figures are the ones its last export ended
// with (then the difference is one a fresh export cannot remove, and
// syncing again every few minutes would only cost requests).
func (s *Syncer) verifyDay(ctx context.Context, day time.Time) (bool, error) {
	idx, err := s.indexDay(ctx, day)
	if err != nil {
		return false, err
	}
	// The API is asked after the index: nothing else writes the day
	// meanwhile, so equal numbers mean the index held every call the API
	// had when it answered.
	asked := s.now()
	api, err := s.apiDay(ctx, day, day)
	if err != nil {
		return false, err
	}
	st := callindex.DayState{Day: day, Status: callindex.DayComplete, Rows: idx.calls, APITotal: api.calls,
		VerifiedAt: asked}
	switch {
	case idx.calls != api.calls:
		st.Status = callindex.DayMismatch
		st.LastError = fmt.Sprintf("verify: the index has %d calls, Vobiz %d", idx.calls, api.calls)
	case !idx.sameSums(api) && api != s.exported[day]:
		st.Status = callindex.DayMismatch
		st.LastError = "verify: the day's duration, talk time or cost differ from Vobiz's: records were updated"
	}
	if st.Status != callindex.DayComplete {
		s.log.Info("day differs from Vobiz; re-syncing it", "day", dayString(day), "why", st.LastError)
	}
	if err := s.ix.SetDay(ctx, st); err != nil {
		return false, err
	}
	return st.Status == callindex.DayComplete, nil
}

// exported is what one day's export brought.
type exported struct {
	rows      int64 // records read and offered to the index
	invalid   int   // records the index refused (no uuid or start time)
	malformed int   // rows that could not be decoded
	// outside counts records starting outside the UTC day asked for: the
	// API would then cut its days in another zone, and the day's count
	// could never be compared with its total.
	outside int
	seen    map[string]struct{} // their uuids; nil when the day is too big to remember
}

// syncDay downloads the day's export into the index and marks the day
// complete when the index then holds exactly the API's total for it. It
// reports whether the day is complete; an error is a failed request or
// write (the day is left mismatch, or syncing if the process stops).
func (s *Syncer) syncDay(ctx context.Context, day time.Time) (bool, error) {
	prev, err := s.ix.Day(ctx, day)
	if err != nil {
		return false, err
	}
	if err := s.ix.SetDay(ctx, callindex.DayState{Day: day, Status: callindex.DaySyncing, Rows: prev.Rows,
		APITotal: prev.APITotal, LastError: prev.LastError}); err != nil {
		return false, err
	}
	failed := func(msg string, err error) (bool, error) {
		if ctx.Err() == nil { // on shutdown the day stays syncing and is resumed
			if serr := s.ix.SetDay(ctx, callindex.DayState{Day: day, Status: callindex.DayMismatch,
				Rows: prev.Rows, APITotal: prev.APITotal, LastError: msg + ": " + err.Error()}); serr != nil {
				return false, errors.Join(err, serr)
			}
		}
		return false, err
	}
	asked := s.now()
	total, err := s.apiTotal(ctx, day, day)
	if err != nil {
		return failed("reading the day's total", err)
	}
	if total == 0 {
		n, err := s.count(ctx, day)
		if err != nil {
			return false, err
		}
		if n == 0 { // nothing to download
			if err := s.ix.SetDay(ctx, callindex.DayState{Day: day, Status: callindex.DayComplete,
				APITotal: 0, VerifiedAt: asked}); err != nil {
				return false, err
			}
			s.emptyRun++
			_, err := s.emptyBefore(ctx, day)
			return true, err
		}
	}
	s.emptyRun = 0
	ex, err := s.exportDay(ctx, day)
	if err != nil {
		return failed(fmt.Sprintf("export cut after %d rows", ex.rows), err)
	}
	count, err := s.count(ctx, day)
	if err != nil {
		return false, err
	}
	// Asked again after the export: calls that arrived meanwhile (late
	// CDRs) are then in the API's total, and the day waits for them.
	asked = s.now()
	api, err := s.apiDay(ctx, day, day)
	if err != nil {
		return failed("reading the day's total after the export", err)
	}
	total = api.calls
	s.exported[day] = api
	bad := ex.malformed + ex.invalid + ex.outside
	if count > total && bad == 0 && ex.seen != nil && ex.rows == total {
		// The export listed exactly the API's total and the index holds
		// more: calls the API no longer has. Drop them so the counts agree.
		n, err := s.prune(ctx, day, ex.seen)
		if err != nil {
			return false, err
		}
		s.log.Info("deleted calls Vobiz no longer lists", "day", dayString(day), "calls", n)
		if count, err = s.count(ctx, day); err != nil {
			return false, err
		}
	}
	st := callindex.DayState{Day: day, Status: callindex.DayComplete, Rows: count, APITotal: total, VerifiedAt: asked}
	if count != total || bad > 0 {
		st.Status = callindex.DayMismatch
		st.LastError = fmt.Sprintf("the index has %d calls, Vobiz %d", count, total)
		if ex.malformed > 0 {
			st.LastError += fmt.Sprintf("; %d export rows could not be read", ex.malformed)
		}
		if ex.invalid > 0 {
			st.LastError += fmt.Sprintf("; %d records had no uuid or start time", ex.invalid)
		}
		if ex.outside > 0 {
			st.LastError += fmt.Sprintf("; %d exported calls started outside this UTC day "+
				"(does Vobiz cut days in another time zone?)", ex.outside)
		}
		s.log.Warn("day not complete after its export", "day", dayString(day), "index", count, "vobiz", total,
			"malformed", ex.malformed, "invalid", ex.invalid, "outside", ex.outside)
	} else {
		s.log.Debug("day synced", "day", dayString(day), "calls", count)
	}
	if err := s.ix.SetDay(ctx, st); err != nil {
		return false, err
	}
	return st.Status == callindex.DayComplete, nil
}

// exportDay streams the day's export into the index, callindex.BatchSize
// records per write. Rows that cannot be decoded are counted and skipped;
// a broken stream ends it with an error (what was read is kept: writing it
// again later changes nothing).
func (s *Syncer) exportDay(ctx context.Context, day time.Time) (exported, error) {
	ex := exported{seen: map[string]struct{}{}}
	body, err := s.src.Export(ctx, vobiz.Filter{StartDate: dayString(day), EndDate: dayString(day)})
	if err != nil {
		return ex, err
	}
	defer body.Close()
	r, err := vobiz.NewExportReader(body)
	if err != nil {
		return ex, err
	}
	batch := make([]vobiz.CDR, 0, callindex.BatchSize)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		st, err := s.ix.Upsert(ctx, batch)
		ex.invalid += st.Invalid
		batch = batch[:0]
		if err != nil {
			return err
		}
		if ok, err := s.lease(ctx, s.now()); err != nil || !ok {
			return errors.Join(errLeaseLost, err)
		}
		return nil
	}
	malformedRun := 0
	for {
		c, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if streamBroken(ctx, err) || malformedRun >= maxMalformedRun {
				return ex, errors.Join(err, flush())
			}
			ex.malformed++
			malformedRun++
			if ex.malformed <= 3 {
				s.log.Warn("export row could not be read; the day stays unverified", "day", dayString(day), "err", err)
			}
			continue
		}
		malformedRun = 0
		if !c.StartTime.IsZero() && (c.StartTime.Before(day) || !c.StartTime.Before(day.AddDate(0, 0, 1))) {
			ex.outside++
		}
		batch = append(batch, *c)
		ex.rows++
		if ex.seen != nil {
			if len(ex.seen) >= maxSeen {
				ex.seen = nil
			} else {
				ex.seen[string(c.UUID)] = struct{}{}
			}
		}
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return ex, err
			}
		}
	}
	return ex, flush()
}

// streamBroken tells a failed stream (the client's errors, cancellation)
// from a row that could not be decoded, after which reading goes on.
func streamBroken(ctx context.Context, err error) bool {
	var ae *vobiz.APIError
	return ctx.Err() != nil || errors.As(err, &ae) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF)
}

// prune deletes the day's calls whose uuid the export did not list.
func (s *Syncer) prune(ctx context.Context, day time.Time, seen map[string]struct{}) (int64, error) {
	var gone []string
	err := s.ix.Each(ctx, callindex.Filter{From: day, To: day.AddDate(0, 0, 1)}, func(c *callindex.Call) error {
		if _, ok := seen[string(c.CDR.UUID)]; !ok {
			gone = append(gone, string(c.CDR.UUID))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return s.ix.DeleteCalls(ctx, gone)
}

// emptyBefore runs after every few days in a row without calls: when the
// API has no call at all from the start of the window to that day, every
// older day is complete with none, for one request instead of one per day
// (an account younger than the 400 days kept). It reports whether that was
// so.
func (s *Syncer) emptyBefore(ctx context.Context, day time.Time) (bool, error) {
	oldest, _ := s.window(s.now())
	if s.emptyRun < probeAfter || !day.After(oldest) {
		return false, nil
	}
	s.emptyRun = 0
	last := day.AddDate(0, 0, -1)
	asked := s.now()
	total, err := s.apiTotal(ctx, oldest, last)
	if err != nil || total != 0 {
		return false, err
	}
	n, err := s.ix.Count(ctx, oldest, day)
	if err != nil || n != 0 {
		return false, err
	}
	states, err := s.ix.Days(ctx, oldest, last)
	if err != nil {
		return false, err
	}
	done := map[time.Time]bool{}
	for _, st := range states {
		done[st.Day] = st.Status == callindex.DayComplete && !st.VerifiedAt.Before(st.Day.AddDate(0, 0, 1))
	}
	marked := 0
	for d := last; !d.Before(oldest); d = d.AddDate(0, 0, -1) {
		if done[d] {
			continue
		}
		if err := s.ix.SetDay(ctx, callindex.DayState{Day: d, Status: callindex.DayComplete, APITotal: 0,
			VerifiedAt: asked}); err != nil {
			return false, err
		}
		marked++
	}
	if marked > 0 {
		s.log.Info("no calls before this day: older days are complete and empty", "day", dayString(day),
			"days", marked)
	}
	return true, nil
}

// poll upserts the newest calls. When none of them was in the index yet,
// more calls may have arrived since the last poll than one poll returns:
// today is then synced again through its export, so none is skipped.
func (s *Syncer) poll(ctx context.Context) error {
	asked := s.now()
	resp, err := s.src.Recent(ctx, recentLimit)
	if err != nil {
		return fmt.Errorf("poll: %w", err)
	}
	oldest, today := s.window(asked)
	calls := make([]vobiz.CDR, 0, len(resp.Data))
	want := make(map[string]struct{}, len(resp.Data))
	var lo, hi time.Time
	for _, c := range resp.Data {
		if !c.StartTime.IsZero() && c.StartTime.Before(oldest) {
			continue // older than the index keeps
		}
		calls = append(calls, c)
		if c.UUID == "" || c.StartTime.IsZero() {
			continue
		}
		want[string(c.UUID)] = struct{}{}
		if lo.IsZero() || c.StartTime.Before(lo) {
			lo = c.StartTime.Time
		}
		if c.StartTime.After(hi) {
			hi = c.StartTime.Time
		}
	}
	known := 0
	if len(want) > 0 {
		err := s.ix.Each(ctx, callindex.Filter{From: lo, To: hi.Add(time.Microsecond)}, func(c *callindex.Call) error {
			if _, ok := want[string(c.CDR.UUID)]; ok {
				known++
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	st, err := s.ix.Upsert(ctx, calls)
	if err != nil {
		return err
	}
	if st.Invalid > 0 {
		s.log.Warn("recent calls without uuid or start time were skipped", "calls", st.Invalid)
	}
	if err := s.linkRecordings(ctx, asked.Add(-2*24*time.Hour)); err != nil {
		return err
	}
	if len(want) > 0 && known == 0 {
		day, err := s.ix.Day(ctx, today)
		if err != nil {
			return err
		}
		if day.Status == callindex.DayComplete {
			day.Status = callindex.DayMismatch
			day.LastError = "a poll's calls were all new: re-syncing the day so no call between polls is missed"
			if err := s.ix.SetDay(ctx, day); err != nil {
				return err
			}
			s.log.Info("every polled call was new; re-syncing today", "calls", len(want))
		}
		s.nextScan = time.Time{}
	}
	if err := s.ix.UpdateSyncState(ctx, func(st *callindex.SyncState) { st.LastPoll = asked }); err != nil {
		return err
	}
	s.nextPoll = asked.Add(s.o.Poll)
	return nil
}
