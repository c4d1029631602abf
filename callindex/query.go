package callindex

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/vobiz"
)

// Filter selects, orders and pages calls. Every set condition must hold.
type Filter struct {
	// From and To bound start_time to the half-open window [From, To); a
	// zero bound is open. Callers convert local times to instants.
	From, To time.Time
	// Windows, when set, keeps only calls starting inside one of them (a
	// union of half-open windows): "14:00–15:00 on every Tuesday of the
	// range" in the viewer's zone, which no single window or UTC offset can
	// say across a DST change. Callers build them; at most MaxWindows.
	Windows []Window
	// API holds the Vobiz API's own filters, applied with the API's
	// semantics (docs/vobiz-api.md#search-filters): numbers and search as
	// substrings, StartDate/EndDate as whole UTC days. Page and PerPage are
	// ignored; use Limit and Offset.
	API vobiz.Filter

	Outcomes   []diagnosis.Outcome // any of
	Qualities  []diagnosis.Band    // any of, with Thresholds
	Thresholds diagnosis.Thresholds
	MinMOS     *float64 // bounds are inclusive; a call without MOS fails both
	MaxMOS     *float64
	MinCost    *float64 // total_cost
	MaxCost    *float64
	// MaxDuration bounds duration (ring + talk), seconds.
	MaxDuration     *int
	HangupCauseCode *int64
	// Exact, case-insensitive.
	HangupSource, Region, TrunkID, Codec string
	// HasRecording keeps only calls with (or without) a recording in the
	// index (docs/call-index.md#recordings): the index's copy of the
	// Recording API's list, complete only for the days it was synced.
	HasRecording RecordingFilter

	Sort   Sort
	Limit  int // rows per page; 0 means DefaultLimit
	Offset int
}

// Window is a half-open interval of start times, [From, To).
type Window struct{ From, To time.Time }

// MaxWindows bounds Filter.Windows: an hour of the day over a year.
const MaxWindows = 400

// DefaultLimit and MaxLimit bound Filter.Limit.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// SortKey is a column calls can be ordered by.
type SortKey string

// The sort keys; the names are the ones the pages' URLs use.
const (
	SortStart    SortKey = "start"
	SortDuration SortKey = "duration"
	SortTalk     SortKey = "talk"
	SortRing     SortKey = "ring"
	SortCost     SortKey = "cost"
	SortMOS      SortKey = "mos"
)

var sortColumns = map[SortKey]string{
	SortStart: "start_time", SortDuration: "duration", SortTalk: "billsec",
	SortRing: "ring_time", SortCost: "total_cost", SortMOS: "mos",
}

// Sort orders a page. The zero value is newest first. Ties are broken by
// start time, then the record's numeric id (the API's own order for calls
// that start in the same second), then insertion order, all in the same
// direction, so paging is stable.
type Sort struct {
	Key       SortKey
	Ascending bool
}

// ParseSort reads "key" (ascending) or "-key" (descending); "" is newest
// first.
func ParseSort(s string) (Sort, error) {
	if s == "" {
		return Sort{}, nil
	}
	desc := strings.HasPrefix(s, "-")
	k := SortKey(strings.TrimPrefix(s, "-"))
	if _, ok := sortColumns[k]; !ok {
		return Sort{}, fmt.Errorf("callindex: unknown sort %q", s)
	}
	return Sort{Key: k, Ascending: !desc}, nil
}

// Call is one indexed call.
type Call struct {
	CDR     vobiz.CDR
	Outcome diagnosis.Outcome
	Failed  bool
	// Extra holds the members of the API record cdrdash does not know, as a
	// JSON object; nil when there were none.
	Extra json.RawMessage
	// Recorded: the index holds a recording of this call. Query sets it
	// for the page's rows; Each leaves it false.
	Recorded bool
}

// Page is one page of a query's result.
type Page struct {
	Calls []Call
	// Total is the exact number of calls matching the filter.
	Total int64
	// Summary is computed over every matching call with the API's summary
	// semantics (docs/vobiz-api.md#summary), so for a filter the API can
	// express it equals the API's own summary.
	Summary vobiz.Summary
}

