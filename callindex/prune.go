package callindex

import (
	"context"
	"fmt"
	"strings"
)

// deleteChunk bounds the uuids named in one DELETE (SQLite's default limit
// is 32,766 bound parameters).
const deleteChunk = 500

// DeleteCalls deletes the calls with these uuids and returns how many it
// deleted. The sync job uses it when a day's fresh export no longer lists
// calls the index holds (a call the API removed), so the day's count can
// equal the API's total again.
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
	for len(uuids) > 0 {
		chunk := uuids[:min(len(uuids), deleteChunk)]
		uuids = uuids[len(chunk):]
		marks := make([]string, len(chunk))
		args := make([]any, len(chunk))
		for i, u := range chunk {
			marks[i], args[i] = ix.placeholder(i+1), u
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM call_index WHERE uuid IN ("+strings.Join(marks, ", ")+")", args...)
		if err != nil {
			return 0, fmt.Errorf("callindex: delete calls: %w", err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("callindex: delete calls: %w", err)
		}
		n += k
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("callindex: delete calls: commit: %w", err)
	}
	return n, nil
}
