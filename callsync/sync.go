// Package callsync keeps the call index (package callindex) in step with
// the Vobiz API, which stays the source of truth.
//
// One process at a time syncs (a lease in the database, renewed every
// third of its TTL, so another replica takes over within TTL plus a third
// when the holder dies). The holder backfills UTC days newest first through
// the export endpoint, and counts a day complete only when the index holds
// exactly the API's own total for it; it polls the recent endpoint for new
// calls, re-verifies today and yesterday every few minutes, picks up days an
// admin marked for a re-sync, and deletes calls older than the retention.
// Every write is an idempotent upsert (newer updated_at wins), so a day
// synced twice, by a restart or by two processes, is never counted twice.
//
// The loop is a sequence of Steps, each doing at most one day's work after
// any due poll and verification, so tests drive it with an injected clock
// and no sleeps; Run is the background loop around Step.
package callsync

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/vobiz"
)

// Defaults for Options.
const (
	DefaultPoll        = 15 * time.Second
	DefaultDays        = 400
	DefaultVerifyEvery = 3 * time.Minute
	DefaultLeaseTTL    = 30 * time.Second
	DefaultMaxInFlight = 2
)

const (
	// recentLimit is how many of the newest calls a poll asks for (the
	// most the client allows).
	recentLimit = vobiz.MaxLimit
	// tick is the longest the loop sleeps while it holds the lease: the
	// shared state (a refresh asked on any replica) is read this often.
	tick = time.Second
	// Backoff after a failure: exponential from minBackoff, capped.
	minBackoff = time.Second
	maxBackoff = 5 * time.Minute
	// maxSeen bounds the uuids remembered from one day's export, used to
	// delete calls the API no longer lists; a bigger day is not pruned.
	maxSeen = 2_000_000
	// maxMalformedRun ends an export that yields this many unreadable rows
	// in a row: the body is not a CDR export any more.
	maxMalformedRun = 1000
	// backfillRun is the size from which a finished run of day syncs
	// refreshes the planner's statistics (today's and yesterday's routine
	// re-syncs do not).
	backfillRun = 3
	// probeAfter is how many days in a row without calls make the sync ask
	// whether any older day of the window has calls at all.
	probeAfter = 3
)

// Options configure a Syncer. Zero values select the defaults.
type Options struct {
	// Poll is how often the newest calls are fetched (default 15 s).
	Poll time.Duration
	// Days is how many UTC days, today included, are synced and kept
	// (default 400); older calls are deleted.
	Days int
	// VerifyEvery is how often today's and yesterday's counts are compared
	// with the API's totals again (default 3 min), catching late CDRs.
	VerifyEvery time.Duration
	// LeaseTTL is how long the sync lease lasts without renewal (default
	// 30 s); it is renewed every third of it.
	LeaseTTL time.Duration
	// Holder names this process in the lease (default host-pid-random).
	Holder string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Log receives progress and failures (default slog.Default()).
	Log *slog.Logger
	// MaxInFlight bounds concurrent requests to Vobiz (default 2).
	MaxInFlight int
	// Recordings, when set, lists the account's recordings into the index
	// alongside the calls (docs/call-index.md#recordings); nil syncs calls
	// only. *vobiz.Client implements it.
	Recordings RecordingSource
	// After and Sleep are the waits of Run and of the foreground commands
	// (defaults: real timers); tests replace them.
	After func(time.Duration) <-chan time.Time
	Sleep func(context.Context, time.Duration) error
}

// Syncer keeps one index in step with one Source.
type Syncer struct {
	ix  *callindex.Index
	src Source
	o   Options
	log *slog.Logger

	// The lease, shared with Run's renewer goroutine.
	mu        sync.Mutex
	holding   bool
	renewedAt time.Time
	cancel    context.CancelFunc // the running step's, cancelled when the lease is lost
	noLease   bool               // a forced foreground sync ignores the lease

	// Loop state: touched only by the goroutine calling Step.
	active                              bool // the state below belongs to the current lease
	nextPoll, nextVerify, nextRetention time.Time
	nextScan                            time.Time
	nextRecPoll                         time.Time // the recordings' poll
	recEmptyRun                         int       // recording days in a row listed empty
	recDays                             int       // recording days listed since the last Analyze
	notBefore                           time.Time // no Vobiz request before (backoff, Retry-After)
	failures, pollFailures              int
	retry                               map[time.Time]dayRetry
	exported                            map[time.Time]figures // the API's figures after each day's last export
	pending                             []job
	run                                 progress
	emptyRun                            int  // days in a row found without calls, for emptyBefore
	errShown                            bool // the shared state shows an error to clear on success
	upToDate                            bool // "index up to date" was logged
	waits                               []time.Duration
}