// Query returns a page of the calls matching f, their exact total and the
// summary tiles of the whole filtered set.
func (ix *Index) Query(ctx context.Context, f Filter) (Page, error) {
	w, err := ix.where(f)
	if err != nil {
		return Page{}, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	offset := max(f.Offset, 0)
	if w, err = ix.narrow(ctx, w); err != nil {
		return Page{}, err
	}

	var q querier = ix.db
	if w.trigram {
		// A substring pattern is a parameter: once pgx's cached statement
		// gets PostgreSQL's generic plan, that plan cannot know the pattern
		// is rare and scans the window instead of the trigram indexes
		// (1 s instead of 15 ms for 7 days at a million calls). A custom
		// plan per execution, in a read-only transaction of its own.
		tx, err := ix.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return Page{}, fmt.Errorf("callindex: query: %w", err)
		}
		defer tx.Rollback() //nolint:errcheck // read-only
		if _, err := tx.ExecContext(ctx, "SET LOCAL plan_cache_mode = force_custom_plan"); err != nil {
			return Page{}, fmt.Errorf("callindex: query: %w", err)
		}
		q = tx
	}
	var page Page
	if page.Summary, err = ix.summary(ctx, q, w, f); err != nil {
		return Page{}, err
	}
	page.Total = int64(page.Summary.TotalCalls)
	if page.Total == 0 || int64(offset) >= page.Total {
		return page, nil
	}
	if page.Calls, err = ix.list(ctx, q, w, f, limit, offset, page.Total); err != nil {
		return Page{}, err
	}
	if err := ix.markRecorded(ctx, q, page.Calls); err != nil {
		return Page{}, err
	}
	return page, nil
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// maxNarrow is how many matches narrow lists by their seq at most (a
// variable for tests).
var maxNarrow = 5000

// narrow replaces a search's conditions by the list of its matches when
// there are few: the identifiers are found by scanning their index over the
// window, and the summary and the page would each scan it again.
func (ix *Index) narrow(ctx context.Context, w whereClause) (whereClause, error) {
	if ix.dialect != store.DialectSQLite || w.selective || w.scanIndex != identIndex {
		return w, nil
	}
	rows, err := ix.db.QueryContext(ctx, "SELECT seq FROM call_index"+w.scan()+w.sql+
		" LIMIT "+strconv.Itoa(maxNarrow+1), w.args...)
	if err != nil {
		return w, fmt.Errorf("callindex: search: %w", err)
	}
	defer rows.Close()
	seqs := make([]string, 0, 64)
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			return w, fmt.Errorf("callindex: search: %w", err)
		}
		seqs = append(seqs, strconv.FormatInt(seq, 10))
	}
	if err := rows.Err(); err != nil {
		return w, fmt.Errorf("callindex: search: %w", err)
	}
	if len(seqs) > maxNarrow {
		return w, nil
	}
	if len(seqs) == 0 {
		return whereClause{sql: " WHERE 0 = 1", selective: true}, nil
	}
	// Integers written by strconv: nothing to quote.
	return whereClause{sql: " WHERE seq IN (" + strings.Join(seqs, ", ") + ")", selective: true}, nil
}

// whereClause is a compiled filter.
type whereClause struct {
	sql  string // "" or "WHERE …"
	args []any
	// selective: a condition has its own index (the trigram index, the
	// hangup cause or code), which beats walking the time window.
	selective bool
	// scanIndex is the index SQLite reads the window through when no
	// condition is selective ("" = call_index_start_idx).
	scanIndex string
	// trigram: on PostgreSQL, a substring condition its trigram indexes
	// answer (see listSQL).
	trigram bool
}

// scan is the INDEXED BY clause for reading w's window on SQLite, or ""
// when a selective condition should choose the plan.
func (w whereClause) scan() string {
	if w.selective {
		return ""
	}
	return " INDEXED BY " + cmp.Or(w.scanIndex, "call_index_start_idx")
}

// builder collects conditions and their arguments.
type builder struct {
	ix        *Index
	conds     []string
	args      []any
	selective bool
	scanIndex string
	trigram   bool
}

func (b *builder) arg(v any) string {
	b.args = append(b.args, v)
	return b.ix.placeholder(len(b.args))
}

func (b *builder) add(cond string) { b.conds = append(b.conds, cond) }

// eqFold is an exact, case-insensitive comparison of col with v.
func (b *builder) eqFold(col, v string) {
	if b.ix.dialect == store.DialectSQLite {
		b.add(col + " = " + b.arg(v) + " COLLATE NOCASE")
		return
	}
	b.add("lower(" + col + ") = lower(" + b.arg(v) + ")")
}

func (ix *Index) where(f Filter) (whereClause, error) {
	b := &builder{ix: ix}
	if err := ix.timeConds(b, f); err != nil {
		return whereClause{}, err
	}
	if err := ix.otherConds(b, f); err != nil {
		return whereClause{}, err
	}
	return b.clause(), nil
}

