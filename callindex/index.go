// Package callindex is the local call index: a copy of the account's call
// detail records in the application's database (SQLite or PostgreSQL, the
// tables of migration 0004), which pages can filter, sort and sum in ways the
// Vobiz API cannot (local time windows, outcome, audio quality, sorting).
//
// This package is the storage only: Upsert and DeleteBefore write calls, Day
// and SetDay keep the per-UTC-day sync state, Count and Query read. The sync
// job that fills it, and the pages that read it, live elsewhere.
//
// One row holds every field of vobiz.Fields in a column of the same name
// (times as UTC Unix microseconds, like the rest of the database), the
// fields of the API record that cdrdash does not know (extra, JSON), and the
// derived outcome and failure flag. The quality band is computed by each
// query from mos, jitter and packet_loss with the thresholds the caller
// passes, so an admin changing the band edges needs no rewrite of the index.
package callindex

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/vobiz"
)

// Index reads and writes the call index in a store.DB. It is safe for
// concurrent use.
type Index struct {
	db      *sql.DB
	dialect string
	now     func() time.Time
	// noRollup makes summaries ignore the hourly rollup (tests compare
	// the two ways).
	noRollup bool
}

// New returns the index kept in db (whose migrations created its tables).
func New(db *store.DB) *Index {
	return &Index{db: db.SQL(), dialect: db.Dialect(), now: db.Now}
}

// BatchSize is how many records Upsert writes per transaction.
const BatchSize = 10000

// rowsPerStatement is how many rows one PostgreSQL INSERT carries (at most
// 65,535 parameters per statement, len(columns) per row).
const rowsPerStatement = 500

// columns are the call columns Upsert writes, in order: every CDR field
// under its API name, then the derived and extra columns.
var columns = func() []string {
	cols := make([]string, 0, len(vobiz.Fields)+3)
	for _, f := range vobiz.Fields {
		cols = append(cols, f.Name)
	}
	return append(cols, "extra", "outcome", "failed")
}()

// UpsertStats says what one Upsert did.
type UpsertStats struct {
	Offered int // records passed in
	// Invalid counts records skipped because they have no uuid or no start
	// time; the sync job logs them and keeps their day unverified.
	Invalid int
}

// Upsert writes calls, BatchSize records per transaction. A record replaces
// the stored one with the same uuid only when its updated_at is newer (or
// the stored one has none), so an older version read late never overwrites
// a newer one. Invalid records (no uuid or no start time) are skipped and
// counted; the others are still written.
func (ix *Index) Upsert(ctx context.Context, cdrs []vobiz.CDR) (UpsertStats, error) {
	st := UpsertStats{Offered: len(cdrs)}
	for len(cdrs) > 0 {
		n := min(len(cdrs), BatchSize)
		invalid, err := ix.upsertBatch(ctx, cdrs[:n])
		st.Invalid += invalid
		if err != nil {
			return st, err
		}
		cdrs = cdrs[n:]
	}
	return st, nil
}

