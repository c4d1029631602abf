package callindex

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/cdrdash/cdrdash/store"
)

// SyncState is the sync job's shared state (migration 0005): one row for
// every process on the database, so a replica that does not sync can still
// say how fresh the index is, and a refresh or re-sync asked on any replica
// reaches the one that syncs.
type SyncState struct {
	// Holder is the process that holds the sync lease, until LeaseUntil.
	Holder     string
	LeaseUntil time.Time
	// LastPoll is when the newest calls were last fetched successfully: the
	// index's freshness.
	LastPoll time.Time
	// LastError is the sync's last failure (empty once it recovered), for
	// the admin view.
	LastError   string
	LastErrorAt time.Time
	// Paused says why sync stopped writing (a full disk, say); empty while
	// it runs.
	Paused string
	// BackfillDays and BackfillDone measure the running backfill (both 0
	// when none runs).
	BackfillDays, BackfillDone int
	// PollRequested is when someone last asked for a poll now (the pages'
	// refresh button); the syncing process polls when it is after LastPoll.
	PollRequested time.Time
	UpdatedAt     time.Time
}

const syncColumns = "holder, lease_until, last_poll_at, last_error, last_error_at, paused, " +
	"backfill_days, backfill_done, poll_requested_at, updated_at"

// SyncState returns the sync job's shared state.
func (ix *Index) SyncState(ctx context.Context) (SyncState, error) {
	st, err := scanSyncState(ix.db.QueryRowContext(ctx, "SELECT "+syncColumns+" FROM call_index_sync WHERE id = 1"))
	if err != nil {
		return SyncState{}, fmt.Errorf("callindex: sync state: %w", err)
	}
	return st, nil
}