// clause is the WHERE clause of the conditions collected.
func (b *builder) clause() whereClause {
	w := whereClause{args: b.args, selective: b.selective, scanIndex: b.scanIndex, trigram: b.trigram}
	if len(b.conds) > 0 {
		w.sql = " WHERE " + strings.Join(b.conds, " AND ")
	}
	return w
}

// timeConds adds f's conditions on start_time: From/To, Windows and the
// API's StartDate/EndDate.
func (ix *Index) timeConds(b *builder, f Filter) error {
	if !f.From.IsZero() {
		b.add("start_time >= " + b.arg(f.From.UnixMicro()))
	}
	if !f.To.IsZero() {
		b.add("start_time < " + b.arg(f.To.UnixMicro()))
	}
	if len(f.Windows) > MaxWindows {
		return fmt.Errorf("callindex: %d windows, at most %d", len(f.Windows), MaxWindows)
	}
	if len(f.Windows) > 0 {
		ors := make([]string, len(f.Windows))
		for i, w := range f.Windows {
			ors[i] = "(start_time >= " + b.arg(w.From.UnixMicro()) + " AND start_time < " + b.arg(w.To.UnixMicro()) + ")"
		}
		b.add("(" + strings.Join(ors, " OR ") + ")")
	}
	from, to, ok, err := apiDates(f.API)
	if err != nil {
		return err
	}
	if ok {
		b.add("start_time >= " + b.arg(from.UnixMicro()))
		b.add("start_time < " + b.arg(to.UnixMicro()))
	}
	return nil
}

// apiDates is the window of the API's StartDate/EndDate (whole UTC days),
// ok false when they are not both set.
func apiDates(a vobiz.Filter) (from, to time.Time, ok bool, err error) {
	if a.StartDate == "" || a.EndDate == "" {
		return time.Time{}, time.Time{}, false, nil
	}
	from, err1 := time.Parse(vobiz.DateLayout, a.StartDate)
	to, err2 := time.Parse(vobiz.DateLayout, a.EndDate)
	if err1 != nil || err2 != nil {
		return time.Time{}, time.Time{}, false, fmt.Errorf("callindex: dates %q to %q: want YYYY-MM-DD", a.StartDate, a.EndDate)
	}
	return from, to.AddDate(0, 0, 1), true, nil
}

// otherConds adds every condition of f that is not on start_time.
func (ix *Index) otherConds(b *builder, f Filter) error {
	a := f.API
	if a.CallDirection != "" {
		b.add("call_direction = " + b.arg(a.CallDirection))
	}
	if a.FromNumber != "" {
		ix.numberMatch(b, "caller_id_number", a.FromNumber)
	}
	if a.ToNumber != "" {
		ix.numberMatch(b, "destination_number", a.ToNumber)
	}
	if a.MinDuration != nil {
		b.add("duration >= " + b.arg(int64(*a.MinDuration)))
	}
	if a.SIPCallID != "" {
		b.add("sip_call_id = " + b.arg(a.SIPCallID))
	}
	if a.BridgeUUID != "" {
		b.add("bridge_uuid = " + b.arg(a.BridgeUUID))
	}
	if a.HangupCause != "" {
		b.eqFold("hangup_cause", a.HangupCause)
		b.selective = true
	}
	if a.HangupDisposition != "" {
		b.eqFold("hangup_disposition", a.HangupDisposition)
	}
	if a.Context != "" {
		b.add("context = " + b.arg(a.Context))
	}
	if a.CampaignID != "" {
		b.add("campaign_id = " + b.arg(a.CampaignID))
	}
	if a.Search != "" {
		ix.searchMatch(b, a.Search)
	}

	if len(f.Outcomes) > 0 {
		ph := make([]string, len(f.Outcomes))
		for i, o := range f.Outcomes {
			if !o.Valid() {
				return fmt.Errorf("callindex: unknown outcome %q", o)
			}
			ph[i] = b.arg(string(o))
		}
		b.add("outcome IN (" + strings.Join(ph, ", ") + ")")
	}
	if len(f.Qualities) > 0 {
		t := f.Thresholds
		if t == (diagnosis.Thresholds{}) {
			t = diagnosis.DefaultThresholds()
		}
		expr, err := ix.qualityExpr(t)
		if err != nil {
			return err
		}
		ph := make([]string, len(f.Qualities))
		for i, q := range f.Qualities {
			switch q {
			case diagnosis.BandGood, diagnosis.BandFair, diagnosis.BandPoor, diagnosis.BandNoMedia, diagnosis.BandUnknown:
			default:
				return fmt.Errorf("callindex: unknown quality %q", q)
			}
			ph[i] = b.arg(string(q))
		}
		b.add(expr + " IN (" + strings.Join(ph, ", ") + ")")
	}
	for _, r := range []struct {
		v   *float64
		cmp string
	}{{f.MinMOS, "mos >= "}, {f.MaxMOS, "mos <= "}, {f.MinCost, "total_cost >= "}, {f.MaxCost, "total_cost <= "}} {
		if r.v == nil {
			continue
		}
		if math.IsNaN(*r.v) || math.IsInf(*r.v, 0) {
			return fmt.Errorf("callindex: %s bound is not a number", strings.TrimSpace(r.cmp))
		}
		b.add(r.cmp + b.arg(*r.v))
	}
	if f.MaxDuration != nil {
		b.add("duration <= " + b.arg(int64(*f.MaxDuration)))
	}
	if f.HangupCauseCode != nil {
		b.add("hangup_cause_code = " + b.arg(*f.HangupCauseCode))
		b.selective = true
	}
	for _, e := range []struct{ col, v string }{
		{"hangup_source", f.HangupSource}, {"region", f.Region}, {"trunk_id", f.TrunkID}, {"codec", f.Codec},
	} {
		if e.v != "" {
			b.eqFold(e.col, e.v)
		}
	}
	switch f.HasRecording {
	case RecordingAny:
	case RecordingWith:
		b.add("recorded = 1")
	case RecordingWithout:
		b.add("recorded = 0")
	default:
		return fmt.Errorf("callindex: unknown recording filter %d", f.HasRecording)
	}
	if f.Sort.Key != "" {
		if _, ok := sortColumns[f.Sort.Key]; !ok {
			return fmt.Errorf("callindex: unknown sort %q", f.Sort.Key)
		}
	}
	return nil
}

