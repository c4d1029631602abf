package callindex

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/vobiz"
)

// The rollups (migration 0008). call_index_slots: per 15-minute slot
// (SlotLength), outcome, direction and quality band under the default
// thresholds, the sums behind the summary tiles and Slots.
// call_index_day_groups: per UTC day, dimension (rolledDims), key, outcome,
// direction and band, the same sums and the largest MOS, behind Groups.
// Writers keep both in the same transaction as the calls: new calls are
// added as deltas summed in Go (SQLite), every slot and day a changed or
// deleted call touched is recomputed from call_index, so the rollups always
// equal what a scan of call_index would add up. Readers take whole slots or
// days from them and only the partial ones at their window's edges from
// call_index.

// slotOf and dayOf are the start of us's slot and UTC day, as the rollups'
// SQL computes them.
func slotOf(us int64) int64 { return us / slotMicros * slotMicros }
func dayOf(us int64) int64  { return us / dayMicros * dayMicros }

// touched collects the slots and days whose rollup rows a write changed.
type touched struct{ slots, days map[int64]struct{} }

func newTouched() *touched {
	return &touched{slots: map[int64]struct{}{}, days: map[int64]struct{}{}}
}

func (t *touched) add(us int64) {
	t.slots[slotOf(us)] = struct{}{}
	t.days[dayOf(us)] = struct{}{}
}