type dayRetry struct {
	failures int
	at       time.Time
}

// job is one day's work: a full sync, or only a check of its count (a
// complete day last verified before it ended, after downtime).
type job struct {
	day        time.Time
	verifyOnly bool
}

// progress is the running backfill, as shown in the shared state.
type progress struct {
	active      bool
	total, done int
}

// New returns a Syncer for ix over src.
func New(ix *callindex.Index, src Source, o Options) *Syncer {
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.Days <= 0 {
		o.Days = DefaultDays
	}
	if o.VerifyEvery <= 0 {
		o.VerifyEvery = DefaultVerifyEvery
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = DefaultLeaseTTL
	}
	if o.Holder == "" {
		o.Holder = defaultHolder()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = DefaultMaxInFlight
	}
	if o.After == nil {
		o.After = time.After
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	var limitedSrc Source
	if src != nil {
		limitedSrc = newLimited(src, o.MaxInFlight)
	}
	return &Syncer{ix: ix, src: limitedSrc, o: o, log: o.Log.With("job", "index sync"),
		retry: map[time.Time]dayRetry{}, exported: map[time.Time]figures{}}
}

func defaultHolder() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "cdrdash"
	}
	return host + "-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatUint(rand.Uint64()&0xffffff, 16)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (s *Syncer) now() time.Time { return s.o.Now().UTC() }

func utcDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// window returns the oldest and the newest (today's) UTC day kept.
func (s *Syncer) window(now time.Time) (oldest, today time.Time) {
	today = utcDay(now)
	return today.AddDate(0, 0, -(s.o.Days - 1)), today
}

// Run syncs until ctx is done, then gives the lease up. It never returns
// early: failures are logged, recorded in the shared state and retried
// with backoff.
func (s *Syncer) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.keepLease(ctx)
	}()
	defer func() {
		wg.Wait()
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := s.Release(rctx); err != nil {
			s.log.Warn("could not release the sync lease", "err", err)
		}
	}()
	for ctx.Err() == nil {
		wctx, cancel := context.WithCancel(ctx)
		s.mu.Lock()
		s.cancel = cancel
		s.mu.Unlock()
		wait, _ := s.Step(wctx) // Step logs and records its failures
		s.mu.Lock()
		s.cancel = nil
		s.mu.Unlock()
		cancel()
		if wait <= 0 {
			continue
		}
		select {
		case <-ctx.Done():
		case <-s.o.After(wait):
		}
	}
}

// keepLease renews the lease while a long step runs (a big day's export),
// and stops that step when the lease was lost, so two processes never sync
// for longer than one renewal period.
func (s *Syncer) keepLease(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.o.After(s.renewEvery()):
		}
		s.mu.Lock()
		holding := s.holding
		s.mu.Unlock()
		if !holding {
			continue
		}
		if ok, err := s.lease(ctx, s.now()); err == nil && !ok {
			s.mu.Lock()
			if s.cancel != nil {
				s.cancel()
			}
			s.mu.Unlock()
		}
	}
}

func (s *Syncer) renewEvery() time.Duration { return s.o.LeaseTTL / 3 }

// lease takes or renews the lease when due and reports whether this
// process holds it.
func (s *Syncer) lease(ctx context.Context, now time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.noLease {
		return true, nil
	}
	if s.holding && now.Sub(s.renewedAt) < s.renewEvery() {
		return true, nil
	}
	ok, err := s.ix.AcquireLease(ctx, s.o.Holder, now, s.o.LeaseTTL)
	if err != nil {
		// Unknown: stop syncing rather than risk two writers.
		s.holding = false
		return false, err
	}
	switch {
	case ok && !s.holding:
		s.log.Info("holding the sync lease", "holder", s.o.Holder)
	case !ok && s.holding:
		s.log.Warn("lost the sync lease to another process", "holder", s.o.Holder)
	}
	s.holding, s.renewedAt = ok, now
	return ok, nil
}