// isPhoneLike and normalizeNumber give number filters the sandbox's
// reading of the API: separators people type inside a number are dropped,
// a SIP URI is matched as given (docs/vobiz-api.md#search-filters).
func isPhoneLike(v string) bool {
	for _, r := range v {
		if !strings.ContainsRune("+0123456789 -.()", r) {
			return false
		}
	}
	return true
}

func normalizeNumber(v string) string {
	n := strings.Map(func(r rune) rune {
		if strings.ContainsRune(" -.()", r) {
			return -1
		}
		return r
	}, v)
	if n == "" {
		return v
	}
	return n
}

// likePattern is %v% with LIKE's wildcards in v escaped by a backslash.
func likePattern(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(v) + "%"
}

// ftsPhrase quotes v as one FTS5 string: a substring for the trigram
// tokenizer.
func ftsPhrase(v string) string { return `"` + strings.ReplaceAll(v, `"`, `""`) + `"` }

// numberMatch adds "col contains v" (case-sensitive, like the API). On
// SQLite a term of three characters or more is looked up in the trigram
// index first; on PostgreSQL LIKE uses the pg_trgm index when it exists.
func (ix *Index) numberMatch(b *builder, col, v string) {
	if isPhoneLike(v) {
		v = normalizeNumber(v)
	}
	if ix.dialect != store.DialectSQLite {
		b.add(col + " LIKE " + b.arg(likePattern(v)))
		b.trigram = true
		return
	}
	if utf8.RuneCountInString(v) >= 3 {
		b.selective = true
		b.add("seq IN (SELECT rowid FROM call_index_fts WHERE call_index_fts MATCH " +
			b.arg(col+" : "+ftsPhrase(v)) + ")")
	}
	b.add("instr(" + col + ", " + b.arg(v) + ") > 0")
}

// searchColumns are the identifiers search looks into besides the numbers
// and the caller's name.
var searchColumns = []string{"uuid", "sip_call_id", "bridge_uuid", "campaign_id", "trunk_id"}

// identExpr is searchColumns lowercased and joined by identSep, exactly as
// SQLite's call_index_ident_idx (migration 0007) stores it: a term without
// identSep is in it only if it is in one of the identifiers.
const (
	identExpr = "lower(uuid || char(31) || sip_call_id || char(31) || COALESCE(bridge_uuid, '') || char(31) || " +
		"COALESCE(campaign_id, '') || char(31) || COALESCE(trunk_id, ''))"
	identSep   = '\x1f'
	identIndex = "call_index_ident_idx"
	// identExprPG is the same for PostgreSQL's call_index_ident_trgm.
	identExprPG = "lower(uuid || chr(31) || sip_call_id || chr(31) || COALESCE(bridge_uuid, '') || chr(31) || " +
		"COALESCE(campaign_id, '') || chr(31) || COALESCE(trunk_id, ''))"
)

