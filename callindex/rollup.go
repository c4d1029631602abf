package callindex

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/vobiz"
)

// The hourly rollup (call_index_hourly, migration 0006): per UTC hour,
// outcome, direction and quality band under the default thresholds, the sums
// behind the summary tiles. Writers recompute every hour they touch from
// call_index in the same transaction, so the rollup always equals what a scan
// of call_index would add up; a summary reads whole hours from it and only the
// partial hours at its window's edges from call_index.

// hourMicros is the rollup's granularity, in the unit of start_time.
const hourMicros = int64(time.Hour / time.Microsecond)

// hourOf is the start of us's UTC hour, as the rollup's SQL computes it.
func hourOf(us int64) int64 { return us / hourMicros * hourMicros }

// hourSet collects the hours a write touched.
type hourSet map[int64]struct{}

func (h hourSet) add(us int64) { h[hourOf(us)] = struct{}{} }

// refreshHours recomputes the rollup rows of the hours in h from call_index,
// one DELETE and one INSERT … SELECT per run of consecutive hours (a day's
// export touches one run of 24).
func (ix *Index) refreshHours(ctx context.Context, tx *sql.Tx, h hourSet) error {
	if len(h) == 0 {
		return nil
	}
	hours := make([]int64, 0, len(h))
	for k := range h {
		hours = append(hours, k)
	}
	slices.Sort(hours)
	band, err := ix.qualityExpr(diagnosis.DefaultThresholds())
	if err != nil {
		return err
	}
	from := " FROM call_index"
	if ix.dialect == store.DialectSQLite {
		from += " INDEXED BY call_index_start_idx"
	}
	del := "DELETE FROM call_index_hourly WHERE hour >= " + ix.placeholder(1) + " AND hour < " + ix.placeholder(2)
	ins := "INSERT INTO call_index_hourly (hour, outcome, call_direction, band, calls, answered, duration, billsec, cost_micros, last_start) " +
		"SELECT start_time / 3600000000 * 3600000000, outcome, call_direction, " + band + ", COUNT(*), " +
		"SUM(CASE WHEN billsec > 0 THEN 1 ELSE 0 END), SUM(duration), SUM(billsec), " +
		"SUM(CAST(ROUND(total_cost * 1000000) AS BIGINT)), MAX(start_time)" + from +
		" WHERE start_time >= " + ix.placeholder(1) + " AND start_time < " + ix.placeholder(2) + " GROUP BY 1, 2, 3, 4"
	for i := 0; i < len(hours); {
		j := i + 1
		for j < len(hours) && hours[j] == hours[j-1]+hourMicros {
			j++
		}
		lo, hi := hours[i], hours[j-1]+hourMicros
		if _, err := tx.ExecContext(ctx, del, lo, hi); err != nil {
			return fmt.Errorf("callindex: rollup: %w", err)
		}
		if _, err := tx.ExecContext(ctx, ins, lo, hi); err != nil {
			return fmt.Errorf("callindex: rollup: %w", err)
		}
		i = j
	}
	return nil
}

// rollupDelta adds new calls to the rollup without reading them back (SQLite):
// what refreshHours would compute for them, summed in Go. The band and
// outcome are diagnosis's own functions, which the SQL of qualityExpr and the
// stored outcome equal (TestIndex/*/QualityMatchesDiagnosis); a recompute of
// the whole rollup equals the sums (TestRollupFollowsWrites, checkRollupRows).
type rollupDelta map[rollupKey]*rollupSums

type rollupKey struct {
	hour                     int64
	outcome, direction, band string
}

type rollupSums struct{ calls, answered, duration, billsec, costMicros, last int64 }

func (d rollupDelta) add(c *vobiz.CDR) {
	start := c.StartTime.UnixMicro()
	k := rollupKey{hourOf(start), string(diagnosis.OutcomeOf(c)), string(c.CallDirection),
		string(diagnosis.OverallBand(c, diagnosis.DefaultThresholds()))}
	s := d[k]
	if s == nil {
		s = &rollupSums{last: start}
		d[k] = s
	}
	s.calls++
	if c.Billsec > 0 {
		s.answered++
	}
	s.duration += int64(c.Duration)
	s.billsec += int64(c.Billsec)
	s.costMicros += sqliteRound(float64(c.TotalCost) * 1e6)
	s.last = max(s.last, start)
}

