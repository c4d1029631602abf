package callsync

import (
	"context"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
)

// Status is what `cdrdash index status` and the admin view show: the
// shared state, the coverage, and every day of the kept window.
type Status struct {
	Now      time.Time
	State    callindex.SyncState
	Coverage callindex.Coverage
	// Oldest and Today bound the window of kept days.
	Oldest, Today time.Time
	// Days is every day of the window, newest first; a day never synced is
	// DayMissing.
	Days []callindex.DayState
	// ByStatus counts Days by status.
	ByStatus map[callindex.DayStatus]int
	// Rows is the number of calls in the index.
	Rows int64
}

// Lag is how long ago the last successful poll was (0 if never).
func (st Status) Lag() time.Duration {
	if st.State.LastPoll.IsZero() {
		return 0
	}
	return st.Now.Sub(st.State.LastPoll)
}

// LeaseLive reports whether some process holds an unexpired sync lease.
func (st Status) LeaseLive() bool {
	return st.State.Holder != "" && st.State.LeaseUntil.After(st.Now)
}

// ReadStatus reads the index's sync status at now, for a window of days
// UTC days ending today.
func ReadStatus(ctx context.Context, ix *callindex.Index, now time.Time, days int) (Status, error) {
	if days <= 0 {
		days = DefaultDays
	}
	now = now.UTC()
	today := utcDay(now)
	st := Status{Now: now, Today: today, Oldest: today.AddDate(0, 0, -(days - 1)),
		ByStatus: map[callindex.DayStatus]int{}}
	var err error
	if st.State, err = ix.SyncState(ctx); err != nil {
		return Status{}, err
	}
	if st.Coverage, err = ix.Coverage(ctx, now); err != nil {
		return Status{}, err
	}
	stored, err := ix.Days(ctx, st.Oldest, today)
	if err != nil {
		return Status{}, err
	}
	byDay := make(map[time.Time]callindex.DayState, len(stored))
	for _, d := range stored {
		byDay[d.Day] = d
	}
	for d := today; !d.Before(st.Oldest); d = d.AddDate(0, 0, -1) {
		ds, ok := byDay[d]
		if !ok {
			ds = callindex.DayState{Day: d, Status: callindex.DayMissing, APITotal: callindex.UnknownTotal}
		}
		st.Days = append(st.Days, ds)
		st.ByStatus[ds.Status]++
	}
	if st.Rows, err = ix.Count(ctx, time.Unix(0, 0), today.AddDate(0, 0, 2)); err != nil {
		return Status{}, err
	}
	return st, nil
}

// Status reads the status over this Syncer's window.
func (s *Syncer) Status(ctx context.Context) (Status, error) {
	return ReadStatus(ctx, s.ix, s.now(), s.o.Days)
}