// searchMatch adds the API's free-text search: a case-insensitive
// substring of the numbers, the caller's name or an identifier.
func (ix *Index) searchMatch(b *builder, v string) {
	term := strings.ToLower(v)
	num := term
	if isPhoneLike(term) {
		num = normalizeNumber(term)
	}
	var ors []string
	if ix.dialect == store.DialectSQLite {
		if utf8.RuneCountInString(num) >= 3 && utf8.RuneCountInString(term) >= 3 {
			ors = append(ors, "seq IN (SELECT rowid FROM call_index_fts WHERE call_index_fts MATCH "+
				b.arg("{caller_id_number destination_number} : "+ftsPhrase(num)+" OR caller_id_name : "+ftsPhrase(term))+")")
		} else {
			n, t := b.arg(num), b.arg(term)
			ors = append(ors, "instr(lower(caller_id_number), "+n+") > 0",
				"instr(lower(destination_number), "+n+") > 0", "instr(lower(caller_id_name), "+t+") > 0")
		}
		t := b.arg(term)
		if strings.ContainsRune(term, identSep) {
			for _, c := range searchColumns {
				ors = append(ors, "instr(lower("+c+"), "+t+") > 0")
			}
		} else {
			// One instr over the identifiers joined, read from the index
			// on that very expression (migration 0007) instead of from
			// every row of the window.
			ors = append(ors, "instr("+identExpr+", "+t+") > 0")
			b.scanIndex = identIndex
		}
	} else {
		// Each side written as its trigram index has it (migrations 0004
		// and 0007), so the planner can OR the index lookups.
		n, t := b.arg(likePattern(num)), b.arg(likePattern(term))
		ors = append(ors, "caller_id_number ILIKE "+n, "destination_number ILIKE "+n,
			"lower(caller_id_name) LIKE "+t)
		if strings.ContainsRune(term, identSep) {
			for _, c := range searchColumns {
				ors = append(ors, "lower("+c+") LIKE "+t)
			}
		} else {
			ors = append(ors, identExprPG+" LIKE "+t)
			b.trigram = true
		}
	}
	b.add("(" + strings.Join(ors, " OR ") + ")")
}

// qualityExpr is diagnosis.OverallBand in SQL, for thresholds t: each
// metric is ranked no media 0, unknown 1, good 2, fair 3, poor 4, and the
// call gets the worst rank. TestIndex/*/QualityMatchesDiagnosis holds the two
// together.
func (ix *Index) qualityExpr(t diagnosis.Thresholds) (string, error) {
	for _, v := range []float64{t.MOSGood, t.MOSFair, t.JitterGoodMS, t.JitterMaxMS, t.LossGoodPct, t.LossMaxPct} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "", fmt.Errorf("callindex: quality thresholds must be numbers")
		}
	}
	n := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	const media = "(mos IS NOT NULL AND mos <> 0)"
	mos := "CASE WHEN NOT " + media + " THEN 0 WHEN mos < 1 OR mos > 5 THEN 1 WHEN mos >= " + n(t.MOSGood) +
		" THEN 2 WHEN mos >= " + n(t.MOSFair) + " THEN 3 ELSE 4 END"
	jitter := "CASE WHEN jitter IS NULL OR (NOT " + media + " AND jitter = 0) THEN 0 WHEN jitter < 0 THEN 1 WHEN jitter <= " +
		n(t.JitterGoodMS) + " THEN 2 WHEN jitter <= " + n(t.JitterMaxMS) + " THEN 3 ELSE 4 END"
	loss := "CASE WHEN packet_loss IS NULL OR (NOT " + media + " AND packet_loss = 0) THEN 0 " +
		"WHEN packet_loss < 0 OR packet_loss > 100 THEN 1 WHEN packet_loss < " + n(t.LossGoodPct) +
		" THEN 2 WHEN packet_loss <= " + n(t.LossMaxPct) + " THEN 3 ELSE 4 END"
	worst := "max("
	if ix.dialect != store.DialectSQLite {
		worst = "GREATEST("
	}
	worst += mos + ", " + jitter + ", " + loss + ")"
	return "(CASE WHEN billsec <= 0 AND NOT " + media + " THEN 'no_media' ELSE CASE " + worst +
		" WHEN 0 THEN 'no_media' WHEN 1 THEN 'unknown' WHEN 2 THEN 'good' WHEN 3 THEN 'fair' ELSE 'poor' END END)", nil
}

