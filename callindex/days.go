package callindex

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// DayStatus is the sync state of one UTC day.
type DayStatus string

// The day states. A day with no stored state is DayMissing.
const (
	// DayComplete: the day's row count equalled the API's total when verified.
	DayComplete DayStatus = "complete"
	// DaySyncing: a sync of the day started and has not finished.
	DaySyncing DayStatus = "syncing"
	// DayMismatch: the last verification found a different count (or
	// malformed rows); the day must be synced again.
	DayMismatch DayStatus = "mismatch"
	// DayMissing: never synced.
	DayMissing DayStatus = "missing"
)

// Valid reports whether s is one of the states.
func (s DayStatus) Valid() bool {
	switch s {
	case DayComplete, DaySyncing, DayMismatch, DayMissing:
		return true
	}
	return false
}

// UnknownTotal is DayState.APITotal before the API was asked.
const UnknownTotal = -1

const dayLayout = "2006-01-02"

// DayState is the sync state of one UTC day.
type DayState struct {
	Day        time.Time // UTC midnight
	Status     DayStatus
	Rows       int64     // calls of the day in the index at the last sync
	APITotal   int64     // the API's total for the day, or UnknownTotal
	VerifiedAt time.Time // when Rows was compared with APITotal; zero if never
	LastError  string    // why the last sync failed, for the admin view
	UpdatedAt  time.Time // when the state was last written
}

// utcDay returns the UTC day containing t.
func utcDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Day returns the state of the UTC day containing day; a day never synced
// is DayMissing with UnknownTotal.
func (ix *Index) Day(ctx context.Context, day time.Time) (DayState, error) {
	day = utcDay(day)
	st, err := ix.scanDay(ix.db.QueryRowContext(ctx,
		"SELECT day, status, rows, api_total, verified_at, last_error, updated_at FROM call_index_days WHERE day = "+
			ix.placeholder(1), day.Format(dayLayout)))
	if errors.Is(err, sql.ErrNoRows) {
		return DayState{Day: day, Status: DayMissing, APITotal: UnknownTotal}, nil
	}
	if err != nil {
		return DayState{}, fmt.Errorf("callindex: day %s: %w", day.Format(dayLayout), err)
	}
	return st, nil
}

// Days returns the stored states of the UTC days from..to (inclusive, by
// day), oldest first. Days without a state are not listed.
func (ix *Index) Days(ctx context.Context, from, to time.Time) ([]DayState, error) {
	rows, err := ix.db.QueryContext(ctx,
		"SELECT day, status, rows, api_total, verified_at, last_error, updated_at FROM call_index_days WHERE day >= "+
			ix.placeholder(1)+" AND day <= "+ix.placeholder(2)+" ORDER BY day",
		utcDay(from).Format(dayLayout), utcDay(to).Format(dayLayout))
	if err != nil {
		return nil, fmt.Errorf("callindex: days: %w", err)
	}
	defer rows.Close()
	var out []DayState
	for rows.Next() {
		st, err := ix.scanDay(rows)
		if err != nil {
			return nil, fmt.Errorf("callindex: days: %w", err)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("callindex: days: %w", err)
	}
	return out, nil
}

func (ix *Index) scanDay(row interface{ Scan(...any) error }) (DayState, error) {
	var (
		st       DayState
		day      string
		status   string
		total    sql.NullInt64
		verified sql.NullInt64
		updated  int64
	)
	if err := row.Scan(&day, &status, &st.Rows, &total, &verified, &st.LastError, &updated); err != nil {
		return DayState{}, err
	}
	d, err := time.Parse(dayLayout, day)
	if err != nil {
		return DayState{}, fmt.Errorf("stored day %q: %w", day, err)
	}
	st.Day, st.Status, st.APITotal = d, DayStatus(status), UnknownTotal
	if total.Valid {
		st.APITotal = total.Int64
	}
	if verified.Valid {
		st.VerifiedAt = time.UnixMicro(verified.Int64).UTC()
	}
	st.UpdatedAt = time.UnixMicro(updated).UTC()
	return st, nil
}

// SetDay stores the state of st.Day (any time within the UTC day). UpdatedAt
// is set from the store's clock. Setting DayMissing forgets the day.
func (ix *Index) SetDay(ctx context.Context, st DayState) error {
	if !st.Status.Valid() {
		return fmt.Errorf("callindex: set day: unknown status %q", st.Status)
	}
	day := utcDay(st.Day).Format(dayLayout)
	if st.Status == DayMissing {
		if _, err := ix.db.ExecContext(ctx, "DELETE FROM call_index_days WHERE day = "+ix.placeholder(1), day); err != nil {
			return fmt.Errorf("callindex: set day %s: %w", day, err)
		}
		return nil
	}
	var total, verified any
	if st.APITotal >= 0 {
		total = st.APITotal
	}
	if !st.VerifiedAt.IsZero() {
		verified = st.VerifiedAt.UnixMicro()
	}
	p := ix.placeholder
	_, err := ix.db.ExecContext(ctx,
		"INSERT INTO call_index_days (day, status, rows, api_total, verified_at, last_error, updated_at) VALUES ("+
			p(1)+", "+p(2)+", "+p(3)+", "+p(4)+", "+p(5)+", "+p(6)+", "+p(7)+") ON CONFLICT (day) DO UPDATE SET "+
			"status = excluded.status, rows = excluded.rows, api_total = excluded.api_total, "+
			"verified_at = excluded.verified_at, last_error = excluded.last_error, updated_at = excluded.updated_at",
		day, string(st.Status), st.Rows, total, verified, st.LastError, ix.now().UnixMicro())
	if err != nil {
		return fmt.Errorf("callindex: set day %s: %w", day, err)
	}
	return nil
}
