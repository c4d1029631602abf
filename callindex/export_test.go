package callindex

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
)

// Explain returns SQLite's query plans for the summary and the list
// queries Query would run for f, one line per plan step.
func (ix *Index) Explain(ctx context.Context, f Filter) (summary, list []string, err error) {
	w, err := ix.where(f)
	if err != nil {
		return nil, nil, err
	}
	if w, err = ix.narrow(ctx, w); err != nil {
		return nil, nil, err
	}
	plan := func(q string, args []any) ([]string, error) {
		rows, err := ix.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				return nil, err
			}
			out = append(out, strings.TrimSpace(detail))
		}
		return out, rows.Err()
	}
	sq, sargs, err := ix.summaryQuery(w, f)
	if err != nil {
		return nil, nil, err
	}
	if summary, err = plan(sq, sargs); err != nil {
		return nil, nil, err
	}
	p, err := ix.Query(ctx, Filter{From: f.From, To: f.To, API: f.API, Outcomes: f.Outcomes, Qualities: f.Qualities,
		Thresholds: f.Thresholds, MinMOS: f.MinMOS, MaxMOS: f.MaxMOS, MinCost: f.MinCost, MaxCost: f.MaxCost,
		MaxDuration: f.MaxDuration, HangupCauseCode: f.HangupCauseCode, HangupSource: f.HangupSource,
		Region: f.Region, TrunkID: f.TrunkID, Codec: f.Codec, Limit: 1})
	if err != nil {
		return nil, nil, err
	}
	st, err := ix.tableStats(ctx)
	if err != nil {
		return nil, nil, err
	}
	q, args := ix.listSQL(w, f.Sort, DefaultLimit, 0, planList(f, ix.onlyTime(f), DefaultLimit, 0, p.Total, st))
	list, err = plan(q, args)
	return summary, list, err
}

// WithoutRollup returns ix reading every summary from the calls themselves,
// never the hourly rollup, to check the two agree.
func WithoutRollup(ix *Index) *Index {
	c := *ix
	c.noRollup = true
	return &c
}

// RollupRows returns the rollups (slots and day groups) as stored, and as
// recomputed from call_index now, one line per row, sorted, to check writers
// keep them.
func RollupRows(ctx context.Context, ix *Index) (stored, fresh []string, err error) {
	const (
		slotCols = "SELECT slot, outcome, call_direction, band, calls, answered, duration, billsec, cost_micros, " +
			"streaming_micros, total_micros, last_start FROM call_index_slots"
		dayCols = "SELECT dim, day, key, outcome, call_direction, band, calls, answered, duration, billsec, cost_micros, " +
			"streaming_micros, total_micros, max_mos FROM call_index_day_groups"
	)
	read := func(db querier) ([]string, error) {
		var out []string
		for _, q := range []string{slotCols, dayCols} {
			rows, err := db.QueryContext(ctx, q)
			if err != nil {
				return nil, err
			}
			cols, err := rows.Columns()
			if err != nil {
				rows.Close()
				return nil, err
			}
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return nil, err
				}
				line := ""
				for _, v := range vals {
					if b, ok := v.([]byte); ok {
						v = string(b)
					}
					line += fmt.Sprint(v) + " "
				}
				out = append(out, line)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, err
			}
		}
		sort.Strings(out)
		return out, nil
	}
	if stored, err = read(ix.db); err != nil {
		return nil, nil, err
	}
	tx, err := ix.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback() //nolint:errcheck // read-only: always rolled back
	var lo, hi sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT MIN(start_time), MAX(start_time) FROM call_index").Scan(&lo, &hi); err != nil {
		return nil, nil, err
	}
	for _, q := range []string{"DELETE FROM call_index_slots", "DELETE FROM call_index_day_groups"} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return nil, nil, err
		}
	}
	if lo.Valid {
		t := newTouched()
		for us := slotOf(lo.Int64); us <= hi.Int64; us += slotMicros {
			t.add(us)
		}
		if err := ix.refresh(ctx, tx, t); err != nil {
			return nil, nil, err
		}
	}
	fresh, err = read(tx)
	return stored, fresh, err
}

// SetMaxNarrow changes how many matches a search may narrow to, returning
// the previous value.
func SetMaxNarrow(n int) int {
	old := maxNarrow
	maxNarrow = n
	return old
}
