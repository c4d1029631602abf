package callsync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/vobiz"
)

// Recordings are synced alongside the calls (docs/call-index.md#recordings),
// from the Recording API's add_time windows (docs/vobiz-api.md#recordings):
// each ended UTC day is listed once through to its end and marked listed;
// the poll lists from a little before the newest add_time seen. The work is
// optional and separate: it runs only when no day of calls is waiting, and
// its failures (an account without the endpoint included) are recorded in
// their own shared row with their own backoff, never in the calls' sync.

// RecordingSource lists recordings; *vobiz.Client implements it.
type RecordingSource interface {
	ListRecordings(ctx context.Context, f vobiz.RecordingFilter) (*vobiz.RecordingList, error)
}

const (
	// recordingPage is the Recording API's largest page.
	recordingPage = vobiz.MaxRecordingLimit
	// recordingOverlap reaches into the next day (a recording added just
	// after midnight is listed by both days; it is keyed by id) and back
	// from the poll's watermark (recordings whose add_time is a little
	// older than the newest one seen).
	recordingOverlap = 5 * time.Minute
	// recordingGrace: a day is listed once it ended this long ago, so
	// recordings added in its last minutes are in.
	recordingGrace = 10 * time.Minute
	// recordingUnavailableRetry: an account without the Recording endpoint
	// is asked again after this long.
	recordingUnavailableRetry = time.Hour
	// maxRecordingPages bounds one listing (a runaway "next" link).
	maxRecordingPages = 10_000
)

// recordingWork runs the recording sync's due work: the poll (on the calls'
// poll schedule) and, when idle is true (no day of calls waits), one day's
// listing. It returns whether more days wait. Its failures are recorded in
// the recording sync row; only a cancelled context is returned.
func (s *Syncer) recordingWork(ctx context.Context, now time.Time, idle bool) (more bool, err error) {
	if s.o.Recordings == nil {
		return false, nil
	}
	st, err := s.ix.RecordingSync(ctx)
	if err != nil {
		return false, err
	}
	if now.Before(st.RetryAt) {
		return false, nil
	}
	if !now.Before(s.nextRecPoll) {
		if err := s.pollRecordings(ctx, now, st); err != nil {
			return false, s.recordingFailed(ctx, now, err)
		}
		s.nextRecPoll = now.Add(s.o.Poll)
	}
	if !idle {
		return false, nil
	}
	day, ok, err := s.nextRecordingDay(ctx, now)
	if err != nil || !ok {
		return false, err
	}
	if s.recEmptyRun >= probeAfter {
		// Days in a row without recordings: one request asks whether any
		// older day of the window has one at all (an account that does not
		// record costs one request, not one per day).
		s.recEmptyRun = 0
		if none, err := s.noRecordingsBefore(ctx, now, day); err != nil {
			return false, s.recordingFailed(ctx, now, err)
		} else if none {
			_, more, err = s.nextRecordingDay(ctx, now)
			return more, err
		}
	}
	if err := s.syncRecordingDay(ctx, now, day); err != nil {
		return false, s.recordingFailed(ctx, now, err)
	}
	s.recDays++
	if _, more, err = s.nextRecordingDay(ctx, now); err != nil || more {
		return more, err
	}
	if s.recDays >= backfillRun {
		// Flagging the recorded calls rewrote their rows: PostgreSQL's
		// index-only scans of the time index visit the table for each of
		// them until a vacuum (30-day has_recording pages: 146 ms before,
		// 27 ms after, at 200,000 calls).
		s.recDays = 0
		if err := s.ix.Analyze(ctx); err != nil {
			return false, err
		}
	}
	return false, nil
}

// linkRecordings flags the calls just written whose recordings the index
// already held (added since since): a recording is listed when its call
// ends, so it can arrive before a late CDR, or before its day is synced
// again.
func (s *Syncer) linkRecordings(ctx context.Context, since time.Time) error {
	if s.o.Recordings == nil {
		return nil
	}
	if _, err := s.ix.LinkRecordings(ctx, since); err != nil {
		return err
	}
	return nil
}

// nextRecordingDay is the newest ended day of the window whose recordings
// were not listed yet.
func (s *Syncer) nextRecordingDay(ctx context.Context, now time.Time) (time.Time, bool, error) {
	oldest, today := s.window(now)
	missing, err := s.ix.UnsyncedRecordingDays(ctx, oldest, today)
	if err != nil {
		return time.Time{}, false, err
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if !now.Before(missing[i].AddDate(0, 0, 1).Add(recordingGrace)) {
			return missing[i], true, nil
		}
	}
	return time.Time{}, false, nil
}

// syncRecordingDay lists the recordings added in one UTC day (and a few
// minutes into the next), upserts them and marks the day listed.
func (s *Syncer) syncRecordingDay(ctx context.Context, now, day time.Time) error {
	n, newest, err := s.listRecordings(ctx, vobiz.RecordingFilter{AddedFrom: day,
		AddedBefore: day.AddDate(0, 0, 1).Add(recordingOverlap)})
	if err != nil {
		return fmt.Errorf("recordings of %s: %w", dayString(day), err)
	}
	if err := s.ix.SetRecordingDay(ctx, day, int64(n), now); err != nil {
		return err
	}
	if n == 0 {
		s.recEmptyRun++
	} else {
		s.recEmptyRun = 0
	}
	return s.recordingSucceeded(ctx, func(r *callindex.RecordingSyncState) {
		if newest.After(r.Watermark) {
			r.Watermark = newest
		}
	})
}