// runs groups sorted unit starts into half-open runs of consecutive units.
func runs(set map[int64]struct{}, unit int64) []span {
	keys := make([]int64, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []span
	for _, k := range keys {
		if n := len(out); n > 0 && out[n-1].hi == k {
			out[n-1].hi = k + unit
			continue
		}
		out = append(out, span{k, k + unit})
	}
	return out
}

// rolledDims are the dimensions call_index_day_groups keeps. Not the
// destination number: kept per day even without outcome, direction and
// band, its rows were about one per call at a backfill's density (100,000
// calls over 90 days) and cost the backfill 17 % of its speed (measured);
// Groups by destination adds up the calls.
var rolledDims = []GroupBy{ByCause, ByMOSBucket, ByTrunk, ByCampaign, ByRegion}

// rolled reports whether call_index_day_groups can answer Groups(f, g).
func rolled(f Filter, g GroupBy) bool { return slices.Contains(rolledDims, g) && rollupable(f) }

// refresh recomputes the rollup rows of the slots and days in t from
// call_index, one DELETE and one INSERT … SELECT per run of consecutive
// slots (a day's export touches one run of 96) and per dimension and run of
// days.
func (ix *Index) refresh(ctx context.Context, tx *sql.Tx, t *touched) error {
	band, err := ix.qualityExpr(diagnosis.DefaultThresholds())
	if err != nil {
		return err
	}
	from := " FROM call_index"
	if ix.dialect == store.DialectSQLite {
		from += " INDEXED BY call_index_start_idx"
	}
	window := " WHERE start_time >= " + ix.placeholder(1) + " AND start_time < " + ix.placeholder(2)
	slotDel := "DELETE FROM call_index_slots WHERE slot >= " + ix.placeholder(1) + " AND slot < " + ix.placeholder(2)
	slotIns := "INSERT INTO call_index_slots (slot, outcome, call_direction, band, calls, answered, duration, billsec, " +
		"cost_micros, streaming_micros, total_micros, last_start) SELECT " + slotExpr + ", outcome, call_direction, " +
		band + ", " + sumColumns + ", MAX(start_time)" + from + window + " GROUP BY 1, 2, 3, 4"
	for _, r := range runs(t.slots, slotMicros) {
		if _, err := tx.ExecContext(ctx, slotDel, r.lo, r.hi); err != nil {
			return fmt.Errorf("callindex: rollup: %w", err)
		}
		if _, err := tx.ExecContext(ctx, slotIns, r.lo, r.hi); err != nil {
			return fmt.Errorf("callindex: rollup: %w", err)
		}
	}
	days := runs(t.days, dayMicros)
	if len(days) == 0 {
		return nil
	}
	dayDel := "DELETE FROM call_index_day_groups WHERE day >= " + ix.placeholder(1) + " AND day < " + ix.placeholder(2)
	var dayIns []string
	for _, g := range rolledDims {
		cond := window
		if g == ByMOSBucket {
			cond += " AND " + mosCond
		}
		dayIns = append(dayIns, "INSERT INTO call_index_day_groups (dim, day, key, outcome, call_direction, band, calls, "+
			"answered, duration, billsec, cost_micros, streaming_micros, total_micros, max_mos) SELECT '"+string(g)+"', "+
			dayExpr+", "+ix.groupKey(g)+", outcome, call_direction, "+band+", "+sumColumns+", COALESCE(MAX(mos), 0)"+
			from+cond+" GROUP BY 2, 3, 4, 5, 6")
	}
	for _, r := range days {
		if _, err := tx.ExecContext(ctx, dayDel, r.lo, r.hi); err != nil {
			return fmt.Errorf("callindex: day rollup: %w", err)
		}
		for _, q := range dayIns {
			if _, err := tx.ExecContext(ctx, q, r.lo, r.hi); err != nil {
				return fmt.Errorf("callindex: day rollup: %w", err)
			}
		}
	}
	return nil
}

// slotExpr and dayExpr are slotOf and dayOf in SQL.
var (
	slotExpr = "start_time / " + strconv.FormatInt(slotMicros, 10) + " * " + strconv.FormatInt(slotMicros, 10)
	dayExpr  = "start_time / " + strconv.FormatInt(dayMicros, 10) + " * " + strconv.FormatInt(dayMicros, 10)
)

// rollupDelta adds new calls to the rollups without reading them back
// (SQLite): what refresh would compute for them, summed in Go. The band and
// outcome are diagnosis's own functions, which the SQL of qualityExpr and the
// stored outcome equal (TestIndex/*/QualityMatchesDiagnosis); a recompute of
// the whole rollup equals the sums (TestRollupFollowsWrites, checkRollupRows).
type rollupDelta struct {
	slots map[slotKey]*slotSums
	days  map[dayKey]*daySums
}

func newRollupDelta() *rollupDelta {
	return &rollupDelta{slots: map[slotKey]*slotSums{}, days: map[dayKey]*daySums{}}
}

type slotKey struct {
	slot                     int64
	outcome, direction, band string
}

type slotSums struct {
	Sums
	last int64
}

type dayKey struct {
	dim                           GroupBy
	day                           int64
	key, outcome, direction, band string
}

type daySums struct {
	Sums
	maxMOS float64
}

// sumsOf is what c adds to an aggregate, as sumColumns computes it.
func sumsOf(c *vobiz.CDR) Sums {
	s := Sums{Calls: 1, Duration: int64(c.Duration), Billsec: int64(c.Billsec),
		CostMicros: sqliteRound(float64(c.Cost) * 1e6), StreamingMicros: sqliteRound(float64(c.StreamingCost) * 1e6),
		TotalMicros: sqliteRound(float64(c.TotalCost) * 1e6)}
	if c.Billsec > 0 {
		s.Answered = 1
	}
	return s
}

// keyOf is c's key under g as groupKey computes it, ok false when g leaves
// c out.
func keyOf(g GroupBy, c *vobiz.CDR) (string, bool) {
	switch g {
	case ByCause:
		return c.HangupCause.String, true
	case ByTrunk:
		return c.TrunkID.String, true
	case ByCampaign:
		return c.CampaignID.String, true
	case ByRegion:
		return string(c.Region), true
	case ByDestination:
		return string(c.DestinationNumber), true
	case ByMOSBucket:
		m := c.MOS.Float64
		if !c.MOS.Valid || m < 1 || m > 5 {
			return "", false
		}
		if m >= 5 {
			return "15", true
		}
		return strconv.Itoa(int((m - 1) * 4)), true
	}
	return "", false
}

func (d *rollupDelta) add(c *vobiz.CDR) {
	start := c.StartTime.UnixMicro()
	outcome, dir := string(diagnosis.OutcomeOf(c)), string(c.CallDirection)
	band := string(diagnosis.OverallBand(c, diagnosis.DefaultThresholds()))
	sums := sumsOf(c)
	k := slotKey{slotOf(start), outcome, dir, band}
	s := d.slots[k]
	if s == nil {
		s = &slotSums{last: start}
		d.slots[k] = s
	}
	s.Add(sums)
	s.last = max(s.last, start)
	for _, g := range rolledDims {
		key, ok := keyOf(g, c)
		if !ok {
			continue
		}
		dk := dayKey{g, dayOf(start), key, outcome, dir, band}
		ds := d.days[dk]
		if ds == nil {
			ds = &daySums{}
			d.days[dk] = ds
		}
		ds.Add(sums)
		if c.MOS.Valid && (ds.Calls == 1 || c.MOS.Float64 > ds.maxMOS) {
			ds.maxMOS = c.MOS.Float64
		}
	}
}

// sqliteRound is SQLite's round(x) cast to an integer, as sumColumns
// computes it: half away from zero by adding a half and truncating.
func sqliteRound(x float64) int64 {
	if x < 0 {
		return int64(x - 0.5)
	}
	return int64(x + 0.5)
}

// write adds d to the rollups.
func (d *rollupDelta) write(ctx context.Context, tx *sql.Tx, ix *Index) error {
	greatest := "max("
	if ix.dialect != store.DialectSQLite {
		greatest = "GREATEST("
	}
	const add = "calls = calls + excluded.calls, answered = answered + excluded.answered, " +
		"duration = duration + excluded.duration, billsec = billsec + excluded.billsec, " +
		"cost_micros = cost_micros + excluded.cost_micros, streaming_micros = streaming_micros + excluded.streaming_micros, " +
		"total_micros = total_micros + excluded.total_micros"
	ph := func(n int) string {
		p := make([]string, n)
		for i := range p {
			p[i] = ix.placeholder(i + 1)
		}
		return strings.Join(p, ", ")
	}
	if len(d.slots) > 0 {
		stmt, err := tx.PrepareContext(ctx, "INSERT INTO call_index_slots AS r (slot, outcome, call_direction, band, calls, answered, "+
			"duration, billsec, cost_micros, streaming_micros, total_micros, last_start) VALUES ("+ph(12)+") "+
			"ON CONFLICT (slot, outcome, call_direction, band) DO UPDATE SET "+qualify(add)+
			", last_start = "+greatest+"r.last_start, excluded.last_start)")
		if err != nil {
			return fmt.Errorf("callindex: rollup: %w", err)
		}
		defer stmt.Close()
		for k, s := range d.slots {
			if _, err := stmt.ExecContext(ctx, k.slot, k.outcome, k.direction, k.band, s.Calls, s.Answered, s.Duration,
				s.Billsec, s.CostMicros, s.StreamingMicros, s.TotalMicros, s.last); err != nil {
				return fmt.Errorf("callindex: rollup: %w", err)
			}
		}
	}
	if len(d.days) > 0 {
		stmt, err := tx.PrepareContext(ctx, "INSERT INTO call_index_day_groups AS r (dim, day, key, outcome, call_direction, band, "+
			"calls, answered, duration, billsec, cost_micros, streaming_micros, total_micros, max_mos) VALUES ("+ph(14)+") "+
			"ON CONFLICT (dim, day, key, outcome, call_direction, band) DO UPDATE SET "+qualify(add)+
			", max_mos = "+greatest+"r.max_mos, excluded.max_mos)")
		if err != nil {
			return fmt.Errorf("callindex: day rollup: %w", err)
		}
		defer stmt.Close()
		for k, s := range d.days {
			if _, err := stmt.ExecContext(ctx, string(k.dim), k.day, k.key, k.outcome, k.direction, k.band, s.Calls, s.Answered,
				s.Duration, s.Billsec, s.CostMicros, s.StreamingMicros, s.TotalMicros, s.maxMOS); err != nil {
				return fmt.Errorf("callindex: day rollup: %w", err)
			}
		}
	}
	return nil
}

// qualify writes "x = x + excluded.x" as "x = r.x + excluded.x": PostgreSQL
// needs the target's alias where SQLite would take the bare name.
func qualify(set string) string {
	parts := strings.Split(set, ", ")
	for i, p := range parts {
		col, _, _ := strings.Cut(p, " = ")
		parts[i] = col + " = r." + col + " + excluded." + col
	}
	return strings.Join(parts, ", ")
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
	// The rollups know nothing of recordings.
	return f.HasRecording == RecordingAny && f.MinMOS == nil && f.MaxMOS == nil && f.MinCost == nil && f.MaxCost == nil && f.MaxDuration == nil &&
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

// ceilTo and floorTo round to whole units, keeping open ends open.
func ceilTo(us, unit int64) int64 {
	if us == openLo || us == openHi {
		return us
	}
	h := us / unit * unit
	if h < us {
		h += unit
	}
	return h
}

func floorTo(us, unit int64) int64 {
	if us == openLo || us == openHi {
		return us
	}
	return us / unit * unit
}

// split cuts spans into the whole units they hold and the partial pieces at
// their edges.
func split(sp []span, unit int64) (whole, edges []span) {
	for _, s := range sp {
		lo, hi := ceilTo(s.lo, unit), floorTo(s.hi, unit)
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
	return whole, edges
}

// ranges is "col is inside one of ss".
func (b *builder) ranges(col string, ss []span) string {
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

// rollupConds are f's conditions on the dimensions the rollups keep
// (direction, outcome, band), for a rollup table.
func (b *builder) rollupConds(f Filter) []string {
	var dims []string
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
	return dims
}

// edgeWhere is the WHERE clause of f's calls inside edges: every condition
// of f but its time ones, which edges replace.
func (ix *Index) edgeWhere(b *builder, f Filter, edges []span) (string, error) {
	b.conds = []string{b.ranges("start_time", edges)}
	g := f
	g.From, g.To, g.Windows, g.API.StartDate, g.API.EndDate = time.Time{}, time.Time{}, nil, "", ""
	if err := ix.otherConds(b, g); err != nil {
		return "", err
	}
	return b.clause().sql, nil
}

// rollupSummarySQL is the summary of f read from the slot rollup for the
// whole slots of its window and from call_index for the partial slots at
// the edges, or ok false when the window has no whole slot (then the plain
// summary is as cheap).
func (ix *Index) rollupSummarySQL(f Filter) (q string, args []any, ok bool, err error) {
	sp, err := spans(f)
	if err != nil || len(sp) == 0 {
		return "", nil, false, err
	}
	whole, edges := split(sp, slotMicros)
	if len(whole) == 0 {
		return "", nil, false, nil
	}
	b := &builder{ix: ix}
	// The rollup's part: whole slots, with the dimensions it keeps.
	dims := append([]string{b.ranges("slot", whole)}, b.rollupConds(f)...)
	q = "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT), CAST(COALESCE(SUM(a), 0) AS BIGINT), " +
		"CAST(COALESCE(SUM(d), 0) AS BIGINT), CAST(COALESCE(SUM(s), 0) AS BIGINT), " +
		"CAST(COALESCE(SUM(c), 0) AS BIGINT), COALESCE(MAX(l), 0) FROM (" +
		"SELECT SUM(calls) AS n, SUM(answered) AS a, SUM(duration) AS d, SUM(billsec) AS s, " +
		"SUM(total_micros) AS c, MAX(last_start) AS l FROM call_index_slots WHERE " + strings.Join(dims, " AND ")

	// The edges' part: the calls themselves, with every condition of f.
	if len(edges) > 0 {
		where, err := ix.edgeWhere(b, f, edges)
		if err != nil {
			return "", nil, false, err
		}
		from := " FROM call_index"
		if ix.dialect == store.DialectSQLite {
			from += " INDEXED BY call_index_start_idx"
		}
		q += " UNION ALL SELECT COUNT(*), SUM(CASE WHEN billsec > 0 THEN 1 ELSE 0 END), SUM(duration), SUM(billsec), " +
			"SUM(CAST(ROUND(total_cost * 1000000) AS BIGINT)), MAX(start_time)" + from + where
	}
	return q + ") AS parts", b.args, true, nil
}