// sqliteRound is SQLite's round(x) cast to an integer, as refreshHours's
// SQL computes it: half away from zero by adding a half and truncating.
func sqliteRound(x float64) int64 {
	if x < 0 {
		return int64(x - 0.5)
	}
	return int64(x + 0.5)
}

// write adds d to call_index_hourly.
func (d rollupDelta) write(ctx context.Context, tx *sql.Tx) error {
	if len(d) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO call_index_hourly (hour, outcome, call_direction, band, calls, answered, "+
		"duration, billsec, cost_micros, last_start) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "+
		"ON CONFLICT (hour, outcome, call_direction, band) DO UPDATE SET calls = calls + excluded.calls, "+
		"answered = answered + excluded.answered, duration = duration + excluded.duration, "+
		"billsec = billsec + excluded.billsec, cost_micros = cost_micros + excluded.cost_micros, "+
		"last_start = max(last_start, excluded.last_start)")
	if err != nil {
		return fmt.Errorf("callindex: rollup: %w", err)
	}
	defer stmt.Close()
	for k, s := range d {
		if _, err := stmt.ExecContext(ctx, k.hour, k.outcome, k.direction, k.band, s.calls, s.answered, s.duration,
			s.billsec, s.costMicros, s.last); err != nil {
			return fmt.Errorf("callindex: rollup: %w", err)
		}
	}
	return nil
}

// span is a half-open interval of start times in microseconds; math.MinInt64
// and math.MaxInt64 stand for open ends.
type span struct{ lo, hi int64 }

const (
	openLo = math.MinInt64
	openHi = math.MaxInt64
)

// rollupable reports whether f's summary can be read from the rollup: its
// only conditions are on start time, direction, outcome, and the quality
// band under the default thresholds (the one the rollup stores).
func rollupable(f Filter) bool {
	a := f.API
	a.StartDate, a.EndDate, a.CallDirection, a.Page, a.PerPage = "", "", "", 0, 0
	if a != (vobiz.Filter{}) {
		return false
	}
	if len(f.Qualities) > 0 && f.Thresholds != (diagnosis.Thresholds{}) && f.Thresholds != diagnosis.DefaultThresholds() {
		return false
	}
	return f.MinMOS == nil && f.MaxMOS == nil && f.MinCost == nil && f.MaxCost == nil && f.MaxDuration == nil &&
		f.HangupCauseCode == nil && f.HangupSource == "" && f.Region == "" && f.TrunkID == "" && f.Codec == ""
}

// spans is f's time condition as disjoint, sorted intervals.
func spans(f Filter) ([]span, error) {
	base := span{openLo, openHi}
	if !f.From.IsZero() {
		base.lo = f.From.UnixMicro()
	}
	if !f.To.IsZero() {
		base.hi = f.To.UnixMicro()
	}
	from, to, ok, err := apiDates(f.API)
	if err != nil {
		return nil, err
	}
	if ok {
		base.lo, base.hi = max(base.lo, from.UnixMicro()), min(base.hi, to.UnixMicro())
	}
	var out []span
	if len(f.Windows) == 0 {
		out = []span{base}
	}
	for _, w := range f.Windows {
		out = append(out, span{max(base.lo, w.From.UnixMicro()), min(base.hi, w.To.UnixMicro())})
	}
	out = slices.DeleteFunc(out, func(s span) bool { return s.lo >= s.hi })
	slices.SortFunc(out, func(a, b span) int { return cmp.Compare(a.lo, b.lo) })
	merged := out[:0]
	for _, s := range out {
		if n := len(merged); n > 0 && s.lo <= merged[n-1].hi {
			merged[n-1].hi = max(merged[n-1].hi, s.hi)
			continue
		}
		merged = append(merged, s)
	}
	return merged, nil
}