// Release gives the lease up, so another process can take over at once.
func (s *Syncer) Release(ctx context.Context) error {
	s.mu.Lock()
	forced := s.noLease
	s.holding = false
	s.mu.Unlock()
	if forced {
		return nil
	}
	// Even when the last renewal failed (cancelled at shutdown, say) the
	// lease may be ours: releasing only ever clears this holder's.
	return s.ix.ReleaseLease(ctx, s.o.Holder)
}

// Waits returns the backoff waits decided so far (after failures and
// Retry-After answers), oldest first: what tests check instead of time.
func (s *Syncer) Waits() []time.Duration { return append([]time.Duration(nil), s.waits...) }

// Step runs one round: take or renew the lease; if held, apply the
// retention, poll when due (or asked), verify today and yesterday when
// due, and sync or check at most one day. It returns how long to wait
// before the next round (0 when more work is ready) and the round's
// failure, which it has already logged and recorded in the shared state.
func (s *Syncer) Step(ctx context.Context) (time.Duration, error) {
	now := s.now()
	ok, err := s.lease(ctx, now)
	if err != nil {
		s.log.Warn("sync lease", "err", err)
		return s.renewEvery(), err
	}
	if !ok {
		s.active = false
		return s.renewEvery(), nil
	}
	if !s.active {
		s.startLease(now)
	}
	if now.Before(s.notBefore) {
		return min(s.notBefore.Sub(now), tick), nil
	}
	more, err := s.round(ctx, now)
	if err != nil {
		if ctx.Err() != nil {
			return 0, err
		}
		s.fail(ctx, err)
		return min(s.notBefore.Sub(s.now()), tick), err
	}
	s.failures = 0
	if more {
		return 0, nil
	}
	return tick, nil
}

// startLease resets the loop for a new holding: everything is due now.
func (s *Syncer) startLease(now time.Time) {
	s.active = true
	s.nextPoll, s.nextRetention, s.nextScan, s.nextRecPoll = now, now, now, now
	s.nextVerify = now.Add(s.o.VerifyEvery)
	s.notBefore, s.failures = time.Time{}, 0
	s.retry = map[time.Time]dayRetry{}
	s.pending, s.run, s.emptyRun, s.upToDate = nil, progress{}, 0, false
}

func (s *Syncer) round(ctx context.Context, now time.Time) (more bool, err error) {
	st, err := s.ix.SyncState(ctx)
	if err != nil {
		return false, err
	}
	s.errShown = st.LastError != "" || st.Paused != ""
	polled := false
	if !now.Before(s.nextRetention) {
		if err := s.retention(ctx, now); err != nil {
			return false, err
		}
	}
	// A refresh asked on any replica polls now, unless polls are failing:
	// then it waits for the poll's backoff like the schedule does.
	asked := st.PollRequested.After(st.LastPoll) && s.pollFailures == 0
	if asked || !now.Before(s.nextPoll) {
		if err := s.poll(ctx); err != nil {
			if stopsRound(err) {
				return false, err
			}
			// A poll the API answers wrongly must not hold the days up.
			s.pollFailures++
			s.nextPoll = now.Add(backoff(s.pollFailures))
			s.note(ctx, err)
		} else {
			s.pollFailures, polled = 0, true
		}
	}
	if !now.Before(s.nextVerify) {
		if err := s.verifyRecent(ctx, now, polled); err != nil {
			if stopsRound(err) {
				return false, err
			}
			s.note(ctx, err)
		}
		s.nextVerify = now.Add(s.o.VerifyEvery)
	}
	if !now.Before(s.nextScan) {
		if err := s.scan(ctx, now); err != nil {
			return false, err
		}
	}
	if j, ok := s.nextJob(now); ok {
		s.nextScan = time.Time{} // see what is left at once
		if err := s.doJob(ctx, j); err != nil {
			if stopsRound(err) {
				return false, err
			}
			s.note(ctx, err) // this day waits for its retry; the others go on
			return true, nil
		}
		if err := s.cleared(ctx); err != nil {
			return false, err
		}
		return true, nil
	}
	if polled {
		if err := s.cleared(ctx); err != nil {
			return false, err
		}
	}
	_, ready := s.nextJob(now)
	// Recordings only when no day of calls is waiting: they never hold
	// the calls up, and their failures stay in their own state.
	recMore, err := s.recordingWork(ctx, now, !ready)
	if err != nil {
		return false, err
	}
	return ready || recMore, nil
}