// UpdateSyncState changes the shared state under a transaction: change gets
// the stored state and edits it. The lease columns are left alone (they
// belong to AcquireLease and ReleaseLease, whose writes are conditional), and
// UpdatedAt is set from the store's clock.
func (ix *Index) UpdateSyncState(ctx context.Context, change func(*SyncState)) error {
	tx, err := ix.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("callindex: update sync state: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	lock := ""
	if ix.dialect == store.DialectPostgres {
		lock = " FOR UPDATE"
	}
	st, err := scanSyncState(tx.QueryRowContext(ctx, "SELECT "+syncColumns+" FROM call_index_sync WHERE id = 1"+lock))
	if err != nil {
		return fmt.Errorf("callindex: update sync state: %w", err)
	}
	change(&st)
	p := ix.placeholder
	_, err = tx.ExecContext(ctx, "UPDATE call_index_sync SET last_poll_at = "+p(1)+", last_error = "+p(2)+
		", last_error_at = "+p(3)+", paused = "+p(4)+", backfill_days = "+p(5)+", backfill_done = "+p(6)+
		", poll_requested_at = "+p(7)+", updated_at = "+p(8)+" WHERE id = 1",
		micros(st.LastPoll), st.LastError, micros(st.LastErrorAt), st.Paused, st.BackfillDays, st.BackfillDone,
		micros(st.PollRequested), ix.now().UnixMicro())
	if err != nil {
		return fmt.Errorf("callindex: update sync state: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("callindex: update sync state: %w", err)
	}
	return nil
}

// RequestPoll asks the syncing process, wherever it runs, to fetch the
// newest calls now.
func (ix *Index) RequestPoll(ctx context.Context) error {
	_, err := ix.db.ExecContext(ctx, "UPDATE call_index_sync SET poll_requested_at = "+ix.placeholder(1)+
		" WHERE id = 1", ix.now().UnixMicro())
	if err != nil {
		return fmt.Errorf("callindex: request poll: %w", err)
	}
	return nil
}

// AcquireLease makes holder the syncing process until now+ttl, if nobody
// else holds an unexpired lease, and reports whether it did. The holder
// renews by calling it again before the lease runs out. The write is one
// conditional statement, so two processes racing for an expired lease
// cannot both win, on either database.
func (ix *Index) AcquireLease(ctx context.Context, holder string, now time.Time, ttl time.Duration) (bool, error) {
	p := ix.placeholder
	res, err := ix.db.ExecContext(ctx, "UPDATE call_index_sync SET holder = "+p(1)+", lease_until = "+p(2)+
		" WHERE id = 1 AND (holder = "+p(3)+" OR lease_until IS NULL OR lease_until < "+p(4)+")",
		holder, now.Add(ttl).UnixMicro(), holder, now.UnixMicro())
	if err != nil {
		return false, fmt.Errorf("callindex: acquire lease: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("callindex: acquire lease: %w", err)
	}
	return n == 1, nil
}

// ReleaseLease gives holder's lease up (on shutdown), so another process
// can take over at once instead of waiting for it to expire.
func (ix *Index) ReleaseLease(ctx context.Context, holder string) error {
	_, err := ix.db.ExecContext(ctx, "UPDATE call_index_sync SET lease_until = NULL WHERE id = 1 AND holder = "+
		ix.placeholder(1), holder)
	if err != nil {
		return fmt.Errorf("callindex: release lease: %w", err)
	}
	return nil
}

// Coverage is the window of time the index answers for.
type Coverage struct {
	// From and To bound [From, To): from the start of the oldest complete
	// (verified) UTC day of the run of synced days that ends with the
	// newest complete day, to the end of that day, or, when that day is
	// today, to the later of its verification and the last poll. Both are
	// zero when no day is complete. The run ends at the first day the sync
	// has never touched.
	From, To time.Time
	// Holes are the days (UTC midnights, newest first) within [From, To)
	// that are not complete: being synced again after a verification
	// found a difference or an admin asked for it. The index does not
	// answer for them until they verify again, but one day being re-synced
	// does not take the days around it away from the pages.
	Holes []time.Time
	// LastPoll is the sync's last successful poll, for "synced 8 s ago".
	LastPoll time.Time
}

// IsZero reports whether the index covers nothing.
func (c Coverage) IsZero() bool { return c.From.IsZero() }

// Covers reports whether the half-open window [from, to) lies within the
// coverage and touches no hole. A zero from is unbounded and never
// covered; a zero to means now. A window reaching past To is still
// covered while the sync is live, that is while To is at most maxLag
// before now: calls newer than the last poll may be missing then, which is
// what the page's "synced N s ago" says.
func (c Coverage) Covers(from, to, now time.Time, maxLag time.Duration) bool {
	if c.IsZero() || from.IsZero() || from.Before(c.From) {
		return false
	}
	if to.IsZero() || to.After(now) {
		to = now
	}
	for _, h := range c.Holes {
		if from.Before(h.AddDate(0, 0, 1)) && to.After(h) {
			return false
		}
	}
	return !to.After(c.To) || now.Sub(c.To) <= maxLag
}

// Unbroken is where the part of the coverage without holes begins: the
// day after the newest hole, or From.
func (c Coverage) Unbroken() time.Time {
	if len(c.Holes) > 0 {
		return c.Holes[0].AddDate(0, 0, 1)
	}
	return c.From
}

// Coverage returns what the index covers at now.
func (ix *Index) Coverage(ctx context.Context, now time.Time) (Coverage, error) {
	st, err := ix.SyncState(ctx)
	if err != nil {
		return Coverage{}, err
	}
	cov := Coverage{LastPoll: st.LastPoll}
	rows, err := ix.db.QueryContext(ctx, "SELECT day, status, verified_at FROM call_index_days ORDER BY day DESC")
	if err != nil {
		return Coverage{}, fmt.Errorf("callindex: coverage: %w", err)
	}
	defer rows.Close()
	var (
		prev  time.Time   // the day after the one being read, in the run
		holes []time.Time // days of the run not complete, newest first
	)
	for rows.Next() {
		var (
			day, status string
			verified    sql.NullInt64
		)
		if err := rows.Scan(&day, &status, &verified); err != nil {
			return Coverage{}, fmt.Errorf("callindex: coverage: %w", err)
		}
		d, err := time.Parse(dayLayout, day)
		if err != nil {
			return Coverage{}, fmt.Errorf("callindex: coverage: stored day %q: %w", day, err)
		}
		if !prev.IsZero() && !d.AddDate(0, 0, 1).Equal(prev) {
			break // a day the sync never touched ends the run
		}
		if DayStatus(status) != DayComplete {
			if !prev.IsZero() {
				holes, prev = append(holes, d), d
			}
			continue // the newest days may still be syncing: the run starts at the newest complete one
		}
		if prev.IsZero() {
			cov.To = d.AddDate(0, 0, 1)
			if today := utcDay(now); d.Equal(today) {
				cov.To = d
				if verified.Valid {
					cov.To = time.UnixMicro(verified.Int64).UTC()
				}
				if st.LastPoll.After(cov.To) {
					cov.To = st.LastPoll
				}
				if cov.To.After(now) {
					cov.To = now
				}
			}
		}
		cov.From, prev = d, d
	}
	if err := rows.Err(); err != nil {
		return Coverage{}, fmt.Errorf("callindex: coverage: %w", err)
	}
	// Holes older than the oldest complete day are not inside the run.
	for len(holes) > 0 && holes[len(holes)-1].Before(cov.From) {
		holes = holes[:len(holes)-1]
	}
	cov.Holes = holes
	return cov, nil
}

func scanSyncState(row *sql.Row) (SyncState, error) {
	var (
		st                                   SyncState
		lease, poll, errAt, requested, updat sql.NullInt64
	)
	if err := row.Scan(&st.Holder, &lease, &poll, &st.LastError, &errAt, &st.Paused,
		&st.BackfillDays, &st.BackfillDone, &requested, &updat); err != nil {
		return SyncState{}, err
	}
	st.LeaseUntil, st.LastPoll, st.LastErrorAt = fromMicros(lease), fromMicros(poll), fromMicros(errAt)
	st.PollRequested, st.UpdatedAt = fromMicros(requested), fromMicros(updat)
	return st, nil
}

// micros stores a time as Unix microseconds, the zero time as NULL.
func micros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func fromMicros(v sql.NullInt64) time.Time {
	if !v.Valid || v.Int64 == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}