// ceilHour and floorHour round to whole hours, keeping open ends open.
func ceilHour(us int64) int64 {
	if us == openLo || us == openHi {
		return us
	}
	h := hourOf(us)
	if h < us {
		h += hourMicros
	}
	return h
}

func floorHour(us int64) int64 {
	if us == openLo || us == openHi {
		return us
	}
	return hourOf(us)
}

// rollupSummarySQL is the summary of f read from the rollup for the whole
// hours of its window and from call_index for the partial hours at the edges,
// or ok false when the window has no whole hour (then the plain summary is
// as cheap).
func (ix *Index) rollupSummarySQL(f Filter) (q string, args []any, ok bool, err error) {
	sp, err := spans(f)
	if err != nil || len(sp) == 0 {
		return "", nil, false, err
	}
	var whole, edges []span
	for _, s := range sp {
		lo, hi := ceilHour(s.lo), floorHour(s.hi)
		if lo >= hi {
			edges = append(edges, s)
			continue
		}
		whole = append(whole, span{lo, hi})
		if s.lo < lo {
			edges = append(edges, span{s.lo, lo})
		}
		if hi < s.hi {
			edges = append(edges, span{hi, s.hi})
		}
	}
	if len(whole) == 0 {
		return "", nil, false, nil
	}
	b := &builder{ix: ix}
	ranges := func(col string, ss []span) string {
		ors := make([]string, 0, len(ss))
		for _, s := range ss {
			var c []string
			if s.lo != openLo {
				c = append(c, col+" >= "+b.arg(s.lo))
			}
			if s.hi != openHi {
				c = append(c, col+" < "+b.arg(s.hi))
			}
			if len(c) == 0 {
				c = []string{"1 = 1"}
			}
			ors = append(ors, "("+strings.Join(c, " AND ")+")")
		}
		return "(" + strings.Join(ors, " OR ") + ")"
	}

	// The rollup's part: whole hours, with the dimensions it keeps.
	dims := []string{ranges("hour", whole)}
	if d := f.API.CallDirection; d != "" {
		dims = append(dims, "call_direction = "+b.arg(d))
	}
	if len(f.Outcomes) > 0 {
		ph := make([]string, len(f.Outcomes))
		for i, o := range f.Outcomes {
			ph[i] = b.arg(string(o))
		}
		dims = append(dims, "outcome IN ("+strings.Join(ph, ", ")+")")
	}
	if len(f.Qualities) > 0 {
		ph := make([]string, len(f.Qualities))
		for i, q := range f.Qualities {
			ph[i] = b.arg(string(q))
		}
		dims = append(dims, "band IN ("+strings.Join(ph, ", ")+")")
	}
	q = "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT), CAST(COALESCE(SUM(a), 0) AS BIGINT), " +
		"CAST(COALESCE(SUM(d), 0) AS BIGINT), CAST(COALESCE(SUM(s), 0) AS BIGINT), " +
		"CAST(COALESCE(SUM(c), 0) AS BIGINT), COALESCE(MAX(l), 0) FROM (" +
		"SELECT SUM(calls) AS n, SUM(answered) AS a, SUM(duration) AS d, SUM(billsec) AS s, " +
		"SUM(cost_micros) AS c, MAX(last_start) AS l FROM call_index_hourly WHERE " + strings.Join(dims, " AND ")

	// The edges' part: the calls themselves, with every condition of f.
	if len(edges) > 0 {
		b.conds = []string{ranges("start_time", edges)}
		g := f
		g.From, g.To, g.Windows, g.API.StartDate, g.API.EndDate = time.Time{}, time.Time{}, nil, "", ""
		if err := ix.otherConds(b, g); err != nil {
			return "", nil, false, err
		}
		from := " FROM call_index"
		if ix.dialect == store.DialectSQLite {
			from += " INDEXED BY call_index_start_idx"
		}
		q += " UNION ALL SELECT COUNT(*), SUM(CASE WHEN billsec > 0 THEN 1 ELSE 0 END), SUM(duration), SUM(billsec), " +
			"SUM(CAST(ROUND(total_cost * 1000000) AS BIGINT)), MAX(start_time)" + from + b.clause().sql
	}
	return q + ") AS parts", b.args, true, nil
}