// summary computes the tiles over the filtered set. Costs are added as
// whole millionths so the sum is exact, then rounded half up to the paisa
// like the API's total_cost.
func (ix *Index) summary(ctx context.Context, db querier, w whereClause, f Filter) (vobiz.Summary, error) {
	q, args, err := ix.summaryQuery(w, f)
	if err != nil {
		return vobiz.Summary{}, err
	}
	var total, answered, duration, billable, costMicros, last int64
	if err := db.QueryRowContext(ctx, q, args...).Scan(&total, &answered, &duration, &billable, &costMicros, &last); err != nil {
		return vobiz.Summary{}, fmt.Errorf("callindex: summary: %w", err)
	}
	s := vobiz.Summary{
		TotalCalls:           vobiz.Int(total),
		AnsweredCalls:        vobiz.Int(answered),
		TotalDurationSeconds: vobiz.Int(duration),
		TotalBillableSeconds: vobiz.Int(billable),
		TotalCost:            vobiz.Float(float64((costMicros+5000)/10000) / 100),
		AvgCallDuration:      "0s",
	}
	if total > 0 {
		s.AnswerRate = vobiz.Float(math.Round(float64(answered)*1000/float64(total)) / 10)
		s.LastCallAt = vobiz.Time{Time: time.UnixMicro(last).UTC()}
	}
	if answered > 0 {
		secs := int64(math.Round(float64(billable) / float64(answered)))
		s.AvgCallDuration = vobiz.Text(vobiz.FormatShortDuration(time.Duration(secs) * time.Second))
	}
	return s, nil
}

// summaryQuery is the summary's statement: from the hourly rollup when f
// allows, else from the calls.
func (ix *Index) summaryQuery(w whereClause, f Filter) (string, []any, error) {
	if !ix.noRollup && rollupable(f) {
		q, args, ok, err := ix.rollupSummarySQL(f)
		if err != nil || ok {
			return q, args, err
		}
	}
	return ix.summarySQL(w), w.args, nil
}

// summarySQL adds up the filtered set. On SQLite, unless a selective
// index applies, it reads the covering time index: after ANALYZE the
// planner preferred a skip-scan of a sort index with a table lookup per
// row, ten times slower (measured at a million calls).
func (ix *Index) summarySQL(w whereClause) string {
	from := " FROM call_index"
	if ix.dialect == store.DialectSQLite {
		from += w.scan()
	}
	return "SELECT COUNT(*), " +
		"CAST(COALESCE(SUM(CASE WHEN billsec > 0 THEN 1 ELSE 0 END), 0) AS BIGINT), " +
		"CAST(COALESCE(SUM(duration), 0) AS BIGINT), CAST(COALESCE(SUM(billsec), 0) AS BIGINT), " +
		"CAST(COALESCE(SUM(CAST(ROUND(total_cost * 1000000) AS BIGINT)), 0) AS BIGINT), " +
		"COALESCE(MAX(start_time), 0)" + from + w.sql
}

// orderBy is the ORDER BY of s, with its tiebreaks.
func (ix *Index) orderBy(s Sort) string { return ix.orderByFirst(s, "") }

// orderByFirst is orderBy with suffix written after the first sort column:
// " + 0" makes PostgreSQL sort the matches instead of walking that column's
// index in order.
func (ix *Index) orderByFirst(s Sort, suffix string) string {
	dir := " DESC"
	if s.Key != "" && s.Ascending {
		dir = " ASC"
	}
	col := sortColumns[s.Key]
	if s.Key == "" || s.Key == SortStart {
		return " ORDER BY start_time" + suffix + dir + ", id" + dir + ", seq" + dir
	}
	// A call without MOS sorts as the lowest, in both dialects.
	nulls := ""
	if col == "mos" && ix.dialect != store.DialectSQLite {
		nulls = " NULLS FIRST"
		if dir == " DESC" {
			nulls = " NULLS LAST"
		}
	}
	return " ORDER BY " + col + suffix + dir + nulls + ", start_time" + dir + ", id" + dir + ", seq" + dir
}