// cleared removes a recorded error once work succeeds again, and the
// polls too (a failing poll's error stays while days sync).
func (s *Syncer) cleared(ctx context.Context) error {
	if !s.errShown || s.pollFailures > 0 {
		return nil
	}
	s.errShown = false
	return s.ix.UpdateSyncState(ctx, func(st *callindex.SyncState) {
		st.LastError, st.LastErrorAt, st.Paused = "", time.Time{}, ""
	})
}

// fail records a failed round and backs off: exponentially with jitter,
// and at least as long as a Retry-After the API sent.
func (s *Syncer) fail(ctx context.Context, err error) {
	s.failures++
	wait := backoff(s.failures)
	if ra, ok := vobiz.RetryAfter(err); ok && ra > wait {
		wait = ra
	}
	s.notBefore = s.now().Add(wait)
	if len(s.waits) >= 100 {
		s.waits = s.waits[1:]
	}
	s.waits = append(s.waits, wait)
	s.log.Warn("index sync failed; waiting before the next request", "err", err, "wait", wait.String())
	s.note(ctx, err)
}

// note records a failure in the shared state for the admin view, with
// Paused set when the database is full.
func (s *Syncer) note(ctx context.Context, err error) {
	now := s.now()
	paused := ""
	if isDiskFull(err) {
		paused = "the database is full: sync is paused and retried; pages read from Vobiz meanwhile"
	}
	uerr := s.ix.UpdateSyncState(ctx, func(st *callindex.SyncState) {
		st.LastError, st.LastErrorAt, st.Paused = err.Error(), now, paused
	})
	if uerr != nil {
		s.log.Warn("could not record the sync failure", "err", uerr, "failure", err)
		return
	}
	s.errShown = true
}

// stopsRound tells failures that stop the whole round and back off (the
// API refusing or unavailable, a rate limit, the database, the lease,
// cancellation) from an answer the API got wrong for one request, after
// which the other work goes on (that request is retried later).
func stopsRound(err error) bool {
	var ae *vobiz.APIError
	if !errors.As(err, &ae) {
		return true
	}
	return !errors.Is(err, vobiz.ErrBadResponse) && !errors.Is(err, vobiz.ErrBadRequest) &&
		!errors.Is(err, vobiz.ErrNotFound)
}

// backoff is the wait after n failures in a row: 1 s doubling to 5 min,
// half of it fixed and half random, so replicas and retries spread out.
func backoff(n int) time.Duration {
	step := minBackoff << min(max(n-1, 0), 16)
	if step > maxBackoff {
		step = maxBackoff
	}
	half := step / 2
	return half + rand.N(half+1)
}

// isDiskFull recognises a full disk on either database: SQLite's
// SQLITE_FULL ("database or disk is full") and PostgreSQL's disk_full
// (SQLSTATE 53100), by their text, so this package needs neither driver.
func isDiskFull(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "database or disk is full") || strings.Contains(msg, "53100") ||
		strings.Contains(msg, "no space left on device")
}

// retention deletes calls older than the kept window, once a day.
func (s *Syncer) retention(ctx context.Context, now time.Time) error {
	oldest, _ := s.window(now)
	n, err := s.ix.DeleteBefore(ctx, oldest)
	if err != nil {
		return err
	}
	if n > 0 {
		s.log.Info("deleted calls older than the index keeps", "calls", n, "before", oldest.Format(time.DateOnly))
	}
	s.nextRetention = now.Add(24 * time.Hour)
	for d := range s.exported {
		if d.Before(oldest) {
			delete(s.exported, d)
		}
	}
	return nil
}

// scan lists the days that need work, newest first, and keeps the
// backfill progress in the shared state.
func (s *Syncer) scan(ctx context.Context, now time.Time) error {
	jobs, err := s.jobs(ctx, now)
	if err != nil {
		return err
	}
	s.pending = jobs
	s.nextScan = now.Add(s.o.Poll)
	syncs := 0
	for _, j := range jobs {
		if !j.verifyOnly {
			syncs++
		}
	}
	switch {
	case syncs > 0 && !s.run.active:
		s.run = progress{active: true, total: syncs}
	case syncs > 0:
		s.run.total = s.run.done + syncs
	case s.run.active:
		if err := s.finishRun(ctx); err != nil {
			return err
		}
		fallthrough
	default:
		if len(jobs) == 0 && !s.upToDate {
			s.upToDate = true // said once per holding: the first time every day is complete
			s.log.Info("index up to date", "days", s.o.Days)
		}
		return nil
	}
	total, done := s.run.total, s.run.done
	return s.ix.UpdateSyncState(ctx, func(st *callindex.SyncState) {
		st.BackfillDays, st.BackfillDone = total, done
	})
}

