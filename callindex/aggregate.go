package callindex

import (
	"bytes"
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

// aggQuery runs an aggregate's statement on db (nil: ix.db); a substring
// condition on PostgreSQL gets a custom plan, as in Query.
func (ix *Index) aggQuery(ctx context.Context, db querier, w whereClause, q string, args []any, scan func(*sql.Rows) error) error {
	if db == nil {
		db = ix.db
	}
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
	if !ix.noRollup && rollupable(f) && t == diagnosis.DefaultThresholds() {
		if out, ok, err := ix.rollupSlots(ctx, f, band); err != nil || ok {
			return out, err
		}
	}
	out, err := ix.scanSlots(ctx, nil, w, "SELECT "+slotExpr+", "+slotKeyExpr("outcome", "call_direction", band)+", "+
		sumColumns+ix.aggFrom(w)+w.sql+" GROUP BY "+slotExpr+", outcome, call_direction, "+band+
		" ORDER BY 1, outcome, call_direction, "+band, w.args, 0, false)
	if err != nil {
		return nil, fmt.Errorf("callindex: slots: %w", err)
	}
	return out, nil
}

// slotKeyExpr joins a slot row's outcome, direction and band in one column:
// a year of slots is some 100,000 rows, and the SQLite driver's cost is per
// column read.
func slotKeyExpr(outcome, direction, band string) string {
	return outcome + " || '|' || " + direction + " || '|' || " + band
}

// packSep ends slotKeyExpr in packedSlotExpr.
const packSep = 30

// packedSlotExpr is a slot rollup row's key and sums in one text column:
// SQLite's driver takes some 200 ns per column read, most of a year's
// Slots when each of 100,000 rows had nine columns.
func (ix *Index) packedSlotExpr() string {
	sep := "char(30)"
	if ix.dialect != store.DialectSQLite {
		sep = "chr(30)"
	}
	return slotKeyExpr("outcome", "call_direction", "band") + " || " + sep + " || calls || ',' || answered || ',' || " +
		"duration || ',' || billsec || ',' || cost_micros || ',' || streaming_micros || ',' || total_micros"
}

// unpackSums reads packedSlotExpr's sums into s.
func unpackSums(b []byte, s *Sums) error {
	fields := [...]*int64{&s.Calls, &s.Answered, &s.Duration, &s.Billsec, &s.CostMicros, &s.StreamingMicros, &s.TotalMicros}
	for i, f := range fields {
		end := bytes.IndexByte(b, ',')
		if i == len(fields)-1 {
			end = len(b)
		} else if end < 0 {
			return errors.New("too few sums")
		}
		var v int64
		neg := end > 0 && b[0] == '-'
		digits := b[:end]
		if neg {
			digits = digits[1:]
		}
		if len(digits) == 0 {
			return errors.New("empty sum")
		}
		for _, c := range digits {
			if c < '0' || c > '9' {
				return errors.New("not a number")
			}
			v = v*10 + int64(c-'0')
		}
		if neg {
			v = -v
		}
		*f = v
		if i < len(fields)-1 {
			b = b[end+1:]
		}
	}
	return nil
}

// slotChunk is how many rows scanSlots collects before starting another
// chunk, instead of growing one slice (which copied a year's rows again
// and again).
const slotChunk = 4096

// scanSlots runs q, which selects the slot, slotKeyExpr and the sums, in
// order, or with packed the slot and packedSlotExpr; hint is how many rows
// to expect.
func (ix *Index) scanSlots(ctx context.Context, db querier, w whereClause, q string, args []any, hint int, packed bool) ([]SlotRow, error) {
	var chunks [][]SlotRow
	cur := make([]SlotRow, 0, max(hint, 64))
	// The few distinct outcomes, directions and bands, shared by all rows.
	names := map[string][3]string{}
	var slot int64
	var key sql.RawBytes
	var r SlotRow
	dest := append([]any{&slot, &key}, r.Sums.dest()...)
	if packed {
		dest = dest[:2]
	}
	err := ix.aggQuery(ctx, db, w, q, args, func(rows *sql.Rows) error {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if packed {
			i := bytes.IndexByte(key, packSep)
			if i < 0 || unpackSums(key[i+1:], &r.Sums) != nil {
				return fmt.Errorf("bad slot row %q", key)
			}
			key = key[:i]
		}
		n, ok := names[string(key)]
		if !ok {
			k := string(key)
			first, last := strings.IndexByte(k, '|'), strings.LastIndexByte(k, '|')
			if first < 0 || first == last {
				return fmt.Errorf("bad slot key %q", k)
			}
			n = [3]string{k[:first], k[first+1 : last], k[last+1:]}
			names[k] = n
		}
		r.Slot, r.Outcome, r.Direction, r.Band = time.UnixMicro(slot).UTC(), diagnosis.Outcome(n[0]), n[1], diagnosis.Band(n[2])
		if len(cur) == cap(cur) {
			chunks = append(chunks, cur)
			cur = make([]SlotRow, 0, slotChunk)
		}
		cur = append(cur, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	total := len(cur)
	for _, c := range chunks {
		total += len(c)
	}
	if len(chunks) == 0 {
		return cur, nil
	}
	out := make([]SlotRow, 0, total)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, cur...), nil
}

// slotLess orders slot rows as Slots returns them.
func slotLess(a, b *SlotRow) bool {
	if !a.Slot.Equal(b.Slot) {
		return a.Slot.Before(b.Slot)
	}
	if a.Outcome != b.Outcome {
		return a.Outcome < b.Outcome
	}
	if a.Direction != b.Direction {
		return a.Direction < b.Direction
	}
	return a.Band < b.Band
}

// rollupSlots is Slots read from call_index_slots for the whole slots of
// f's window and from call_index for the partial slots at its edges (no
// slot is both), merged in order, or ok false when the window holds no
// whole slot.
func (ix *Index) rollupSlots(ctx context.Context, f Filter, band string) (out []SlotRow, ok bool, err error) {
	sp, err := spans(f)
	if err != nil || len(sp) == 0 {
		return nil, false, err
	}
	whole, edges := split(sp, slotMicros)
	if len(whole) == 0 {
		return nil, false, nil
	}
	b := &builder{ix: ix}
	dims := append([]string{b.ranges("slot", whole)}, b.rollupConds(f)...)
	// Counted first: growing a slice of a year's rows (with the write
	// barriers of their strings) cost more than the count. On one
	// connection, so the rows read find the count's pages in its cache.
	conn, err := ix.db.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("callindex: slots: %w", err)
	}
	defer conn.Close()
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM call_index_slots WHERE "+strings.Join(dims, " AND "),
		b.args...).Scan(&n); err != nil {
		return nil, false, fmt.Errorf("callindex: slots: %w", err)
	}
	// Ordered as the primary key: SQLite reads it in order, no sort.
	rolled, err := ix.scanSlots(ctx, conn, whereClause{}, "SELECT slot, "+ix.packedSlotExpr()+" FROM call_index_slots WHERE "+
		strings.Join(dims, " AND ")+" ORDER BY slot, outcome, call_direction, band", b.args, n, true)
	if err != nil || len(edges) == 0 {
		if err != nil {
			err = fmt.Errorf("callindex: slots: %w", err)
		}
		return rolled, true, err
	}
	b = &builder{ix: ix}
	where, err := ix.edgeWhere(b, f, edges)
	if err != nil {
		return nil, false, err
	}
	edge, err := ix.scanSlots(ctx, nil, whereClause{}, "SELECT "+slotExpr+", "+slotKeyExpr("outcome", "call_direction", band)+", "+
		sumColumns+ix.aggFrom(whereClause{})+where+" GROUP BY "+slotExpr+", outcome, call_direction, "+band+
		" ORDER BY 1, outcome, call_direction, "+band, b.args, 0, false)
	if err != nil {
		return nil, false, fmt.Errorf("callindex: slots: %w", err)
	}
	out = make([]SlotRow, 0, len(rolled)+len(edge))
	for len(rolled) > 0 && len(edge) > 0 {
		if slotLess(&edge[0], &rolled[0]) {
			out, edge = append(out, edge[0]), edge[1:]
		} else {
			out, rolled = append(out, rolled[0]), rolled[1:]
		}
	}
	return append(append(out, rolled...), edge...), true, nil
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
	if !ix.noRollup && rolled(f, g) {
		if rq, rargs, ok, err := ix.rollupGroupsSQL(f, g); err != nil {
			return nil, err
		} else if ok {
			q, args = rq, rargs
		}
	}
	var out []Group
	err = ix.aggQuery(ctx, nil, w, q, args, func(rows *sql.Rows) error {
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