// selectColumns are the columns list reads, in the order scanRow expects.
var selectColumns = func() string {
	cols := make([]string, 0, len(vobiz.Fields)+3)
	for _, f := range vobiz.Fields {
		cols = append(cols, f.Name)
	}
	return strings.Join(append(cols, "extra", "outcome", "failed"), ", ")
}()

// tableStats describe call_index for the SQLite plan choice: its size (the
// largest seq, up to deleted rows, read from the end of the primary key
// instead of counting) and its first and last start times.
type tableStats struct{ rows, first, last int64 }

func (ix *Index) tableStats(ctx context.Context) (tableStats, error) {
	var st tableStats
	// Three subqueries: SQLite answers a lone MIN or MAX from the end of an
	// index, but not several in one SELECT.
	err := ix.db.QueryRowContext(ctx, "SELECT COALESCE((SELECT MAX(seq) FROM call_index), 0), "+
		"COALESCE((SELECT MIN(start_time) FROM call_index), 0), COALESCE((SELECT MAX(start_time) FROM call_index), 0)").
		Scan(&st.rows, &st.first, &st.last)
	return st, err
}

// dayMicros is a UTC day in the unit of start_time; the SQLite sort indexes
// are led by start_time / dayMicros (migration 0006).
const dayMicros = int64(24 * time.Hour / time.Microsecond)

// listPlan is how SQLite reads a page.
type listPlan struct {
	// walk: walk the sort column's day-led index one UTC day of the window
	// at a time, firstDay to lastDay, keeping each day's first
	// offset+limit matches, and merge the days.
	walk              bool
	firstDay, lastDay int64
}

// planList chooses the plan of a sorted page on SQLite, from the page's
// total (known from the summary) and the table's size: walking a day's
// index in order costs about (offset+limit) × rows / matches entries
// (each a table lookup when a condition needs the row), so the walk is
// taken when the whole window's cost stays within walkBudget; otherwise the
// matches are collected through the time index (or a selective one) and
// sorted, which is cheap because they are few.
func planList(f Filter, onlyTime bool, limit, offset int, total int64, st tableStats) listPlan {
	if cmp.Or(f.Sort.Key, SortStart) == SortStart || total <= 0 || st.rows == 0 {
		return listPlan{}
	}
	sp, err := spans(f)
	if err != nil || len(sp) == 0 {
		return listPlan{}
	}
	lo, hi := max(sp[0].lo, st.first), min(sp[len(sp)-1].hi, st.last+1)
	if lo >= hi {
		return listPlan{}
	}
	p := listPlan{walk: true, firstDay: lo / dayMicros, lastDay: (hi - 1) / dayMicros}
	days := p.lastDay - p.firstDay + 1
	// The window's share of the table, taking calls as spread evenly.
	windowRows := st.rows
	if span := st.last - st.first + 1; span > 0 {
		windowRows = max(1, int64(float64(st.rows)*float64(hi-lo)/float64(span)))
	}
	cost := min(windowRows, int64(float64(days)*float64(offset+limit)*float64(windowRows)/float64(total)))
	budget := int64(walkBudget)
	if onlyTime {
		// Nothing to check but the index entry itself: no table lookups.
		budget *= 10
	}
	p.walk = cost <= budget
	return p
}

// listSQL selects a page, on SQLite with the plan p.
func (ix *Index) listSQL(w whereClause, s Sort, limit, offset int, p listPlan) (string, []any) {
	args := append(w.args[:len(w.args):len(w.args)], int64(limit), int64(offset))
	from := " FROM call_index"
	if ix.dialect == store.DialectSQLite {
		if p.walk {
			return ix.walkSQL(w, s, limit, offset, p)
		}
		from += w.scan()
	}
	order := ix.orderBy(s)
	if w.trigram {
		// PostgreSQL would walk the sort column's index backwards and test
		// each row, expecting a page of matches soon; a substring matches
		// few calls, so it read the whole window (200-400 ms for 30 days at
		// a million calls). Its trigram indexes find the few, then a sort.
		order = ix.orderByFirst(s, " + 0")
	}
	return "SELECT " + selectColumns + from + w.sql + order +
		" LIMIT " + ix.placeholder(len(args)-1) + " OFFSET " + ix.placeholder(len(args)), args
}