func (s *Syncer) finishRun(ctx context.Context) error {
	run := s.run
	s.run = progress{}
	if err := s.ix.UpdateSyncState(ctx, func(st *callindex.SyncState) {
		st.BackfillDays, st.BackfillDone = 0, 0
	}); err != nil {
		return err
	}
	s.log.Info("index days synced", "days", run.done)
	if run.total >= backfillRun {
		if err := s.ix.Analyze(ctx); err != nil {
			return err
		}
	}
	return nil
}

// jobs lists the days of the window needing work, newest first: every day
// not complete (missing, syncing after a crash, mismatch, or set back by
// an admin's re-sync), and complete days before yesterday that were last
// verified before they ended (the process was down at the time).
func (s *Syncer) jobs(ctx context.Context, now time.Time) ([]job, error) {
	oldest, today := s.window(now)
	states, err := s.ix.Days(ctx, oldest, today)
	if err != nil {
		return nil, err
	}
	byDay := make(map[time.Time]callindex.DayState, len(states))
	for _, st := range states {
		byDay[st.Day] = st
	}
	yesterday := today.AddDate(0, 0, -1)
	var out []job
	for d := today; !d.Before(oldest); d = d.AddDate(0, 0, -1) {
		st, ok := byDay[d]
		switch {
		case !ok || st.Status != callindex.DayComplete:
			out = append(out, job{day: d})
		case d.Before(yesterday) && st.VerifiedAt.Before(d.AddDate(0, 0, 1)):
			out = append(out, job{day: d, verifyOnly: true})
		}
	}
	return out, nil
}

// nextJob is the newest pending day not waiting for a retry.
func (s *Syncer) nextJob(now time.Time) (job, bool) {
	for _, j := range s.pending {
		if r, ok := s.retry[j.day]; ok && now.Before(r.at) {
			continue
		}
		return j, true
	}
	return job{}, false
}

func (s *Syncer) doJob(ctx context.Context, j job) error {
	s.pending = removeJob(s.pending, j)
	var (
		complete bool
		err      error
	)
	if j.verifyOnly {
		complete, err = s.verifyDay(ctx, j.day)
	} else {
		complete, err = s.syncDay(ctx, j.day)
		if err == nil {
			err = s.linkRecordings(ctx, j.day)
		}
	}
	if complete {
		delete(s.retry, j.day)
		if !j.verifyOnly && s.run.active {
			s.run.done++
			total, done := s.run.total, s.run.done
			if uerr := s.ix.UpdateSyncState(ctx, func(st *callindex.SyncState) {
				st.BackfillDays, st.BackfillDone = total, done
			}); uerr != nil && err == nil {
				err = uerr
			}
		}
		return err
	}
	r := s.retry[j.day]
	r.failures++
	r.at = s.now().Add(backoff(r.failures))
	s.retry[j.day] = r
	return err
}

func removeJob(jobs []job, j job) []job {
	for i := range jobs {
		if jobs[i] == j {
			return append(jobs[:i:i], jobs[i+1:]...)
		}
	}
	return jobs
}

// verifyRecent re-checks today and yesterday when they are complete (the
// others are pending anyway). Today is checked right after a poll, so the
// calls of the last few seconds are in the index before it is counted.
func (s *Syncer) verifyRecent(ctx context.Context, now time.Time, polled bool) error {
	today := utcDay(now)
	for _, d := range []time.Time{today, today.AddDate(0, 0, -1)} {
		st, err := s.ix.Day(ctx, d)
		if err != nil {
			return err
		}
		if st.Status != callindex.DayComplete {
			continue
		}
		if d.Equal(today) && !polled {
			if err := s.poll(ctx); err != nil {
				return err
			}
			polled = true
		}
		ok, err := s.verifyDay(ctx, d)
		if err != nil {
			return err
		}
		if !ok {
			s.nextScan = time.Time{}
		}
	}
	return nil
}

// Errors the foreground commands return.
var (
	// ErrLeaseHeld: another live process syncs this index.
	ErrLeaseHeld = errors.New("callsync: another process holds the sync lease")
	errLeaseLost = errors.New("callsync: the sync lease was lost to another process")
)

func dayString(d time.Time) string { return d.Format(time.DateOnly) }
