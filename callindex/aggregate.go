package callindex

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/store"
)

// Aggregates for reports and the costs page: calls added up per 15-minute
// slot (which any local hour, day, week or month is made of) and per value
// of one dimension, over windows of up to a year.

// SlotLength is the rollup's granularity. Every time zone's UTC offset is a
// multiple of 15 minutes, so any local hour, day, week or month is a whole
// number of slots.
const SlotLength = 15 * time.Minute

// slotMicros is SlotLength in the unit of start_time.
const slotMicros = int64(SlotLength / time.Microsecond)

// Sums are what a set of calls adds up to. Money is in millionths of the
// account currency, added exactly: each call's amount rounded to 6 decimals,
// then summed as integers (so totals are exact to the paisa).
type Sums struct {
	Calls           int64
	Answered        int64 // billsec > 0, the API summary's answeredCalls
	Duration        int64 // seconds
	Billsec         int64 // seconds
	CostMicros      int64 // cost (the call's charge)
	StreamingMicros int64 // streaming_cost
	TotalMicros     int64 // total_cost (= cost + streaming as the API sends it; summed from total_cost itself)
}

// Add adds o to s.
func (s *Sums) Add(o Sums) {
	s.Calls += o.Calls
	s.Answered += o.Answered
	s.Duration += o.Duration
	s.Billsec += o.Billsec
	s.CostMicros += o.CostMicros
	s.StreamingMicros += o.StreamingMicros
	s.TotalMicros += o.TotalMicros
}

// SlotRow is the calls of one 15-minute slot with one outcome, direction and quality band.
type SlotRow struct {
	Slot      time.Time // UTC start of the slot
	Outcome   diagnosis.Outcome
	Direction string         // call_direction as stored
	Band      diagnosis.Band // under f.Thresholds (diagnosis.DefaultThresholds when zero)
	Sums
}

// GroupBy names a dimension Groups can split calls by.
type GroupBy string

// The dimensions.
const (
	ByCause       GroupBy = "hangup_cause"       // Key: hangup_cause as stored, "" when NULL/empty
	ByMOSBucket   GroupBy = "mos_bucket"         // Key "0".."15": calls with 1 ≤ mos ≤ 5, bucket floor((mos−1)·4), 5.0 in "15"; other calls left out
	ByTrunk       GroupBy = "trunk_id"           // "" when NULL/empty
	ByCampaign    GroupBy = "campaign_id"        // "" when NULL/empty
	ByRegion      GroupBy = "region"             // as stored
	ByDestination GroupBy = "destination_number" // the number as stored
)

// MOSBuckets is how many keys ByMOSBucket has.
const MOSBuckets = 16

// Group is the calls sharing one key.
type Group struct {
	Key string
	Sums
	MaxMOS float64 // the largest mos among the group's calls, 0 when none has one
}

// errNoWindow: aggregates over an open window would read the whole index
// by accident.
var errNoWindow = errors.New("callindex: aggregates need both From and To")

// sumColumns add up Sums over call_index rows, in Sums' order. Each amount
// is rounded to millionths before the sum, as the summary tiles do.
const sumColumns = "COUNT(*), " +
	"CAST(COALESCE(SUM(CASE WHEN billsec > 0 THEN 1 ELSE 0 END), 0) AS BIGINT), " +
	"CAST(COALESCE(SUM(duration), 0) AS BIGINT), CAST(COALESCE(SUM(billsec), 0) AS BIGINT), " +
	"CAST(COALESCE(SUM(CAST(ROUND(cost * 1000000) AS BIGINT)), 0) AS BIGINT), " +
	"CAST(COALESCE(SUM(CAST(ROUND(streaming_cost * 1000000) AS BIGINT)), 0) AS BIGINT), " +
	"CAST(COALESCE(SUM(CAST(ROUND(total_cost * 1000000) AS BIGINT)), 0) AS BIGINT)"

func (s *Sums) dest() []any {
	return []any{&s.Calls, &s.Answered, &s.Duration, &s.Billsec, &s.CostMicros, &s.StreamingMicros, &s.TotalMicros}
}

// aggWhere compiles f for an aggregate: f's window must be closed.
func (ix *Index) aggWhere(ctx context.Context, f Filter) (whereClause, error) {
	if f.From.IsZero() || f.To.IsZero() {
		return whereClause{}, errNoWindow
	}
	w, err := ix.where(f)
	if err != nil {
		return whereClause{}, err
	}
	return ix.narrow(ctx, w)
}