func (ix *Index) upsertBatch(ctx context.Context, cdrs []vobiz.CDR) (invalid int, err error) {
	// One statement must not name a uuid twice (PostgreSQL refuses to
	// update a row twice in one command): keep the newest of duplicates.
	pos := make(map[string]int, len(cdrs))
	keep := make([]*vobiz.CDR, 0, len(cdrs))
	for i := range cdrs {
		c := &cdrs[i]
		if c.UUID == "" || c.StartTime.IsZero() {
			invalid++
			continue
		}
		if j, dup := pos[string(c.UUID)]; dup {
			if c.UpdatedAt.After(keep[j].UpdatedAt.Time) {
				keep[j] = c
			}
			continue
		}
		pos[string(c.UUID)] = len(keep)
		keep = append(keep, c)
	}
	if len(keep) == 0 {
		return invalid, nil
	}
	// Oldest first: exports come newest first, and B-trees filled from
	// their low end split into half-empty pages; in time order the indexes
	// led by start time fill their pages (measured at 100,000 calls: 1.45
	// GB per million calls newest first, 1.15 oldest first).
	slices.SortStableFunc(keep, func(a, b *vobiz.CDR) int { return a.StartTime.Compare(b.StartTime.Time) })

	tx, err := ix.db.BeginTx(ctx, nil)
	if err != nil {
		return invalid, fmt.Errorf("callindex: upsert: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit

	touched := newTouched()
	if ix.dialect == store.DialectSQLite {
		err = ix.writeSQLite(ctx, tx, keep, touched)
	} else {
		err = ix.writePostgres(ctx, tx, keep, touched)
	}
	if err != nil {
		return invalid, err
	}
	if err := ix.refresh(ctx, tx, touched); err != nil {
		return invalid, err
	}
	if err := tx.Commit(); err != nil {
		return invalid, fmt.Errorf("callindex: upsert: commit: %w", err)
	}
	return invalid, nil
}

// writePostgres upserts keep with multi-row statements, saving round trips.
// Every record's start goes into touched, and the start of a stored version
// of it (read first), in case the newer one moved to another slot or day.
func (ix *Index) writePostgres(ctx context.Context, tx *sql.Tx, keep []*vobiz.CDR, touched *touched) error {
	ids := make([]string, len(keep))
	for i, c := range keep {
		ids[i] = string(c.UUID)
		touched.add(c.StartTime.UnixMicro())
	}
	rows, err := tx.QueryContext(ctx, "SELECT DISTINCT start_time FROM call_index WHERE uuid = ANY($1)", ids)
	if err != nil {
		return fmt.Errorf("callindex: upsert: stored starts: %w", err)
	}
	for rows.Next() {
		var h int64
		if err := rows.Scan(&h); err != nil {
			rows.Close()
			return fmt.Errorf("callindex: upsert: stored starts: %w", err)
		}
		touched.add(h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("callindex: upsert: stored starts: %w", err)
	}

	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, s := range stmts {
			s.Close()
		}
	}()
	args := make([]any, 0, rowsPerStatement*len(columns))
	for len(keep) > 0 {
		n := min(len(keep), rowsPerStatement)
		stmt, ok := stmts[n]
		if !ok {
			var err error
			if stmt, err = tx.PrepareContext(ctx, ix.upsertSQL(n)); err != nil {
				return fmt.Errorf("callindex: upsert: prepare: %w", err)
			}
			stmts[n] = stmt
		}
		args = args[:0]
		for _, c := range keep[:n] {
			args = appendRow(args, c)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("callindex: upsert %d calls: %w", n, err)
		}
		keep = keep[n:]
	}
	return nil
}

// writeSQLite inserts new calls one prepared single-row INSERT OR IGNORE
// at a time, then updates the ones that already existed when the record is
// newer. Measured on a backfill, an upsert (ON CONFLICT DO UPDATE) or a
// multi-row statement makes SQLite keep a statement journal for every
// statement, which cost more than the rows themselves; a plain single-row
// insert needs none, and in-process SQLite has no round trips to save.
//
// New rows are added to the rollups as a delta; the starts of the rows
// changed go into touched, with the start a changed row had before.
func (ix *Index) writeSQLite(ctx context.Context, tx *sql.Tx, keep []*vobiz.CDR, touched *touched) error {
	var maxSeq int64
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM call_index").Scan(&maxSeq); err != nil {
		return fmt.Errorf("callindex: upsert: %w", err)
	}
	ins, err := tx.PrepareContext(ctx, insertSQLite)
	if err != nil {
		return fmt.Errorf("callindex: upsert: prepare: %w", err)
	}
	defer ins.Close()
	args := make([]any, 0, len(columns)+1)
	var existing []*vobiz.CDR
	added := newRollupDelta()
	for _, c := range keep {
		res, err := ins.ExecContext(ctx, appendRow(args[:0], c)...)
		if err != nil {
			return fmt.Errorf("callindex: insert call %s: %w", c.UUID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("callindex: insert call %s: %w", c.UUID, err)
		} else if n == 0 {
			existing = append(existing, c)
		} else {
			added.add(c)
		}
	}
	if err := added.write(ctx, tx, ix); err != nil {
		return err
	}
	if len(existing) > 0 {
		upd, err := tx.PrepareContext(ctx, updateSQLite)
		if err != nil {
			return fmt.Errorf("callindex: upsert: prepare: %w", err)
		}
		defer upd.Close()
		old, err := tx.PrepareContext(ctx, "SELECT start_time FROM call_index WHERE uuid = ?")
		if err != nil {
			return fmt.Errorf("callindex: upsert: prepare: %w", err)
		}
		defer old.Close()
		for _, c := range existing {
			var was int64
			if err := old.QueryRowContext(ctx, string(c.UUID)).Scan(&was); err != nil {
				return fmt.Errorf("callindex: update call %s: %w", c.UUID, err)
			}
			// The row's values, then uuid and updated_at for the WHERE.
			a := append(appendRow(args[:0], c), string(c.UUID), fieldValue(&c.UpdatedAt))
			res, err := upd.ExecContext(ctx, a...)
			if err != nil {
				return fmt.Errorf("callindex: update call %s: %w", c.UUID, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("callindex: update call %s: %w", c.UUID, err)
			} else if n > 0 {
				touched.add(was)
				touched.add(c.StartTime.UnixMicro())
			}
		}
	}
	// New rows got seq values above every earlier row's; add them to the
	// trigram index in one statement (see migration 0004).
	if _, err := tx.ExecContext(ctx, `INSERT INTO call_index_fts (rowid, caller_id_number, destination_number, caller_id_name)
		SELECT seq, caller_id_number, destination_number, caller_id_name FROM call_index WHERE seq > ?`, maxSeq); err != nil {
		return fmt.Errorf("callindex: upsert: trigram index: %w", err)
	}
	return nil
}

var (
	insertSQLite = "INSERT OR IGNORE INTO call_index (" + strings.Join(columns, ", ") + ") VALUES (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ") + ")"
	updateSQLite = func() string {
		set := make([]string, len(columns))
		for i, c := range columns {
			set[i] = c + " = ?"
		}
		return "UPDATE call_index SET " + strings.Join(set, ", ") +
			" WHERE uuid = ? AND (updated_at IS NULL OR updated_at < ?)"
	}()
)

// upsertSQL is PostgreSQL's INSERT for n rows.
func (ix *Index) upsertSQL(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO call_index (")
	b.WriteString(strings.Join(columns, ", "))
	b.WriteString(") VALUES ")
	p := 0
	for r := range n {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range columns {
			if c > 0 {
				b.WriteString(", ")
			}
			p++
			b.WriteString(ix.placeholder(p))
		}
		b.WriteByte(')')
	}
	b.WriteString(" ON CONFLICT (uuid) DO UPDATE SET ")
	first := true
	for _, c := range columns {
		if c == "uuid" {
			continue
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		b.WriteString(c + " = excluded." + c)
	}
	b.WriteString(" WHERE call_index.updated_at IS NULL OR excluded.updated_at > call_index.updated_at")
	return b.String()
}

func (ix *Index) placeholder(n int) string {
	if ix.dialect == store.DialectSQLite {
		return "?" + strconv.Itoa(n)
	}
	return "$" + strconv.Itoa(n)
}

// appendRow appends c's column values in the order of columns.
func appendRow(args []any, c *vobiz.CDR) []any {
	for _, f := range vobiz.Fields {
		args = append(args, fieldValue(f.Ptr(c)))
	}
	outcome := diagnosis.OutcomeOf(c)
	failed := 0
	if outcome == diagnosis.Failed {
		failed = 1
	}
	return append(args, extraOf(c.Raw), string(outcome), failed)
}

// fieldValue converts a field to its column value: NULL for a null field
// or a zero time, microseconds for times.
func fieldValue(p any) any {
	switch v := p.(type) {
	case *vobiz.Text:
		return string(*v)
	case *vobiz.NullString:
		if !v.Valid {
			return nil
		}
		return v.String
	case *vobiz.Int:
		return int64(*v)
	case *vobiz.NullInt:
		if !v.Valid {
			return nil
		}
		return v.Int64
	case *vobiz.Float:
		return float64(*v)
	case *vobiz.NullFloat:
		if !v.Valid {
			return nil
		}
		return v.Float64
	case *vobiz.Time:
		if v.IsZero() {
			return nil
		}
		return v.UnixMicro()
	}
	panic(fmt.Sprintf("callindex: unhandled field type %T", p)) // vobiz.checkFields admits no other
}

// extraOf keeps the members of a raw API record that are not CDR fields,
// as a JSON object, or nil when there are none (or no raw record: the CSV
// export carries only known columns).
func extraOf(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	for k := range m {
		if _, known := vobiz.FieldByName(k); known {
			delete(m, k)
		}
	}
	if len(m) == 0 {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return string(b)
}

// scanTarget returns a holder for a field's column, and a function that
// stores the scanned value into the field.
func scanTarget(p any) (any, func()) {
	switch v := p.(type) {
	case *vobiz.Text:
		var s string
		return &s, func() { *v = vobiz.Text(s) }
	case *vobiz.NullString:
		var s sql.NullString
		return &s, func() { *v = vobiz.NullString{String: s.String, Valid: s.Valid} }
	case *vobiz.Int:
		var n int64
		return &n, func() { *v = vobiz.Int(n) }
	case *vobiz.NullInt:
		var n sql.NullInt64
		return &n, func() { *v = vobiz.NullInt{Int64: n.Int64, Valid: n.Valid} }
	case *vobiz.Float:
		var f float64
		return &f, func() { *v = vobiz.Float(f) }
	case *vobiz.NullFloat:
		var f sql.NullFloat64
		return &f, func() { *v = vobiz.NullFloat{Float64: f.Float64, Valid: f.Valid} }
	case *vobiz.Time:
		var n sql.NullInt64
		return &n, func() {
			*v = vobiz.Time{}
			if n.Valid {
				*v = vobiz.Time{Time: time.UnixMicro(n.Int64).UTC()}
			}
		}
	}
	panic(fmt.Sprintf("callindex: unhandled field type %T", p))
}

// DeleteBefore deletes the calls that started before t, and the sync state
// of the UTC days that end at or before t. It returns the calls deleted.
func (ix *Index) DeleteBefore(ctx context.Context, t time.Time) (int64, error) {
	tx, err := ix.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("callindex: delete before %s: %w", t.UTC().Format(time.RFC3339), err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	// Recordings go with their calls, and by their own age (a recording
	// whose call was never indexed), before the calls they are found by.
	if err := ix.deleteRecordingsOf(ctx, tx, "SELECT uuid FROM call_index WHERE start_time < "+ix.placeholder(1),
		[]any{t.UnixMicro()}); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM call_index_recordings WHERE add_time < "+ix.placeholder(1), t.UnixMicro()); err != nil {
		return 0, fmt.Errorf("callindex: delete recordings before %s: %w", t.UTC().Format(time.RFC3339), err)
	}
	res, err := tx.ExecContext(ctx, "DELETE FROM call_index WHERE start_time < "+ix.placeholder(1), t.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("callindex: delete calls before %s: %w", t.UTC().Format(time.RFC3339), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("callindex: delete calls: %w", err)
	}
	// The rollups: slots and days that ended by t go, the ones t cuts are
	// recomputed.
	cut := t.UnixMicro()
	if _, err := tx.ExecContext(ctx, "DELETE FROM call_index_slots WHERE slot < "+ix.placeholder(1), slotOf(cut)); err != nil {
		return 0, fmt.Errorf("callindex: delete rollup: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM call_index_day_groups WHERE day < "+ix.placeholder(1), dayOf(cut)); err != nil {
		return 0, fmt.Errorf("callindex: delete day rollup: %w", err)
	}
	cuts := newTouched()
	if slotOf(cut) != cut {
		cuts.slots[slotOf(cut)] = struct{}{}
	}
	if dayOf(cut) != cut {
		cuts.days[dayOf(cut)] = struct{}{}
	}
	if err := ix.refresh(ctx, tx, cuts); err != nil {
		return 0, err
	}
	// Day d ends at d+24h; it is gone entirely when d+24h <= t.
	lastGone := t.UTC().Add(-24 * time.Hour).Format(dayLayout)
	if _, err := tx.ExecContext(ctx, "DELETE FROM call_index_days WHERE day <= "+ix.placeholder(1), lastGone); err != nil {
		return 0, fmt.Errorf("callindex: delete day states: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM call_index_recording_days WHERE day <= "+ix.placeholder(1), lastGone); err != nil {
		return 0, fmt.Errorf("callindex: delete recording day states: %w", err)
	}
	// A watermark inside the deleted span (a purge of everything) would
	// make the next recordings poll skip what it deleted.
	if _, err := tx.ExecContext(ctx, "UPDATE call_index_recording_sync SET watermark = NULL WHERE watermark < "+
		ix.placeholder(1), cut); err != nil {
		return 0, fmt.Errorf("callindex: reset recording watermark: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("callindex: delete before: commit: %w", err)
	}
	return n, nil
}

// Count returns the number of calls that started in [from, to): what the
// sync job compares with the API's total for a day.
func (ix *Index) Count(ctx context.Context, from, to time.Time) (int64, error) {
	var n int64
	err := ix.db.QueryRowContext(ctx,
		"SELECT COUNT(*) FROM call_index WHERE start_time >= "+ix.placeholder(1)+" AND start_time < "+ix.placeholder(2),
		from.UnixMicro(), to.UnixMicro()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("callindex: count: %w", err)
	}
	return n, nil
}

// Analyze refreshes the planner's statistics; the sync job calls it after a
// large backfill, so the planner picks the indexes the queries were built
// for. On PostgreSQL it also vacuums: a bulk load leaves the visibility map
// unset until then, and every index-only scan (the tiles' covering index)
// visits the table for every row instead (measured at a million calls).
func (ix *Index) Analyze(ctx context.Context) error {
	q := "ANALYZE call_index"
	if ix.dialect != store.DialectSQLite {
		// The rollups too: without statistics PostgreSQL expected a few
		// hundred of a year's 100,000 slot rows and sorted them.
		q = "VACUUM (ANALYZE) call_index, call_index_slots, call_index_day_groups"
	}
	if _, err := ix.db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("callindex: analyze: %w", err)
	}
	return nil
}