// walkSQL is the day-by-day walk of listPlan: for each UTC day of the
// window (a recursive CTE), the first offset+limit matches in the sort
// column's index for that day, then the page out of their union.
func (ix *Index) walkSQL(w whereClause, s Sort, limit, offset int, p listPlan) (string, []any) {
	args := append(w.args[:len(w.args):len(w.args)], p.firstDay, p.lastDay, int64(offset+limit), int64(limit), int64(offset))
	n := len(w.args)
	cond := " WHERE start_time / 86400000000 = d.day"
	if w.sql != "" {
		cond += " AND " + strings.TrimPrefix(w.sql, " WHERE ")
	}
	return "WITH RECURSIVE d(day) AS (SELECT " + ix.placeholder(n+1) + " UNION ALL SELECT day + 1 FROM d WHERE day < " +
		ix.placeholder(n+2) + ") SELECT " + selectColumns + " FROM d CROSS JOIN call_index WHERE seq IN (SELECT seq FROM call_index" +
		" INDEXED BY call_index_" + sortIndexes[s.Key] + cond + ix.orderBy(s) + " LIMIT " + ix.placeholder(n+3) + ")" +
		ix.orderBy(s) + " LIMIT " + ix.placeholder(n+4) + " OFFSET " + ix.placeholder(n+5), args
}

// walkBudget is how many index entries a page may cost when walking a sort
// index in order (each a table lookup).
const walkBudget = 20_000

var sortIndexes = map[SortKey]string{
	SortDuration: "duration_day_idx", SortTalk: "billsec_day_idx", SortRing: "ring_day_idx", SortCost: "cost_day_idx",
	SortMOS: "mos_day_idx",
}

// onlyTime reports whether f has no condition besides start time.
func (ix *Index) onlyTime(f Filter) bool {
	b := &builder{ix: ix}
	return ix.otherConds(b, f) == nil && len(b.conds) == 0
}

func (ix *Index) list(ctx context.Context, db querier, w whereClause, f Filter, limit, offset int, total int64) ([]Call, error) {
	var p listPlan
	if ix.dialect == store.DialectSQLite {
		st, err := ix.tableStats(ctx)
		if err != nil {
			return nil, fmt.Errorf("callindex: list: %w", err)
		}
		p = planList(f, ix.onlyTime(f), limit, offset, total, st)
	}
	q, args := ix.listSQL(w, f.Sort, limit, offset, p)
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("callindex: list: %w", err)
	}
	defer rows.Close()
	calls := make([]Call, 0, limit)
	err = scanCalls(rows, func(c *Call) error {
		calls = append(calls, *c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("callindex: list: %w", err)
	}
	return calls, nil
}

// Each calls fn with every call matching f, in f.Sort's order, reading
// them one at a time (constant memory whatever the number of matches), for
// downloads and reports. Limit and Offset are ignored. fn must not keep
// the pointer; an error from fn stops the walk and is returned as is.
func (ix *Index) Each(ctx context.Context, f Filter, fn func(*Call) error) error {
	w, err := ix.where(f)
	if err != nil {
		return err
	}
	from := " FROM call_index"
	if ix.dialect == store.DialectSQLite && cmp.Or(f.Sort.Key, SortStart) == SortStart {
		from += w.scan()
	}
	rows, err := ix.db.QueryContext(ctx, "SELECT "+selectColumns+from+w.sql+ix.orderBy(f.Sort), w.args...)
	if err != nil {
		return fmt.Errorf("callindex: each: %w", err)
	}
	defer rows.Close()
	var stop error
	err = scanCalls(rows, func(c *Call) error {
		if err := fn(c); err != nil {
			stop = err
			return err
		}
		return nil
	})
	if stop != nil {
		return stop
	}
	if err != nil {
		return fmt.Errorf("callindex: each: %w", err)
	}
	return nil
}

// scanCalls reads rows of selectColumns into one reused Call and hands it
// to fn.
func scanCalls(rows *sql.Rows, fn func(*Call) error) error {
	var c Call
	dest := make([]any, len(vobiz.Fields)+3)
	sets := make([]func(), len(vobiz.Fields))
	for i, f := range vobiz.Fields {
		dest[i], sets[i] = scanTarget(f.Ptr(&c.CDR))
	}
	var (
		extra   *string
		outcome string
		failed  int64
	)
	dest[len(vobiz.Fields)], dest[len(vobiz.Fields)+1], dest[len(vobiz.Fields)+2] = &extra, &outcome, &failed
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		for _, set := range sets {
			set()
		}
		c.Outcome, c.Failed, c.Extra = diagnosis.Outcome(outcome), failed != 0, nil
		if extra != nil {
			c.Extra = json.RawMessage(*extra)
		}
		if err := fn(&c); err != nil {
			return err
		}
	}
	return rows.Err()
}
