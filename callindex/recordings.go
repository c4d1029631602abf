package callindex

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/vobiz"
)

// Recordings in the index (docs/call-index.md#recordings): what the
// Recording API lists, without recording_url, which grants access to the
// audio and is never stored (docs/vobiz-api.md#recordings).

// Recording is one indexed recording.
type Recording struct {
	ID, CallUUID   string
	AddTime        time.Time // zero when the API gave none
	Format, Type   string
	Duration       time.Duration
	StartMS, EndMS sql.NullInt64 // epoch milliseconds, as the API gives them
	From, To       string
}

// RecordingFilter is Filter.HasRecording: any call, only calls with a
// recording in the index, or only calls without one.
type RecordingFilter int8

// The values of Filter.HasRecording.
const (
	RecordingAny RecordingFilter = iota
	RecordingWith
	RecordingWithout
)

// Filter.HasRecording reads call_index.recorded (migration 0010), which
// UpsertRecordings sets for the calls it writes recordings of and
// LinkRecordings for calls written after their recordings. It is in the
// time index, so the filter costs no row read.

// recordingColumns are the columns UpsertRecordings writes, in order.
var recordingColumns = []string{"recording_id", "call_uuid", "add_time", "format", "recording_type", "duration_ms",
	"start_ms", "end_ms", "from_number", "to_number", "updated_at"}

// recordingsPerStatement keeps a statement's parameters well under both
// databases' limits.
const recordingsPerStatement = 200