// aggQuery runs an aggregate's statement; a substring condition on
// PostgreSQL gets a custom plan, as in Query.
func (ix *Index) aggQuery(ctx context.Context, w whereClause, q string, args []any, scan func(*sql.Rows) error) error {
	var db querier = ix.db
	if w.trigram {
		tx, err := ix.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return err
		}
		defer tx.Rollback() //nolint:errcheck // read-only
		if _, err := tx.ExecContext(ctx, "SET LOCAL plan_cache_mode = force_custom_plan"); err != nil {
			return err
		}
		db = tx
	}
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// from is the FROM clause reading w's window.
func (ix *Index) aggFrom(w whereClause) string {
	from := " FROM call_index"
	if ix.dialect == store.DialectSQLite {
		from += w.scan()
	}
	return from
}

// Slots returns the calls f selects (every Filter field as Query applies
// them; f.From and f.To required, any instant; Limit, Offset and Sort
// ignored), grouped by slot, outcome, direction and band, ordered by slot.
// Groups with no call are absent. A slot cut by f.From or f.To holds only
// the calls inside the window.
func (ix *Index) Slots(ctx context.Context, f Filter) ([]SlotRow, error) {
	t := f.Thresholds
	if t == (diagnosis.Thresholds{}) {
		t = diagnosis.DefaultThresholds()
	}
	band, err := ix.qualityExpr(t)
	if err != nil {
		return nil, err
	}
	w, err := ix.aggWhere(ctx, f)
	if err != nil {
		return nil, err
	}
	const order = " ORDER BY 1, 2, 3, 4"
	q, args := "SELECT "+slotExpr+", outcome, call_direction, "+band+", "+sumColumns+ix.aggFrom(w)+w.sql+
		" GROUP BY 1, 2, 3, 4"+order, w.args
	if !ix.noRollup && rollupable(f) && t == diagnosis.DefaultThresholds() {
		if rq, rargs, ok, err := ix.rollupSlotsSQL(f, band); err != nil {
			return nil, err
		} else if ok {
			q, args = rq+order, rargs
		}
	}
	var out []SlotRow
	err = ix.aggQuery(ctx, w, q, args, func(rows *sql.Rows) error {
		var r SlotRow
		var slot int64
		var outcome, band string
		if err := rows.Scan(append([]any{&slot, &outcome, &r.Direction, &band}, r.Sums.dest()...)...); err != nil {
			return err
		}
		r.Slot, r.Outcome, r.Band = time.UnixMicro(slot).UTC(), diagnosis.Outcome(outcome), diagnosis.Band(band)
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("callindex: slots: %w", err)
	}
	return out, nil
}

// rollupSlotsSQL is Slots read from call_index_slots for the whole slots of
// f's window and from call_index for the partial slots at its edges (no
// slot is both), or ok false when the window holds no whole slot.
func (ix *Index) rollupSlotsSQL(f Filter, band string) (q string, args []any, ok bool, err error) {
	sp, err := spans(f)
	if err != nil || len(sp) == 0 {
		return "", nil, false, err
	}
	whole, edges := split(sp, slotMicros)
	if len(whole) == 0 {
		return "", nil, false, nil
	}
	b := &builder{ix: ix}
	dims := append([]string{b.ranges("slot", whole)}, b.rollupConds(f)...)
	q = "SELECT slot, outcome, call_direction, band, calls, answered, duration, billsec, cost_micros, streaming_micros, " +
		"total_micros FROM call_index_slots WHERE " + strings.Join(dims, " AND ")
	if len(edges) > 0 {
		where, err := ix.edgeWhere(b, f, edges)
		if err != nil {
			return "", nil, false, err
		}
		q += " UNION ALL SELECT " + slotExpr + ", outcome, call_direction, " + band + ", " + sumColumns +
			ix.aggFrom(whereClause{}) + where + " GROUP BY 1, 2, 3, 4"
	}
	return q, b.args, true, nil
}

// groupKey is the SQL expression of g's key, as text.
func (ix *Index) groupKey(g GroupBy) string {
	switch g {
	case ByCause:
		return "COALESCE(hangup_cause, '')"
	case ByTrunk:
		return "COALESCE(trunk_id, '')"
	case ByCampaign:
		return "COALESCE(campaign_id, '')"
	case ByRegion:
		return "region"
	case ByDestination:
		return "destination_number"
	case ByMOSBucket:
		floor := "CAST((mos - 1) * 4 AS INTEGER)" // truncation is floor here: mos ≥ 1
		if ix.dialect != store.DialectSQLite {
			floor = "CAST(FLOOR((mos - 1) * 4) AS BIGINT)"
		}
		return "CAST(CASE WHEN mos >= 5 THEN 15 ELSE " + floor + " END AS TEXT)"
	}
	return ""
}

// mosCond selects the calls ByMOSBucket counts.
const mosCond = "mos >= 1 AND mos <= 5"

// Groups returns the calls f selects (as Slots) grouped by g, in no
// particular order. ByMOSBucket fills only Calls and MaxMOS.
func (ix *Index) Groups(ctx context.Context, f Filter, g GroupBy) ([]Group, error) {
	key := ix.groupKey(g)
	if key == "" {
		return nil, fmt.Errorf("callindex: unknown grouping %q", g)
	}
	w, err := ix.aggWhere(ctx, f)
	if err != nil {
		return nil, err
	}
	if g == ByMOSBucket {
		w.sql += map[bool]string{true: " WHERE ", false: " AND "}[w.sql == ""] + mosCond
	}
	q, args := "SELECT "+key+", "+sumColumns+", COALESCE(MAX(mos), 0)"+ix.aggFrom(w)+w.sql+" GROUP BY 1", w.args
	if !ix.noRollup && rolled(g) && rollupable(f) {
		if rq, rargs, ok, err := ix.rollupGroupsSQL(f, g); err != nil {
			return nil, err
		} else if ok {
			q, args = rq, rargs
		}
	}
	var out []Group
	err = ix.aggQuery(ctx, w, q, args, func(rows *sql.Rows) error {
		var gr Group
		if err := rows.Scan(append(append([]any{&gr.Key}, gr.Sums.dest()...), &gr.MaxMOS)...); err != nil {
			return err
		}
		if g == ByMOSBucket {
			gr.Sums = Sums{Calls: gr.Calls}
		}
		out = append(out, gr)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("callindex: groups by %s: %w", g, err)
	}
	return out, nil
}

// rollupGroupsSQL is Groups read from call_index_day_groups for the whole
// UTC days of f's window and from call_index for the partial days at its
// edges, added up per key, or ok false when the window holds no whole day.
func (ix *Index) rollupGroupsSQL(f Filter, g GroupBy) (q string, args []any, ok bool, err error) {
	sp, err := spans(f)
	if err != nil || len(sp) == 0 {
		return "", nil, false, err
	}
	whole, edges := split(sp, dayMicros)
	if len(whole) == 0 {
		return "", nil, false, nil
	}
	b := &builder{ix: ix}
	dims := append([]string{"dim = " + b.arg(string(g)), b.ranges("day", whole)}, b.rollupConds(f)...)
	q = "SELECT key AS k, SUM(calls) AS n, SUM(answered) AS a, SUM(duration) AS d, SUM(billsec) AS s, " +
		"SUM(cost_micros) AS c, SUM(streaming_micros) AS st, SUM(total_micros) AS t, MAX(max_mos) AS m " +
		"FROM call_index_day_groups WHERE " + strings.Join(dims, " AND ") + " GROUP BY key"
	if len(edges) > 0 {
		where, err := ix.edgeWhere(b, f, edges)
		if err != nil {
			return "", nil, false, err
		}
		if g == ByMOSBucket {
			where += " AND " + mosCond
		}
		q += " UNION ALL SELECT " + ix.groupKey(g) + ", " + sumColumns + ", COALESCE(MAX(mos), 0)" +
			ix.aggFrom(whereClause{}) + where + " GROUP BY 1"
	}
	q = "SELECT k, CAST(SUM(n) AS BIGINT), CAST(SUM(a) AS BIGINT), CAST(SUM(d) AS BIGINT), CAST(SUM(s) AS BIGINT), " +
		"CAST(SUM(c) AS BIGINT), CAST(SUM(st) AS BIGINT), CAST(SUM(t) AS BIGINT), MAX(m) FROM (" + q + ") AS parts GROUP BY k"
	return q, b.args, true, nil
}
