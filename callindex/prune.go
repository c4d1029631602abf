package callindex

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// deleteChunk bounds the uuids named in one DELETE (SQLite's default limit
// is 32,766 bound parameters).
const deleteChunk = 500

// DeleteCalls deletes the calls with these uuids and returns how many it
// deleted. The sync job uses it when a day's fresh export no longer lists
// calls the index holds (a call the API removed), so the day's count can
// equal the API's total again. The rollups are recomputed for the slots
// and days the deleted calls started in, in the same transaction, or the
// reports and the costs page would go on counting a call Vobiz removed.
func (ix *Index) DeleteCalls(ctx context.Context, uuids []string) (int64, error) {
	if len(uuids) == 0 {
		return 0, nil
	}
	tx, err := ix.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("callindex: delete calls: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	var n int64
	t := newTouched()
	for len(uuids) > 0 {
		chunk := uuids[:min(len(uuids), deleteChunk)]
		uuids = uuids[len(chunk):]
		marks := make([]string, len(chunk))
		args := make([]any, len(chunk))
		for i, u := range chunk {
			marks[i], args[i] = ix.placeholder(i+1), u
		}
		in := " WHERE uuid IN (" + strings.Join(marks, ", ") + ")"
		if err := touchedBy(ctx, tx, "SELECT start_time FROM call_index"+in, args, t); err != nil {
			return 0, fmt.Errorf("callindex: delete calls: %w", err)
		}
		// A deleted call's recordings go with it: the list's mark and
		// filter must not outlive the call.
		if _, err := tx.ExecContext(ctx, "DELETE FROM call_index_recordings WHERE call_uuid IN ("+strings.Join(marks, ", ")+")", args...); err != nil {
			return 0, fmt.Errorf("callindex: delete calls: recordings: %w", err)
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM call_index"+in, args...)
		if err != nil {
			return 0, fmt.Errorf("callindex: delete calls: %w", err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("callindex: delete calls: %w", err)
		}
		n += k
	}
	if err := ix.refresh(ctx, tx, t); err != nil {
		return 0, fmt.Errorf("callindex: delete calls: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("callindex: delete calls: commit: %w", err)
	}
	return n, nil
}

// touchedBy adds the start_time of every row query returns to t.
func touchedBy(ctx context.Context, tx *sql.Tx, query string, args []any, t *touched) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var us int64
		if err := rows.Scan(&us); err != nil {
			return err
		}
		t.add(us)
	}
	return rows.Err()
}