// UpsertRecordings writes recordings, keyed by their id: writing the same
// recording again (an overlap between two add_time windows, a re-sync)
// replaces its row and adds nothing. Recordings without id or call_uuid are
// skipped. The URL is not written.
func (ix *Index) UpsertRecordings(ctx context.Context, recs []vobiz.Recording) error {
	keep := make(map[string]*vobiz.Recording, len(recs))
	order := make([]string, 0, len(recs))
	for i := range recs {
		r := &recs[i]
		id := strings.TrimSpace(string(r.ID))
		if id == "" || strings.TrimSpace(string(r.CallUUID)) == "" {
			continue
		}
		if _, seen := keep[id]; !seen {
			order = append(order, id)
		}
		keep[id] = r // the last one listed wins
	}
	if len(order) == 0 {
		return nil
	}
	tx, err := ix.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("callindex: upsert recordings: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	now := ix.now().UnixMicro()
	for len(order) > 0 {
		chunk := order[:min(len(order), recordingsPerStatement)]
		order = order[len(chunk):]
		rows := make([]string, len(chunk))
		args := make([]any, 0, len(chunk)*len(recordingColumns))
		for i, id := range chunk {
			r := keep[id]
			marks := make([]string, len(recordingColumns))
			for j := range marks {
				marks[j] = ix.placeholder(len(args) + j + 1)
			}
			rows[i] = "(" + strings.Join(marks, ", ") + ")"
			var added any
			if !r.AddTime.IsZero() {
				added = r.AddTime.UnixMicro()
			}
			args = append(args, id, strings.TrimSpace(string(r.CallUUID)), added, string(r.Format), string(r.Type),
				r.Duration().Milliseconds(), nullInt(r.StartMS), nullInt(r.EndMS), string(r.FromNumber),
				string(r.ToNumber), now)
		}
		sets := make([]string, 0, len(recordingColumns)-1)
		for _, c := range recordingColumns[1:] {
			sets = append(sets, c+" = excluded."+c)
		}
		q := "INSERT INTO call_index_recordings (" + strings.Join(recordingColumns, ", ") + ") VALUES " +
			strings.Join(rows, ", ") + " ON CONFLICT (recording_id) DO UPDATE SET " + strings.Join(sets, ", ")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("callindex: upsert recordings: %w", err)
		}
		uuids := make([]string, 0, len(chunk))
		callArgs := make([]any, 0, len(chunk))
		for _, id := range chunk {
			callArgs = append(callArgs, strings.TrimSpace(string(keep[id].CallUUID)))
			uuids = append(uuids, ix.placeholder(len(callArgs)))
		}
		if _, err := tx.ExecContext(ctx, "UPDATE call_index SET recorded = 1 WHERE recorded = 0 AND uuid IN ("+
			strings.Join(uuids, ", ")+")", callArgs...); err != nil {
			return fmt.Errorf("callindex: mark recorded calls: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("callindex: upsert recordings: commit: %w", err)
	}
	return nil
}

func nullInt(v vobiz.NullInt) any {
	if !v.Valid {
		return nil
	}
	return v.Int64
}

// LinkRecordings marks recorded the calls written after their recordings
// (a late CDR, a day synced again): those among the recordings added since
// since, or without add_time. The sync calls it after writing calls.
func (ix *Index) LinkRecordings(ctx context.Context, since time.Time) (int64, error) {
	res, err := ix.db.ExecContext(ctx, "UPDATE call_index SET recorded = 1 WHERE recorded = 0 AND uuid IN "+
		"(SELECT call_uuid FROM call_index_recordings WHERE add_time >= "+ix.placeholder(1)+" OR add_time IS NULL)",
		since.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("callindex: link recordings: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("callindex: link recordings: %w", err)
	}
	return n, nil
}

// CallRecordings returns the indexed recordings of one call, oldest first.
func (ix *Index) CallRecordings(ctx context.Context, uuid string) ([]Recording, error) {
	rows, err := ix.db.QueryContext(ctx, "SELECT recording_id, call_uuid, add_time, format, recording_type, duration_ms, "+
		"start_ms, end_ms, from_number, to_number FROM call_index_recordings WHERE call_uuid = "+ix.placeholder(1)+
		" ORDER BY add_time, recording_id", strings.TrimSpace(uuid))
	if err != nil {
		return nil, fmt.Errorf("callindex: recordings of %s: %w", uuid, err)
	}
	defer rows.Close()
	var out []Recording
	for rows.Next() {
		var (
			r     Recording
			added sql.NullInt64
			ms    int64
		)
		if err := rows.Scan(&r.ID, &r.CallUUID, &added, &r.Format, &r.Type, &ms, &r.StartMS, &r.EndMS, &r.From, &r.To); err != nil {
			return nil, fmt.Errorf("callindex: recordings of %s: %w", uuid, err)
		}
		r.AddTime, r.Duration = fromMicros(added), time.Duration(ms)*time.Millisecond
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("callindex: recordings of %s: %w", uuid, err)
	}
	return out, nil
}

// markRecorded sets Recorded on calls that have an indexed recording: one
// query for the page's rows, never for the whole window.
func (ix *Index) markRecorded(ctx context.Context, db querier, calls []Call) error {
	if len(calls) == 0 {
		return nil
	}
	at := make(map[string][]int, len(calls))
	marks := make([]string, 0, len(calls))
	args := make([]any, 0, len(calls))
	for i := range calls {
		u := string(calls[i].CDR.UUID)
		if _, ok := at[u]; !ok {
			args = append(args, u)
			marks = append(marks, ix.placeholder(len(args)))
		}
		at[u] = append(at[u], i)
	}
	rows, err := db.QueryContext(ctx, "SELECT DISTINCT call_uuid FROM call_index_recordings WHERE call_uuid IN ("+
		strings.Join(marks, ", ")+")", args...)
	if err != nil {
		return fmt.Errorf("callindex: recorded calls: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return fmt.Errorf("callindex: recorded calls: %w", err)
		}
		for _, i := range at[u] {
			calls[i].Recorded = true
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("callindex: recorded calls: %w", err)
	}
	return nil
}

// CountRecordings is the number of indexed recordings (the admin page).
func (ix *Index) CountRecordings(ctx context.Context) (int64, error) {
	var n int64
	if err := ix.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM call_index_recordings").Scan(&n); err != nil {
		return 0, fmt.Errorf("callindex: count recordings: %w", err)
	}
	return n, nil
}

// SetRecordingDay records that the recordings added in a UTC day were
// listed through to the end (listed of them) at syncedAt.
func (ix *Index) SetRecordingDay(ctx context.Context, day time.Time, listed int64, syncedAt time.Time) error {
	_, err := ix.db.ExecContext(ctx, "INSERT INTO call_index_recording_days (day, listed, synced_at) VALUES ("+
		ix.placeholder(1)+", "+ix.placeholder(2)+", "+ix.placeholder(3)+") ON CONFLICT (day) DO UPDATE SET "+
		"listed = excluded.listed, synced_at = excluded.synced_at",
		utcDay(day).Format(dayLayout), listed, syncedAt.UnixMicro())
	if err != nil {
		return fmt.Errorf("callindex: recording day %s: %w", utcDay(day).Format(dayLayout), err)
	}
	return nil
}

// RecordingDays returns the UTC days in [from, to) whose recordings were
// listed, with when.
func (ix *Index) RecordingDays(ctx context.Context, from, to time.Time) (map[string]time.Time, error) {
	rows, err := ix.db.QueryContext(ctx, "SELECT day, synced_at FROM call_index_recording_days WHERE day >= "+
		ix.placeholder(1)+" AND day <= "+ix.placeholder(2),
		utcDay(from).Format(dayLayout), utcDay(to.Add(-time.Microsecond)).Format(dayLayout))
	if err != nil {
		return nil, fmt.Errorf("callindex: recording days: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var (
			d  string
			at int64
		)
		if err := rows.Scan(&d, &at); err != nil {
			return nil, fmt.Errorf("callindex: recording days: %w", err)
		}
		out[d] = time.UnixMicro(at).UTC()
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("callindex: recording days: %w", err)
	}
	return out, nil
}

// UnsyncedRecordingDays lists the UTC days overlapping [from, to) whose
// recordings have not been listed yet, oldest first.
func (ix *Index) UnsyncedRecordingDays(ctx context.Context, from, to time.Time) ([]time.Time, error) {
	if from.IsZero() || !to.After(from) {
		return nil, nil
	}
	done, err := ix.RecordingDays(ctx, from, to)
	if err != nil {
		return nil, err
	}
	var out []time.Time
	for d := utcDay(from); d.Before(to); d = d.AddDate(0, 0, 1) {
		if _, ok := done[d.Format(dayLayout)]; !ok {
			out = append(out, d)
		}
	}
	return out, nil
}

// RecordingSyncState is the recording sync's shared row.
type RecordingSyncState struct {
	// Watermark is the newest add_time seen; the poll lists from a little
	// before it.
	Watermark time.Time
	LastPoll  time.Time
	// Unavailable is set when the account answered that it has no
	// Recording endpoint, with the API's words; cleared by a success.
	Unavailable string
	LastError   string
	LastErrorAt time.Time
	// RetryAt: no recording request before this time (backoff).
	RetryAt  time.Time
	Failures int64
}

// RecordingSync reads the recording sync's state.
func (ix *Index) RecordingSync(ctx context.Context) (RecordingSyncState, error) {
	return ix.readRecordingSync(ctx, ix.db)
}

func (ix *Index) readRecordingSync(ctx context.Context, db querier) (RecordingSyncState, error) {
	var (
		s                              RecordingSyncState
		wm, poll, errAt, retry, failed sql.NullInt64
	)
	err := db.QueryRowContext(ctx, "SELECT watermark, last_poll_at, unavailable, last_error, last_error_at, retry_at, "+
		"failures FROM call_index_recording_sync WHERE id = 1").
		Scan(&wm, &poll, &s.Unavailable, &s.LastError, &errAt, &retry, &failed)
	if err != nil {
		return RecordingSyncState{}, fmt.Errorf("callindex: recording sync state: %w", err)
	}
	s.Watermark, s.LastPoll, s.LastErrorAt, s.RetryAt = fromMicros(wm), fromMicros(poll), fromMicros(errAt), fromMicros(retry)
	s.Failures = failed.Int64
	return s, nil
}

// UpdateRecordingSync changes the recording sync's state in one
// transaction.
func (ix *Index) UpdateRecordingSync(ctx context.Context, change func(*RecordingSyncState)) error {
	tx, err := ix.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("callindex: recording sync state: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	s, err := ix.readRecordingSync(ctx, tx)
	if err != nil {
		return err
	}
	change(&s)
	_, err = tx.ExecContext(ctx, "UPDATE call_index_recording_sync SET watermark = "+ix.placeholder(1)+
		", last_poll_at = "+ix.placeholder(2)+", unavailable = "+ix.placeholder(3)+", last_error = "+ix.placeholder(4)+
		", last_error_at = "+ix.placeholder(5)+", retry_at = "+ix.placeholder(6)+", failures = "+ix.placeholder(7)+
		", updated_at = "+ix.placeholder(8)+" WHERE id = 1",
		micros(s.Watermark), micros(s.LastPoll), s.Unavailable, s.LastError, micros(s.LastErrorAt), micros(s.RetryAt),
		s.Failures, ix.now().UnixMicro())
	if err != nil {
		return fmt.Errorf("callindex: recording sync state: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("callindex: recording sync state: commit: %w", err)
	}
	return nil
}

// deleteRecordingsOf deletes the recordings of the calls query selects
// (a "SELECT uuid FROM call_index …" with args), inside tx.
func (ix *Index) deleteRecordingsOf(ctx context.Context, tx *sql.Tx, query string, args []any) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM call_index_recordings WHERE call_uuid IN ("+query+")", args...); err != nil {
		return fmt.Errorf("callindex: delete recordings: %w", err)
	}
	return nil
}

// RecordingGaps lists the UTC days of [from, to) for which the index's
// recording list is not known complete: an ended day whose recordings were
// not listed yet, and today unless the recording poll ran within maxLag.
// A call's recording is added when it ends, so the day after to counts
// too (up to now).
func (ix *Index) RecordingGaps(ctx context.Context, from, to, now time.Time, maxLag time.Duration) ([]time.Time, error) {
	if to.IsZero() || to.After(now) {
		to = now
	}
	if end := utcDay(to.Add(-time.Microsecond)).AddDate(0, 0, 2); end.Before(now) {
		to = end
	} else {
		to = now
	}
	missing, err := ix.UnsyncedRecordingDays(ctx, from, to)
	if err != nil || len(missing) == 0 {
		return missing, err
	}
	today := utcDay(now)
	if missing[len(missing)-1].Equal(today) {
		st, err := ix.RecordingSync(ctx)
		if err != nil {
			return nil, err
		}
		if st.Unavailable == "" && !st.LastPoll.IsZero() && now.Sub(st.LastPoll) <= maxLag {
			missing = missing[:len(missing)-1]
		}
	}
	return missing, nil
}
