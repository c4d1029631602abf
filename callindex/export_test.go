package callindex

import (
	"context"
	"strings"
)

// Explain returns SQLite's query plans for the summary and the list
// queries Query would run for f, one line per plan step.
func (ix *Index) Explain(ctx context.Context, f Filter) (summary, list []string, err error) {
	w, err := ix.where(f)
	if err != nil {
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
	if summary, err = plan(ix.summarySQL(w), w.args); err != nil {
		return nil, nil, err
	}
	p, err := ix.Query(ctx, Filter{From: f.From, To: f.To, API: f.API, Outcomes: f.Outcomes, Qualities: f.Qualities,
		Thresholds: f.Thresholds, MinMOS: f.MinMOS, MaxMOS: f.MaxMOS, MinCost: f.MinCost, MaxCost: f.MaxCost,
		MaxDuration: f.MaxDuration, HangupCauseCode: f.HangupCauseCode, HangupSource: f.HangupSource,
		Region: f.Region, TrunkID: f.TrunkID, Codec: f.Codec, Limit: 1})
	if err != nil {
		return nil, nil, err
	}
	var rows int64
	if err := ix.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM call_index").Scan(&rows); err != nil {
		return nil, nil, err
	}
	q, args := ix.listSQL(w, f.Sort, DefaultLimit, 0, p.Total, rows)
	list, err = plan(q, args)
	return summary, list, err
}