// noRecordingsBefore asks, with one request, whether any recording was
// added from the window's oldest day to the end of day; none marks every
// unlisted day of that span listed and empty.
func (s *Syncer) noRecordingsBefore(ctx context.Context, now, day time.Time) (bool, error) {
	oldest, _ := s.window(now)
	end := day.AddDate(0, 0, 1)
	list, err := s.o.Recordings.ListRecordings(ctx, vobiz.RecordingFilter{AddedFrom: oldest,
		AddedBefore: end.Add(recordingOverlap), Limit: 1})
	if err != nil {
		return false, fmt.Errorf("recordings before %s: %w", dayString(end), err)
	}
	if len(list.Objects) > 0 || list.Meta.TotalCount > 0 {
		return false, nil
	}
	missing, err := s.ix.UnsyncedRecordingDays(ctx, oldest, end)
	if err != nil {
		return false, err
	}
	for _, d := range missing {
		if err := s.ix.SetRecordingDay(ctx, d, 0, now); err != nil {
			return false, err
		}
	}
	return true, s.recordingSucceeded(ctx, func(*callindex.RecordingSyncState) {})
}

// pollRecordings lists the recordings added since a little before the
// watermark (today's start when there is none yet, or when it is older
// than the window).
func (s *Syncer) pollRecordings(ctx context.Context, now time.Time, st callindex.RecordingSyncState) error {
	oldest, today := s.window(now)
	from := st.Watermark.Add(-recordingOverlap)
	if st.Watermark.IsZero() {
		from = today.Add(-recordingOverlap)
	}
	if from.Before(oldest) {
		from = oldest
	}
	_, newest, err := s.listRecordings(ctx, vobiz.RecordingFilter{AddedFrom: from})
	if err != nil {
		return fmt.Errorf("recordings poll: %w", err)
	}
	return s.recordingSucceeded(ctx, func(r *callindex.RecordingSyncState) {
		r.LastPoll = now
		if newest.After(r.Watermark) {
			r.Watermark = newest
		}
	})
}

// listRecordings pages through f (limit 100, offset until done), upserting
// each page, and returns how many it listed and the newest add_time.
func (s *Syncer) listRecordings(ctx context.Context, f vobiz.RecordingFilter) (n int, newest time.Time, err error) {
	f.Limit = recordingPage
	for page := 0; page < maxRecordingPages; page++ {
		list, err := s.o.Recordings.ListRecordings(ctx, f)
		if err != nil {
			return n, newest, err
		}
		if err := s.ix.UpsertRecordings(ctx, list.Objects); err != nil {
			return n, newest, err
		}
		n += len(list.Objects)
		for i := range list.Objects {
			if t := list.Objects[i].AddTime.Time; t.After(newest) {
				newest = t
			}
		}
		if !list.HasNext() {
			return n, newest, nil
		}
		// By the page size, not by the objects kept: the client drops
		// objects without an id. Newest first, a recording added meanwhile
		// shifts the list by one: seen twice, never skipped.
		f.Offset += recordingPage
	}
	return n, newest, fmt.Errorf("more than %d pages of recordings", maxRecordingPages)
}

// recordingSucceeded applies change and clears a recorded failure.
func (s *Syncer) recordingSucceeded(ctx context.Context, change func(*callindex.RecordingSyncState)) error {
	return s.ix.UpdateRecordingSync(ctx, func(r *callindex.RecordingSyncState) {
		change(r)
		r.Unavailable, r.LastError, r.LastErrorAt, r.RetryAt, r.Failures = "", "", time.Time{}, time.Time{}, 0
	})
}

// recordingFailed records a failure of the recording sync and when to try
// again; it returns err only when the context is done (or the state could
// not be written), so the calls' sync goes on.
func (s *Syncer) recordingFailed(ctx context.Context, now time.Time, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ae *vobiz.APIError
	unavailable := errors.Is(err, vobiz.ErrNotFound) || errors.Is(err, vobiz.ErrForbidden)
	uerr := s.ix.UpdateRecordingSync(ctx, func(r *callindex.RecordingSyncState) {
		r.Failures++
		wait := backoff(int(r.Failures))
		if ra, ok := vobiz.RetryAfter(err); ok && ra > wait {
			wait = ra
		}
		r.LastError, r.LastErrorAt = err.Error(), now
		if unavailable {
			r.Unavailable = err.Error()
			if errors.As(err, &ae) && ae.StatusCode > 0 {
				r.Unavailable = fmt.Sprintf("the Recording API answered HTTP %d", ae.StatusCode)
			}
			wait = recordingUnavailableRetry
		}
		r.RetryAt = now.Add(wait)
	})
	if uerr != nil {
		return uerr
	}
	s.log.Warn("recording sync failed; calls go on syncing", "err", err, "unavailable", unavailable)
	return nil
}
