package callsync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
)

// foregroundPasses is how often `cdrdash index sync` and `verify` go over
// the days still not complete before giving up on them.
const foregroundPasses = 3

// Backfill syncs every day of the window that is not complete, newest
// first, in the foreground (`cdrdash index sync`), calling report after
// each day. Days that fail are tried again in up to two more passes,
// after the backoff and any Retry-After. It refuses with ErrLeaseHeld
// while another live process holds the lease, unless force is set (the
// writes are idempotent, so a forced sync beside a running one only
// costs requests). It never deletes old calls: that is the retention's
// and `cdrdash index purge`'s work. It returns the status at the end.
func (s *Syncer) Backfill(ctx context.Context, force bool, report func(callindex.DayState)) (Status, error) {
	if err := s.foreground(ctx, force); err != nil {
		return Status{}, err
	}
	defer s.endForeground(ctx)
	synced := 0
	for pass := 0; pass < foregroundPasses; pass++ {
		jobs, err := s.jobs(ctx, s.now())
		if err != nil {
			return Status{}, err
		}
		if len(jobs) == 0 {
			break
		}
		s.run = progress{active: true, total: synced + len(jobs), done: synced}
		for _, j := range jobs {
			if err := s.waitBackoff(ctx); err != nil {
				return Status{}, err
			}
			if ok, err := s.lease(ctx, s.now()); err != nil || !ok {
				return Status{}, errors.Join(errLeaseLost, err)
			}
			if st, err := s.ix.Day(ctx, j.day); err != nil {
				return Status{}, err
			} else if st.Status == callindex.DayComplete && !st.VerifiedAt.Before(j.day.AddDate(0, 0, 1)) {
				// Done since the pass began: an empty history confirmed at once.
				report(st)
				continue
			}
			var complete bool
			if j.verifyOnly {
				complete, err = s.verifyDay(ctx, j.day)
			} else {
				complete, err = s.syncDay(ctx, j.day)
			}
			if err != nil {
				if ctx.Err() != nil {
					return Status{}, err
				}
				s.fail(ctx, err)
			} else {
				s.failures = 0
			}
			if complete {
				synced++
				s.run.done = synced
			}
			if err := s.showProgress(ctx); err != nil {
				return Status{}, err
			}
			st, err := s.ix.Day(ctx, j.day)
			if err != nil {
				return Status{}, err
			}
			report(st)
		}
	}
	// Then the recordings of the days that ended, as the background sync
	// does once no day of calls waits (docs/call-index.md#recordings).
	// Their failures are recorded in their own row, never fail the calls.
	for {
		if ok, err := s.lease(ctx, s.now()); err != nil || !ok {
			return Status{}, errors.Join(errLeaseLost, err)
		}
		more, err := s.recordingWork(ctx, s.now(), true)
		if err != nil {
			return Status{}, err
		}
		if !more {
			break
		}
	}
	if err := s.finishRun(ctx); err != nil {
		return Status{}, err
	}
	s.endForeground(ctx) // before the status, which then shows the lease free
	return s.Status(ctx)
}

// Verify compares every day of the window with the API's total (`cdrdash
// index verify`), newest first, marking each complete or mismatch and
// calling report; days never synced are compared too. A day whose request
// fails is asked again after the backoff, up to three times. It returns
// the status at the end.
func (s *Syncer) Verify(ctx context.Context, report func(callindex.DayState)) (Status, error) {
	now := s.now()
	oldest, today := s.window(now)
	for d := today; !d.Before(oldest); d = d.AddDate(0, 0, -1) {
		var (
			complete bool
			err      error
		)
		for try := 0; try < foregroundPasses; try++ {
			if err = s.waitBackoff(ctx); err != nil {
				return Status{}, err
			}
			if d.Equal(today) {
				// Calls keep arriving today: take the newest in first, so
				// one that ended a moment ago is not a difference. A day
				// still short after that is asked again on the next pass.
				err = s.poll(ctx)
			}
			if err == nil {
				complete, err = s.verifyDay(ctx, d)
			}
			if err == nil && (complete || !d.Equal(today)) || ctx.Err() != nil {
				break
			}
			if err != nil {
				s.fail(ctx, err)
			}
		}
		if err != nil {
			return Status{}, err
		}
		st, err := s.ix.Day(ctx, d)
		if err != nil {
			return Status{}, err
		}
		report(st)
		if complete && st.APITotal == 0 {
			s.emptyRun++
			covered, err := s.emptyBefore(ctx, d)
			if err != nil {
				return Status{}, err
			}
			if covered {
				// Every older day was just confirmed empty by one request.
				days, err := s.ix.Days(ctx, oldest, d.AddDate(0, 0, -1))
				if err != nil {
					return Status{}, err
				}
				for i := len(days) - 1; i >= 0; i-- {
					report(days[i])
				}
				break
			}
		} else {
			s.emptyRun = 0
		}
	}
	return s.Status(ctx)
}

// foreground prepares a command-line run: the lease (unless forced) and a
// fresh loop state.
func (s *Syncer) foreground(ctx context.Context, force bool) error {
	now := s.now()
	if force {
		s.mu.Lock()
		s.noLease = true
		s.mu.Unlock()
	} else {
		ok, err := s.lease(ctx, now)
		if err != nil {
			return err
		}
		if !ok {
			st, err := s.ix.SyncState(ctx)
			if err != nil {
				return err
			}
			return fmt.Errorf("%w: %s holds it until %s (a running cdrdash serve syncs this index already; "+
				"stop it, wait for the lease to expire, or use -force)", ErrLeaseHeld, st.Holder,
				st.LeaseUntil.Format(time.RFC3339))
		}
	}
	s.startLease(now)
	return nil
}

func (s *Syncer) endForeground(ctx context.Context) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.Release(rctx); err != nil {
		s.log.Warn("could not release the sync lease", "err", err)
	}
}

func (s *Syncer) showProgress(ctx context.Context) error {
	total, done := s.run.total, s.run.done
	return s.ix.UpdateSyncState(ctx, func(st *callindex.SyncState) {
		st.BackfillDays, st.BackfillDone = total, done
	})
}

// waitBackoff waits out the backoff of the last failure (and any
// Retry-After) before the next request.
func (s *Syncer) waitBackoff(ctx context.Context) error {
	if wait := s.notBefore.Sub(s.now()); wait > 0 {
		return s.o.Sleep(ctx, wait)
	}
	return nil
}
